/**
 * `doctor` over aws-sdk-client-mock with responses shaped like the real APIs' (field names and value forms from
 * the RDS, Glue, Athena, CloudWatch and Step Functions API references), against the repo's Pulumi.stg.yaml.
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetTablesCommand, GlueClient } from "@aws-sdk/client-glue";
import { DescribeDBClustersCommand, DescribeExportTasksCommand, RDSClient } from "@aws-sdk/client-rds";
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { type DoctorClients, doctor, renderDoctor } from "../../../automation/commands/doctor";
import { REPO_ROOT } from "../../../automation/commands/qa/runtime";

const rdsMock = mockClient(RDSClient);
const glueMock = mockClient(GlueClient);
const athenaMock = mockClient(AthenaClient);
const cwMock = mockClient(CloudWatchClient);
const sfnMock = mockClient(SFNClient);

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const BUCKET = `data-platform-stg-exports-${ACCOUNT}-${REGION}`;
const NOW = new Date("2024-03-02T09:00:00Z");
const region = REGION;
const clients = (): DoctorClients => ({
  rds: new RDSClient({ region }),
  glue: new GlueClient({ region }),
  athena: new AthenaClient({ region }),
  cloudwatch: new CloudWatchClient({ region }),
  sfn: new SFNClient({ region }),
});
const noWait = { pollMs: 1000, timeoutMs: 3000, sleep: async () => undefined };
const run = (extra: Partial<Parameters<typeof doctor>[0]> = {}, c: DoctorClients = clients()) =>
  doctor({ stack: "stg", dir: REPO_ROOT, accountId: ACCOUNT, now: NOW, athenaWait: noWait, ...extra }, c);
const byName = (r: Awaited<ReturnType<typeof doctor>>, name: string) => r.checks.find((c) => c.check === name)!;

function task(id: string, status: string, ended?: string) {
  return {
    ExportTaskIdentifier: id,
    SourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:rds:shop-stg-aurora-2024-03-01-15-05`,
    SnapshotTime: new Date("2024-03-01T15:05:00Z"),
    TaskStartTime: new Date("2024-03-01T15:20:00Z"),
    TaskEndTime: ended ? new Date(ended) : undefined,
    S3Bucket: BUCKET,
    S3Prefix: "exports",
    IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/data-platform-stg-rds-export`,
    KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b7c4a55-3f0e-4a8e-9d51-6f1f2c9e7a10`,
    Status: status,
    PercentProgress: status === "COMPLETE" ? 100 : 40,
    TotalExtractedDataInGB: 3,
    SourceType: "CLUSTER" as const,
  };
}
const table = (name: string, exportId: string) => ({
  Name: name,
  DatabaseName: "data_platform_stg",
  TableType: "EXTERNAL_TABLE",
  Parameters: { classification: "parquet", EXTERNAL: "TRUE", "data_platform.export_id": exportId },
  StorageDescriptor: { Location: `s3://${BUCKET}/exports/${exportId}/shop/shop.${name.slice(5)}/` },
});
const alarm = (name: string, state: "OK" | "ALARM" | "INSUFFICIENT_DATA") => ({ AlarmName: `data-platform-stg-${name}`, StateValue: state });
const clone = (id: string, expiresAt: string) => ({
  DBClusterIdentifier: id,
  Status: "available",
  TagList: [
    { Key: "purpose", Value: "qa" },
    { Key: "environment", Value: "stg" },
    { Key: "owner", Value: "alice" },
    { Key: "expires-at", Value: expiresAt },
  ],
});

/** A healthy staging account. */
function healthy() {
  rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [task("stg-20240301", "COMPLETE", "2024-03-01T02:00:00Z"), task("stg-20240302", "COMPLETE", "2024-03-02T02:00:00Z")] });
  rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("qa-stg-alice-1", "2024-03-02T12:00:00Z"), { DBClusterIdentifier: "shop-stg-aurora", TagList: [] }] });
  glueMock.on(GetTablesCommand).resolves({ TableList: [table("shop_users", "stg-20240302"), table("shop_orders", "stg-20240302")] });
  athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "0f1e2d3c-aaaa-bbbb-cccc-111122223333" });
  athenaMock
    .on(GetQueryExecutionCommand)
    .resolvesOnce({ QueryExecution: { QueryExecutionId: "0f1e2d3c-aaaa-bbbb-cccc-111122223333", Status: { State: "RUNNING" } } })
    .resolves({
      QueryExecution: {
        QueryExecutionId: "0f1e2d3c-aaaa-bbbb-cccc-111122223333",
        Status: { State: "SUCCEEDED" },
        Statistics: { DataScannedInBytes: 0, EngineExecutionTimeInMillis: 412 },
      },
    });
  cwMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm("no-export-completed", "OK"), alarm("export-snapshot-errors", "OK")] });
  sfnMock.on(ListStateMachinesCommand).resolves({
    stateMachines: [{ name: "data-platform-stg-golden-refresh", stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:data-platform-stg-golden-refresh`, type: "STANDARD", creationDate: new Date() }],
  });
  sfnMock.on(ListExecutionsCommand).resolves({
    executions: [
      {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:data-platform-stg-golden-refresh:20240302`,
        stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:data-platform-stg-golden-refresh`,
        name: "20240302",
        status: "SUCCEEDED",
        startDate: new Date("2024-03-01T12:00:00Z"),
        stopDate: new Date("2024-03-01T13:10:00Z"),
      },
    ],
  });
}

describe("doctor", () => {
  beforeEach(() => {
    for (const m of [rdsMock, glueMock, athenaMock, cwMock, sfnMock]) m.reset();
    healthy();
  });

  it("reports every check ok on a healthy account, with the bytes the Athena query scanned", async () => {
    const report = await run();
    expect(report.checks.map((c) => [c.check, c.status])).to.deep.equal([
      ["export task", "ok"],
      ["stable tables", "ok"],
      ["athena query", "ok"],
      ["alarms", "ok"],
      ["golden refresh", "ok"],
      ["qa clones", "ok"],
      // stg has a bigquery block, and no Google token was given.
      ["bigquery transfers", "warn"],
    ]);
    expect(byName(report, "athena query").data).to.include({ dataScannedInBytes: 0, state: "SUCCEEDED" });
    const start = athenaMock.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(start).to.deep.equal({ QueryString: 'SELECT COUNT(*) FROM "data_platform_stg"."shop_orders"', WorkGroup: "data-platform-stg-analytics" });
    expect(rdsMock.commandCalls(DescribeExportTasksCommand)[0].args[0].input.Filters).to.deep.equal([{ Name: "s3-bucket", Values: [BUCKET] }]);
    expect(cwMock.commandCalls(DescribeAlarmsCommand)[0].args[0].input.AlarmNamePrefix).to.equal("data-platform-stg-");
    expect(renderDoctor(report)).to.match(/^ok {4}export task +stg-20240302 COMPLETE/m).and.to.contain("6 ok, 1 warn, 0 fail");
  });

  it("fails a failed newest export, with the retry as the next step", async () => {
    rdsMock.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [task("stg-20240301", "COMPLETE", "2024-03-01T02:00:00Z"), { ...task("stg-20240302", "FAILED", "2024-03-02T01:00:00Z"), FailureCause: "The IAM role is missing permissions" }],
    });
    glueMock.on(GetTablesCommand).resolves({ TableList: [table("shop_users", "stg-20240301")] });
    const report = await run();
    expect(byName(report, "export task")).to.deep.include({ status: "fail", detail: "stg-20240302 is FAILED: The IAM role is missing permissions" });
    expect(byName(report, "export task").next).to.contain("attempt 2");
    // The tables are on the newest *completed* export, so they are fine.
    expect(byName(report, "stable tables").status).to.equal("ok");
  });

  it("fails a stale export and warns about tables left behind, naming the reconcile command", async () => {
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [task("stg-20240228", "COMPLETE", "2024-02-28T02:00:00Z")] });
    glueMock.on(GetTablesCommand).resolves({ TableList: [table("shop_users", "stg-20240228"), table("shop_orders", "stg-20240227")] });
    const report = await run();
    expect(byName(report, "export task").status).to.equal("fail");
    expect(byName(report, "export task").detail).to.contain("over 30 h ago");
    expect(byName(report, "stable tables")).to.deep.include({ status: "warn" });
    expect(byName(report, "stable tables").next).to.contain('{"source":"data-platform.reconcile"}');
  });

  it("fails the Athena check with a type hint when the query hits HIVE_BAD_DATA", async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: "q",
        Status: { State: "FAILED", StateChangeReason: "HIVE_BAD_DATA: Field birth_date's type BINARY in parquet is incompatible with type date defined in table schema" },
        Statistics: { DataScannedInBytes: 1234 },
      },
    });
    const check = byName(await run(), "athena query");
    expect(check.status).to.equal("fail");
    expect(check.next).to.contain("declared column type");
  });

  it("warns when the Athena query does not finish in time", async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: "q", Status: { State: "RUNNING" } } });
    expect(byName(await run(), "athena query").status).to.equal("warn");
    expect(athenaMock.commandCalls(GetQueryExecutionCommand)).to.have.length(4);
  });

  it("fails on alarms in ALARM, fails a failed golden run, warns about expired QA clones", async () => {
    cwMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm("no-export-completed", "ALARM"), alarm("export-events-errors", "INSUFFICIENT_DATA")] });
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [{ executionArn: "arn:aws:states:x:1:execution:sm:e", stateMachineArn: "arn:aws:states:x:1:stateMachine:sm", name: "20240302", status: "FAILED", startDate: new Date() }],
    });
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("qa-stg-old", "2024-03-01T00:00:00Z"), clone("qa-stg-new", "2024-03-03T00:00:00Z")] });
    const report = await run();
    expect(byName(report, "alarms")).to.deep.include({ status: "fail", detail: "in ALARM: data-platform-stg-no-export-completed" });
    expect(byName(report, "golden refresh").status).to.equal("fail");
    expect(byName(report, "qa clones")).to.deep.include({ status: "warn" });
    expect(byName(report, "qa clones").detail).to.contain("qa-stg-old");
    expect(report.summary).to.deep.equal({ ok: 3, warn: 2, fail: 2 });
  });

  it("reports a refused read as a failed check and still runs the others", async () => {
    cwMock.on(DescribeAlarmsCommand).rejects(Object.assign(new Error("User is not authorized to perform: cloudwatch:DescribeAlarms"), { name: "AccessDenied" }));
    const report = await run();
    expect(byName(report, "alarms")).to.deep.include({ status: "fail", next: "your credentials lack a read permission for this check" });
    expect(byName(report, "qa clones").status).to.equal("ok");
  });

  describe("bigquery transfers (stg has a bigquery block)", () => {
    it("warns without a Google token and names how to get one", async () => {
      const check = byName(await run(), "bigquery transfers");
      expect(check).to.deep.include({ status: "warn" });
      expect(check.next).to.contain("gcloud auth print-access-token");
    });

    it("reads each transfer's last run through the Data Transfer API and fails a failed one", async () => {
      const urls: string[] = [];
      const fakeFetch = (async (url: string | URL, init?: RequestInit) => {
        urls.push(String(url));
        expect((init?.headers as Record<string, string>).authorization).to.equal("Bearer tok");
        const u = String(url);
        if (u.includes("/transferConfigs?")) {
          return new Response(
            JSON.stringify({
              transferConfigs: ["users", "orders", "order_items", "products"].map((t, i) => ({
                name: `projects/123/locations/asia-northeast1/transferConfigs/cfg${i}`,
                displayName: `data-platform-stg-bq shop.${t}`,
                dataSourceId: "amazon_s3",
              })),
            }),
          );
        }
        const failed = u.includes("cfg1/");
        return new Response(
          JSON.stringify({
            transferRuns: [
              {
                name: `${u.split("/runs")[0]}/runs/r1`,
                state: failed ? "FAILED" : "SUCCEEDED",
                runTime: "2024-03-02T03:00:00Z",
                ...(failed ? { errorStatus: { code: 9, message: "Table shop_orders does not exist" } } : {}),
              },
            ],
          }),
        );
      }) as typeof fetch;
      const report = await run({ googleAccessToken: "tok" }, { ...clients(), fetch: fakeFetch });
      const check = byName(report, "bigquery transfers");
      expect(check.status).to.equal("fail");
      expect(check.detail).to.equal("data-platform-stg-bq shop.orders: Table shop_orders does not exist");
      expect(urls[0]).to.match(/\/v1\/projects\/[a-z0-9-]+\/locations\/[a-z0-9-]+\/transferConfigs\?dataSourceIds=amazon_s3$/);
      expect(urls.filter((u) => u.endsWith("/runs?pageSize=1"))).to.have.length(4);
    });
  });
});
