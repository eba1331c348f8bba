import { expect } from "chai";
import {
  MAX_EXPORT_ATTEMPTS,
  bigQueryDataPath,
  bigQueryDayTemplate,
  exportId,
  exportRootKey,
  parseTableKeyPrefix,
  s3Uri,
  tableKeyPrefix,
} from "../../../contracts/exportLayout";

const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";

/** What BigQuery does with `{run_time±N(h|m)|"%Y%m%d"}` for a run at `runTime` (UTC). */
function renderRunTime(template: string, runTime: Date): string {
  return template.replace(/\{run_time(?:([+-])(\d+)([hm]))?\|"%Y%m%d"\}/g, (_m, sign, n, unit) => {
    const minutes = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * Number(n) * (unit === "h" ? 60 : 1);
    const t = new Date(runTime.getTime() + minutes * 60_000);
    return t.toISOString().slice(0, 10).replace(/-/g, "");
  });
}

/**
 * BigQuery's data_path wildcards: with one `*` it spans directories; with two or more each `*` stays inside one
 * path segment (https://cloud.google.com/bigquery/docs/s3-transfer-intro, "Wildcard support").
 */
function dataPathMatches(dataPath: string, uri: string): boolean {
  const stars = dataPath.split("*").length - 1;
  const any = stars <= 1 ? ".*" : "[^/]*";
  const re = new RegExp(`^${dataPath.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(any)}$`);
  return re.test(uri);
}

describe("export layout contract: BigQuery data_path", () => {
  const runAt = new Date("2024-03-05T03:00:00Z"); // every day 03:00 UTC = 12:00 Asia/Tokyo on 2024-03-05
  const path = renderRunTime(bigQueryDataPath(BUCKET, "stg", "shop", "users", 540), runAt);
  const file = (id: string, db = "shop", table = "users", rest = "1/part-00000-3f1c.gz.parquet") =>
    s3Uri(BUCKET, `${tableKeyPrefix(id, db, table)}${rest}`);

  it("matches every Parquet file the export writes for the table, on every attempt of the day", () => {
    for (let attempt = 1; attempt <= MAX_EXPORT_ATTEMPTS; attempt++) {
      const id = exportId("stg", "20240305", attempt);
      expect(dataPathMatches(path, file(id)), id).to.equal(true);
      expect(dataPathMatches(path, file(id, "shop", "users", "2/part-00007-aa.gz.parquet")), id).to.equal(true);
    }
  });

  it("does not match another day, environment, table or database, nor non-Parquet files", () => {
    const today = exportId("stg", "20240305");
    expect(dataPathMatches(path, file(exportId("stg", "20240304")))).to.equal(false);
    expect(dataPathMatches(path, file(exportId("prod", "20240305")))).to.equal(false);
    expect(dataPathMatches(path, file(today, "shop", "users_archive"))).to.equal(false);
    expect(dataPathMatches(path, file(today, "shop", "user"))).to.equal(false);
    expect(dataPathMatches(path, file(today, "shop2", "users"))).to.equal(false);
    expect(dataPathMatches(path, file(today, "shop", "users", "1/_SUCCESS"))).to.equal(false);
    expect(dataPathMatches(path, s3Uri(BUCKET, `${exportRootKey(today)}export_info_${today}.json`))).to.equal(false);
  });

  it("uses more than one wildcard, so that each stays inside one path segment", () => {
    expect(bigQueryDataPath(BUCKET, "stg", "shop", "users").split("*").length - 1).to.equal(3);
  });

  it("shifts run_time into the export's zone, so the day is the export day", () => {
    expect(bigQueryDayTemplate(0)).to.equal('{run_time|"%Y%m%d"}');
    expect(bigQueryDayTemplate(540)).to.equal('{run_time+9h|"%Y%m%d"}');
    expect(bigQueryDayTemplate(330)).to.equal('{run_time+330m|"%Y%m%d"}');
    expect(bigQueryDayTemplate(-300)).to.equal('{run_time-5h|"%Y%m%d"}');
    // 20:00 UTC on the 4th is 05:00 on the 5th in Tokyo: the Tokyo export of the 5th.
    const late = renderRunTime(bigQueryDataPath(BUCKET, "stg", "shop", "users", 540), new Date("2024-03-04T20:00:00Z"));
    expect(dataPathMatches(late, file(exportId("stg", "20240305")))).to.equal(true);
    expect(() => bigQueryDayTemplate(15 * 60)).to.throw(RangeError);
  });

  it("rejects an environment that exportId would reject", () => {
    expect(() => bigQueryDataPath(BUCKET, "Stg-1", "shop", "users")).to.throw(RangeError);
  });
});

describe("export layout contract: parseTableKeyPrefix", () => {
  it("reads back what tableKeyPrefix builds, with or without s3://bucket", () => {
    const key = tableKeyPrefix(exportId("stg", "20240305", 2), "shop", "Order_Items");
    expect(parseTableKeyPrefix(key)).to.deep.equal({ exportId: "stg-20240305-r2", database: "shop", table: "Order_Items" });
    expect(parseTableKeyPrefix(s3Uri(BUCKET, key))).to.deep.equal({ exportId: "stg-20240305-r2", database: "shop", table: "Order_Items" });
    // The db.schema.table form's folder.
    expect(parseTableKeyPrefix(tableKeyPrefix("stg-20240305", "shop", "users", "other"))).to.deep.equal({ exportId: "stg-20240305", database: "shop", schema: "other", table: "users" });
  });

  it("rejects keys outside the layout", () => {
    expect(parseTableKeyPrefix("exports/stg-20240305/shop/a.b.c/")).to.equal(undefined);
    expect(parseTableKeyPrefix("exports/stg-20240305/shop/")).to.equal(undefined);
    expect(parseTableKeyPrefix("other/stg-20240305/shop/shop.users/")).to.equal(undefined);
    expect(parseTableKeyPrefix("exports/stg-20240305/shop/shop./")).to.equal(undefined);
  });
});
