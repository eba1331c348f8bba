import { DescribeExportTasksCommand, type ExportTask, RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { bigQueryCurrentPrefix, bigQueryDataPath, publishedExportId, tableKeyPrefix, tablesInfoKeyPrefix } from "../../../contracts/exportLayout";
import { PublishError, type PublishedTable, publish, syncTable } from "../../../functions/bigquery-publish/publish";
import { alertDetails } from "../../support/alerts";
import { S3Fake } from "../../support/awsFake/s3";
import { selectedKeys } from "../../support/bigQueryDataPath";
import { recordSdkRequests } from "../../support/sdkRequests";

const s3Mock = mockClient(S3Client);
const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);

const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";
const TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts";
const USERS: PublishedTable = { database: "shop", table: "users" };
const ARCHIVE: PublishedTable = { database: "shop", table: "users_archive" };
const ORDERS: PublishedTable = { database: "shop", table: "orders" };
const TABLES = [USERS, ARCHIVE, ORDERS];
/** Transfers at 03:00 UTC; 12:00 UTC is far outside the quiet window. */
const TRANSFER_MINUTE = 180;
const NOON = new Date("2024-03-02T12:00:00Z");

const task = (id: string, status: string): ExportTask => ({ ExportTaskIdentifier: id, Status: status, S3Bucket: BUCKET });

/** What RDS writes for one export: the metadata file and each table's Parquet files (partition folders 1 and 2). */
function seedExport(s3: S3Fake, id: string, tables: Record<string, { status: string; files: number }>): void {
  const perTableStatus = Object.entries(tables).map(([target, t]) => ({
    target,
    status: t.status,
    schemaMetadata: { originalTypeMappings: [{ columnName: "id", originalType: "bigint", expectedExportedType: "int64" }] },
  }));
  s3.seed(BUCKET, `${tablesInfoKeyPrefix(id)}${id}_from_1_to_${perTableStatus.length}.json`, JSON.stringify({ perTableStatus }));
  for (const [target, t] of Object.entries(tables)) {
    const [database, table] = target.split(".");
    for (let i = 0; i < t.files; i++) s3.seed(BUCKET, `${tableKeyPrefix(id, database, table)}${(i % 2) + 1}/part-0000${i}-${id}.gz.parquet`, `${id}:${target}:${i}`);
  }
}

/** The files of one table of one export, as the transfer should see them after a publish. */
const exportFiles = (s3: S3Fake, id: string, t: PublishedTable) => s3.keys(BUCKET, tableKeyPrefix(id, t.database, t.table)).filter((k) => k.endsWith(".parquet"));
/** What the table's transfer would load now: every key of the bucket its data_path selects. */
const loaded = (s3: S3Fake, t: PublishedTable) => selectedKeys(bigQueryDataPath(BUCKET, t.database, t.table), BUCKET, s3.keys(BUCKET));
/** The body of every loaded file (the seed writes `<export id>:<target>:<n>`), sorted. */
const loadedBodies = (s3: S3Fake, t: PublishedTable) => loaded(s3, t).map((k) => s3.buckets.get(BUCKET)!.get(k)!.body.toString()).sort();
const bodiesOf = (id: string, target: string, n: number) => Array.from({ length: n }, (_, i) => `${id}:${target}:${i}`).sort();

