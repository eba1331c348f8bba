import { expect } from "chai";
import { createClone, validateCreate } from "../../../../automation/commands/qa/create";
import { destroyClone } from "../../../../automation/commands/qa/lifecycle";
import { listClones } from "../../../../automation/commands/qa/list";
import { reapClones } from "../../../../automation/commands/qa/reap";
import { recoverClone } from "../../../../automation/commands/qa/recover";
import { UsageError } from "../../../../automation/errors";
import { type QaSettings, qaSettings } from "../../../../automation/qa/settings";
import { StackBusyError } from "../../../../automation/qa/workspace";
import { parseConfig } from "../../../../stacks/config";
import { fakeDeps, rejection } from "../../../support/fakeQa";
import { stackConfig } from "../../../support/pulumi";

const settings: QaSettings = qaSettings("stg", parseConfig(stackConfig("stg", { "data-platform:golden": undefined })));

/** A clone whose `qa create` was killed while the cluster was being created. */
async function killedCreate() {
  const f = fakeDeps();
  await createClone(settings, validateCreate(settings, { name: "killed" }, "alice"), f.deps);
  f.workspace.leaveKilledCreate("qa-killed");
  f.workspace.calls.length = 0;
  return f;
}

describe("qa recover", () => {
  it("a plain destroy fails on the stale lock a killed create left behind", async () => {
    const { deps, workspace } = await killedCreate();
    expect(await rejection(destroyClone({ name: "killed" }, deps))).to.be.instanceOf(StackBusyError);
    expect(workspace.stacks.has("qa-killed")).to.equal(true);
  });

  it("cancels the lock, clears the pending create, destroys and removes the stack, and says what may be left", async () => {
    const { deps, workspace } = await killedCreate();
    const result = await recoverClone({ name: "killed" }, deps);
    expect(workspace.calls).to.deep.equal(["selectStack qa-killed", "cancel qa-killed", "clearPendingCreates qa-killed", "destroy qa-killed", "removeStack qa-killed"]);
    expect(workspace.stacks.has("qa-killed")).to.equal(false);
    expect(result.clearedPendingCreates.map((p) => p.type)).to.deep.equal(["aws:rds/cluster:Cluster"]);
    expect(result.warning).to.match(/aws:rds\/cluster:Cluster.*AWS-side reaper/);
  });

  it("recovers a healthy clone too (nothing pending: no warning)", async () => {
    const { deps, workspace } = fakeDeps();
    await createClone(settings, validateCreate(settings, { name: "fine" }, "alice"), deps);
    const result = await recoverClone({ name: "fine" }, deps);
    expect(result.warning).to.equal(null);
    expect(workspace.calls).to.not.include("clearPendingCreates qa-fine");
    expect(workspace.stacks.has("qa-fine")).to.equal(false);
  });

  it("with --created-by, leaves alone a same-named clone another run created", async () => {
    const { deps, workspace } = fakeDeps();
    await createClone(settings, validateCreate(settings, { name: "shared", createdBy: "run-1" }, "alice"), deps);
    const err = await rejection(recoverClone({ name: "shared", createdBy: "run-2" }, deps));
    expect(err).to.be.instanceOf(UsageError);
    expect(err.message).to.equal("clone shared was not created by run-2 (created-by: run-1); left alone");
    expect(workspace.stacks.has("qa-shared")).to.equal(true);
    await recoverClone({ name: "shared", createdBy: "run-1" }, deps);
    expect(workspace.stacks.has("qa-shared")).to.equal(false);
  });

  it("reports an unknown clone as a usage error", async () => {
    const { deps } = fakeDeps();
    expect(await rejection(recoverClone({ name: "nope" }, deps))).to.be.instanceOf(UsageError);
  });
});

describe("qa list and qa reap with a stack they cannot read", () => {
  it("list shows it as unreadable, with the reason, and lists the rest", async () => {
    const { deps, workspace } = fakeDeps();
    workspace.seed("qa-ok", { purpose: "qa", owner: "alice", "expires-at": "2025-03-01T12:00:00.000Z", status: "ready" });
    workspace.seed("qa-broken", {});
    workspace.stacks.get("qa-broken")!.unreadable = "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables";
    const clones = await listClones(deps);
    expect(clones.map((c) => [c.name, c.status])).to.deep.equal([
      ["ok", "ready"],
      ["broken", "unreadable: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables"],
    ]);
  });

  it("reap leaves it alone, says why, and reaps the others", async () => {
    const { deps, workspace } = fakeDeps();
    workspace.seed("qa-old", { purpose: "qa", "expires-at": "2025-03-01T08:00:00.000Z" });
    workspace.seed("qa-broken", {});
    workspace.stacks.get("qa-broken")!.unreadable = "could not read checkpoint";
    const result = await reapClones({}, deps);
    expect(result.reaped).to.deep.equal(["old"]);
    expect(result.unreadable).to.deep.equal([{ name: "broken", reason: "could not read checkpoint" }]);
    expect(workspace.stacks.has("qa-broken")).to.equal(true);
  });
});
