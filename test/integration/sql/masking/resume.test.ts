import { expect } from "chai";
import type { RowDataPacket } from "mysql2/promise";
import { type RunReport, run } from "../../../../sql/masking";
import { ecommerceRules } from "../../../fixtures/ecommerce";
import { TEST_SALT, type TestDatabase, count, ecommerceDatabase, snapshot } from "../../../support/masking";

describe("masking run interrupted and resumed", function () {
  this.timeout(240_000);
  let reference: TestDatabase;
  let expected: Record<string, RowDataPacket[]>;
  const opened: TestDatabase[] = [];

  const fresh = async (prefix: string) => {
    const db = await ecommerceDatabase(prefix, 300);
    opened.push(db);
    return db;
  };

  before(async () => {
    reference = await fresh("resume_ref");
    const done = await run({ connection: reference.connection, rules: ecommerceRules(), salt: TEST_SALT, verify: false });
    expect(done.complete).to.equal(true);
    expected = await snapshot(reference.admin);
  });

  after(async () => {
    for (const db of opened) await db.admin.end();
  });

  it("converges to the uninterrupted result when a time budget keeps cutting it short", async () => {
    const db = await fresh("resume_budget");
    const calls: RunReport[] = [];
    for (let i = 0; i < 200; i += 1) {
      const r = await run({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, chunkSize: 25, concurrency: 2, timeBudgetMs: 1 });
      calls.push(r);
      if (r.complete) break;
    }
    const last = calls[calls.length - 1];
    expect(last?.complete).to.equal(true);
    expect(last?.verify?.ok).to.equal(true);
    expect(calls.length, "the budget really interrupted the run").to.be.greaterThan(3);
    expect(calls[0]).to.include({ complete: false, resumed: false });
    expect(calls.slice(0, -1).every((c) => c.chunksThisCall >= 1 && c.chunksRemaining > 0)).to.equal(true);
    expect(await snapshot(db.admin)).to.deep.equal(expected);
  });

  it("masks exactly one chunk per call when the deadline has already passed and one connection is used", async () => {
    const db = await fresh("resume_deadline");
    const first = await run({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, chunkSize: 50, concurrency: 1, deadlineMs: Date.now() - 1 });
    expect(first).to.include({ complete: false, chunksThisCall: 1 });
    expect(first.verify).to.equal(null);
    expect(await count(db.admin, "SELECT COUNT(*) FROM _masking_chunks WHERE done = 1")).to.equal(1);
  });

  it("stops starting chunks once aborted, then resumes to the same result", async () => {
    const db = await fresh("resume_abort");
    const controller = new AbortController();
    let chunkEvents = 0;
    const stopped = await run({
      connection: db.connection,
      rules: ecommerceRules(),
      salt: TEST_SALT,
      chunkSize: 20,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === "mask" && e.table && ++chunkEvents === 3) controller.abort();
      },
    });
    expect(stopped).to.include({ complete: false, chunksThisCall: 3 });
    expect(stopped.chunksRemaining).to.be.greaterThan(0);
    // Chunks run in table order: addresses first. Its first three chunks are masked and marked, the rest untouched.
    expect(await count(db.admin, "SELECT COUNT(*) FROM _masking_chunks WHERE done = 1")).to.equal(3);
    expect(await count(db.admin, "SELECT COUNT(*) FROM users WHERE email LIKE '%@example.com'")).to.equal(0);

    const resumed = await run({ connection: db.connection, rules: ecommerceRules(), salt: TEST_SALT, concurrency: 3 });
    expect(resumed).to.include({ complete: true, resumed: true });
    expect(resumed.chunksThisCall).to.equal(stopped.chunksRemaining);
    expect(resumed.verify?.ok).to.equal(true);
    expect(await snapshot(db.admin)).to.deep.equal(expected);
  });
});
