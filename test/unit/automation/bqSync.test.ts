import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type TableSources, bqSync, renderBqSync } from "../../../automation/commands/bqSync";
import { readBigQueryTables } from "../../../automation/bqSync/stackYaml";
import type { TableList } from "../../../automation/bqSync/tables";
import { UsageError } from "../../../automation/errors";
import { ConfigError } from "../../../stacks/config";
import { REPO_ROOT } from "../../support/pulumi";

/** Sources that answer with fixed lists and record what they were asked. */
function fakeSources(real: TableList): TableSources & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    catalog: async (cfg) => {
      calls.push(`catalog ${cfg.environment}`);
      return { tables: real, exportId: "stg-20240305", ignored: [] };
    },
    database: async (_cfg, url) => {
      calls.push(`database ${url}`);
      return real;
    },
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  expect.fail("expected a failure");
}

describe("bq-sync command", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "bq-sync-"));
    for (const f of ["Pulumi.yaml", "Pulumi.stg.yaml", "Pulumi.prod.yaml"]) copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
    file = path.join(dir, "Pulumi.stg.yaml");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  /** stg's file exports four named tables; without exportOnly every table of `shop` is exported. */
  const exportEverything = () => writeFileSync(file, readFileSync(file, "utf8").replace(/ {2}data-platform:exportOnly:\n( {4}- .*\n)+/, ""));

  it("prints the diff against the catalog and leaves the file alone without --write", async () => {
    exportEverything();
    const before = readFileSync(file, "utf8");
    const sources = fakeSources({ shop: ["users", "orders", "order_items", "sessions"] });
    const result = await bqSync({ stack: "stg", dir }, sources);
    expect(sources.calls).to.deep.equal(["catalog stg"]);
    expect(result).to.deep.include({ added: { shop: ["sessions"] }, removed: { shop: ["products"] }, unchanged: 3, written: false, exportId: "stg-20240305" });
    expect(readFileSync(file, "utf8")).to.equal(before);
    expect(renderBqSync(result)).to.contain("  + shop.sessions\n  - shop.products\n1 to add, 1 to remove, 3 unchanged.");
  });

  it("with --write updates the table list, keeps the comments, and then finds nothing to do", async () => {
    exportEverything();
    const before = readFileSync(file, "utf8");
    const sources = fakeSources({ shop: ["users", "orders", "order_items", "sessions"] });
    const written = await bqSync({ stack: "stg", dir, write: true }, sources);
    expect(written.written).to.equal(true);
    const after = readFileSync(file, "utf8");
    expect(readBigQueryTables(after)).to.deep.equal({ shop: ["users", "orders", "order_items", "sessions"] });
    const comments = (t: string) => t.split("\n").filter((l) => l.trim().startsWith("#"));
    expect(comments(after)).to.deep.equal(comments(before));
    const again = await bqSync({ stack: "stg", dir, write: true }, sources);
    expect(again).to.deep.include({ added: {}, removed: {}, unchanged: 4, written: false });
  });

  it("reads the database source with the given URL and keeps only exported tables", async () => {
    // stg exports only shop.users, shop.orders, shop.order_items and shop.products (exportOnly).
    const sources = fakeSources({ shop: ["users", "orders", "order_items", "products", "audit_log"] });
    const result = await bqSync({ stack: "stg", dir, from: "database", url: "mysql://reader@db.internal" }, sources);
    expect(sources.calls).to.deep.equal(["database mysql://reader@db.internal"]);
    expect(result.added).to.deep.equal({});
  });

  it("skips tables BigQuery cannot name and refuses names MySQL would not produce", async () => {
    exportEverything();
    const skipped = await bqSync({ stack: "stg", dir }, fakeSources({ shop: ["users", "orders", "order_items", "products", "tmp$1"] }));
    expect(skipped.skipped).to.deep.equal(["shop.tmp$1"]);
    expect(skipped.added).to.deep.equal({});
    const bad = await failure(bqSync({ stack: "stg", dir }, fakeSources({ shop: ["users", "drop table x"] })));
    expect(bad).to.be.instanceOf(UsageError);
    expect(bad.message).to.equal("the catalog returned table names that are not MySQL identifiers: shop.drop table x");
  });

  it("refuses to write a list that would break the stack config, and leaves the file untouched", async () => {
    const text = readFileSync(file, "utf8")
      .replace("    - shop\n  # EventBridge", "    - shop\n    - crm\n  # EventBridge")
      .replace(/ {2}data-platform:exportOnly:\n( {4}- .*\n)+/, "");
    writeFileSync(file, text);
    const err = await failure(bqSync({ stack: "stg", dir, write: true }, fakeSources({ shop: ["users", "orders", "order_items", "products"], crm: ["users"] })));
    expect(err).to.be.instanceOf(ConfigError);
    expect(err.message).to.contain("table users is also listed under shop");
    expect(readFileSync(file, "utf8")).to.equal(text);
  });

  it("explains in one line what is missing: the bigquery block, the URL, the stack", async () => {
    const none = await failure(bqSync({ stack: "prod", dir }, fakeSources({})));
    expect(none).to.be.instanceOf(UsageError);
    expect(none.message).to.equal('Pulumi.prod.yaml has no data-platform:bigquery block; add one (see README, "BigQuery") first');
    const noUrl = await failure(bqSync({ stack: "stg", dir, from: "database" }, fakeSources({})));
    expect(noUrl.message).to.equal("--from database needs --url mysql://user@host[:port]");
    const noStack = await failure(bqSync({ stack: "qa", dir }, fakeSources({})));
    expect(noStack).to.be.instanceOf(UsageError);
    expect(noStack.message).to.match(/^no Pulumi\.qa\.yaml in /);
  });
});
