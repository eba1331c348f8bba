import { expect } from "chai";
import { type VerifyReport, parseRules, run, verify } from "../../../../sql/masking";
import { ecommerceRules } from "../../../fixtures/ecommerce";
import { TEST_SALT, type TestDatabase, count, ecommerceDatabase, emptyDatabase } from "../../../support/masking";

const failedChecks = (r: VerifyReport) => r.checks.filter((c) => !c.ok).map((c) => [c.check, [c.table, c.column].filter(Boolean).join(".")].filter(Boolean).join(":"));

/** Each case plants one defect in a masked, verified database, and expects verify to name exactly the check that sees it. */
describe("each verify check fails on the defect it exists for", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  const check = () => verify({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT });

  /** A key of `table` that the fingerprint did not sample, so that only the planted check can see the row. */
  async function unsampled(table: string): Promise<number> {
    const [samples] = (await db.admin.query("SELECT row_key FROM _masking_samples WHERE table_name = ?", [table])) as unknown as [Array<{ row_key: string }>];
    const sampled = new Set(samples.map((s) => Number((JSON.parse(s.row_key) as string[])[0])));
    const [rows] = (await db.admin.query(`SELECT id FROM \`${table}\` ORDER BY id DESC`)) as unknown as [Array<{ id: number }>];
    const id = rows.find((r) => !sampled.has(r.id))?.id;
    if (!id) throw new Error(`every row of ${table} was sampled`);
    return id;
  }

  before(async () => {
    db = await ecommerceDatabase("verify_checks", 300);
    const report = await run({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, chunkSize: 50 });
    expect(report.verify?.ok).to.equal(true);
    await db.admin.query("SET SESSION foreign_key_checks = 0");
  });

  after(async () => {
    await db.admin.end();
  });

  it("rows: a table that lost a row since masking", async () => {
    const id = await unsampled("addresses");
    const [saved] = (await db.admin.query("SELECT * FROM addresses WHERE id = ?", [id])) as unknown as [Array<Record<string, unknown>>];
    await db.admin.query("DELETE FROM addresses WHERE id = ?", [id]);
    try {
      expect(failedChecks(await check())).to.deep.equal(["rows:addresses"]);
    } finally {
      await db.admin.query("INSERT INTO addresses SET ?", [saved[0]]);
    }
    expect((await check()).ok).to.equal(true);
  });

  it("samples: a sampled row whose well-shaped value is not the one masking derives", async () => {
    const [sampled] = (await db.admin.query("SELECT row_key FROM _masking_samples WHERE table_name = 'users' AND column_name = 'username' LIMIT 1")) as unknown as [Array<{ row_key: string }>];
    const id = Number((JSON.parse(String(sampled[0]?.row_key)) as string[])[0]);
    const [before] = (await db.admin.query("SELECT username FROM users WHERE id = ?", [id])) as unknown as [Array<{ username: string }>];
    await db.admin.query("UPDATE users SET username = 'user_0000000000000000' WHERE id = ?", [id]);
    try {
      expect(failedChecks(await check())).to.deep.equal(["samples:users.username"]);
    } finally {
      await db.admin.query("UPDATE users SET username = ? WHERE id = ?", [before[0]?.username, id]);
    }
  });

  it("shape: an unsampled row whose value does not have its strategy's shape", async () => {
    const id = await unsampled("users");
    const [before] = (await db.admin.query("SELECT phone FROM users WHERE id = ?", [id])) as unknown as [Array<{ phone: string | null }>];
    await db.admin.query("UPDATE users SET phone = '12-34' WHERE id = ?", [id]);
    try {
      expect(failedChecks(await check())).to.deep.equal(["shape:users.phone"]);
    } finally {
      await db.admin.query("UPDATE users SET phone = ? WHERE id = ?", [before[0]?.phone, id]);
    }
  });

  it("progress and fingerprint: a database whose run is not recorded as complete, or whose fingerprint is gone", async () => {
    await db.admin.query("UPDATE _masking_chunks SET done = 0 WHERE table_name = 'orders' AND chunk_no = 0");
    try {
      expect(failedChecks(await check())).to.deep.equal(["progress"]);
    } finally {
      await db.admin.query("UPDATE _masking_chunks SET done = 1 WHERE table_name = 'orders' AND chunk_no = 0");
    }
    await db.admin.query("RENAME TABLE _masking_fingerprints TO kept_fingerprints");
    try {
      expect(failedChecks(await check())).to.include("fingerprint");
    } finally {
      await db.admin.query("RENAME TABLE kept_fingerprints TO _masking_fingerprints");
    }
    expect((await check()).ok).to.equal(true);
  });
});

describe("verify's survivor check when originals already look masked", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  const rules = parseRules("tables:\n  people:\n    email: email\n", "test.yaml");

  before(async () => {
    db = await emptyDatabase("verify_survivors");
    await db.admin.query("CREATE TABLE people (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE) ENGINE=InnoDB");
    // One original already has the shape of a masked email: verify must then hash every value, well-shaped ones too.
    const rows = Array.from({ length: 40 }, (_, i) => [i + 1, i === 0 ? "0123456789abcdef@example.com" : `p${i}@corp.test`]);
    await db.admin.query("INSERT INTO people VALUES ?", [rows]);
    const report = await run({ connection: db.connection, rules, salt: TEST_SALT });
    expect(report.verify?.ok).to.equal(true);
    expect(await count(db.admin, "SELECT full_survivor_scan FROM _masking_state")).to.equal(1);
  });

  after(async () => {
    await db.admin.end();
  });

  it("finds a well-shaped original that survived, which the shape check cannot see", async () => {
    const [before] = (await db.admin.query("SELECT email FROM people WHERE id = 20")) as unknown as [Array<{ email: string }>];
    await db.admin.query("UPDATE people SET email = '0123456789abcdef@example.com' WHERE id = 20");
    try {
      const failed = failedChecks(await verify({ connection: db.connection, rules, salt: TEST_SALT }));
      expect(failed).to.include("survivors:people.email");
      expect(failed).to.not.include("shape:people.email");
    } finally {
      await db.admin.query("UPDATE people SET email = ? WHERE id = 20", [before[0]?.email]);
    }
  });
});
