import { expect } from "chai";
import { parseRules } from "../../../../sql/masking";
import { withDatabase } from "../../../../sql/masking/database";
import type { MaskPlan } from "../../../../sql/masking/plan";
import { preflight } from "../../../../sql/masking/preflight";
import { deriveKeys } from "../../../../sql/masking/session";
import { TEST_SALT, type TestDatabase, emptyDatabase } from "../../../support/masking";

const rules = (yaml: string) => parseRules(`tables:\n${yaml}`, "test.yaml");

/**
 * The plan-time duplicate check of unique indexes keys every row in Node and lets the server recount only an index
 * with a repeated key. Each case replaces the masking expression with one whose outputs differ in bytes, so that
 * only the index's collation (or its composite parts) makes them equal, or not.
 */
describe("the plan-time unique check compares masked values as the unique index does", function () {
  this.timeout(60_000);
  let db: TestDatabase;

  before(async () => {
    db = await emptyDatabase("mask_unique");
    await db.admin.query(`
      CREATE TABLE ci (id INT PRIMARY KEY, email VARCHAR(100) COLLATE utf8mb4_general_ci NOT NULL UNIQUE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE bin (id INT PRIMARY KEY, email VARCHAR(100) COLLATE utf8mb4_bin NOT NULL UNIQUE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE nopad (id INT PRIMARY KEY, email VARCHAR(100) COLLATE utf8mb4_nopad_bin NOT NULL UNIQUE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE heap (email VARCHAR(100) COLLATE utf8mb4_general_ci NULL UNIQUE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE pair (id INT PRIMARY KEY, email VARCHAR(100) COLLATE utf8mb4_bin NOT NULL, shop VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL,
        UNIQUE KEY uq_pair (email, shop)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      INSERT INTO ci VALUES (1, 'ann@corp.test'), (2, 'bo@corp.test'), (3, 'cy@corp.test');
      INSERT INTO bin VALUES (1, 'ann@corp.test'), (2, 'bo@corp.test'), (3, 'cy@corp.test');
      INSERT INTO nopad VALUES (1, 'ann@corp.test'), (2, 'bo@corp.test'), (3, 'cy@corp.test');
      INSERT INTO heap VALUES ('ann@corp.test'), ('bo@corp.test'), ('cy@corp.test');
      INSERT INTO pair VALUES (1, 'ann@corp.test', 'Tokyo'), (2, 'bo@corp.test', 'tokyo'), (3, 'cy@corp.test', 'Osaka');
    `);
  });

  after(async () => {
    await db.admin.end();
  });

  /** The problems preflight finds when `table.email` is masked by `sql` (declared to write at most `width` characters). */
  async function problemsWith(table: string, sql: string, width: number | null = 40): Promise<string[]> {
    const keys = deriveKeys(TEST_SALT);
    const yaml = `  ${table}:\n    email: email\n${table === "pair" ? "    shop: keep\n" : ""}`;
    return withDatabase(db.connection, rules(yaml), keys, async ({ conn, plan }) => {
      const tp = plan.tables[0];
      const mask = tp?.masks[0];
      if (!tp || !mask) throw new Error(`no plan for ${table}`);
      const replaced: MaskPlan = { ...plan, tables: [{ ...tp, masks: [{ ...mask, set: { sql, params: [] }, width }] }], foreignKeys: [] };
      return (await preflight(conn, replaced)).map((p) => `${p.kind}:${p.table}:${p.detail}`);
    });
  }

  it("refuses values that differ only in case under a case-insensitive collation", async () => {
    const sql = "IF(`id` = 1, 'DUP@EXAMPLE.COM', CONCAT('dup', `id`, '@example.com'))";
    const dup = "IF(`id` = 1, 'DUP@EXAMPLE.COM', IF(`id` = 2, 'dup@example.com', 'other@example.com'))";
    expect(await problemsWith("ci", sql)).to.deep.equal([]);
    expect(await problemsWith("ci", dup)).to.deep.equal(["unique:ci:unique index email would get 1 duplicate masked values (email: email); use hash, or a wider column"]);
  });

  it("accepts the same values under a binary collation, where they are distinct", async () => {
    expect(await problemsWith("bin", "IF(`id` = 1, 'DUP@EXAMPLE.COM', IF(`id` = 2, 'dup@example.com', 'other@example.com'))")).to.deep.equal([]);
  });

  it("refuses values that differ only in trailing spaces under a PAD SPACE collation, and not under NO PAD", async () => {
    const sql = "IF(`id` = 1, 'dup@example.com  ', IF(`id` = 2, 'dup@example.com', 'other@example.com'))";
    expect(await problemsWith("bin", sql)).to.have.length(1);
    expect(await problemsWith("nopad", sql)).to.deep.equal([]);
  });

  it("refuses a composite duplicate whose unmasked part differs only in case", async () => {
    // Rows 1 and 2 get the same masked email; their shops are Tokyo and tokyo, equal in general_ci.
    const sql = "IF(`id` < 3, 'dup@example.com', 'other@example.com')";
    expect(await problemsWith("pair", sql)).to.deep.equal(["unique:pair:unique index uq_pair would get 1 duplicate masked values (email: email); use hash, or a wider column"]);
    await db.admin.query("UPDATE pair SET shop = 'Kyoto' WHERE id = 2");
    try {
      expect(await problemsWith("pair", sql)).to.deep.equal([]);
    } finally {
      await db.admin.query("UPDATE pair SET shop = 'tokyo' WHERE id = 2");
    }
  });

  it("groups a table without a chunk key on the server, in its collation", async () => {
    expect(await problemsWith("heap", "IF(`email` LIKE 'a%', 'DUP@EXAMPLE.COM', IF(`email` LIKE 'b%', 'dup@example.com', 'other@example.com'))")).to.deep.equal([
      "unique:heap:unique index email would get 1 duplicate masked values (email: email); use hash, or a wider column",
    ]);
    expect(await problemsWith("heap", "CONCAT(LEFT(`email`, 2), '@example.com')")).to.deep.equal([]);
  });

  it("lets the server's exact recount clear a key repeat that is no duplicate", async () => {
    // Declared 4 characters wide, these values share their keyed prefix; the recount sees they differ.
    expect(await problemsWith("ci", "CONCAT('same', `id`)", 4)).to.deep.equal([]);
  });

  it("keys a masked NULL out: a unique index admits any number of NULLs", async () => {
    expect(await problemsWith("ci", "IF(`id` < 3, NULL, 'x@example.com')")).to.deep.equal([]);
  });
});
