import { DBClusterSnapshotNotFoundFault, DescribeDBClusterSnapshotsCommand, DescribeExportTasksCommand, RDSClient, StartExportTaskCommand } from "@aws-sdk/client-rds";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { exportGolden } from "../../../functions/golden-export/goldenExport";
import type { ExportTarget } from "../../../functions/shared/exportTask";
import { recordSdkRequests } from "../../support/sdkRequests";

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
const rds = new RDSClient({ region: "ap-northeast-1" });

const ENV = {
  ENVIRONMENT: "prod",
  ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:data-platform-prod-alerts",
  EXPORT_BUCKET: "data-platform-prod-exports-123456789012-ap-northeast-1",
  EXPORT_ROLE_ARN: "arn:aws:iam::123456789012:role/data-platform-prod-rds-export",
  KMS_KEY_ARN: "arn:aws:kms:ap-northeast-1:123456789012:key/k",
  EXPORT_ONLY: JSON.stringify(["shop.users", "shop.orders"]),
  AWS_REGION: "ap-northeast-1",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};
const target: ExportTarget = {
  environment: "prod",
  bucketName: ENV.EXPORT_BUCKET,
  exportRoleArn: ENV.EXPORT_ROLE_ARN,
  kmsKeyArn: ENV.KMS_KEY_ARN,
  exportOnly: ["shop.users", "shop.orders"],
};
const SNAPSHOT_ID = "golden-prod-20261122-snapshot";
const SNAPSHOT_ARN = `arn:aws:rds:ap-northeast-1:123456789012:cluster-snapshot:${SNAPSHOT_ID}`;
const goldenSnapshot = (extra: Record<string, unknown> = {}) =>
  rdsMock.on(DescribeDBClusterSnapshotsCommand, { DBClusterSnapshotIdentifier: SNAPSHOT_ID }).resolves({
    DBClusterSnapshots: [
      {
        DBClusterSnapshotIdentifier: SNAPSHOT_ID,
        DBClusterSnapshotArn: SNAPSHOT_ARN,
        SnapshotType: "manual",
        Status: "available",
        SnapshotCreateTime: new Date("2026-11-21T14:40:00Z"),
        TagList: [{ Key: "purpose", Value: "golden" }],
        ...extra,
      },
    ],
  });

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  expect.fail("expected a rejection");
}

describe("golden-export", () => {
  recordSdkRequests("golden-export", ENV, rdsMock, snsMock);
  beforeEach(() => {
    rdsMock.reset();
    snsMock.reset();
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    rdsMock.on(StartExportTaskCommand).resolves({});
  });

  it("exports the day's masked snapshot under the day's export id, prefix, role, key and ExportOnly", async () => {
    goldenSnapshot();
    const result = await exportGolden(rds, target, "20261122");
    expect(result).to.deep.include({ action: "started", exportTaskIdentifier: "prod-20261122", attempt: 1, snapshotArn: SNAPSHOT_ARN, snapshotId: SNAPSHOT_ID });
    expect(rdsMock.commandCalls(StartExportTaskCommand)[0].args[0].input).to.deep.equal({
      ExportTaskIdentifier: "prod-20261122",
      SourceArn: SNAPSHOT_ARN,
      S3BucketName: ENV.EXPORT_BUCKET,
      S3Prefix: "exports",
      IamRoleArn: ENV.EXPORT_ROLE_ARN,
      KmsKeyId: ENV.KMS_KEY_ARN,
      ExportOnly: ["shop.users", "shop.orders"],
    });
  });

  it("is a no-op when the day's export already runs, and starts -r2 after a failed attempt", async () => {
    goldenSnapshot();
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ExportTaskIdentifier: "prod-20261122", Status: "IN_PROGRESS" }] });
    expect(await exportGolden(rds, target, "20261122")).to.deep.include({ action: "skipped", exportTaskIdentifier: "prod-20261122" });
    expect(rdsMock.commandCalls(StartExportTaskCommand)).to.have.length(0);

    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ExportTaskIdentifier: "prod-20261122", Status: "FAILED" }] });
    expect(await exportGolden(rds, target, "20261122")).to.deep.include({ action: "started", exportTaskIdentifier: "prod-20261122-r2", attempt: 2 });
  });

  it("refuses a snapshot that is not tagged golden, one that is not available yet, and one that does not exist", async () => {
    goldenSnapshot({ TagList: [] });
    expect((await failure(exportGolden(rds, target, "20261122"))).name).to.equal("GoldenExportRequestError");
    rdsMock.reset();
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    goldenSnapshot({ Status: "creating" });
    expect(await failure(exportGolden(rds, target, "20261122"))).to.include({ name: "ExportError", kind: "snapshot-not-available" });
    rdsMock.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: "none", $metadata: {} }));
    expect(await failure(exportGolden(rds, target, "20261122"))).to.include({ name: "ExportRefusedError", kind: "no-snapshot" });
    expect(rdsMock.commandCalls(StartExportTaskCommand)).to.have.length(0);
  });

  it("rejects a malformed day before any AWS call", async () => {
    expect((await failure(exportGolden(rds, target, "2026-11-22"))).name).to.equal("GoldenExportRequestError");
    expect(rdsMock.calls()).to.have.length(0);
  });

  describe("handler", () => {
    let handler: (event?: Record<string, unknown>) => Promise<unknown>;
    before(async () => {
      Object.assign(process.env, ENV);
      ({ handler } = await import("../../../functions/golden-export/handler"));
    });

    it("takes the day from the state machine's golden and does not alert itself (the machine does)", async () => {
      goldenSnapshot({ Status: "creating" });
      const err = await failure(handler({ action: "export", golden: { day: "20261122", snapshotId: SNAPSHOT_ID } }));
      expect(err.name).to.equal("ExportError");
      expect(snsMock.commandCalls(PublishCommand)).to.have.length(0);
    });

    it("alerts and rethrows when a manual retry fails", async () => {
      goldenSnapshot({ Status: "creating" });
      await failure(handler({ day: "20261122" }));
      const published = snsMock.commandCalls(PublishCommand);
      expect(published).to.have.length(1);
      expect(published[0].args[0].input.Subject).to.equal("[data-platform prod] masked export of 20261122 failed to start");
    });

    it("starts the export for a manual retry", async () => {
      goldenSnapshot();
      expect(await handler({ day: "20261122" })).to.deep.include({ action: "started", exportTaskIdentifier: "prod-20261122" });
    });
  });
});
