import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { run } from "../../sql/masking";
import { ECOMMERCE_RULES_PATH, ecommerceRules } from "../fixtures/ecommerce";
import { TEST_SALT, type TestDatabase, cli, count, ecommerceDatabase, snapshot, waitFor } from "../support/masking";
import { sharedMariaDb } from "../support/sharedMariaDb";

describe("npm run mask (child process)", function () {
  this.timeout(90_000);
  let dir: string;
  const opened: TestDatabase[] = [];
  const fresh = async (prefix: string, users = 300) => {
    const db = await ecommerceDatabase(prefix, users);
    opened.push(db);
    return db;
  };
  const rulesFile = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const env = (db: TestDatabase) => ({ MYSQL_PWD: db.password, MASKING_SALT: TEST_SALT });
  const fullRules = () => readFileSync(ECOMMERCE_RULES_PATH, "utf8");
  /** The fixture rules without users.memo, users.profile and the audit_log table. */
  const partialRules = () =>
    fullRules().replace("    memo: redact\n", "").replace("    profile: redact\n", "").replace(/  audit_log:\n    user_email: email\n/, "");
  const oneErrorLine = (stderr: string) => stderr.split("\n").filter((l) => !l.startsWith("[mask") && !l.startsWith("npm warn") && l !== "");

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mask-cli-"));
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const db of opened) await db.admin.end();
  });

  it("scan --json prints exactly the uncovered and covered lists, and exits 1 while anything is uncovered", async () => {
    const db = await fresh("cli_scan");
    const { code, stdout, stderr } = await cli(["scan", "--url", db.url, "--rules", rulesFile("partial.yaml", partialRules()), "--json"], env(db)).result;
    expect(code, stderr).to.equal(1);
    const report = JSON.parse(stdout) as { uncovered: Array<Record<string, string>>; covered: Array<Record<string, string>>; error: { exitCode: number } };
    expect(Object.keys(report).sort()).to.deep.equal(["covered", "error", "uncovered"]);
    expect(report.error).to.include({ name: "CheckFailedError", exitCode: 1 });
    for (const f of report.uncovered) expect(Object.keys(f).sort()).to.deep.equal(["column", "kind", "reason", "rule", "strategies", "table"]);
    for (const c of report.covered) expect(Object.keys(c).sort()).to.deep.equal(["column", "strategy", "table"]);
    expect(report.uncovered.map(({ table, column, reason, rule, kind }) => ({ table, column, reason, rule, kind }))).to.deep.equal([
      { table: "audit_log", column: "user_email", reason: "name suggests an email address", rule: "name:email", kind: "pii" },
      { table: "users", column: "memo", reason: "name suggests free text that may hold PII", rule: "name:free_text", kind: "pii" },
      { table: "users", column: "profile", reason: "sampled values contain email addresses (150 of 150)", rule: "value:email", kind: "pii" },
    ]);
    expect(report.covered).to.deep.include({ table: "users", column: "birthday", strategy: "date_year" });
    expect(report.covered).to.deep.include({ table: "products", column: "name", strategy: "keep" });
    expect(stderr).to.include("error: 3 PII-looking columns are not covered");
  });

  it("run refuses uncovered PII with exit 2 and one line, and leaves the database untouched", async () => {
    const db = await fresh("cli_uncovered");
    const before = await snapshot(db.admin);
    const { code, stdout, stderr } = await cli(["run", "--url", db.url, "--rules", rulesFile("partial2.yaml", partialRules())], env(db)).result;
    expect(code).to.equal(2);
    expect(stdout).to.equal("");
    const lines = oneErrorLine(stderr);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^error: run refused: 3 PII-looking columns are not covered .*audit_log\.user_email .*users\.memo .*users\.profile/);
    expect(stderr).to.not.match(/\n\s+at /);
    expect(await snapshot(db.admin)).to.deep.equal(before);
  });

  it("rejects bad rules and unreachable databases with exit 2 and one line, without a stack trace", async () => {
    const db = await fresh("cli_bad", 10);
    const attempts: Array<[string[], RegExp]> = [
      [["--rules", rulesFile("strategy.yaml", "tables:\n  users:\n    email: emial\n")], /unknown strategy "emial"/],
      [["--rules", rulesFile("column.yaml", "tables:\n  users:\n    emial: email\n")], /unknown column users\.emial/],
    ];
    for (const [args, message] of attempts) {
      const { code, stderr } = await cli(["scan", "--url", db.url, ...args], env(db)).result;
      expect(code, stderr).to.equal(2);
      expect(oneErrorLine(stderr)).to.have.length(1);
      expect(stderr).to.match(message);
    }
    const down = await cli(["verify", "--url", "mysql://nobody@127.0.0.1:1/shop", "--rules", ECOMMERCE_RULES_PATH], { MASKING_SALT: TEST_SALT }).result;
    expect(down.code).to.equal(2);
    expect(oneErrorLine(down.stderr)).to.deep.equal(["error: cannot connect to mysql://nobody@127.0.0.1:1/shop: connect ECONNREFUSED 127.0.0.1:1"]);
  });

  it("run --json masks, verifies and prints one report; verify --json then reports every check, and fails on a leak", async () => {
    const db = await fresh("cli_run");
    const ran = await cli(["run", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--json", "--chunk-size", "40"], env(db)).result;
    expect(ran.code, ran.stderr).to.equal(0);
    const report = JSON.parse(ran.stdout) as { complete: boolean; verify: { ok: boolean } };
    expect(report.complete).to.equal(true);
    expect(report.verify.ok).to.equal(true);
    expect(ran.stderr).to.match(/\[mask [\d.]+s\] mask: users: chunk \d+ done/);
    expect(ran.stderr + ran.stdout).to.not.include(TEST_SALT);

    const verified = await cli(["verify", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--json"], env(db)).result;
    expect(verified.code, verified.stderr).to.equal(0);
    const checks = (JSON.parse(verified.stdout) as { checks: Array<{ check: string; ok: boolean; detail: string }> }).checks;
    expect(checks.length).to.be.greaterThan(20);
    expect(checks.every((c) => c.ok && typeof c.detail === "string")).to.equal(true);

    await db.admin.query("UPDATE users SET memo = 'call me on +1-555-0000003' WHERE id = 3");
    const leaked = await cli(["verify", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--json"], env(db)).result;
    expect(leaked.code).to.equal(1);
    const failed = (JSON.parse(leaked.stdout) as { checks: Array<{ check: string; table?: string; column?: string; ok: boolean }> }).checks.filter((c) => !c.ok);
    expect(failed).to.deep.equal([{ check: "shape", table: "users", column: "memo", ok: false, detail: "1 of 300 values do not have the shape of redact" }]);
    expect(leaked.stdout + leaked.stderr).to.not.include("+1-555-0000003");
  });

  it("a run killed with SIGKILL mid-way, run again, ends identical to an uninterrupted run", async () => {
    const reference = await fresh("cli_kill_ref");
    await run({ connection: reference.connection, rules: ecommerceRules(), salt: TEST_SALT });
    const db = await fresh("cli_kill");
    // Hold a row of the 5th users chunk, so the run is provably mid-way when it is killed.
    const blocker = await (await sharedMariaDb()).connect(db.name);
    await blocker.beginTransaction();
    await blocker.query("SELECT id FROM users WHERE id = 170 FOR UPDATE");
    const args = ["run", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--concurrency", "1", "--chunk-size", "40"];
    const killed = cli(args, env(db));
    try {
      await waitFor(() => killed.stderr().includes("users: chunk 4 done"), "four users chunks");
      await new Promise((r) => setTimeout(r, 200));
      killed.child.kill("SIGKILL");
      expect((await killed.result).signal).to.equal("SIGKILL");
    } finally {
      await blocker.rollback();
      await blocker.end();
    }
    const done = await count(db.admin, "SELECT COUNT(*) FROM _masking_chunks WHERE done = 1");
    const total = await count(db.admin, "SELECT COUNT(*) FROM _masking_chunks");
    expect(done).to.be.greaterThan(0);
    expect(done).to.be.lessThan(total);
    expect(await count(db.admin, "SELECT COUNT(*) FROM users WHERE email LIKE '%@example.com'")).to.equal(160);

    const resumed = await cli(args, env(db)).result;
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stdout).to.match(/complete, .*resumed/);
    expect(await snapshot(db.admin)).to.deep.equal(await snapshot(reference.admin));
  });
});
