import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { qaProjectName } from "../../contracts/qaStack";
import { FAKE_PULUMI_DIR, seedDiyStack } from "../support/fakePulumi";
import { REPO_ROOT } from "../support/pulumi";

const MAIN = path.join(REPO_ROOT, "automation/main.ts");
const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");
/** PATH with node only: no real `pulumi` on it, whatever the machine has installed. */
const NODE_ONLY_PATH = path.dirname(process.execPath);

/** Runs `qa …` as a user would. */
function qa(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const r = spawnSync(TSX, [MAIN, "qa", ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", PATH: NODE_ONLY_PATH, DATA_PLATFORM_STACK: "", ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run qa (child process)", function () {
  // Each case starts one or two CLI processes (tsx, and through the stand-in pulumi, node again): minutes on a loaded machine.
  this.timeout(600_000);

  it("--help lists every qa command", () => {
    const { code, stdout } = qa(["--help"]);
    expect(code).to.equal(0);
    for (const cmd of ["create", "list", "status", "password", "connect", "extend", "reset", "destroy", "recover", "reap"]) expect(stdout).to.match(new RegExp(`\\n  ${cmd} `));
  });

  it("create --help documents every flag", () => {
    const { code, stdout } = qa(["create", "--help"]);
    expect(code).to.equal(0);
    for (const f of ["--ttl", "--source", "--instance-class", "--owner", "--json", "--show-secrets", "--stack"]) expect(stdout).to.contain(f);
  });

  it("exits 2 with one line for a bad name, before touching any backend", () => {
    const { code, stdout, stderr } = qa(["create", "Checkout_Bug"]);
    expect(code).to.equal(2);
    expect(stdout).to.equal("");
    expect(stderr.trim().split("\n")).to.deep.equal([
      'error: clone name "Checkout_Bug" must be lower-case letters, digits and single hyphens, start with a letter and not end with a hyphen',
    ]);
  });

  for (const [ttl, message] of [
    ["100h", "error: --ttl 100h is longer than the maximum of 3d"],
    ["4 hours", 'error: --ttl "4 hours" must be a duration such as 90m, 4h or 3d'],
  ]) {
    it(`exits 2 for the TTL ${JSON.stringify(ttl)}`, () => {
      const { code, stderr } = qa(["create", "checkout-bug", "--ttl", ttl]);
      expect(code).to.equal(2);
      expect(stderr.trim()).to.equal(message);
    });
  }

  it("exits 2 for extend past the maximum TTL and for a missing --ttl", () => {
    expect(qa(["extend", "checkout-bug", "--ttl", "80h"]).code).to.equal(2);
    expect(qa(["extend", "checkout-bug"]).code).to.equal(2);
  });

  it("exits 2 when QA clones are disabled for the stack (prod)", () => {
    const { code, stderr } = qa(["list", "--stack", "prod"]);
    expect(code).to.equal(2);
    expect(stderr.trim()).to.equal('error: QA clones are disabled for stack "prod" (data-platform:qa in Pulumi.prod.yaml)');
  });

  it("exits 2 and names every bad qa key when the config is invalid", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qa-cfg-"));
    try {
      const stg = readFileSync(path.join(REPO_ROOT, "Pulumi.stg.yaml"), "utf8");
      writeFileSync(path.join(dir, "Pulumi.bad.yaml"), stg.replace("maxClonesPerSource: 5", "maxClonesPerSource: 20").replace("10.20.0.0/16", "0.0.0.0/0"));
      const { code, stderr } = qa(["list", "--stack", "bad", "--config-dir", dir]);
      expect(code).to.equal(2);
      expect(stderr).to.contain("data-platform:qa.maxClonesPerSource:").and.contain("data-platform:qa.allowedCidrs.0:");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--json prints an error document on stdout for a usage error", () => {
    const { code, stdout } = qa(["create", "Bad", "--json"]);
    expect(code).to.equal(2);
    expect(JSON.parse(stdout)).to.deep.equal({
      error: { exitCode: 2, name: "UsageError", message: 'clone name "Bad" must be lower-case letters, digits and single hyphens, start with a letter and not end with a hyphen' },
    });
  });

  it("exits 1 with a clear message when the pulumi CLI is missing", () => {
    const { code, stdout } = qa(["list", "--json"]);
    expect(code).to.equal(1);
    expect(JSON.parse(stdout).error.message).to.match(/^the pulumi CLI is not on PATH/);
  });

  it("runs as the package bin from any directory", () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin/qa.js"), "create", "Bad"], { cwd: tmpdir(), encoding: "utf8" });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^error: clone name "Bad"/);
  });

  describe("through the Automation API against a stand-in pulumi CLI", () => {
    let dir: string;
    // setsid(1) for the process-group launcher lives in /usr/bin or /bin; the stand-in pulumi comes first.
    const env = () => ({ PATH: `${FAKE_PULUMI_DIR}:${NODE_ONLY_PATH}:/usr/bin:/bin`, PULUMI_BACKEND_URL: `file://${dir}`, FAKE_PULUMI_LOG: path.join(dir, "calls.log") });
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), "qa-fake-"));
      const project = qaProjectName("stg");
      seedDiyStack(dir, project, "qa-expired", {
        tags: { purpose: "qa", owner: "bob", "expires-at": "2020-01-01T04:00:00.000Z", "created-at": "2020-01-01T00:00:00.000Z", status: "ready", source: "shop-stg-aurora" },
        outputs: { endpoint: "data-platform-stg-qa-expired.cluster-x.ap-northeast-1.rds.amazonaws.com", port: 3306, user: "admin", password: "hunter2-secret", expiresAt: "2020-01-01T04:00:00.000Z" },
      });
      seedDiyStack(dir, project, "qa-current", {
        tags: { purpose: "qa", owner: "alice", "expires-at": "2999-01-01T00:00:00.000Z", "created-at": "2998-12-31T20:00:00.000Z", status: "ready", source: "shop-stg-aurora" },
        outputs: { endpoint: "data-platform-stg-qa-current.cluster-x.ap-northeast-1.rds.amazonaws.com", port: 3306, user: "admin", password: "hunter3-secret", expiresAt: "2999-01-01T00:00:00.000Z" },
      });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("list --json prints one document with every clone and no password", () => {
      const { code, stdout, stderr } = qa(["list", "--json"], { env: env() });
      expect(code, stderr).to.equal(0);
      const doc = JSON.parse(stdout);
      expect(doc.stack).to.equal("stg");
      expect(doc.clones.map((c: { name: string; status: string }) => [c.name, c.status])).to.deep.equal([
        ["expired", "expired"],
        ["current", "ready"],
      ]);
      expect(doc.clones[1]).to.deep.equal({
        name: "current",
        stack: "qa-current",
        owner: "alice",
        source: "shop-stg-aurora",
        createdAt: "2998-12-31T20:00:00.000Z",
        expiresAt: "2999-01-01T00:00:00.000Z",
        status: "ready",
        endpoint: "data-platform-stg-qa-current.cluster-x.ap-northeast-1.rds.amazonaws.com",
      });
      expect(stdout).to.not.contain("hunter");
    });

    it("status --json shows one clone without its password", () => {
      const status = qa(["status", "current", "--json"], { env: env() });
      expect(status.code, status.stderr).to.equal(0);
      expect(JSON.parse(status.stdout)).to.include({ name: "current", status: "ready", owner: "alice", endpoint: "data-platform-stg-qa-current.cluster-x.ap-northeast-1.rds.amazonaws.com" });
      expect(status.stdout).to.not.contain("hunter");
    });

    it("connect --print gives the tunnel command and a URL without the password", () => {
      const printed = qa(["connect", "current", "--print"], { env: env() });
      expect(printed.code, printed.stderr).to.equal(0);
      expect(printed.stdout).to.contain("aws ssm start-session").and.contain("mysql://admin@127.0.0.1:13306/").and.not.contain("hunter");
    });

    it("reap --dry-run --json names exactly the expired clone and destroys nothing", () => {
      const { code, stdout, stderr } = qa(["reap", "--dry-run", "--json"], { env: env() });
      expect(code, stderr).to.equal(0);
      expect(JSON.parse(stdout)).to.deep.equal({ dryRun: true, reaped: ["expired"], failed: [], kept: ["current"], unreadable: [] });
      const calls = readFileSync(path.join(dir, "calls.log"), "utf8");
      expect(calls).to.not.match(/destroy|"rm"/);
    });
  });
});
