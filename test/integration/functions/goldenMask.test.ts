import { expect } from "chai";
import type { RowDataPacket } from "mysql2/promise";
import { MaskVerificationError, type SliceResult, maskSlice } from "../../../functions/golden-mask/maskSlice";
import { run } from "../../../sql/masking";
import { ecommerceRules } from "../../fixtures/ecommerce";
import { TEST_SALT, type TestDatabase, ecommerceDatabase, snapshot } from "../../support/masking";

/** The mask Lambda's core against the real MariaDB: resumable slices that converge, then a verify of their own. */
describe("golden-mask slices on MariaDB", function () {
  this.timeout(120_000);
  const opened: TestDatabase[] = [];
  let expected: Record<string, RowDataPacket[]>;

  const fresh = async (prefix: string) => {
    const db = await ecommerceDatabase(prefix, 300);
    opened.push(db);
    return db;
  };
  /** Connection options per database name, as the handler builds them from the golden's secret. */
  const connections = (dbs: TestDatabase[]) => (database: string) => {
    const db = dbs.find((d) => d.name === database);
    if (!db) throw new Error(`no test database ${database}`);
    return db.connection;
  };

  before(async () => {
    const reference = await fresh("golden_ref");
    const once = await run({ connection: reference.connection, rules: ecommerceRules(), salt: TEST_SALT, verify: false });
    expect(once.complete).to.equal(true);
    expected = await snapshot(reference.admin);
  });

  after(async () => {
    for (const db of opened) await db.admin.end();
  });

  it("converges over many 1 ms slices to the uninterrupted result, across two databases, and verifies in a slice of its own", async () => {
    const dbs = [await fresh("golden_a"), await fresh("golden_b")];
    const slices: SliceResult[] = [];
    for (let i = 0; i < 500; i += 1) {
      const r: SliceResult = await maskSlice({
        resume: slices[slices.length - 1]?.resume,
        databases: dbs.map((d) => d.name),
        connectionFor: connections(dbs),
        rules: ecommerceRules(),
        salt: TEST_SALT,
        budgetMs: 1,
        chunkSize: 25,
        concurrency: 2,
      });
      slices.push(r);
      if (r.complete) break;
    }
    const last = slices[slices.length - 1];
    expect(last.complete, "converged within 500 slices").to.equal(true);
    expect(last.phase).to.equal("verified");
    expect(last.databases.map((d) => [d.database, d.verified])).to.deep.equal(dbs.map((d) => [d.name, true]));
    // The budget really cut the work into many slices, each of which made progress until everything was masked.
    const masking = slices.filter((s) => s.phase === "masking");
    expect(masking.length).to.be.greaterThan(5);
    expect(masking.every((s) => s.databases.some((d) => d.chunksThisCall >= 1))).to.equal(true);
    // The slice that finished the masking handed verify to the next ones, which masked nothing: with a spent budget,
    // one database per slice, the verified ones carried forward in `resume`.
    expect(slices.slice(slices.findIndex((s) => s.phase === "masked")).map((s) => s.phase)).to.deep.equal(["masked", "verifying", "verified"]);
    expect(slices[slices.length - 2].resume.verified).to.deep.equal([dbs[0].name]);
    expect(last.databases.every((d) => d.chunksThisCall === 0)).to.equal(true);
    // The second database waited for the first: it was only started once the first was fully masked.
    const firstTouchOfB = slices.findIndex((s) => s.databases.some((d) => d.database === dbs[1].name));
    expect(slices[firstTouchOfB].databases[0]).to.include({ masked: true });

    for (const db of dbs) expect(await snapshot(db.admin)).to.deep.equal(expected);
  });

  it("a slice after completion only verifies again, and stays complete", async () => {
    const db = await fresh("golden_again");
    const options = { databases: [db.name], connectionFor: connections([db]), rules: ecommerceRules(), salt: TEST_SALT, budgetMs: 60_000 };
    const first = await maskSlice(options);
    expect(first).to.include({ complete: false, phase: "masked" });
    const second = await maskSlice(options);
    expect(second).to.include({ complete: true, phase: "verified" });
    const third = await maskSlice(options);
    expect(third).to.include({ complete: true, phase: "verified" });
    expect(third.databases[0].chunksThisCall).to.equal(0);
    expect(await snapshot(db.admin)).to.deep.equal(expected);
  });

  it("refuses to report complete when verify finds an unmasked value, naming the check but never the value", async () => {
    const db = await fresh("golden_tampered");
    const options = { databases: [db.name], connectionFor: connections([db]), rules: ecommerceRules(), salt: TEST_SALT, budgetMs: 60_000 };
    await maskSlice(options);
    // Someone (or a bug) writes a real-looking address back after masking.
    await db.admin.query("UPDATE users SET email = 'alice.real@gmail.com' WHERE id = 1");
    let err: unknown;
    await maskSlice(options).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(MaskVerificationError);
    expect((err as Error).message).to.match(new RegExp(`^verify failed for ${db.name} \\(.*shape:users:email`));
    expect((err as Error).message).to.not.contain("alice.real");
  });
});
