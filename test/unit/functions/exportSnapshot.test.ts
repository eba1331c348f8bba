import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  type DBClusterSnapshot,
  RDSClient,
  StartExportTaskCommand,
} from "@aws-sdk/client-rds";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { exportDay } from "../../../contracts/exportLayout";
import { ExportError, type ExportSettings, runExport, triggerOf } from "../../../functions/export-snapshot/exportSnapshot";
import { notInAnyStack, recordSdkRequests } from "../../support/sdkRequests";
import { alertDetails } from "../../support/alerts";

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
const rds = new RDSClient({ region: "ap-northeast-1" });

const ENV = {
  ENVIRONMENT: "stg",
  ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts",
  SNAPSHOT_TYPE: "cluster",
  SOURCE_IDENTIFIER: "shop-stg-aurora",
  EXPORT_BUCKET: "data-platform-stg-exports-123456789012-ap-northeast-1",
  EXPORT_ROLE_ARN: "arn:aws:iam::123456789012:role/data-platform-stg-rds-export",
  KMS_KEY_ARN: "arn:aws:kms:ap-northeast-1:123456789012:key/k",
  EXPORT_ONLY: JSON.stringify(["shop.users", "shop.orders"]),
  SCHEDULE_TIMEZONE: "Asia/Tokyo",
  SNAPSHOT_WAIT_SECONDS: "0",
  AWS_REGION: "ap-northeast-1",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};

const settings: ExportSettings = {
  environment: "stg",
  sourceIdentifier: "shop-stg-aurora",
  snapshotType: "cluster",
  bucketName: ENV.EXPORT_BUCKET,
  exportRoleArn: ENV.EXPORT_ROLE_ARN,
  kmsKeyArn: ENV.KMS_KEY_ARN,
  exportOnly: ["shop.users"],
  timeZone: "Asia/Tokyo",
};

// 2024-03-01 16:30 UTC is already 2 March in Tokyo: "today" is the schedule's day.
const NOW = new Date("2024-03-01T16:30:00Z");

function snap(id: string, created: string, extra: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: id,
    DBClusterSnapshotArn: `arn:aws:rds:ap-northeast-1:123456789012:cluster-snapshot:${id}`,
    DBClusterIdentifier: "shop-stg-aurora",
    SnapshotType: "automated",
    Status: "available",
    SnapshotCreateTime: new Date(created),
    ...extra,
  };
}

