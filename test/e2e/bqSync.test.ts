import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../support/pulumi";

const MAIN = path.join(REPO_ROOT, "automation/main.ts");
const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(TSX, [MAIN, "bq-sync", ...args], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The error line, without the progress lines before it. */
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("error:"));

describe("npm run bq-sync (child process)", function () {
  this.timeout(120_000);

  it("exits 2 with one line for a stack without a bigquery block", () => {
    const { code, stdout, stderr } = cli(["--stack", "prod"]);
    expect(code).to.equal(2);
    expect(stdout).to.equal("");
    expect(stderr.trim()).to.equal('error: Pulumi.prod.yaml has no data-platform:bigquery block; add one (see README, "BigQuery") first');
  });

  it("exits 2 with one line for an unknown source", () => {
    const { code, stderr } = cli(["--stack", "stg", "--from", "s3"]);
    expect(code).to.equal(2);
    expect(stderr.trim()).to.match(/^error: option '--from <source>' argument 's3' is invalid/);
  });

  it("exits 2 with one line, without the password, when the database is unreachable", () => {
    const { code, stderr } = cli(["--stack", "stg", "--from", "database", "--url", "mysql://reader@127.0.0.1:1"], { MYSQL_PWD: "hunter2" });
    expect(code).to.equal(2);
    expect(errorLines(stderr)).to.have.length(1);
    expect(errorLines(stderr)[0]).to.match(/^error: cannot connect to mysql:\/\/reader@127\.0\.0\.1:1: /);
    expect(stderr).to.not.contain("hunter2");
    expect(stderr).to.not.match(/\n\s+at /);
  });
});
