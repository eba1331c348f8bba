import { expect } from "chai";
import { MaskingUsageError, type VerifyReport, run, verify } from "../../../../sql/masking";
import { ecommerceRules } from "../../../fixtures/ecommerce";
import { TEST_SALT, type TestDatabase, count, ecommerceDatabase } from "../../../support/masking";

describe("verify in time-budgeted steps", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let whole: VerifyReport;

  /** Calls verify with no time at all until it completes: one step per call. */
  const stepwise = async (): Promise<VerifyReport[]> => {
    const calls: VerifyReport[] = [];
    let resume: VerifyReport["resume"] = null;
    for (let i = 0; i < 500; i += 1) {
      // The token goes through JSON, as it does through a state machine.
      const r: VerifyReport = await verify({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, timeBudgetMs: 0, resume: resume ? JSON.parse(JSON.stringify(resume)) : undefined });
      calls.push(r);
      if (r.complete) break;
      resume = r.resume;
    }
    return calls;
  };

  before(async () => {
    db = await ecommerceDatabase("verify_steps", 400);
    const done = await run({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, chunkSize: 10, verify: false });
    expect(done.complete).to.equal(true);
    whole = await verify({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT });
  });

  after(async () => {
    await db.admin.end();
  });

  it("reaches, one step per call, exactly the checks of an unbudgeted verify", async () => {
    expect(whole).to.include({ ok: true, complete: true, resume: null });
    const calls = await stepwise();
    const last = calls[calls.length - 1];
    expect(last?.complete).to.equal(true);
    expect(last?.checks).to.deep.equal(whole.checks);
    expect(last?.ok).to.equal(true);
    // Each table's scan takes one step per 10 chunks of the run, and so does the one masked foreign key
    // (orders.customer_email → users.email) over its child's chunks; every other unit takes one step.
    const scanSteps = await count(db.admin, "SELECT SUM(CEIL(n / 10) - 1) FROM (SELECT COUNT(*) AS n FROM _masking_chunks GROUP BY table_name) t");
    const keySteps = await count(db.admin, "SELECT CEIL(COUNT(*) / 10) - 1 FROM _masking_chunks WHERE table_name = 'orders'");
    expect(keySteps).to.be.greaterThan(0);
    const extraSteps = scanSteps + keySteps;
    expect(scanSteps).to.be.greaterThan(3);
    expect(calls.length).to.equal(whole.progress.unitsTotal + extraSteps);
    expect(calls.slice(0, -1).every((c) => !c.ok && !c.complete && c.resume !== null)).to.equal(true);
    const done = calls.map((c) => c.progress.unitsDone);
    expect(done).to.deep.equal([...done].sort((a, b) => a - b));
  });

  it("still finds a surviving original in the last key range when it runs in steps", async () => {
    const [row] = (await db.admin.query("SELECT MAX(id) AS id FROM users"))[0] as Array<{ id: number }>;
    const [orig] = (await db.admin.query("SELECT email FROM users WHERE id = ?", [row?.id]))[0] as Array<{ email: string }>;
    try {
      await db.admin.query("UPDATE users SET email = 'planted.person@corp.test' WHERE id = ?", [row?.id]);
      const last = (await stepwise()).pop();
      expect(last?.complete).to.equal(true);
      expect(last?.ok).to.equal(false);
      const failed = last?.checks.filter((c) => !c.ok).map((c) => `${c.check}:${c.table}.${c.column}`);
      expect(failed).to.include("shape:users.email");
    } finally {
      await db.admin.query("UPDATE users SET email = ? WHERE id = ?", [orig?.email, row?.id]);
    }
    expect(await count(db.admin, "SELECT COUNT(*) FROM users WHERE email = 'planted.person@corp.test'")).to.equal(0);
  });

  it("still finds an orphan in the child's last key range when the foreign key check runs in steps", async () => {
    const [row] = (await db.admin.query("SELECT MAX(id) AS id FROM orders WHERE customer_email IS NOT NULL"))[0] as Array<{ id: number }>;
    const [orig] = (await db.admin.query("SELECT customer_email AS email FROM orders WHERE id = ?", [row?.id]))[0] as Array<{ email: string }>;
    try {
      await db.admin.query("SET SESSION foreign_key_checks = 0");
      // Well shaped, so only the foreign key check can see it.
      await db.admin.query("UPDATE orders SET customer_email = '0123456789abcdef@example.com' WHERE id = ?", [row?.id]);
      const last = (await stepwise()).pop();
      expect(last?.complete).to.equal(true);
      const failed = last?.checks.filter((c) => !c.ok).map((c) => `${c.check}:${c.table}.${c.column}: ${c.detail}`);
      expect(failed).to.deep.equal(["foreign_key:orders.customer_email: fk_orders_email: 1 rows without a parent in users"]);
    } finally {
      await db.admin.query("UPDATE orders SET customer_email = ? WHERE id = ?", [orig?.email, row?.id]);
      await db.admin.query("SET SESSION foreign_key_checks = 1");
    }
  });

  it("refuses a resume token of a run made with another salt", async () => {
    const first = await verify({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, timeBudgetMs: 0 });
    expect(first.resume).to.not.equal(null);
    const err = await verify({ connection: db.connection, rules: ecommerceRules(), salt: `${TEST_SALT}-other`, resume: first.resume ?? undefined }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MaskingUsageError);
    expect((err as Error).message).to.match(/resume token belongs to another run/);
  });
});
