import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { readBigQueryTables, rewriteBigQueryTables } from "../../../automation/bqSync/stackYaml";
import { applyDiff, checkTableNames, diffTables, isEmptyDiff } from "../../../automation/bqSync/tables";
import { UsageError } from "../../../automation/errors";
import { REPO_ROOT } from "../../support/pulumi";

describe("bq-sync diff", () => {
  it("reports tables added and removed per database, and counts the rest", () => {
    const diff = diffTables(
      { shop: ["users", "orders", "legacy"], billing: ["invoices"] },
      { shop: ["orders", "users", "sessions", "carts"], billing: ["invoices"] },
      ["shop", "billing"],
    );
    expect(diff).to.deep.equal({ added: { shop: ["carts", "sessions"] }, removed: { shop: ["legacy"] }, unchanged: 3 });
    expect(isEmptyDiff(diff)).to.equal(false);
  });

  it("adds every table of an exported database that has none configured yet", () => {
    expect(diffTables({ shop: ["users"] }, { shop: ["users"], crm: ["contacts"] }, ["shop", "crm"]).added).to.deep.equal({ crm: ["contacts"] });
  });

  it("leaves configured databases outside the compared list alone", () => {
    const diff = diffTables({ shop: ["users"], other: ["x"] }, { shop: ["users"] }, ["shop"]);
    expect(isEmptyDiff(diff)).to.equal(true);
  });

  it("applies a diff: keeps order, appends new tables, drops databases left empty", () => {
    const next = applyDiff(
      { shop: ["users", "orders", "legacy"], old: ["t"] },
      { added: { shop: ["carts"], crm: ["contacts"] }, removed: { shop: ["legacy"], old: ["t"] }, unchanged: 2 },
    );
    expect(next).to.deep.equal({ shop: ["users", "orders", "carts"], crm: ["contacts"] });
  });

  it("separates names BigQuery cannot take from names MySQL would never return", () => {
    const checked = checkTableNames({ shop: ["users", "users", "tmp$1", "a b", "123", "x".repeat(65), "Orders"] });
    expect(checked.tables).to.deep.equal({ shop: ["Orders", "users"] });
    expect(checked.skipped).to.deep.equal(["shop.tmp$1"]);
    expect(checked.invalid).to.have.members(["shop.a b", "shop.123", `shop.${"x".repeat(65)}`]);
    expect(checked.bookkeeping).to.deep.equal([]);
  });

  it("never offers the masking engine's bookkeeping tables, and lists them apart", () => {
    const checked = checkTableNames({ shop: ["users", "_masking_state", "_masking_chunks", "masking_rules"], crm: ["_masking_samples"] });
    expect(checked.tables).to.deep.equal({ shop: ["masking_rules", "users"], crm: [] });
    expect(checked.bookkeeping).to.deep.equal(["crm._masking_samples", "shop._masking_chunks", "shop._masking_state"]);
  });
});

describe("bq-sync stack file rewrite", () => {
  const stg = readFileSync(path.join(REPO_ROOT, "Pulumi.stg.yaml"), "utf8");
  const comments = (text: string) => text.split("\n").filter((l) => l.trim().startsWith("#"));

  it("leaves the file byte for byte as it was when the list does not change", () => {
    expect(rewriteBigQueryTables(stg, { shop: ["users", "orders", "order_items", "products"] })).to.equal(stg);
  });

  it("keeps every comment, key order and quoting while it changes the table list", () => {
    const out = rewriteBigQueryTables(stg, { shop: ["users", "order_items", "sessions"], billing: ["invoices"] });
    expect(comments(out)).to.deep.equal(comments(stg));
    expect(out).to.contain('cron: "0 0 * * ? *"');
    expect(readBigQueryTables(out)).to.deep.equal({ shop: ["users", "order_items", "sessions"], billing: ["invoices"] });
    const keys = (text: string) => text.split("\n").filter((l) => /^ {2}[a-z-]+:[A-Za-z]+:/.test(l)).map((l) => l.trim().split(":").slice(0, 2).join(":"));
    expect(keys(out)).to.deep.equal(keys(stg));
    // Only the table lines changed.
    const changed = out.split("\n").filter((l) => !stg.split("\n").includes(l));
    expect(changed).to.deep.equal(["        - sessions", "      billing:", "        - invoices"]);
  });

  it("keeps a comment on a table that stays and drops the table that goes", () => {
    const text = [
      "config:",
      "  data-platform:bigquery:",
      "    tables:",
      "      shop:",
      "        # loaded since 2024-01",
      "        - users",
      "        - legacy # to be dropped",
      "        - orders # biggest table",
      "",
    ].join("\n");
    const out = rewriteBigQueryTables(text, { shop: ["users", "orders"] });
    expect(out).to.contain("# loaded since 2024-01\n        - users");
    expect(out).to.contain("- orders # biggest table");
    expect(out).to.not.contain("legacy");
  });

  it("refuses a file without a bigquery tables mapping", () => {
    expect(() => rewriteBigQueryTables("config:\n  aws:region: ap-northeast-1\n", { shop: ["users"] }, "Pulumi.x.yaml")).to.throw(
      UsageError,
      "Pulumi.x.yaml has no data-platform:bigquery.tables mapping to update",
    );
  });
});
