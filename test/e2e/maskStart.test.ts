import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { RowDataPacket } from "mysql2/promise";
import { parse as parseYaml } from "yaml";
import { STRATEGY_NAMES } from "../../sql/masking";
import { ECOMMERCE_RULES_PATH } from "../fixtures/ecommerce";
import { TEST_SALT, type TestDatabase, cli, count, ecommerceDatabase, snapshot } from "../support/masking";

const REPO_ROOT = join(__dirname, "..", "..");

/** Single-quotes an argument for sh. */
const sh = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;

/**
 * Runs `mask <args>` in a pseudo-terminal (util-linux `script`), as a person at a terminal would, typing `input`.
 * stdout and stderr both go to the terminal, so they come back as one text.
 */
function inTerminal(args: readonly string[], env: Record<string, string>, input: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, "--import", "tsx", join(REPO_ROOT, "automation/main.ts"), "mask", ...args].map(sh).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

describe("masking a newcomer can start: mask scan --write, validate, run's confirmation, reset, strategies (child processes)", function () {
  this.timeout(300_000);
  let dir: string;
  const opened: TestDatabase[] = [];
  const fresh = async (prefix: string, users = 120) => {
    const db = await ecommerceDatabase(prefix, users);
    opened.push(db);
    return db;
  };
  const env = (db: TestDatabase) => ({ MYSQL_PWD: db.password, MASKING_SALT: TEST_SALT });
  const bookkeeping = (db: TestDatabase) =>
    count(db.admin, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_masking\\_%'");

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mask-start-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const db of opened) await db.admin.end();
  });

  it("strategies lists every strategy and what it writes, as text and as one JSON document", async () => {
    const json = await cli(["strategies", "--json"]).result;
    expect(json.code, json.stderr).to.equal(0);
    const list = (JSON.parse(json.stdout) as { strategies: Array<{ name: string; writes: string }> }).strategies;
    expect(list.map((s) => s.name)).to.have.members([...STRATEGY_NAMES]);
    for (const s of list) expect(s.writes, s.name).to.be.a("string").and.not.equal("");
    const text = await cli(["strategies"]).result;
    expect(text.code).to.equal(0);
    for (const name of STRATEGY_NAMES) expect(text.stdout).to.match(new RegExp(`^${name}\\n  writes: `, "m"));
  });

  it("scan --write starts from no rules, fits a strategy to each flagged column, and the file then covers the database", async () => {
    const db = await fresh("start_scan");
    const starter = join(dir, "starter.yaml");
    const wrote = await cli(["scan", "--url", db.url, "--write", starter, "--json"], env(db)).result;
    expect(wrote.code, wrote.stderr).to.equal(0);
    const report = JSON.parse(wrote.stdout) as { written: string; suggestions: Array<{ table: string; column: string; strategy: string; reason: string }> };
    expect(report.written).to.equal(starter);
    const suggested = (table: string, column: string) => report.suggestions.find((s) => s.table === table && s.column === column)?.strategy;
    expect(suggested("users", "email")).to.equal("email");
    expect(suggested("orders", "customer_email")).to.equal("email");
    expect(suggested("audit_log", "user_email")).to.equal("email");
    expect(report.suggestions.every((s) => s.reason !== "")).to.equal(true);
    const file = parseYaml(readFileSync(starter, "utf8")) as { tables: Record<string, Record<string, string>> };
    expect(file.tables.users?.email).to.equal("email");
    expect(readFileSync(starter, "utf8")).to.match(/email: email {2}# name suggests an email address \[name:email\]/);

    const rescanned = await cli(["scan", "--url", db.url, "--rules", starter, "--json"], env(db)).result;
    expect(rescanned.code, rescanned.stderr).to.equal(0);
    expect((JSON.parse(rescanned.stdout) as { uncovered: unknown[] }).uncovered).to.deep.equal([]);

    // An existing file is never overwritten unless it is the rules file being extended.
    const again = await cli(["scan", "--url", db.url, "--write", starter, "--json"], env(db)).result;
    expect(again.code).to.equal(2);
    expect((JSON.parse(again.stdout) as { error: { message: string } }).error.message).to.match(/starter\.yaml exists/);
    const extended = await cli(["scan", "--url", db.url, "--rules", starter, "--write", starter], env(db)).result;
    expect(extended.code, extended.stderr).to.equal(0);
    expect(parseYaml(readFileSync(starter, "utf8"))).to.deep.equal(file);
  });

  it("scan with an empty rules file lists every flagged column and exits 1, rather than a schema error", async () => {
    const db = await fresh("start_empty", 40);
    const empty = join(dir, "empty.yaml");
    writeFileSync(empty, "");
    const r = await cli(["scan", "--url", db.url, "--rules", empty, "--json"], env(db)).result;
    expect(r.code, r.stderr).to.equal(1);
    const doc = JSON.parse(r.stdout) as { uncovered: Array<{ table: string; column: string }>; covered: unknown[] };
    expect(doc.covered).to.deep.equal([]);
    expect(doc.uncovered.map((f) => `${f.table}.${f.column}`)).to.include.members(["users.email", "orders.customer_email"]);
  });

  it("validate shows what run would change with rows before → after, writes nothing, and exits 1 when run would refuse", async () => {
    const db = await fresh("start_validate");
    const before = await snapshot(db.admin);
    const ok = await cli(["validate", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--json", "--rows", "2"], env(db)).result;
    expect(ok.code, ok.stderr).to.equal(0);
    type Table = { table: string; rows: number; columns: Array<{ column: string; wouldChange: number }>; samples: Array<{ before: Record<string, unknown>; after: Record<string, unknown> }> };
    const report = JSON.parse(ok.stdout) as { ok: boolean; uncovered: unknown[]; tables: Table[] };
    expect(report.ok).to.equal(true);
    const users = report.tables.find((t) => t.table === "users") as Table;
    expect(users.rows).to.equal(120);
    expect(users.columns.find((c) => c.column === "email")?.wouldChange).to.equal(120);
    expect(users.samples).to.have.length(2);
    for (const s of users.samples) {
      expect(s.after.email).to.match(/@example\.com$/);
      expect(s.after.email).to.not.equal(s.before.email);
    }
    expect(await snapshot(db.admin)).to.deep.equal(before);
    expect(await bookkeeping(db)).to.equal(0);

    const text = await cli(["validate", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--rows", "1"], env(db)).result;
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^validate .*: ok; run would change \d+ values in \d+ tables \(nothing was written\)/);
    expect(text.stdout).to.match(/ {4}row: email ".*" → "[0-9a-f]+@example\.com"/);

    const partial = join(dir, "partial.yaml");
    writeFileSync(partial, readFileSync(ECOMMERCE_RULES_PATH, "utf8").replace(/ {2}audit_log:\n {4}user_email: email\n/, ""));
    const refused = await cli(["validate", "--url", db.url, "--rules", partial, "--json"], env(db)).result;
    expect(refused.code).to.equal(1);
    const doc = JSON.parse(refused.stdout) as { ok: boolean; uncovered: Array<{ table: string; column: string }>; error: { exitCode: number } };
    expect(doc.ok).to.equal(false);
    expect(doc.uncovered.map((f) => `${f.table}.${f.column}`)).to.deep.equal(["audit_log.user_email"]);
    expect(doc.error.exitCode).to.equal(1);
  });

  it("run asks in a terminal: no leaves the database untouched (exit 1), yes masks it", async () => {
    const db = await fresh("start_confirm");
    const before = await snapshot(db.admin);
    const args = ["run", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH];
    const declined = await inTerminal(args, env(db), "n\n");
    expect(declined.code, declined.output).to.equal(1);
    expect(declined.output).to.match(/mask run rewrites 16 columns of 5 tables in database \S+ on 127\.0\.0\.1:\d+ in place; .* Continue\? \[y\/N\]/);
    expect(declined.output).to.contain("error: not confirmed: nothing was written");
    expect(await snapshot(db.admin)).to.deep.equal(before);
    expect(await bookkeeping(db)).to.equal(0);

    const confirmed = await inTerminal(args, env(db), "y\n");
    expect(confirmed.code, confirmed.output).to.equal(0);
    expect(confirmed.output).to.match(/Continue\? \[y\/N\]/);
    expect(await count(db.admin, "SELECT COUNT(*) FROM users WHERE email LIKE '%@example.com'")).to.equal(120);
  });

  it("run --yes in a terminal asks nothing", async () => {
    const db = await fresh("start_yes", 40);
    const r = await inTerminal(["run", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--yes"], env(db), "");
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.not.contain("Continue?");
    expect(await count(db.admin, "SELECT COUNT(*) FROM users WHERE email LIKE '%@example.com'")).to.equal(40);
  });

  it("reset refuses before a verified run, and after one removes every _masking_* table but the record of what was masked", async () => {
    const db = await fresh("start_reset", 60);
    const early = await cli(["reset", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--json"], env(db)).result;
    expect(early.code).to.equal(2);
    expect((JSON.parse(early.stdout) as { error: { message: string } }).error.message).to.match(/^reset refused: /);

    const ran = await cli(["run", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--chunk-size", "20"], env(db)).result;
    expect(ran.code, ran.stderr).to.equal(0);
    // Progress counts the work: chunks of the total, then the 5 tables the rules mask, with the share done.
    expect(ran.stderr).to.match(/\] mask: \S+: chunk \d+ done \(\d+ rows\) \[\d+\/\d+ chunks, \d+%, about [\dhms]+ left\]/);
    expect(ran.stderr).to.match(/\] verify: checking \S+ \[0\/5 tables, 0%\]/);
    expect(ran.stderr).to.match(/\] verify: checking \S+ \[4\/5 tables, 80%(, about [\dhms]+ left)?\]/);
    expect(await bookkeeping(db)).to.be.greaterThan(0);
    const reset = await cli(["reset", "--url", db.url, "--rules", ECOMMERCE_RULES_PATH, "--json"], env(db)).result;
    expect(reset.code, reset.stderr).to.equal(0);
    const report = JSON.parse(reset.stdout) as { dropped: string[]; verify: { ok: boolean } };
    expect(report.verify.ok).to.equal(true);
    expect(report.dropped).to.include.members(["_masking_state", "_masking_chunks"]);
    const [left] = await db.admin.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_masking\\_%'",
    );
    expect(left.map((r) => r.t)).to.deep.equal(["_masking_done"]);
    expect(reset.stdout).to.not.include("@");
  });
});
