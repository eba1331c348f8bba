import { CreateTableCommand, EntityNotFoundException, GetTablesCommand, GlueClient, UpdateTableCommand } from "@aws-sdk/client-glue";
import { DescribeExportTasksCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { declareColumn, parseTablesInfo, tableInput } from "../../../functions/export-events/catalog";
import { DB_SCHEMA_TABLE_FORM, DB_TABLE_FORM } from "../../fixtures/exportTablesInfo";
import { metricSink } from "../../../functions/shared/metrics";
import { recordSdkRequests } from "../../support/sdkRequests";
import { alertDetails } from "../../support/alerts";

const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
const glueMock = mockClient(GlueClient);
const snsMock = mockClient(SNSClient);

const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";
const ENV = {
  ENVIRONMENT: "stg",
  EXPORT_BUCKET: BUCKET,
  GLUE_DATABASE: "data_platform_stg",
  ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts",
  EXPORT_FUNCTION_NAME: "data-platform-stg-export-snapshot",
  EXPORT_NOTICES: "on",
  AWS_REGION: "ap-northeast-1",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};
const SNAPSHOT_ARN = "arn:aws:rds:ap-northeast-1:123456789012:cluster-snapshot:rds:shop-stg-aurora-2024-03-01-15-05";

/** An EventBridge event as RDS sends it for a cluster snapshot export. */
function rdsEvent(eventId: string, sourceIdentifier = "rds:shop-stg-aurora-2024-03-01-15-05") {
  return {
    version: "0",
    id: "e1",
    "detail-type": "RDS DB Cluster Snapshot Event",
    source: "aws.rds",
    account: "123456789012",
    time: "2024-03-02T02:00:00Z",
    region: "ap-northeast-1",
    resources: [SNAPSHOT_ARN],
    detail: {
      EventCategories: ["notification"],
      SourceType: "CLUSTER_SNAPSHOT",
      SourceArn: SNAPSHOT_ARN,
      Date: "2024-03-02T02:00:00.000Z",
      Message: "The cluster snapshot export task completed.",
      SourceIdentifier: sourceIdentifier,
      EventID: eventId,
    },
  };
}

const TABLES_INFO = {
  perTableStatus: [
    {
      target: "shop.users",
      status: "COMPLETE",
      schemaMetadata: {
        originalTypeMappings: [
          { columnName: "id", originalType: "bigint", expectedExportedType: "int64" },
          { columnName: "Email", originalType: "varchar", expectedExportedType: "binary (UTF8)", originalCharMaxLength: 255 },
          { columnName: "created_at", originalType: "datetime", expectedExportedType: "int64" },
        ],
      },
    },
    {
      target: "shop.orders",
      status: "COMPLETE",
      schemaMetadata: {
        originalTypeMappings: [
          { columnName: "id", originalType: "bigint unsigned", expectedExportedType: "fixed_len_byte_array(9)" },
          { columnName: "total", originalType: "decimal", expectedExportedType: "int64 (DECIMAL(12,2))", originalNumPrecision: 12 },
        ],
      },
    },
    { target: "shop.audit_log", status: "FAILED", schemaMetadata: { originalTypeMappings: [] } },
  ],
};

describe("export-events", () => {
  recordSdkRequests("export-events", ENV, rdsMock, s3Mock, glueMock, snsMock);
  let handler: (event: unknown) => Promise<any>;
  let metricLines: string[];
  const originalWrite = metricSink.write;

  before(async () => {
    Object.assign(process.env, ENV);
    ({ handler } = await import("../../../functions/export-events/handler"));
  });
  beforeEach(() => {
    rdsMock.reset();
    s3Mock.reset();
    glueMock.reset();
    snsMock.reset();
    metricLines = [];
    metricSink.write = (line) => void metricLines.push(line);
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
  });
  after(() => {
    metricSink.write = originalWrite;
  });

  const completedTask = { ExportTaskIdentifier: "stg-20240302", Status: "COMPLETE", S3Bucket: BUCKET, SourceArn: SNAPSHOT_ARN, TaskEndTime: new Date("2024-03-02T02:00:00Z") };

  function exportMetadata() {
    s3Mock.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: "exports/stg-20240302/export_tables_info_" }).resolves({
      Contents: [{ Key: "exports/stg-20240302/export_tables_info_stg-20240302_from_1_to_3.json" }],
    });
    s3Mock
      .on(GetObjectCommand, { Key: "exports/stg-20240302/export_tables_info_stg-20240302_from_1_to_3.json" })
      .resolves({ Body: { transformToString: async () => JSON.stringify(TABLES_INFO) } as never });
  }

  describe("on a completed export", () => {
    beforeEach(() => {
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [completedTask] });
      exportMetadata();
      glueMock.on(UpdateTableCommand).resolves({});
      glueMock.on(UpdateTableCommand, { TableInput: { Name: "shop_orders" } as never }).rejects(new EntityNotFoundException({ message: "no table", $metadata: {} }));
      glueMock.on(CreateTableCommand).resolves({});
    });

    it("finds the task of the event's snapshot that wrote to this stack's bucket", async () => {
      await handler(rdsEvent("RDS-EVENT-0164"));
      expect(rdsMock.commandCalls(DescribeExportTasksCommand)[0].args[0].input.Filters).to.deep.equal([{ Name: "source-arn", Values: [SNAPSHOT_ARN] }]);
    });

    it("re-points the same table names at the new export, creating only the tables that are new", async () => {
      const result = await handler(rdsEvent("RDS-EVENT-0164"));
      expect(result).to.deep.include({ action: "cataloged", exportTaskIdentifier: "stg-20240302", updated: ["shop_users"], created: ["shop_orders"] });
      const update = glueMock.commandCalls(UpdateTableCommand).find((c) => c.args[0].input.TableInput?.Name === "shop_users")!.args[0].input;
      expect(update.DatabaseName).to.equal("data_platform_stg");
      expect(update.TableInput?.StorageDescriptor?.Location).to.equal(`s3://${BUCKET}/exports/stg-20240302/shop/shop.users/`);
      expect(update.TableInput?.StorageDescriptor?.Columns).to.deep.equal([
        { Name: "id", Type: "bigint" },
        { Name: "email", Type: "string" },
        { Name: "created_at", Type: "timestamp" },
      ]);
      expect(update.TableInput?.Parameters).to.include({ classification: "parquet", EXTERNAL: "TRUE", "data_platform.export_id": "stg-20240302" });
      expect(update.TableInput?.PartitionKeys).to.deep.equal([]);
      const create = glueMock.commandCalls(CreateTableCommand)[0].args[0].input;
      expect(create.TableInput?.Name).to.equal("shop_orders");
      expect(create.TableInput?.StorageDescriptor?.Columns).to.deep.equal([
        { Name: "id", Type: "decimal(20,0)" },
        { Name: "total", Type: "decimal(12,2)" },
      ]);
    });

    it("never creates a second table for the same source table on the next day", async () => {
      glueMock.reset();
      glueMock.on(UpdateTableCommand).resolves({});
      await handler(rdsEvent("RDS-EVENT-0164"));
      expect(glueMock.commandCalls(CreateTableCommand)).to.have.length(0);
      expect(glueMock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input.TableInput?.Name)).to.have.members(["shop_users", "shop_orders"]);
    });

    it("skips tables that did not export completely", async () => {
      const result = await handler(rdsEvent("RDS-EVENT-0164"));
      expect(result.skipped).to.deep.equal(["shop.audit_log: status FAILED"]);
    });

    it('emits the "export completed" metric as an EMF line for the dead-man\'s switch', async () => {
      await handler(rdsEvent("RDS-EVENT-0164"));
      expect(metricLines).to.have.length(1);
      const doc = JSON.parse(metricLines[0]);
      expect(doc._aws.CloudWatchMetrics).to.deep.equal([
        {
          Namespace: "DataPlatform/Exports",
          Dimensions: [["Environment"]],
          Metrics: [
            { Name: "ExportCompleted", Unit: "Count" },
            { Name: "TablesCataloged", Unit: "Count" },
          ],
        },
      ]);
      expect(doc).to.include({ Environment: "stg", ExportCompleted: 1, TablesCataloged: 2 });
    });

    it("announces the ready export once, with its tables, size, duration and Athena database", async () => {
      rdsMock.on(DescribeExportTasksCommand).resolves({
        ExportTasks: [{ ...completedTask, TaskStartTime: new Date("2024-03-02T01:15:00Z"), TotalExtractedDataInGB: 3 }],
      });
      await handler(rdsEvent("RDS-EVENT-0164"));
      const publishes = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
      expect(publishes).to.have.length(1);
      expect(publishes[0]).to.include({ Subject: "[data-platform stg] export stg-20240302 ready: 2 tables", MessageStructure: "json" });
      const email = JSON.parse(publishes[0].Message!).email as string;
      expect(email).to.contain("tables: shop_orders, shop_users").and.to.contain("athenaDatabase: data_platform_stg");
      expect(email).to.contain(`extractedBytes: ${3 * 1024 ** 3}`).and.to.contain("durationMinutes: 45").and.to.contain("skippedTables: shop.audit_log");
    });

    it("still reports the export cataloged when the notice cannot be sent", async () => {
      snsMock.on(PublishCommand).rejects(new Error("KMS.AccessDeniedException"));
      const result = await handler(rdsEvent("RDS-EVENT-0164"));
      expect(result).to.include({ action: "cataloged" });
      expect(metricLines).to.have.length(1);
    });

    it("alerts, emits no metric and rethrows when the export lists no usable table", async () => {
      s3Mock.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify({ perTableStatus: [] }) } as never });
      const err = await handler(rdsEvent("RDS-EVENT-0164")).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(Error);
      expect(metricLines).to.deep.equal([]);
      expect(snsMock.commandCalls(PublishCommand)[0].args[0].input.Subject).to.equal("[data-platform stg] catalog update failed for export stg-20240302");
    });
  });

  it("alerts with the failure cause when an export failed", async () => {
    rdsMock.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [{ ...completedTask, Status: "FAILED", FailureCause: "S3 bucket access denied for role data-platform-stg-rds-export" }],
    });
    const result = await handler(rdsEvent("RDS-EVENT-0162"));
    expect(result).to.deep.equal({ action: "alerted", exportTaskIdentifier: "stg-20240302", status: "FAILED" });
    const publish = snsMock.commandCalls(PublishCommand)[0].args[0].input;
    expect(publish.Subject).to.equal("[data-platform stg] export stg-20240302 failed");
    const body = alertDetails(publish);
    expect(body.failureCause).to.equal("S3 bucket access denied for role data-platform-stg-rds-export");
    expect(body.retry).to.contain("aws lambda invoke --function-name data-platform-stg-export-snapshot").and.to.contain("attempt 2");
    expect(glueMock.calls()).to.have.length(0);
  });

  it("alerts when an export was canceled", async () => {
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ...completedTask, ExportTaskIdentifier: "stg-20240302-r2", Status: "CANCELED" }] });
    const result = await handler(rdsEvent("RDS-EVENT-0163"));
    expect(result).to.include({ action: "alerted", exportTaskIdentifier: "stg-20240302-r2" });
    expect(snsMock.commandCalls(PublishCommand)).to.have.length(1);
  });

  it("looks the task up by name when the event names one of this stack's exports", async () => {
    rdsMock.on(DescribeExportTasksCommand, { ExportTaskIdentifier: "stg-20240302" }).resolves({ ExportTasks: [{ ...completedTask, Status: "FAILED" }] });
    const result = await handler(rdsEvent("RDS-EVENT-0162", "stg-20240302"));
    expect(result).to.include({ action: "alerted" });
  });

  describe("when RDS and DescribeExportTasks disagree", () => {
    it("rethrows (so Lambda retries) when the event says completed but the task still shows IN_PROGRESS", async () => {
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ...completedTask, Status: "IN_PROGRESS", TaskEndTime: undefined }] });
      const err = await handler(rdsEvent("RDS-EVENT-0164")).catch((e: unknown) => e);
      expect(err).to.have.property("name", "StatusMismatchError");
      expect(glueMock.calls()).to.have.length(0);
    });
  });

  describe("reconcile", () => {
    const reconcileInput = { source: "data-platform.reconcile" };
    const tables = (pointers: Record<string, string>) => ({
      TableList: Object.entries(pointers).map(([Name, id]) => ({ Name, DatabaseName: "data_platform_stg", Parameters: { "data_platform.export_id": id } })),
    });
    beforeEach(() => {
      rdsMock.on(DescribeExportTasksCommand).resolves({
        ExportTasks: [
          { ...completedTask, ExportTaskIdentifier: "stg-20240301" },
          completedTask,
          { ...completedTask, ExportTaskIdentifier: "stg-20240303", Status: "FAILED" },
          // Another environment's newer export in the same bucket is never ours.
          { ...completedTask, ExportTaskIdentifier: "prod-20240304" },
        ],
      });
      exportMetadata();
      glueMock.on(UpdateTableCommand).resolves({});
    });

    it("moves a completed export whose event was lost, reading every task in this bucket", async () => {
      glueMock.on(GetTablesCommand).resolves(tables({ shop_users: "stg-20240301", shop_orders: "stg-20240301" }));
      const result = await handler(reconcileInput);
      expect(result).to.deep.equal({ action: "reconciled", newest: "stg-20240302", behind: ["shop_users", "shop_orders"], moved: true });
      expect(rdsMock.commandCalls(DescribeExportTasksCommand)[0].args[0].input.Filters).to.deep.equal([{ Name: "s3-bucket", Values: [BUCKET] }]);
      expect(glueMock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input.TableInput?.StorageDescriptor?.Location)).to.deep.equal([
        `s3://${BUCKET}/exports/stg-20240302/shop/shop.users/`,
        `s3://${BUCKET}/exports/stg-20240302/shop/shop.orders/`,
      ]);
      expect(metricLines).to.have.length(1);
    });

    it("announces the export it moved, once: a second run finds the catalog current and sends nothing", async () => {
      glueMock.on(GetTablesCommand).resolves(tables({ shop_users: "stg-20240301", shop_orders: "stg-20240301" }));
      await handler(reconcileInput);
      const notices = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
      expect(notices.map((n) => n.Subject)).to.deep.equal(["[data-platform stg] export stg-20240302 ready: 2 tables"]);
      expect(JSON.parse(notices[0].Message!).email).to.contain("tables: shop_orders, shop_users");
      glueMock.on(GetTablesCommand).resolves(tables({ shop_users: "stg-20240302", shop_orders: "stg-20240302" }));
      await handler(reconcileInput);
      expect(snsMock.commandCalls(PublishCommand)).to.have.length(1);
    });

    it("moves a table that is missing from the catalog", async () => {
      glueMock.on(GetTablesCommand).resolves(tables({ shop_users: "stg-20240302" }));
      expect(await handler(reconcileInput)).to.deep.include({ behind: ["shop_orders"], moved: true });
    });

    it("is idempotent: a catalog on the newest export is left alone and no metric is emitted", async () => {
      glueMock.on(GetTablesCommand).resolves(tables({ shop_users: "stg-20240302", shop_orders: "stg-20240302", shop_audit_log: "stg-20240228" }));
      expect(await handler(reconcileInput)).to.deep.equal({ action: "reconciled", newest: "stg-20240302", behind: [], moved: false });
      expect(glueMock.commandCalls(UpdateTableCommand)).to.have.length(0);
      expect(metricLines).to.have.length(0);
      expect(snsMock.commandCalls(PublishCommand), "no notice for an export already announced").to.have.length(0);
    });

    it("never moves a table back from a newer retry attempt", async () => {
      glueMock.on(GetTablesCommand).resolves(tables({ shop_users: "stg-20240302-r2", shop_orders: "stg-20240302-r2" }));
      expect(await handler(reconcileInput)).to.deep.include({ moved: false });
    });

    it("does nothing when no export completed yet", async () => {
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ...completedTask, Status: "IN_PROGRESS" }] });
      expect(await handler(reconcileInput)).to.deep.equal({ action: "reconciled", behind: [], moved: false });
      expect(glueMock.calls()).to.have.length(0);
    });
  });

  describe("ignores malformed and foreign events safely", () => {
    const cases: [string, unknown][] = [
      ["nothing", undefined],
      ["a string", "RDS-EVENT-0164"],
      ["an event from another service", { ...rdsEvent("RDS-EVENT-0164"), source: "aws.glue" }],
      ["an RDS event that is not about exports", rdsEvent("RDS-EVENT-0169")],
      ["an event without detail", { source: "aws.rds", "detail-type": "RDS DB Cluster Snapshot Event" }],
      ["an event whose EventID is not a string", { ...rdsEvent("x"), detail: { EventID: 164, SourceIdentifier: "rds:x" } }],
    ];
    for (const [what, event] of cases) {
      it(`ignores ${what} without calling AWS`, async () => {
        const result = await handler(event);
        expect(result.action).to.equal("ignored");
        expect(rdsMock.calls().length + glueMock.calls().length + snsMock.calls().length + s3Mock.calls().length).to.equal(0);
      });
    }

    it("ignores another environment's export of the same snapshot", async () => {
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ...completedTask, ExportTaskIdentifier: "prod-20240302" }] });
      const result = await handler(rdsEvent("RDS-EVENT-0164"));
      expect(result.action).to.equal("ignored");
      expect(glueMock.calls()).to.have.length(0);
      expect(snsMock.calls()).to.have.length(0);
    });

    it("ignores a task of ours whose files went to another bucket", async () => {
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ...completedTask, S3Bucket: "someone-elses-bucket" }] });
      expect((await handler(rdsEvent("RDS-EVENT-0164"))).action).to.equal("ignored");
      expect(glueMock.calls()).to.have.length(0);
    });

    it("ignores an identifier that only looks like ours", async () => {
      rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ...completedTask, ExportTaskIdentifier: "stg-20240302-r9" }] });
      expect((await handler(rdsEvent("RDS-EVENT-0164"))).action).to.equal("ignored");
    });
  });
});

