import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { PlanDiff } from "../../automation/plan/diff";
import { REPO_ROOT } from "../support/pulumi";

const BIN = path.join(REPO_ROOT, "bin/data-platform.js");

function dp(args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_") && k !== "INIT_CWD"));
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...env, NO_COLOR: "1" }, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("plan --diff between two real plans (child processes)", function () {
  // Three offline plans of prod, each a fresh process: generous for a loaded machine.
  this.timeout(900_000);
  let dir: string;
  let diff: PlanDiff;
  let text: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "plan-diff-"));
    copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const prod = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
    writeFileSync(path.join(dir, "Pulumi.prod.yaml"), prod);
    const base = dp(["plan", "--stack", "prod", "--json"], dir);
    expect(base.code, base.stderr).to.equal(0);
    writeFileSync(path.join(dir, "base.json"), base.stdout);
    // The branch: one more analyst role (an IAM change in the key policy) and a longer export retention.
    writeFileSync(
      path.join(dir, "Pulumi.prod.yaml"),
      prod
        .replace("    - arn:aws:iam::123456789012:role/analytics-readers\n", "    - arn:aws:iam::123456789012:role/analytics-readers\n    - arn:aws:iam::123456789012:role/finance-readers\n")
        .replace("data-platform:exportRetentionDays: 90", "data-platform:exportRetentionDays: 120"),
    );
    const json = dp(["plan", "--stack", "prod", "--diff", "base.json", "--json"], dir);
    expect(json.code, json.stderr).to.equal(0);
    diff = JSON.parse(json.stdout) as PlanDiff;
    text = dp(["plan", "prod", "--diff", "base.json"], dir).stdout;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("changes resources in place and adds or removes none", () => {
    expect(diff.stack).to.equal("prod");
    expect(diff.base).to.equal("base.json");
    expect(diff.summary.add).to.equal(0);
    expect(diff.summary.remove).to.equal(0);
    expect(diff.summary.update).to.be.greaterThan(0);
    expect(diff.summary.unchanged).to.be.greaterThan(50);
  });

  it("shows the retention change property by property", () => {
    const lifecycle = diff.resources.filter((r) => r.properties.some((p) => p.before === 90 && p.after === 120));
    expect(lifecycle.map((r) => r.type)).to.include("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(text).to.match(/~ s3\.BucketLifecycleConfiguration "[^"]+"\n(?: {4}.*\n)*? {4}~ rules\[0\]\.expiration\.days: 90 → 120/);
  });

  it("shows the key policy change as statement diffs, not as a changed JSON string", () => {
    const key = diff.resources.find((r) => r.type === "aws:kms/key:Key");
    expect(key?.change).to.equal("update");
    expect(key?.properties).to.deep.equal([]);
    const policy = key?.policies.find((p) => p.path === "policy");
    expect(policy?.added.some((s) => s.includes("role/finance-readers"))).to.equal(true);
    expect(policy?.removed.length).to.be.greaterThan(0);
    expect(text).to.match(/~ kms\.Key "key"\n {4}policy:\n( {6}- .*\n)+( {6}\+ .*finance-readers.*\n?)/);
  });

  it("summarises first, as pulumi preview does", () => {
    expect(text.split("\n")[0]).to.match(/^Plan diff for stack "prod" against base\.json: 0 to add, \d+ to change, 0 to remove, \d+ unchanged\.$/);
  });

  it("refuses a plan of another stack, and a base that is neither a plan nor a git ref, with exit 2", () => {
    writeFileSync(path.join(dir, "other.json"), JSON.stringify({ stack: "stg", resources: [] }));
    const other = dp(["plan", "--stack", "prod", "--diff", "other.json", "--json"], dir);
    expect(other.code).to.equal(2);
    expect((JSON.parse(other.stdout) as { error: { message: string } }).error.message).to.contain('is a plan of stack "stg", not "prod"');
    const nothing = dp(["plan", "--stack", "prod", "--diff", "no-such-ref", "--json"], dir);
    expect(nothing.code).to.equal(2);
    expect((JSON.parse(nothing.stdout) as { error: { message: string } }).error.message).to.match(/neither a plan JSON file nor a git ref/);
  });
});
