import { expect } from "chai";
import { PUBLISH_TIMEOUT_SECONDS, QUIET_MINUTES_AFTER, QUIET_MINUTES_BEFORE, quietUntil } from "../../../contracts/bigQueryLoad";
import { bigQueryCurrentPrefix, bigQueryDataPath, bigQueryPublishedKey, publishedExportId, tableKeyPrefix } from "../../../contracts/exportLayout";
import { dataPathMatches } from "../../support/bigQueryDataPath";

const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";
const at = (iso: string) => new Date(iso);

describe("the BigQuery publish window (contracts/bigQueryLoad)", () => {
  it("closes longer before a transfer than a publish can run", () => {
    expect(QUIET_MINUTES_BEFORE * 60).to.be.greaterThan(PUBLISH_TIMEOUT_SECONDS);
  });

  it("defers a publish from before the transfer's start until its run is over", () => {
    // Transfers at 03:00 UTC.
    expect(quietUntil(at("2024-03-02T02:44:59Z"), 180)).to.equal(undefined);
    expect(quietUntil(at("2024-03-02T02:45:00Z"), 180)?.toISOString()).to.equal(new Date(Date.parse("2024-03-02T03:00:00Z") + QUIET_MINUTES_AFTER * 60_000).toISOString());
    expect(quietUntil(at("2024-03-02T03:10:00Z"), 180)?.toISOString()).to.equal("2024-03-02T06:00:00.000Z");
    expect(quietUntil(at("2024-03-02T06:00:00Z"), 180)).to.equal(undefined);
  });

  it("wraps around midnight UTC", () => {
    // Transfers at 00:05 UTC: the window opens at 23:50 the day before.
    expect(quietUntil(at("2024-03-01T23:49:00Z"), 5)).to.equal(undefined);
    expect(quietUntil(at("2024-03-01T23:55:00Z"), 5)?.toISOString()).to.equal("2024-03-02T03:05:00.000Z");
    expect(quietUntil(at("2024-03-02T01:00:00Z"), 5)?.toISOString()).to.equal("2024-03-02T03:05:00.000Z");
    expect(() => quietUntil(at("2024-03-02T01:00:00Z"), 1440)).to.throw(RangeError);
  });
});

describe("the BigQuery layout (contracts/exportLayout)", () => {
  const users = bigQueryDataPath(BUCKET, "shop", "users");

  it("loads from one table's current/ prefix, with no run-time template", () => {
    expect(users).to.equal(`s3://${BUCKET}/bigquery/shop/shop.users/current/*.parquet`);
    expect(bigQueryCurrentPrefix("shop", "users")).to.equal("bigquery/shop/shop.users/current/");
  });

  it("publishes an export's file under current/<export id>/ with its path below the table folder", () => {
    const source = `${tableKeyPrefix("stg-20240302-r2", "shop", "users")}1/part-00000-a.gz.parquet`;
    const key = bigQueryPublishedKey("stg-20240302-r2", "shop", "users", source);
    expect(key).to.equal("bigquery/shop/shop.users/current/stg-20240302-r2/1/part-00000-a.gz.parquet");
    expect(publishedExportId("shop", "users", key)).to.equal("stg-20240302-r2");
    expect(dataPathMatches(users, BUCKET, key)).to.equal(true);
    expect(() => bigQueryPublishedKey("stg-20240302-r2", "shop", "users", `${tableKeyPrefix("stg-20240302-r2", "shop", "orders")}1/p.parquet`)).to.throw(RangeError);
  });

  it("never selects another table's files, the exports themselves or non-Parquet files", () => {
    for (const key of [
      "bigquery/shop/shop.users_archive/current/stg-20240302/1/part-00000.parquet",
      "bigquery/shop/shop.user/current/stg-20240302/1/part-00000.parquet",
      "bigquery/shopping/shopping.users/current/stg-20240302/1/part-00000.parquet",
      "exports/stg-20240302/shop/shop.users/1/part-00000.parquet",
      "bigquery/shop/shop.users/current/stg-20240302/_SUCCESS",
    ]) {
      expect(dataPathMatches(users, BUCKET, key), key).to.equal(false);
    }
    expect(dataPathMatches(users, "another-bucket", "bigquery/shop/shop.users/current/x/1/p.parquet")).to.equal(false);
  });
});
