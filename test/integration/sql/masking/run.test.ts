import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { RowDataPacket } from "mysql2/promise";
import { MaskingUsageError, type RunReport, parseRules, run, verify } from "../../../../sql/masking";
import { FIRST_NAMES, LAST_NAMES } from "../../../../sql/masking/dictionaries";
import { ECOMMERCE_RULES_PATH, ecommerceRules } from "../../../fixtures/ecommerce";
import { TEST_SALT, type TestDatabase, columnValues, count, ecommerceDatabase, snapshot, tableRows } from "../../../support/masking";

/** Masked columns of the fixture rules, as [table, column, strategy]. */
const MASKED = [...ecommerceRules().tables].flatMap(([table, cols]) =>
  [...cols].filter(([, s]) => s.name !== "keep").map(([column, s]) => [table, column, s.name] as const),
);

describe("masking run on the e-commerce fixture", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let unmasked: Record<string, RowDataPacket[]>;
  let originals: Set<string>;
  let report: RunReport;

  before(async () => {
    db = await ecommerceDatabase("mask_run");
    unmasked = await snapshot(db.admin);
    originals = new Set();
    for (const [table, column] of MASKED) {
      for (const v of await columnValues(db.admin, table, column)) if (v !== null) originals.add(typeof v === "string" ? v : JSON.stringify(v));
    }
    report = await run({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, chunkSize: 64, concurrency: 3 });
  });

  after(async () => {
    await db.admin.end();
  });

  it("completes in several chunks per table and passes every verify check", async () => {
    expect(report.complete).to.equal(true);
    expect(report.chunksRemaining).to.equal(0);
    expect(report.tables.find((t) => t.table === "users")?.chunks).to.be.greaterThan(5);
    expect(report.tables.find((t) => t.table === "audit_log")?.chunks, "no primary key: one chunk").to.equal(1);
    expect(report.verify?.ok, JSON.stringify(report.verify?.checks.filter((c) => !c.ok))).to.equal(true);
    expect(await count(db.admin, "SELECT full_survivor_scan FROM _masking_state"), "no original looks masked").to.equal(0);
    const kinds = new Set(report.verify?.checks.map((c) => c.check));
    expect([...kinds].sort()).to.deep.equal(["fingerprint", "foreign_key", "progress", "rows", "samples", "self_map", "shape", "survivors"]);
  });

  it("leaves no original value in any masked column", async () => {
    const survivors: string[] = [];
    for (const [table, column, strategy] of MASKED) {
      if (strategy === "postal_code" || strategy === "date_year") continue; // per-row checks below
      for (const v of await columnValues(db.admin, table, column)) {
        if (v !== null && originals.has(typeof v === "string" ? v : JSON.stringify(v))) survivors.push(`${table}.${column}`);
      }
    }
    expect(survivors).to.deep.equal([]);
  });

  it("changes every postal code and keeps only the year of every birthday", async () => {
    const addresses = await tableRows(db.admin, "addresses");
    const zipBefore = new Map(unmasked.addresses?.map((r) => [r.id, r.zip]));
    expect(addresses.filter((r) => r.zip === zipBefore.get(r.id))).to.have.length(0);
    const users = await tableRows(db.admin, "users");
    const birthdayBefore = new Map(unmasked.users?.map((r) => [r.id, r.birthday as string | null]));
    for (const u of users) {
      const was = birthdayBefore.get(u.id);
      expect(u.birthday).to.equal(was === null || was === undefined ? null : `${was.slice(0, 4)}-01-01`);
    }
  });

  it("masks an email to the same value in every table, so joins on it still match", async () => {
    expect(await count(db.admin, "SELECT COUNT(*) FROM orders o JOIN users u ON u.email = o.customer_email")).to.equal(unmasked.orders?.length);
    expect(await count(db.admin, "SELECT COUNT(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.customer_email <> u.email")).to.equal(0);
    expect(await count(db.admin, "SELECT COUNT(*) FROM audit_log a LEFT JOIN users u ON u.email = a.user_email WHERE u.id IS NULL")).to.equal(0);
  });

  it("keeps row counts, NULLs, unique emails and foreign keys", async () => {
    for (const [table, rows] of Object.entries(unmasked)) expect(await count(db.admin, `SELECT COUNT(*) FROM \`${table}\``), table).to.equal(rows.length);
    const nullPhones = (rows: RowDataPacket[] | undefined) => (rows ?? []).filter((r) => r.phone === null).map((r) => r.id);
    expect(nullPhones(await tableRows(db.admin, "users"))).to.deep.equal(nullPhones(unmasked.users));
    expect(await count(db.admin, "SELECT COUNT(DISTINCT email) FROM users")).to.equal(unmasked.users?.length);
    expect(await count(db.admin, "SELECT COUNT(*) FROM addresses a LEFT JOIN users u ON u.id = a.user_id WHERE u.id IS NULL")).to.equal(0);
    expect(await count(db.admin, "SELECT COUNT(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL")).to.equal(0);
  });

  it("gives every masked value the shape of its strategy", async () => {
    const users = await tableRows(db.admin, "users");
    for (const u of users) {
      expect(u.email).to.match(/^[0-9a-f]{16}@example\.com$/);
      expect(u.username).to.match(/^user_[0-9a-f]{16}$/);
      expect(FIRST_NAMES).to.include(u.first_name);
      expect(LAST_NAMES).to.include(u.last_name);
      if (u.phone !== null) expect(u.phone).to.match(/^[0-9]{15}$/);
      expect(u.email_domain, "generated column recomputed").to.equal("example.com");
    }
    expect(users.filter((u) => u.memo !== null).every((u) => u.memo === "[REDACTED]")).to.equal(true);
    expect(await count(db.admin, "SELECT COUNT(*) FROM users WHERE profile IS NOT NULL AND profile <> '{}'")).to.equal(0);
    const addresses = await tableRows(db.admin, "addresses");
    for (const a of addresses) {
      expect(a.line1).to.match(/^[1-9][0-9]{0,3} [A-Z][a-z]+ (St|Ave|Rd|Ln|Blvd|Way|Dr|Ct)$/);
      expect(a.zip).to.match(/^[0-9]{5}$/);
      expect(a.note).to.equal(null);
      expect(a.city).to.equal("Berlin");
    }
  });

  it("produces the same database from the same data and salt, whatever the chunking", async () => {
    const twin = await ecommerceDatabase("mask_twin");
    try {
      const again = await run({ connection: twin.connection, rules: ecommerceRules(), salt: TEST_SALT, chunkSize: 17, concurrency: 1 });
      expect(again.complete).to.equal(true);
      expect(await snapshot(twin.admin)).to.deep.equal(await snapshot(db.admin));
    } finally {
      await twin.admin.end();
    }
  });

  it("produces different values with a different salt", async () => {
    const other = await ecommerceDatabase("mask_salt");
    try {
      await run({ connection: other.connection, rules: ecommerceRules(), salt: "another-salt-0123456789" });
      const mine = new Set(await columnValues(db.admin, "users", "email"));
      const theirs = await columnValues(other.admin, "users", "email");
      expect(theirs.filter((e) => mine.has(e))).to.deep.equal([]);
    } finally {
      await other.admin.end();
    }
  });

  it("changes nothing when run again, and verifies again", async () => {
    const masked = await snapshot(db.admin);
    const again = await run({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT });
    expect(again).to.include({ complete: true, resumed: true, chunksThisCall: 0 });
    expect(again.verify?.ok).to.equal(true);
    expect(await snapshot(db.admin)).to.deep.equal(masked);
  });

  it("refuses to continue a recorded run with another salt or other rules", async () => {
    const masked = await snapshot(db.admin);
    const attempt = (salt: string, rules = ecommerceRules()) => run({ connection: db.connection, rules, salt }).then(() => undefined, (e: unknown) => e);
    const otherSalt = await attempt("a-different-salt-0123");
    expect(otherSalt).to.be.instanceOf(MaskingUsageError);
    expect(String(otherSalt)).to.match(/different salt/);
    const changed = parseRules(readFileSync(ECOMMERCE_RULES_PATH, "utf8").replace("memo: redact", "memo: nullify"), "changed.yaml");
    const otherRules = await attempt(TEST_SALT, changed);
    expect(String(otherRules)).to.match(/different rules/);
    expect(await snapshot(db.admin)).to.deep.equal(masked);
  });

  it("verify fails, naming the column, once an original value is put back", async () => {
    const original = unmasked.users?.find((u) => u.id === 5)?.email as string;
    const masked = (await tableRows(db.admin, "users")).find((u) => u.id === 5)?.email as string;
    await db.admin.query("SET foreign_key_checks = 0");
    await db.admin.query("UPDATE users SET email = ? WHERE id = 5", [original]);
    try {
      const result = await verify({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT });
      expect(result.ok).to.equal(false);
      const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.check} ${c.table}.${c.column}`);
      expect(failed).to.include.members(["shape users.email", "survivors users.email", "samples users.email"]);
      expect(JSON.stringify(result)).to.not.include(original);
    } finally {
      await db.admin.query("UPDATE users SET email = ? WHERE id = 5", [masked]);
      await db.admin.query("SET foreign_key_checks = 1");
    }
    expect((await verify({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT })).ok).to.equal(true);
  });
});
