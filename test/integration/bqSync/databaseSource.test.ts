import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { readDatabaseTables } from "../../../automation/bqSync/databaseSource";
import { bqSync } from "../../../automation/commands/bqSync";
import { parseRules, run } from "../../../sql/masking";
import { TEST_SALT, type TestDatabase, emptyDatabase } from "../../support/masking";
import { REPO_ROOT } from "../../support/pulumi";

describe("bq-sync --from database against a real MariaDB", () => {
  let db: TestDatabase;
  let other: TestDatabase;

  before(async () => {
    db = await emptyDatabase("bq_shop");
    other = await emptyDatabase("bq_other");
    await db.admin.query(`
      CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100));
      CREATE TABLE orders (id INT PRIMARY KEY, user_id INT);
      CREATE VIEW active_users AS SELECT id FROM users;
    `);
    await other.admin.query("CREATE TABLE invoices (id INT PRIMARY KEY)");
  });
  after(async () => {
    await db.admin.end();
    await other.admin.end();
  });

  it("lists the base tables of the configured database only: no views, no other schemas", async () => {
    const url = db.url.replace(/\/[^/]*$/, "/");
    const tables = await readDatabaseTables({ url, databases: [db.name], env: { MYSQL_PWD: db.password } });
    expect(tables).to.deep.equal({ [db.name]: ["orders", "users"] });
  });

  it("fails with one clear line, without the password, when the server refuses the login", async () => {
    let error: unknown;
    try {
      await readDatabaseTables({ url: db.url, databases: [db.name], env: { MYSQL_PWD: "wrong-password" } });
    } catch (err) {
      error = err;
    }
    expect(error).to.have.property("name", "UsageError");
    expect(String((error as Error).message)).to.not.contain("wrong-password");
    expect(String((error as Error).message).split("\n")).to.have.length(1);
  });

  it("never offers a masked database's _masking_* bookkeeping to BigQuery", async () => {
    const masked = await emptyDatabase("bq_masked");
    const dir = mkdtempSync(path.join(tmpdir(), "bq-masked-"));
    try {
      await masked.admin.query("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL)");
      await masked.admin.query("INSERT INTO users VALUES (1, 'a@shop.test'), (2, 'b@shop.test')");
      const report = await run({ connection: masked.connection, rules: parseRules("tables:\n  users:\n    email: email\n"), salt: TEST_SALT });
      expect(report.complete).to.equal(true);
      const url = masked.url.replace(/\/[^/]*$/, "/");
      const real = await readDatabaseTables({ url, databases: [masked.name], env: { MYSQL_PWD: masked.password } });
      // The source sees the bookkeeping, as it is really there ...
      expect(real[masked.name]).to.include.members(["users", "_masking_state", "_masking_chunks"]);
      // ... and bq-sync leaves it out. stg names the database `shop`; the real list is read under that name, and
      // without stg's exportOnly every table of it would be offered.
      copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      const stg = readFileSync(path.join(REPO_ROOT, "Pulumi.stg.yaml"), "utf8");
      writeFileSync(path.join(dir, "Pulumi.stg.yaml"), stg.replace(/ {2}data-platform:exportOnly:\n( {4}- .*\n)+/, ""));
      const result = await bqSync(
        { stack: "stg", dir, from: "database", url },
        { catalog: () => Promise.reject(new Error("not asked")), database: async () => ({ shop: real[masked.name] ?? [] }) },
      );
      expect(Object.values(result.added).flat()).to.deep.equal([]);
      expect(result.bookkeeping).to.include.members(["shop._masking_state", "shop._masking_chunks"]);
      expect(result.bookkeeping.every((t) => t.startsWith("shop._masking_"))).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await masked.admin.end();
    }
  });
});