describe("export metadata → Glue schema", () => {
  const declared = (originalType: string, expectedExportedType?: string) => declareColumn({ columnName: "C", originalType, expectedExportedType });

  it("declares each column from AWS's mapping, cross-checked with the type the export reports", () => {
    expect(declared("date")).to.deep.include({ name: "c", type: "string" });
    expect(declared("mediumint unsigned", "int64")).to.deep.include({ type: "bigint" });
    expect(declared("bigint unsigned", "fixed_len_byte_array(9)")).to.deep.include({ type: "decimal(20,0)" });
    expect(declared("char", "binary (UTF8)").type).to.equal("string");
    expect(declared("decimal", "int64 (DECIMAL(12,2))").type).to.equal("decimal(12,2)");
    expect(declared("some_future_type", "int64").type).to.equal("bigint");
  });

  it("follows the files when the reported primitive disagrees with the documented one, and says so", () => {
    // A type string without ` unsigned`: documented INT32, but the file holds INT64.
    const c = declared("mediumint", "int64");
    expect(c.type).to.equal("bigint");
    expect(c.disagreement).to.match(/documented as int \(INT32\) but the export reports int64/);
    expect(declared("mediumint", "int32").disagreement).to.equal(undefined);
  });

  it("reads the db.table form (fixture DB_TABLE_FORM)", () => {
    const parsed = parseTablesInfo(DB_TABLE_FORM);
    expect(parsed.complete.map((t) => [t.database, t.schema, t.table])).to.deep.equal([
      ["shop", undefined, "users"],
      ["shop", undefined, "orders"],
    ]);
    expect(parsed.skipped).to.deep.equal(["shop.audit_log: status FAILED"]);
    const input = tableInput(BUCKET, "stg-20240302", parsed.complete[0]);
    expect(input.Name).to.equal("shop_users");
    expect(input.StorageDescriptor?.Location).to.equal(`s3://${BUCKET}/exports/stg-20240302/shop/shop.users/`);
    expect(input.StorageDescriptor?.Columns?.map((c) => `${c.Name} ${c.Type}`)).to.deep.equal([
      "id decimal(20,0)",
      "email string",
      "birth_date string",
      "login_count bigint",
      "created_at timestamp",
    ]);
  });

  it("reads the db.schema.table form (fixture DB_SCHEMA_TABLE_FORM)", () => {
    const parsed = parseTablesInfo(DB_SCHEMA_TABLE_FORM);
    expect(parsed.skipped).to.deep.equal([]);
    const [customers, visits] = parsed.complete.map((t) => tableInput(BUCKET, "stg-20240302", t));
    // The schema repeats the database: the same table, folder and Glue name as the db.table form.
    expect(customers.Name).to.equal("shop_customers");
    expect(customers.StorageDescriptor?.Location).to.equal(`s3://${BUCKET}/exports/stg-20240302/shop/shop.customers/`);
    expect(visits.Name).to.equal("analytics_reporting_daily_visits");
    expect(visits.StorageDescriptor?.Location).to.equal(`s3://${BUCKET}/exports/stg-20240302/analytics/reporting.daily_visits/`);
    expect(visits.Parameters?.["data_platform.source_table"]).to.equal("analytics.reporting.daily_visits");
  });

  it("skips what it cannot map, and says why", () => {
    const parsed = parseTablesInfo({
      perTableStatus: [
        { target: "shop.users", status: "COMPLETE", schemaMetadata: { originalTypeMappings: [{ columnName: "id", originalType: "int" }] } },
        { target: "a.b.c.d", status: "COMPLETE", schemaMetadata: { originalTypeMappings: [{ columnName: "id", originalType: "int" }] } },
        { target: "shop.bad-name", status: "COMPLETE", schemaMetadata: { originalTypeMappings: [{ columnName: "id", originalType: "int" }] } },
        { target: "shop.empty", status: "COMPLETE" },
        { target: "shop.money", status: "COMPLETE", schemaMetadata: { originalTypeMappings: [{ columnName: "amount", originalType: "decimal" }] } },
        "garbage",
      ],
    });
    expect(parsed.complete.map((t) => `${t.database}.${t.table}`)).to.deep.equal(["shop.users"]);
    expect(parsed.skipped.map((s) => s.split(":")[0])).to.deep.equal(["a.b.c.d", "shop.bad-name", "shop.empty", "shop.money"]);
    expect(parsed.skipped[3]).to.match(/precision and scale/);
  });
});
