import { expect } from "chai";
import { clonePassword, cloneStatus, connectClone, connectionString, resetClone } from "../../../../automation/commands/qa/access";
import { createClone, validateCreate } from "../../../../automation/commands/qa/create";
import { UsageError } from "../../../../automation/errors";
import { type QaSettings, qaSettings } from "../../../../automation/qa/settings";
import type { CommandLine } from "../../../../automation/qa/tunnel";
import { parseConfig } from "../../../../stacks/config";
import { fakeDeps, rejection } from "../../../support/fakeQa";
import { stackConfig } from "../../../support/pulumi";

const settings: QaSettings = qaSettings("stg", parseConfig(stackConfig("stg")));
const GOLDEN_OLD = "data-platform-stg-golden-20250228";
const GOLDEN_NEW = "data-platform-stg-golden-20250301";

async function withClone() {
  const f = fakeDeps();
  await createClone(settings, validateCreate(settings, { name: "checkout-bug" }, "alice", GOLDEN_OLD), f.deps);
  return f;
}

describe("qa status", () => {
  it("shows one clone's owner, source, expiry and endpoint, and never its password", async () => {
    const { deps } = await withClone();
    const status = await cloneStatus({ name: "checkout-bug" }, deps);
    expect(status).to.include({ name: "checkout-bug", status: "ready", owner: "alice", source: GOLDEN_OLD, masking: `golden:${GOLDEN_OLD}`, expiresAt: "2025-03-01T13:00:00.000Z", user: "admin", port: 3306 });
    expect(JSON.stringify(status)).to.not.contain("fake-Secret-pw");
  });

  it("names interrupted operations and points at qa recover", async () => {
    const { deps, workspace } = await withClone();
    workspace.leaveKilledCreate("qa-checkout-bug");
    const status = await cloneStatus({ name: "checkout-bug" }, deps);
    expect(status.status).to.equal('ready (interrupted: run "qa recover checkout-bug")');
    expect(status.pendingOperations.map((p) => p.op)).to.deep.equal(["creating"]);
  });
});

describe("qa password and qa connect", () => {
  it("password prints the clone's password, because it was asked for", async () => {
    const { deps } = await withClone();
    expect(await clonePassword({ name: "checkout-bug" }, deps)).to.deep.equal({ name: "checkout-bug", password: "fake-Secret-pw#1" });
  });

  it("connect --print gives the tunnel and a URL without the password unless --show-secrets", async () => {
    const { deps } = await withClone();
    const printed = await connectionString(settings, { name: "checkout-bug" }, deps);
    expect(printed.tunnel).to.match(/^aws ssm start-session --region ap-northeast-1 --target i-0a1b2c3d4e5f60744 /);
    expect(printed.url).to.equal("mysql://admin@127.0.0.1:13306/");
    expect((await connectionString(settings, { name: "checkout-bug", showSecrets: true }, deps)).url).to.equal("mysql://admin:fake-Secret-pw%231@127.0.0.1:13306/");
  });

  it("connect opens the tunnel, runs mysql against it with the password in MYSQL_PWD (not argv), then closes the tunnel", async () => {
    const { deps } = await withClone();
    const events: string[] = [];
    let client: { line: CommandLine; env: Readonly<Record<string, string>> } | undefined;
    const code = await connectClone(settings, { name: "checkout-bug" }, deps, {
      freePort: async () => 40123,
      openTunnel: async (line, port) => {
        events.push(`tunnel ${line.command} ${port} ${line.args.join(" ").includes('"localPortNumber":["40123"]')}`);
        return { localPort: port, close: async () => void events.push("tunnel closed") };
      },
      runClient: async (line, env) => {
        client = { line, env };
        events.push("mysql");
        return 0;
      },
    });
    expect(code).to.equal(0);
    expect(events).to.deep.equal(["tunnel aws 40123 true", "mysql", "tunnel closed"]);
    expect(client?.line.args).to.deep.equal(["--host", "127.0.0.1", "--port", "40123", "--user", "admin"]);
    expect(client?.line.args.join(" ")).to.not.contain("fake-Secret");
    expect(client?.env).to.deep.equal({ MYSQL_PWD: "fake-Secret-pw#1" });
  });
});

describe("qa reset", () => {
  it("recreates the clone under the same name and expiry from the newest golden", async () => {
    const { deps, workspace, clock } = await withClone();
    clock.advance(3_600_000);
    workspace.calls.length = 0;
    const result = await resetClone(settings, { name: "checkout-bug" }, { ...deps, workspace: workspace.anotherProcess() }, GOLDEN_NEW);
    expect(result).to.deep.include({ name: "checkout-bug", previousSource: GOLDEN_OLD, source: GOLDEN_NEW, expiresAt: "2025-03-01T13:00:00.000Z" });
    const stack = workspace.stacks.get("qa-checkout-bug");
    expect(stack?.tags).to.include({ source: GOLDEN_NEW, masking: `golden:${GOLDEN_NEW}`, status: "ready" });
    const config = stack?.outputs.cloneConfig.value as Record<string, string>;
    expect(JSON.parse(config["data-platform-qa:spec"]).sourceClusterIdentifier).to.equal(GOLDEN_NEW);
  });

  it("refuses without a published golden, before touching the clone", async () => {
    const { deps, workspace } = await withClone();
    workspace.calls.length = 0;
    const err = await rejection(resetClone(settings, { name: "checkout-bug" }, deps, undefined));
    expect(err).to.be.instanceOf(UsageError);
    expect(workspace.calls).to.deep.equal([]);
  });
});