describe("bigquery-publish", () => {
  let s3: S3Fake;
  recordSdkRequests("bigquery-publish", { ENVIRONMENT: "stg", EXPORT_BUCKET: BUCKET, ALERT_TOPIC_ARN: TOPIC }, s3Mock, rdsMock, snsMock);

  beforeEach(() => {
    s3Mock.reset();
    rdsMock.reset();
    snsMock.reset();
    s3 = new S3Fake();
    s3.createBucket(BUCKET);
    // Day 1 first attempt failed after writing part of users; the retry (-r2) completed, except orders; day 2 is running.
    s3.seed(BUCKET, `${tableKeyPrefix("stg-20240302", "shop", "users")}1/part-00000-failed.gz.parquet`, "stg-20240302:shop.users:failed");
    seedExport(s3, "stg-20240302-r2", { "shop.users": { status: "COMPLETE", files: 3 }, "shop.users_archive": { status: "COMPLETE", files: 2 }, "shop.orders": { status: "FAILED", files: 1 } });
    s3.seed(BUCKET, `${tableKeyPrefix("stg-20240303", "shop", "users")}1/part-00000-running.gz.parquet`, "stg-20240303:shop.users:running");
    rdsMock.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [task("stg-20240302", "FAILED"), task("stg-20240302-r2", "COMPLETE"), task("stg-20240303", "IN_PROGRESS")],
    });
  });
  afterEach(() => s3.restore());

  const run = (now = NOON, deadline?: number, clock?: () => number) =>
    publish({ s3: new S3Client({}), rds: new RDSClient({}) }, { environment: "stg", bucket: BUCKET, tables: TABLES, transferMinuteUtc: TRANSFER_MINUTE }, now, deadline, clock);

  it("puts exactly the newest complete export's files of each table where its transfer loads", async () => {
    const result = await run();
    expect(result).to.deep.include({ action: "published", exportTaskIdentifier: "stg-20240302-r2", notInExport: ["shop.orders"] });
    expect(loadedBodies(s3, USERS)).to.deep.equal(bodiesOf("stg-20240302-r2", "shop.users", 3));
    expect(loadedBodies(s3, ARCHIVE)).to.deep.equal(bodiesOf("stg-20240302-r2", "shop.users_archive", 2));
    expect(loaded(s3, USERS)).to.have.length(exportFiles(s3, "stg-20240302-r2", USERS).length);
  });

  it("excludes a failed attempt's files, though they stay in the bucket", async () => {
    await run();
    expect(s3.keys(BUCKET, tableKeyPrefix("stg-20240302", "shop", "users"))).to.have.length(1);
    expect(loadedBodies(s3, USERS)).to.not.include("stg-20240302:shop.users:failed");
    expect(loaded(s3, USERS).map((k) => publishedExportId("shop", "users", k))).to.deep.equal(Array(3).fill("stg-20240302-r2"));
  });

  it("never shows a running export or a table the export did not finish", async () => {
    await run();
    expect(loadedBodies(s3, USERS)).to.not.include("stg-20240303:shop.users:running");
    // orders FAILED inside an otherwise complete export: nothing of it is published.
    expect(loaded(s3, ORDERS)).to.deep.equal([]);
    expect(s3.keys(BUCKET, bigQueryCurrentPrefix("shop", "orders"))).to.deep.equal([]);
  });

  it("selects no other table's files, whatever else the bucket holds", async () => {
    await run();
    const usersLoaded = new Set(loaded(s3, USERS));
    const others = s3.keys(BUCKET).filter((k) => !k.startsWith(bigQueryCurrentPrefix("shop", "users")));
    // users_archive shares the prefix `shop.users`; the exports folder holds users' own source files.
    expect(others.some((k) => k.startsWith(bigQueryCurrentPrefix("shop", "users_archive")))).to.equal(true);
    for (const k of others) expect(usersLoaded.has(k), k).to.equal(false);
  });

  it("moves a table to the next complete export and removes the previous one's files", async () => {
    await run();
    seedExport(s3, "stg-20240303", { "shop.users": { status: "COMPLETE", files: 2 }, "shop.users_archive": { status: "COMPLETE", files: 1 }, "shop.orders": { status: "COMPLETE", files: 1 } });
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [task("stg-20240302-r2", "COMPLETE"), task("stg-20240303", "COMPLETE")] });
    const result = await run(new Date("2024-03-03T12:00:00Z"));
    expect(result).to.deep.include({ action: "published", exportTaskIdentifier: "stg-20240303", notInExport: [] });
    // The running attempt's stray file was in the same folder; the export's completed file set now includes it.
    expect(loadedBodies(s3, USERS)).to.deep.equal([...bodiesOf("stg-20240303", "shop.users", 2), "stg-20240303:shop.users:running"].sort());
    expect(loadedBodies(s3, ORDERS)).to.deep.equal(bodiesOf("stg-20240303", "shop.orders", 1));
    expect(loaded(s3, ARCHIVE).map((k) => publishedExportId("shop", "users_archive", k))).to.deep.equal(["stg-20240303"]);
  });

  it("changes nothing when current/ already holds the newest export", async () => {
    await run();
    const writesBefore = s3.calls.filter((c) => c.operation === "CopyObject" || c.operation === "DeleteObjects").length;
    const again = await run();
    expect(again).to.deep.include({ action: "published" });
    if (again.action !== "published") throw new Error("unreachable");
    expect(again.tables.map((t) => [t.table, t.copied, t.deleted])).to.deep.equal([["shop.users", 0, 0], ["shop.users_archive", 0, 0]]);
    expect(s3.calls.filter((c) => c.operation === "CopyObject" || c.operation === "DeleteObjects")).to.have.length(writesBefore);
  });

  it("changes nothing inside the transfers' quiet window", async () => {
    const result = await run(new Date("2024-03-02T02:50:00Z"));
    expect(result).to.deep.equal({ action: "deferred", until: "2024-03-02T06:00:00.000Z" });
    expect(s3.calls.map((c) => c.operation)).to.deep.equal([]);
    expect(rdsMock.calls()).to.have.length(0);
  });

  it("puts the previous export back when it runs out of time half-way, so a transfer never sees a mix", async () => {
    await run();
    const before = loaded(s3, USERS);
    seedExport(s3, "stg-20240303", { "shop.users": { status: "COMPLETE", files: 4 }, "shop.users_archive": { status: "COMPLETE", files: 1 } });
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [task("stg-20240303", "COMPLETE")] });
    // The clock passes the deadline after the second copy.
    let copies = 0;
    s3.onCall = (op) => {
      if (op === "CopyObject") copies += 1;
    };
    const error = await run(new Date("2024-03-03T12:00:00Z"), 0, () => (copies >= 2 ? 1 : 0)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(PublishError);
    expect(copies).to.equal(2);
    expect(loaded(s3, USERS)).to.deep.equal(before);
    expect(loadedBodies(s3, USERS)).to.deep.equal(bodiesOf("stg-20240302-r2", "shop.users", 3));
  });

  it("refuses a file that one copy cannot handle, before copying anything", async () => {
    s3.declaredSizes.set(`${BUCKET}/${exportFiles(s3, "stg-20240302-r2", USERS)[0]}`, 6 * 1024 ** 3);
    const error = await syncTable(new S3Client({}), BUCKET, "stg-20240302-r2", USERS).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(PublishError);
    expect(s3.calls.filter((c) => c.operation === "CopyObject")).to.have.length(0);
  });

  it("publishes nothing before the first complete export", async () => {
    rdsMock.on(DescribeExportTasksCommand).resolves({ ExportTasks: [task("stg-20240303", "IN_PROGRESS")] });
    expect(await run()).to.deep.equal({ action: "nothing-to-publish" });
    expect(s3.keys(BUCKET, "bigquery/")).to.deep.equal([]);
  });

  describe("handler", () => {
    let handler: typeof import("../../../functions/bigquery-publish/handler").handler;
    before(async () => {
      Object.assign(process.env, {
        ENVIRONMENT: "stg",
        EXPORT_BUCKET: BUCKET,
        ALERT_TOPIC_ARN: TOPIC,
        BIGQUERY_TABLES: JSON.stringify(TABLES),
        // The quiet window is around 03:00 UTC; the clock of this test is the real one, so pick the far side of it.
        TRANSFER_MINUTE_UTC: String((new Date().getUTCHours() * 60 + 12 * 60) % 1440),
        AWS_REGION: "ap-northeast-1",
        POWERTOOLS_LOG_LEVEL: "SILENT",
      });
      ({ handler } = await import("../../../functions/bigquery-publish/handler"));
    });

    it("publishes on any input, leaving a minute of its time to put a table back", async () => {
      const result = await handler({ source: "aws.rds" }, { getRemainingTimeInMillis: () => 600_000 });
      expect(result).to.deep.include({ action: "published", exportTaskIdentifier: "stg-20240302-r2" });
      expect(loadedBodies(s3, USERS)).to.deep.equal(bodiesOf("stg-20240302-r2", "shop.users", 3));
    });

    it("alerts and rethrows when the publish fails", async () => {
      s3.faults.fail("CopyObject", () => Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
      snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
      const error = await handler({}, { getRemainingTimeInMillis: () => 600_000 }).catch((err: unknown) => err);
      expect(error).to.be.instanceOf(Error).with.property("name", "AccessDenied");
      const alert = snsMock.commandCalls(PublishCommand)[0].args[0].input;
      expect(alert.Subject).to.equal("[data-platform stg] BigQuery publish failed");
      expect(alertDetails(alert)).to.include({ error: "AccessDenied" });
    });
  });
});
