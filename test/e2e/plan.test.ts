import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../support/pulumi";

const MAIN = path.join(REPO_ROOT, "automation/main.ts");
const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");

/** Runs the CLI as a user would, in a directory of stack files. */
function cli(args: string[], cwd = REPO_ROOT) {
  // INIT_CWD is where the user typed the command (npm sets it, to the repository under `npm test`): the child's own.
  const r = spawnSync(TSX, [MAIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", INIT_CWD: cwd } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run plan (child process)", function () {
  this.timeout(120_000);
  /** prod's stack file with `exportSource: raw`, to show the raw export pipeline. */
  let rawProdDir: string;
  before(() => {
    rawProdDir = mkdtempSync(path.join(tmpdir(), "plan-raw-"));
    copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(rawProdDir, "Pulumi.yaml"));
    const prod = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
    writeFileSync(path.join(rawProdDir, "Pulumi.prod.yaml"), prod.replace("data-platform:exportSource: masked", "data-platform:exportSource: raw"));
  });
  after(() => rmSync(rawProdDir, { recursive: true, force: true }));

  it("shows the golden state machine, its functions and its alarms, and no raw export in prod (masked export)", () => {
    const { code, stdout } = cli(["plan", "prod"]);
    expect(code).to.equal(0);
    expect(stdout).to.contain('▸ GoldenRefresh "golden"');
    expect(stdout).to.match(/state machine data-platform-prod-golden-refresh \(STANDARD\): \d+ states, 17 tasks, timeout 43200s/);
    // Long lines wrap, continuing indented on the next line.
    expect(stdout.replace(/\n\s+/g, " ")).to.contain("invokes data-platform-prod-golden-cluster, data-platform-prod-golden-mask, data-platform-prod-golden-publish, data-platform-prod-golden-export");
    expect(stdout).to.contain("retries: bounded on every task; catch: 15 of 17 tasks");
    expect(stdout).to.match(/logs ALL with execution data → arn:aws:logs:ap-northeast-1:123456789012:log-group:\/aws\/vendedlogs\/states\/data-platform-prod-golden-refresh:\*; tracing off/);
    expect(stdout).to.contain("schedule data-platform-prod-golden-refresh: cron(0 21 * * ? *) in Asia/Tokyo");
    expect(stdout).to.contain("alarm data-platform-prod-golden-refresh-failed: Sum of AWS/States/ExecutionsFailed");
    expect(stdout).to.contain("alarm data-platform-prod-golden-refresh-timedout: Sum of AWS/States/ExecutionsTimedOut");
    expect(stdout).to.contain("alarm data-platform-prod-golden-refresh-no-golden-published: Sum of DataPlatform/Golden/GoldenPublished (Environment=prod) < 1");
    expect(stdout).to.contain("parameter /data-platform/prod/golden/cluster-id (String)");
    expect(stdout).to.contain("secret data-platform-prod-golden-masking-salt, encrypted with");
    expect(stdout).to.not.contain("value of golden-salt"); // no value in the program: Secrets Manager generates it
    expect(stdout).to.not.contain("function data-platform-prod-export-snapshot");
    expect(stdout).to.not.contain("schedule data-platform-prod-daily-export");
  });

  for (const stack of ["stg", "prod"]) {
    it(`prints the ${stack} plan grouped by component with the properties a reviewer checks`, () => {
      const { code, stdout, stderr } = cli(["plan", stack]);
      expect(code, stderr).to.equal(0);
      expect(stdout).to.contain(`Offline plan for data-platform stack "${stack}"`);
      // Its phases, with the time elapsed, on stderr.
      expect(stderr).to.match(new RegExp(`^\\[plan [\\d.]+s\\] running the program of stack ${stack} under mocks$`, "m"));
      expect(stderr).to.match(/^\[plan [\d.]+s\] \d+ resources registered; simulating their permissions and checking the guardrails$/m);
      expect(stdout).to.match(/▸ EncryptionKey "key"\n {2}\+ kms\.Key "key"/);
      expect(stdout).to.contain("rotation on every 365 days");
      expect(stdout).to.contain("public access: all four blocks on");
      expect(stdout).to.contain("bucket key on");
      expect(stdout).to.contain("DenyInsecureTransport: Deny anyone s3:*");
      expect(stdout).to.contain(`role data-platform-${stack}-rds-export`);
      expect(stdout).to.match(/resources in \d+ components would be created/);
      expect(stdout).to.contain(`default tags: project=data-platform, environment=${stack}, managed-by=pulumi`);
      expect(stdout).to.contain("Guardrails: every policy passed.");
    });

    it(`shows the ${stack} export functions, schedule, event rule and alarms`, () => {
      // prod exports the masked golden by default; its raw pipeline is what this test reads.
      const { code, stdout } = cli(["plan", stack], stack === "prod" ? rawProdDir : REPO_ROOT);
      expect(code).to.equal(0);
      expect(stdout).to.contain(`function data-platform-${stack}-export-snapshot: nodejs22.x on arm64`);
      expect(stdout).to.contain('"EventID":["RDS-EVENT-0169"]');
      expect(stdout).to.match(/env vars: ALERT_TOPIC_ARN, ENVIRONMENT, EXPORT_BUCKET/);
      expect(stdout).to.match(/code sha256 [A-Za-z0-9+/]{43}=/);
      expect(stdout).to.contain(`schedule data-platform-${stack}-daily-export: cron(0 0 * * ? *) in Asia/Tokyo`);
      expect(stdout).to.contain('"EventID":["RDS-EVENT-0159"');
      expect(stdout).to.contain(`alarm data-platform-${stack}-no-export-completed: Sum of DataPlatform/Exports/ExportCompleted (Environment=${stack}) < 1`);
      expect(stdout).to.contain("missing data breaching");
      expect(stdout).to.contain(`on failure → arn:aws:sns:ap-northeast-1:123456789012:data-platform-${stack}-alerts`);
      expect(stdout).to.match(/log group \/aws\/lambda\/data-platform-\w+-export-events, retention \d+ days, encrypted with arn:aws:kms:/);
    });
  }

  describe("with a planted guardrail violation (--program test/fixtures/plantedViolation.ts)", () => {
    const planted = ["--program", path.join(REPO_ROOT, "test/fixtures/plantedViolation.ts")];

    it("prints the plan with the violations, then exits 1", () => {
      const { code, stdout, stderr } = cli(["plan", "stg", ...planted]);
      expect(code, stderr).to.equal(1);
      expect(stdout).to.contain('Offline plan for data-platform stack "stg"');
      expect(stdout).to.contain("Guardrails: 2 violations");
      expect(stdout).to.contain('✗ [mandatory] kms-key-rotation: kms.Key "planted": key rotation is off');
      expect(stdout).to.contain('✗ [mandatory] required-tags: kms.Key "planted": missing tags: project, environment, managed-by');
      // One error line after the phase lines.
      const lines = stderr.trim().split("\n").filter((l) => !l.startsWith("[plan "));
      expect(lines).to.deep.equal(['error: 2 mandatory guardrail violations (listed under "Guardrails" in the plan)']);
    });

    it("still prints one JSON document with --json, violations included, and exits 1", () => {
      const { code, stdout } = cli(["plan", "stg", "--json", ...planted]);
      expect(code).to.equal(1);
      const violations = JSON.parse(stdout).violations as { policy: string; enforcementLevel: string }[];
      expect(violations.map((v) => v.policy)).to.have.members(["kms-key-rotation", "required-tags"]);
      expect(violations.every((v) => v.enforcementLevel === "mandatory")).to.equal(true);
    });

    it("exits 1 on a denied request, with the denial and its reason in the Permissions section", () => {
      const { code, stdout, stderr } = cli(["plan", "stg", "--program", path.join(REPO_ROOT, "test/fixtures/plantedDenial.ts")]);
      expect(code, stderr).to.equal(1);
      expect(stdout).to.match(/Permissions: \d+ requests simulated, \d+ allowed, 1 denied; \d+ policy documents checked, 0 findings/);
      expect(stdout.replace(/\n\s+/g, " ")).to.match(/✗ denied: Scheduler → data-platform-stg-planted: arn:aws:iam::123456789012:role\/data-platform-stg-planted-scheduler lambda:InvokeFunction on \S+export-events: no statement of the identity policies/);
      expect(stderr.trim().split("\n").filter((l) => !l.startsWith("[plan "))).to.deep.equal(['error: 1 denied request and 0 static findings (listed under "Permissions" in the plan)']);
    });

    it("exits 2 for a program module without a default export", () => {
      const { code, stderr } = cli(["plan", "stg", "--program", path.join(REPO_ROOT, "contracts/naming.ts")]);
      expect(code).to.equal(2);
      expect(stderr).to.match(/has no default export that is a Pulumi program/);
    });
  });

  it("shows the BigQuery transfers of stg with their data path and where the secret lives, and none in prod", () => {
    const stg = cli(["plan", "stg"]).stdout;
    expect(stg).to.match(/▸ BigQueryTransfers "bigquery"\n {2}\+ provider\.gcp "bigquery-provider"\n {6}GCP provider pinned to project shop-analytics-stg/);
    expect(stg).to.contain("data_path s3://data-platform-stg-exports-123456789012-ap-northeast-1/bigquery/shop/shop.users/current/*.parquet");
    expect(stg).to.contain("secret access key only in sensitiveParams (Pulumi secret)");
    expect(stg).to.not.contain("CREDENTIALS IN PARAMS");
    expect(cli(["plan", "prod"]).stdout).to.not.match(/gcp|BigQuery/);
  });

  it("marks protected resources in prod", () => {
    const { stdout } = cli(["plan", "prod"]);
    expect(stdout).to.match(/\+ s3\.Bucket "exports" {2}\[protected\]/);
    expect(stdout).to.not.match(/\+ s3\.Bucket "query-results" {2}\[protected\]/);
  });

  it("prints one JSON document with --json", () => {
    const { code, stdout } = cli(["plan", "stg", "--json"]);
    expect(code).to.equal(0);
    const plan = JSON.parse(stdout);
    expect(plan.stack).to.equal("stg");
    expect(plan.summary.resources).to.be.greaterThan(20);
    expect(plan.resources.find((r: { type: string }) => r.type === "aws:kms/key:Key").inputs.enableKeyRotation).to.equal(true);
    expect(plan.outputs.glueDatabase).to.equal("data_platform_stg");
    expect(plan.violations).to.deep.equal([]);
  });

  describe("with a bad stack", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), "plan-"));
      copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      writeFileSync(
        path.join(dir, "Pulumi.bad.yaml"),
        ["config:", "  aws:region: ap-northeast-1", "  data-platform:environment: Bad", "  data-platform:exportRetentionDays: 0", ""].join("\n"),
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("exits 2 and lists every config problem", () => {
      const { code, stdout, stderr } = cli(["plan", "bad"], dir);
      expect(code).to.equal(2);
      expect(stdout).to.equal("");
      for (const key of ["environment", "sourceClusterIdentifier", "databases", "exportRetentionDays", "alertEmails", "athenaBytesScannedCutoff"]) {
        expect(stderr).to.contain(`data-platform:${key}:`);
      }
      expect(stderr).to.not.match(/\n\s+at /); // no stack trace without --verbose
    });

    it("exits 2 with one line for an unknown stack", () => {
      const { code, stderr } = cli(["plan", "nope"], dir);
      expect(code).to.equal(2);
      expect(stderr.trim()).to.match(/^error: no Pulumi\.nope\.yaml in .*; known stacks: bad$/);
    });

    it("exits 2 when the stack argument is missing", () => {
      expect(cli(["plan"], dir).code).to.equal(2);
    });
  });
});
