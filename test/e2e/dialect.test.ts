import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../support/pulumi";

const BIN = path.join(REPO_ROOT, "bin/data-platform.js");
const QA_BIN = path.join(REPO_ROOT, "bin/qa.js");

/** The environment of a user's shell: nothing from the npm script the tests run in. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_") && k !== "INIT_CWD" && k !== "DATA_PLATFORM_STACK"));
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs the `data-platform` bin as a user would. */
function dp(args: string[], options: { cwd?: string; env?: Record<string, string>; bin?: string } = {}) {
  const r = spawnSync(process.execPath, [options.bin ?? BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, encoding: "utf8", env: userEnv(options.env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs an npm script of this package, as the README shows it. */
function npm(args: string[], options: { cwd?: string } = {}) {
  const r = spawnSync("npm", args, { cwd: options.cwd ?? REPO_ROOT, encoding: "utf8", env: userEnv() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ErrorDoc {
  error: { name: string; message: string; exitCode: number; problems?: string[] };
}

/** The one JSON document a failed --json command printed; fails unless stdout is exactly that. */
function errorDoc(stdout: string, exitCode: number): ErrorDoc["error"] {
  const doc = JSON.parse(stdout) as ErrorDoc;
  expect(doc.error.exitCode).to.equal(exitCode);
  expect(doc.error.message).to.be.a("string").and.not.equal("");
  expect(doc.error.message).to.not.match(/\n\s+at /);
  return doc.error;
}

describe("one command line: the same dialect everywhere (child processes)", function () {
  // Each case starts a fresh process (tsx compiles on start): generous for a loaded machine.
  this.timeout(600_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "dialect-"));
    copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    copyFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.prod.yaml"));
    writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config:\n  aws:region: ap-northeast-1\n  data-platform:environment: Bad\n");
    mkdirSync(path.join(dir, "nested", "deeper"), { recursive: true });
    writeFileSync(path.join(dir, "nested", "clone.json"), JSON.stringify({ endpoint: "e.example", port: 3306, user: "admin", password: "hunter2" }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--version prints the package version and exits 0", () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    const r = dp(["--version"]);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(version);
  });

  it("the version command prints the same version, also as one JSON document", () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    expect(dp(["version"]).stdout.trim()).to.equal(version);
    const r = dp(["version", "--json"]);
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ version });
  });

  it("--help documents the exit codes", () => {
    const r = dp(["--help"]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain("Exit codes: 0 success, 1 a check failed or an operation failed, 2 usage or config error, 130 interrupted.");
  });

  describe("--json prints one document on failure too, with the documented exit code", () => {
    const cases: Array<[string, string[], number, RegExp]> = [
      ["plan, unknown stack", ["plan", "--stack", "nope", "--json"], 2, /no Pulumi\.nope\.yaml in .*; known stacks: bad, prod/],
      ["plan, two different stacks", ["plan", "prod", "--stack", "bad", "--json"], 2, /two stacks given: "prod" and --stack bad/],
      ["plan, unknown option", ["plan", "--bogus", "--json"], 2, /unknown option '--bogus'/],
      ["bq-sync, a stack without BigQuery", ["bq-sync", "--stack", "prod", "--json"], 2, /has no data-platform:bigquery block/],
      ["ci stack-facts, a bad stack", ["ci", "stack-facts", "--stack", "bad", "--json"], 2, /invalid stack configuration/],
      ["ci clone-summary, a missing file", ["ci", "clone-summary", "missing.json", "--name", "x", "--json"], 2, /cannot read .*missing\.json/],
      ["qa list, QA disabled", ["qa", "list", "--stack", "prod", "--json"], 2, /QA clones are disabled for stack "prod"/],
      ["qa create, a bad name", ["qa", "create", "Bad_Name", "--stack", "bad", "--json"], 2, /invalid stack configuration/],
      ["mask scan, a missing rules file", ["mask", "scan", "--url", "mysql://u@127.0.0.1:1/shop", "--rules", "nope.yaml", "--json"], 2, /rules file not found: .*nope\.yaml/],
      ["mask validate, an unknown stack for its rules", ["mask", "validate", "--url", "mysql://u@127.0.0.1:1/shop", "--stack", "nope", "--json"], 2, /no Pulumi\.nope\.yaml in .*; known stacks: bad, prod/],
      [
        "mask scan, an unreachable database",
        ["mask", "scan", "--url", "mysql://u@127.0.0.1:1/shop", "--rules", path.join(REPO_ROOT, "sql/masking.yaml"), "--json"],
        2,
        /cannot connect to mysql:\/\/u@127\.0\.0\.1:1\/shop/,
      ],
    ];
    for (const [what, args, code, message] of cases) {
      it(`${what}: exit ${code}`, () => {
        const r = dp(args, { cwd: dir });
        expect(r.code, r.stderr).to.equal(code);
        expect(errorDoc(r.stdout, code).message).to.match(message);
      });
    }

    it("a bad stack file: exit 2 with every problem by key path", () => {
      const r = dp(["plan", "bad", "--json"], { cwd: dir });
      expect(r.code).to.equal(2);
      const error = errorDoc(r.stdout, 2);
      expect(error.name).to.equal("ConfigError");
      expect(error.problems).to.include.members(["data-platform:sourceClusterIdentifier: is required (a string)", "data-platform:databases: is required (a list)"]);
      expect(error.problems?.some((p) => p.startsWith("data-platform:environment:"))).to.equal(true);
    });
  });

  it("--json on success prints one parseable document for plan and ci", () => {
    const plan = dp(["plan", "--stack", "prod", "--json"], { cwd: dir });
    expect(plan.code, plan.stderr).to.equal(0);
    expect((JSON.parse(plan.stdout) as { stack: string }).stack).to.equal("prod");
    const facts = dp(["ci", "stack-facts", "prod", "--json"], { cwd: dir });
    expect(JSON.parse(facts.stdout)).to.deep.equal({
      region: "ap-northeast-1",
      environment: "prod",
      bigquery: false,
      backendUrl: "s3://example-org-pulumi-state/data-platform/prod?region=ap-northeast-1",
    });
  });

  it("finds the stack files from a subdirectory and resolves paths from the caller's directory", () => {
    const facts = dp(["ci", "stack-facts", "--stack", "prod"], { cwd: path.join(dir, "nested", "deeper") });
    expect(facts.code, facts.stderr).to.equal(0);
    expect(facts.stdout).to.contain("environment=prod");
    // npm run starts this package's scripts in the package root and says where the user was in INIT_CWD.
    const summary = dp(["ci", "clone-summary", "clone.json", "--name", "x"], { env: { INIT_CWD: path.join(dir, "nested"), npm_lifecycle_event: "ci" } });
    expect(summary.code, summary.stderr).to.equal(0);
    expect(summary.stdout).to.contain("`e.example`").and.not.contain("hunter2");
    // A process another npm script started (a test under `npm test`) inherits INIT_CWD: its own directory counts.
    // Pulumi.bad.yaml exists only in the test's directory, not in the repository INIT_CWD names.
    const inherited = dp(["ci", "stack-facts", "--stack", "bad", "--json"], { cwd: path.join(dir, "nested"), env: { INIT_CWD: REPO_ROOT, npm_lifecycle_event: "test" } });
    expect(errorDoc(inherited.stdout, 2).message).to.match(/invalid stack configuration/);
  });

  it("defaults the stack to $DATA_PLATFORM_STACK, else stg, the same way for every command", () => {
    expect(errorDoc(dp(["ci", "stack-facts", "--json"], { cwd: dir }).stdout, 2).message).to.match(/no Pulumi\.stg\.yaml/);
    expect(errorDoc(dp(["qa", "list", "--json"], { cwd: dir, env: { DATA_PLATFORM_STACK: "prod" } }).stdout, 2).message).to.match(/disabled for stack "prod"/);
  });

  it("the qa bin is `data-platform qa`", () => {
    const r = dp(["list", "--stack", "prod", "--json"], { cwd: dir, bin: QA_BIN });
    expect(r.code).to.equal(2);
    expect(errorDoc(r.stdout, 2).message).to.match(/QA clones are disabled/);
  });

  describe("npm scripts", () => {
    it("`npm run plan prod --json` without `--` prints one clean JSON document", () => {
      const r = npm(["run", "plan", "prod", "--json"]);
      expect(r.code, r.stderr).to.equal(0);
      expect((JSON.parse(r.stdout) as { stack: string }).stack).to.equal("prod");
    });

    it("refuses, with exit 2, an option npm took for itself instead of dropping it", () => {
      const r = npm(["run", "qa", "create", "x", "--ttl", "8h"]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain("error: npm took --ttl as its own option: put -- before the command's options");
    });
  });
});
