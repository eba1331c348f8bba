import { expect } from "chai";
import { MaskingFailedError, runMaskingEngine } from "../../../automation/qa/masking";
import { ECOMMERCE_RULES_PATH } from "../../fixtures/ecommerce";
import { REPO_ROOT } from "../../support/pulumi";
import { TEST_SALT, type TestDatabase, columnValues, ecommerceDatabase } from "../../support/masking";

/**
 * `qa create`'s masking step against the real engine and a real MariaDB: the same child process, argv and
 * environment the CLI uses, minus the tunnel (the test database already listens on loopback).
 */
describe("qa create's masking step with the real engine", function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let port: number;
  let user: string;

  before(async () => {
    db = await ecommerceDatabase("qa_mask", 120);
    const url = new URL(db.url);
    port = Number(url.port);
    user = decodeURIComponent(url.username);
  });
  after(async () => {
    await db.admin.end();
  });

  it("masks and verifies a clone's database, reporting the verifying phase, with no real email left", async () => {
    const before = (await columnValues(db.admin, "users", "email")) as string[];
    const phases: string[] = [];
    const report = (await runMaskingEngine(
      { repoRoot: REPO_ROOT, rulesPath: ECOMMERCE_RULES_PATH, salt: TEST_SALT, user, password: db.password, localPort: port, database: db.name },
      { onPhase: (phase) => phases.push(phase) },
    )) as { complete: boolean; verify: { ok: boolean } };
    expect(report.complete).to.equal(true);
    expect(report.verify.ok).to.equal(true);
    expect(phases).to.deep.equal(["masking", "verifying"]);
    const after = (await columnValues(db.admin, "users", "email")) as string[];
    expect(after).to.have.length(before.length);
    expect(after.filter((e) => before.includes(e))).to.deep.equal([]);
  });

  it("fails closed, so the clone is destroyed, when a PII column is not covered by the rules", async () => {
    await db.admin.query("ALTER TABLE users ADD COLUMN recovery_email VARCHAR(200) NULL");
    let error: unknown;
    try {
      await runMaskingEngine({ repoRoot: REPO_ROOT, rulesPath: ECOMMERCE_RULES_PATH, salt: TEST_SALT, user, password: db.password, localPort: port, database: db.name });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(MaskingFailedError);
    expect((error as Error).message).to.match(/refused: usage error or PII the rules do not cover/);
    expect((error as Error).message).to.not.contain(db.password);
  });
});