describe("export-snapshot", () => {
  recordSdkRequests("export-snapshot", ENV, rdsMock, snsMock);
  beforeEach(() => {
    rdsMock.reset();
    snsMock.reset();
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    rdsMock.on(StartExportTaskCommand).resolves({});
  });

  it("names today's export after the schedule's time zone, not UTC", async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
    const result = await runExport(rds, settings, NOW);
    expect(result).to.include({ action: "started", exportTaskIdentifier: "stg-20240302", attempt: 1 });
  });

  it("finds the newest automated snapshot across several pages", async () => {
    // Each page answers only to the marker of the page before it, so reading every page proves the markers were sent.
    rdsMock
      .on(DescribeDBClusterSnapshotsCommand, { DBClusterIdentifier: "shop-stg-aurora", SnapshotType: "automated" })
      .resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-02-28-15-05", "2024-02-28T15:05:00Z")], Marker: "page-2" })
      .on(DescribeDBClusterSnapshotsCommand, { Marker: "page-2" })
      .resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")], Marker: "page-3" })
      .on(DescribeDBClusterSnapshotsCommand, { Marker: "page-3" })
      .resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-02-29-15-05", "2024-02-29T15:05:00Z")] });
    await runExport(rds, settings, NOW);
    expect(rdsMock.commandCalls(DescribeDBClusterSnapshotsCommand)).to.have.length(3);
    const start = rdsMock.commandCalls(StartExportTaskCommand)[0].args[0].input;
    expect(start).to.deep.equal({
      ExportTaskIdentifier: "stg-20240302",
      SourceArn: "arn:aws:rds:ap-northeast-1:123456789012:cluster-snapshot:rds:shop-stg-aurora-2024-03-01-15-05",
      S3BucketName: ENV.EXPORT_BUCKET,
      S3Prefix: "exports",
      IamRoleArn: ENV.EXPORT_ROLE_ARN,
      KmsKeyId: ENV.KMS_KEY_ARN,
      ExportOnly: ["shop.users"],
    });
  });

  it("ignores a manual snapshot even when it is newer", async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z"),
        snap("before-migration", "2024-03-01T16:00:00Z", { SnapshotType: "manual" }),
      ],
    });
    await runExport(rds, settings, NOW);
    expect(rdsMock.commandCalls(StartExportTaskCommand)[0].args[0].input.SourceArn).to.match(/rds:shop-stg-aurora-2024-03-01-15-05$/);
  });

  it("exports instance snapshots when the config says so", async function () {
    notInAnyStack(this);
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        {
          DBSnapshotIdentifier: "rds:shop-db-2024-03-01-15-05",
          DBSnapshotArn: "arn:aws:rds:ap-northeast-1:123456789012:snapshot:rds:shop-db-2024-03-01-15-05",
          DBInstanceIdentifier: "shop-db",
          SnapshotType: "automated",
          Status: "available",
          SnapshotCreateTime: new Date("2024-03-01T15:05:00Z"),
        },
      ],
    });
    await runExport(rds, { ...settings, snapshotType: "instance", sourceIdentifier: "shop-db" }, NOW);
    expect(rdsMock.commandCalls(DescribeDBClusterSnapshotsCommand)).to.have.length(0);
    expect(rdsMock.commandCalls(StartExportTaskCommand)[0].args[0].input.SourceArn).to.equal(
      "arn:aws:rds:ap-northeast-1:123456789012:snapshot:rds:shop-db-2024-03-01-15-05",
    );
  });

  for (const status of ["STARTING", "IN_PROGRESS", "COMPLETE"]) {
    it(`does nothing on a same-day rerun while the day's task is ${status}`, async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ExportTaskIdentifier: "stg-20240302", Status: status }] });
      const result = await runExport(rds, settings, NOW);
      expect(result).to.deep.equal({ action: "skipped", exportTaskIdentifier: "stg-20240302", status });
      expect(rdsMock.commandCalls(StartExportTaskCommand)).to.have.length(0);
    });
  }

  it("names the export after the day the snapshot was taken, so a late run cannot publish it under the next day", async () => {
    // Taken 23:55 Tokyo on 1 March; the fallback runs at 00:30 Tokyo on 2 March and finds the 1 March export done.
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-14-55", "2024-03-01T14:55:00Z")] });
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ExportTaskIdentifier: "stg-20240301", Status: "COMPLETE" }] });
    const result = await runExport(rds, settings, new Date("2024-03-01T15:30:00Z"));
    expect(result).to.deep.equal({ action: "skipped", exportTaskIdentifier: "stg-20240301", status: "COMPLETE" });
  });

  describe("the fallback waits for a snapshot still being created", () => {
    const creating = snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z", { Status: "creating" });
    const done = snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z");
    const older = snap("rds:shop-stg-aurora-2024-02-29-15-05", "2024-02-29T15:05:00Z");

    it("polls until the snapshot is available, then starts its export", async () => {
      const slept: number[] = [];
      rdsMock
        .on(DescribeDBClusterSnapshotsCommand)
        .resolvesOnce({ DBClusterSnapshots: [older, creating] })
        .resolvesOnce({ DBClusterSnapshots: [older, creating] })
        .resolves({ DBClusterSnapshots: [older, done] });
      const result = await runExport(rds, settings, NOW, { waitSeconds: 600, pollSeconds: 60, sleep: async (ms) => void slept.push(ms) });
      expect(result).to.include({ action: "started", exportTaskIdentifier: "stg-20240302" });
      expect(slept).to.deep.equal([60_000, 60_000]);
      expect(rdsMock.commandCalls(StartExportTaskCommand)[0].args[0].input.SourceArn).to.match(/2024-03-01-15-05$/);
    });

    it("gives up after the bounded wait with snapshot-not-available, never exporting the older snapshot", async () => {
      const slept: number[] = [];
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [older, creating] });
      const err = await runExport(rds, settings, NOW, { waitSeconds: 180, pollSeconds: 60, sleep: async (ms) => void slept.push(ms) }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ExportError).and.to.have.property("kind", "snapshot-not-available");
      expect((err as Error).message).to.contain("after 3 checks");
      expect(slept).to.have.length(3);
      expect(rdsMock.commandCalls(DescribeDBClusterSnapshotsCommand)).to.have.length(4);
      expect(rdsMock.commandCalls(StartExportTaskCommand)).to.have.length(0);
    });

    it("does not wait on a snapshot that failed", async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [older, { ...creating, Status: "failed" }] });
      const err = await runExport(rds, settings, NOW, { waitSeconds: 600, pollSeconds: 60, sleep: async () => expect.fail("slept") }).catch((e: unknown) => e);
      expect(err).to.have.property("kind", "snapshot-not-available");
    });
  });

  describe("triggerOf", () => {
    const event = (eventId: string, sourceIdentifier: string, detailType = "RDS DB Cluster Snapshot Event") => ({
      source: "aws.rds",
      "detail-type": detailType,
      detail: { EventID: eventId, SourceIdentifier: sourceIdentifier, Message: "Automated cluster snapshot created" },
    });

    it("starts on RDS-EVENT-0169 for an automated snapshot of the source cluster", () => {
      expect(triggerOf(event("RDS-EVENT-0169", "rds:shop-stg-aurora-2024-03-01-15-05"), settings)).to.deep.equal({
        kind: "snapshot-created",
        snapshot: "rds:shop-stg-aurora-2024-03-01-15-05",
      });
    });

    it("starts on RDS-EVENT-0091 for an instance source", () => {
      const s = { ...settings, snapshotType: "instance" as const, sourceIdentifier: "shop-db" };
      expect(triggerOf(event("RDS-EVENT-0091", "rds:shop-db-2024-03-01-15-05", "RDS DB Snapshot Event"), s).kind).to.equal("snapshot-created");
      expect(triggerOf(event("RDS-EVENT-0169", "rds:shop-db-2024-03-01-15-05"), s).kind).to.equal("ignored");
    });

    it("ignores other sources, manual snapshots and other RDS events; anything else is the fallback", () => {
      expect(triggerOf(event("RDS-EVENT-0169", "rds:shop-stg-aurora2-2024-03-01-15-05"), settings).kind).to.equal("ignored");
      expect(triggerOf(event("RDS-EVENT-0169", "before-migration"), settings).kind).to.equal("ignored");
      expect(triggerOf(event("RDS-EVENT-0168", "rds:shop-stg-aurora-2024-03-01-15-05"), settings).kind).to.equal("ignored");
      expect(triggerOf({ source: "data-platform.schedule" }, settings).kind).to.equal("fallback");
      expect(triggerOf({}, settings).kind).to.equal("fallback");
      expect(triggerOf(undefined, settings).kind).to.equal("fallback");
    });
  });

  it("looks for every attempt of today in one filtered query", async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
    await runExport(rds, settings, NOW);
    expect(rdsMock.commandCalls(DescribeExportTasksCommand)[0].args[0].input.Filters).to.deep.equal([
      { Name: "export-task-identifier", Values: ["stg-20240302", "stg-20240302-r2", "stg-20240302-r3", "stg-20240302-r4", "stg-20240302-r5"] },
    ]);
  });

  it("retries a failed task with the next suffix", async () => {
    rdsMock.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [
        { ExportTaskIdentifier: "stg-20240302", Status: "FAILED" },
        { ExportTaskIdentifier: "stg-20240302-r2", Status: "CANCELED" },
        // Another environment's task on the same day is not ours, whatever the API returns.
        { ExportTaskIdentifier: "prod-20240302-r4", Status: "FAILED" },
      ],
    });
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
    const result = await runExport(rds, settings, NOW);
    expect(result).to.include({ action: "started", exportTaskIdentifier: "stg-20240302-r3", attempt: 3 });
  });

  it("stops after the last allowed attempt", async () => {
    rdsMock.on(DescribeExportTasksCommand).resolves({
      ExportTasks: ["", "-r2", "-r3", "-r4", "-r5"].map((s) => ({ ExportTaskIdentifier: `stg-20240302${s}`, Status: "FAILED" })),
    });
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
    const err = await runExport(rds, settings, NOW).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ExportError).and.to.have.property("kind", "attempts-exhausted");
    expect(rdsMock.commandCalls(StartExportTaskCommand)).to.have.length(0);
  });

  it("refuses a newest snapshot that is not available yet rather than exporting an older one", async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        snap("rds:shop-stg-aurora-2024-02-29-15-05", "2024-02-29T15:05:00Z"),
        snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z", { Status: "creating" }),
      ],
    });
    const err = await runExport(rds, settings, NOW).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ExportError).and.to.have.property("kind", "snapshot-not-available");
    expect((err as Error).message).to.contain('"creating"');
    expect(rdsMock.commandCalls(StartExportTaskCommand)).to.have.length(0);
  });

  for (const [name, message, kind] of [
    ["IamRoleMissingPermissionsFault", "The IAM role is missing permissions", "missing-permission"],
    ["AccessDenied", "User is not authorized to perform rds:StartExportTask", "missing-permission"],
    ["KMSKeyNotAccessibleFault", "The key is not accessible", "missing-permission"],
    ["InvalidParameterCombination", "You have reached the maximum number of concurrent export tasks", "concurrent-export-limit"],
  ] as const) {
    it(`reports ${name} from StartExportTask as ${kind}`, async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
      rdsMock.on(StartExportTaskCommand).rejects(Object.assign(new Error(message), { name }));
      const err = await runExport(rds, settings, NOW).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ExportError).and.to.have.property("kind", kind);
      expect((err as ExportError).cause).to.have.property("name", name);
    });
  }

  describe("handler", () => {
    let handler: (event?: unknown) => Promise<unknown>;
    before(async () => {
      Object.assign(process.env, ENV);
      ({ handler } = await import("../../../functions/export-snapshot/handler"));
    });

    it("alerts and rethrows when no snapshot exists", async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
      snsMock.on(PublishCommand).resolves({ MessageId: "m" });
      const err = await handler({}).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ExportError).and.to.have.property("kind", "no-snapshot");
      const [publish] = snsMock.commandCalls(PublishCommand);
      expect(publish.args[0].input.TopicArn).to.equal(ENV.ALERT_TOPIC_ARN);
      expect(publish.args[0].input.Subject).to.equal("[data-platform stg] daily export failed: no-snapshot");
      const body = alertDetails(publish.args[0].input);
      expect(body).to.include({ environment: "stg", kind: "no-snapshot", source: "shop-stg-aurora" });
      expect(body.message).to.match(/no automated cluster snapshot of shop-stg-aurora/);
    });

    it("still rethrows the export error when the alert itself cannot be sent", async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
      snsMock.on(PublishCommand).rejects(new Error("sns down"));
      const err = await handler({}).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ExportError).and.to.have.property("kind", "no-snapshot");
    });

    it("starts the snapshot's day's export and sends no alert", async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
      const result = await handler({ source: "data-platform.schedule" });
      expect(result).to.include({ action: "started", exportTaskIdentifier: `stg-${exportDay(new Date("2024-03-01T15:05:00Z"), "Asia/Tokyo")}` });
      expect(rdsMock.commandCalls(StartExportTaskCommand)[0].args[0].input.ExportOnly).to.deep.equal(["shop.users", "shop.orders"]);
      expect(snsMock.commandCalls(PublishCommand)).to.have.length(0);
    });

    it("starts on the snapshot-created event, and the fallback run afterwards finds the day's task and does nothing", async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z")] });
      const created = {
        source: "aws.rds",
        "detail-type": "RDS DB Cluster Snapshot Event",
        detail: { EventID: "RDS-EVENT-0169", SourceIdentifier: "rds:shop-stg-aurora-2024-03-01-15-05" },
      };
      expect(await handler(created)).to.include({ action: "started", exportTaskIdentifier: "stg-20240302" });
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ExportTaskIdentifier: "stg-20240302", Status: "STARTING" }] });
      expect(await handler({ source: "data-platform.schedule" })).to.include({ action: "skipped", exportTaskIdentifier: "stg-20240302" });
      expect(rdsMock.commandCalls(StartExportTaskCommand)).to.have.length(1);
    });

    it("ignores another source's snapshot event without touching RDS", async () => {
      const other = { source: "aws.rds", "detail-type": "RDS DB Cluster Snapshot Event", detail: { EventID: "RDS-EVENT-0169", SourceIdentifier: "rds:other-2024-03-01-15-05" } };
      expect(await handler(other)).to.include({ action: "ignored" });
      expect(rdsMock.calls()).to.have.length(0);
    });

    it("does not page while the snapshot is still being created: rethrows for Lambda's retry, no alert", async () => {
      rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({
        DBClusterSnapshots: [snap("rds:shop-stg-aurora-2024-03-01-15-05", "2024-03-01T15:05:00Z", { Status: "creating" })],
      });
      const err = await handler({}).catch((e: unknown) => e);
      expect(err).to.have.property("kind", "snapshot-not-available");
      expect(snsMock.commandCalls(PublishCommand)).to.have.length(0);
    });
  });
});
