import { expect } from "chai";
import { createClone, validateCreate } from "../../../../automation/commands/qa/create";
import { destroyClone, extendClone } from "../../../../automation/commands/qa/lifecycle";
import { listClones, renderCloneTable } from "../../../../automation/commands/qa/list";
import { reapClones, selectExpired } from "../../../../automation/commands/qa/reap";
import { UsageError } from "../../../../automation/errors";
import { type QaSettings, qaSettings } from "../../../../automation/qa/settings";
import { parseConfig } from "../../../../stacks/config";
import { CLONE_EXPIRES_KEY } from "../../../../stacks/qaClone";
import { fakeDeps, rejection } from "../../../support/fakeQa";
import { stackConfig } from "../../../support/pulumi";

// Clones of the raw source; cloning the golden is covered in create.test.ts.
const settings: QaSettings = qaSettings("stg", parseConfig(stackConfig("stg", { "data-platform:golden": undefined })));
const HOUR = 3_600_000;

/** A fake world with one clone created at 09:00 with a 4h TTL. */
async function withClone(name = "checkout-bug") {
  const f = fakeDeps();
  await createClone(settings, validateCreate(settings, { name }, "alice"), f.deps);
  f.workspace.calls.length = 0;
  return f;
}

describe("qa extend", () => {
  it("moves the expiry to now + TTL, runs up so the AWS tags move, then updates the stack tag", async () => {
    const { deps, workspace, clock } = await withClone();
    clock.advance(2 * HOUR);
    const result = await extendClone(settings, { name: "checkout-bug", ttl: "8h" }, deps);
    expect(result).to.deep.equal({
      name: "checkout-bug",
      previousExpiresAt: "2025-03-01T13:00:00.000Z",
      expiresAt: "2025-03-01T19:00:00.000Z",
      maxExpiresAt: "2025-03-04T09:00:00.000Z",
    });
    expect(workspace.calls).to.deep.equal(["selectStack qa-checkout-bug", "setConfig qa-checkout-bug", "up qa-checkout-bug", "setTags qa-checkout-bug expires-at"]);
    const stack = workspace.stacks.get("qa-checkout-bug");
    expect(workspace.folder.get("qa-checkout-bug")?.[CLONE_EXPIRES_KEY]).to.equal("2025-03-01T19:00:00.000Z");
    expect(stack?.tags["expires-at"]).to.equal("2025-03-01T19:00:00.000Z");
    expect(stack?.outputs.expiresAt.value).to.equal("2025-03-01T19:00:00.000Z");
  });

  it("extends from another process, whose workspace folder holds none of the clone's config", async () => {
    const { deps, workspace, clock } = await withClone();
    clock.advance(2 * HOUR);
    const other = workspace.anotherProcess();
    expect(other.folder.size).to.equal(0);
    const result = await extendClone(settings, { name: "checkout-bug", ttl: "8h" }, { ...deps, workspace: other });
    expect(result.expiresAt).to.equal("2025-03-01T19:00:00.000Z");
    const config = other.folder.get("qa-checkout-bug") ?? {};
    expect(config["aws:region"]).to.equal(settings.region);
    expect(JSON.parse(config["data-platform-qa:spec"] ?? "{}").cloneName).to.equal("checkout-bug");
    expect(workspace.stacks.get("qa-checkout-bug")?.outputs.expiresAt.value).to.equal("2025-03-01T19:00:00.000Z");
  });

  it("refuses to extend a stack that does not hold its config, and runs no update", async () => {
    const { deps, workspace } = fakeDeps();
    workspace.seed("qa-legacy", { purpose: "qa", "created-at": "2025-03-01T08:00:00.000Z", "expires-at": "2025-03-01T12:00:00.000Z" });
    const err = await rejection(extendClone(settings, { name: "legacy", ttl: "4h" }, deps));
    expect(err.message).to.match(/does not hold its config/);
    expect(workspace.calls).to.not.include("up qa-legacy");
  });

  it("allows an expiry exactly at the maximum, 72h after creation", async () => {
    const { deps, clock } = await withClone();
    clock.advance(68 * HOUR);
    expect((await extendClone(settings, { name: "checkout-bug", ttl: "4h" }, deps)).expiresAt).to.equal("2025-03-04T09:00:00.000Z");
  });

  it("refuses to keep a clone past the maximum counted from its creation, and changes nothing", async () => {
    const { deps, workspace, clock } = await withClone();
    clock.advance(70 * HOUR);
    const err = await rejection(extendClone(settings, { name: "checkout-bug", ttl: "4h" }, deps));
    expect(err).to.be.instanceOf(UsageError);
    expect(err.message).to.equal(
      "--ttl 4h would keep checkout-bug until 2025-03-04T11:00:00.000Z, past its maximum of 3d after creation (2025-03-04T09:00:00.000Z)",
    );
    expect(workspace.calls).to.not.include("up qa-checkout-bug");
    expect(workspace.stacks.get("qa-checkout-bug")?.tags["expires-at"]).to.equal("2025-03-01T13:00:00.000Z");
  });

  it("refuses a TTL above the maximum before looking at any stack", async () => {
    const { deps, workspace } = await withClone();
    const err = await rejection(extendClone(settings, { name: "checkout-bug", ttl: "100h" }, deps));
    expect(err).to.be.instanceOf(UsageError);
    expect(workspace.calls).to.deep.equal([]);
  });

  it("reports an unknown clone as a usage error", async () => {
    const { deps } = fakeDeps();
    const err = await rejection(extendClone(settings, { name: "nope", ttl: "4h" }, deps));
    expect(err).to.be.instanceOf(UsageError);
    expect(err.message).to.match(/^no QA clone named nope/);
  });
});

describe("qa destroy", () => {
  it("destroys the resources, then removes the stack", async () => {
    const { deps, workspace } = await withClone();
    expect(await destroyClone({ name: "checkout-bug" }, deps)).to.deep.equal({ name: "checkout-bug", destroyed: true });
    expect(workspace.calls).to.deep.equal(["selectStack qa-checkout-bug", "destroy qa-checkout-bug", "removeStack qa-checkout-bug"]);
    expect(workspace.stacks.size).to.equal(0);
  });

  it("rejects a bad name and an unknown clone as usage errors", async () => {
    const { deps } = fakeDeps();
    expect(await rejection(destroyClone({ name: "Bad" }, deps))).to.be.instanceOf(UsageError);
    expect(await rejection(destroyClone({ name: "ghost" }, deps))).to.be.instanceOf(UsageError);
  });
});

describe("qa list", () => {
  it("shows name, owner, created, expires, status and endpoint, soonest expiry first, clones only", async () => {
    const { deps, workspace, clock } = await withClone("checkout-bug");
    workspace.seed("qa-old", { owner: "bob", "expires-at": "2025-03-01T08:00:00.000Z", "created-at": "2025-03-01T04:00:00.000Z", status: "ready", source: "shop-stg-aurora" });
    workspace.seed("stg", { owner: "platform" });
    clock.advance(HOUR);
    const clones = await listClones(deps);
    expect(clones.map((c) => [c.name, c.owner, c.status])).to.deep.equal([
      ["old", "bob", "expired"],
      ["checkout-bug", "alice", "ready"],
    ]);
    expect(clones[1]).to.deep.equal({
      name: "checkout-bug",
      stack: "qa-checkout-bug",
      owner: "alice",
      source: "shop-stg-aurora",
      createdAt: "2025-03-01T09:00:00.000Z",
      expiresAt: "2025-03-01T13:00:00.000Z",
      status: "ready",
      endpoint: "data-platform-stg-qa-checkout-bug.cluster-fake.ap-northeast-1.rds.amazonaws.com",
    });
    const table = renderCloneTable(clones).split("\n");
    expect(table[0]).to.match(/^NAME +OWNER +CREATED +EXPIRES +STATUS +ENDPOINT$/);
    expect(table[1]).to.match(/^old +bob +2025-03-01T04:00:00.000Z +2025-03-01T08:00:00.000Z +expired +-$/);
  });

  it("never shows the password", async () => {
    const { deps } = await withClone();
    expect(JSON.stringify(await listClones(deps))).to.not.contain("fake-Secret-pw#1");
  });
});

describe("qa reap", () => {
  const now = new Date("2025-03-02T00:00:00.000Z");
  const info = (name: string, tags: Record<string, string>, outputs: Record<string, unknown> = {}) => ({
    name,
    updateInProgress: false,
    tags,
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, value]) => [k, { value, secret: false }])),
  });

  it("picks exactly the clones whose expiry has passed", () => {
    const selection = selectExpired(
      [
        info("qa-past", { "expires-at": "2025-03-01T23:59:59.000Z" }),
        info("qa-now", { "expires-at": "2025-03-02T00:00:00.000Z" }),
        info("qa-future", { "expires-at": "2025-03-02T00:00:01.000Z" }),
        info("qa-untagged-but-output", {}, { expiresAt: "2025-03-01T12:00:00.000Z" }),
        info("qa-tag-wins", { "expires-at": "2025-03-03T00:00:00.000Z" }, { expiresAt: "2025-03-01T00:00:00.000Z" }),
        info("qa-unknown", { "expires-at": "soon" }),
        info("stg", { "expires-at": "2020-01-01T00:00:00.000Z" }),
        info("org/qa-qualified", { "expires-at": "2025-03-01T00:00:00.000Z" }),
      ],
      now,
    );
    expect(selection.expired.map((c) => c.name)).to.deep.equal(["past", "now", "untagged-but-output", "qualified"]);
    expect(selection.kept.map((c) => c.name)).to.deep.equal(["future", "tag-wins"]);
    expect(selection.unreadable.map((u) => [u.clone.name, u.reason])).to.deep.equal([["unknown", "no readable expiry"]]);
  });

  it("destroys and removes every expired clone and leaves the others", async () => {
    const { deps, workspace } = fakeDeps(now);
    workspace.seed("qa-a", { "expires-at": "2025-03-01T00:00:00.000Z" });
    workspace.seed("qa-b", { "expires-at": "2025-03-01T12:00:00.000Z" });
    workspace.seed("qa-c", { "expires-at": "2025-03-03T00:00:00.000Z" });
    const result = await reapClones({}, deps);
    expect(result).to.deep.equal({ dryRun: false, reaped: ["a", "b"], failed: [], kept: ["c"], unreadable: [] });
    expect([...workspace.stacks.keys()]).to.deep.equal(["qa-c"]);
    expect(workspace.calls.filter((c) => !c.startsWith("list"))).to.deep.equal(["destroy qa-a", "removeStack qa-a", "destroy qa-b", "removeStack qa-b"]);
  });

  it("with --dry-run names the expired clones and destroys nothing", async () => {
    const { deps, workspace } = fakeDeps(now);
    workspace.seed("qa-a", { "expires-at": "2025-03-01T00:00:00.000Z" });
    const result = await reapClones({ dryRun: true }, deps);
    expect(result.reaped).to.deep.equal(["a"]);
    expect(workspace.calls).to.deep.equal(["listStacks"]);
    expect(workspace.stacks.has("qa-a")).to.equal(true);
  });

  it("keeps going when one clone cannot be destroyed, and reports it", async () => {
    const { deps, workspace } = fakeDeps(now);
    workspace.seed("qa-a", { "expires-at": "2025-03-01T00:00:00.000Z" });
    workspace.seed("qa-b", { "expires-at": "2025-03-01T00:00:00.000Z" });
    const destroy = workspace.destroy.bind(workspace);
    workspace.destroy = async (stack, options) => {
      if (stack === "qa-a") throw new Error("stack qa-a is locked by another update");
      return destroy(stack, options);
    };
    const result = await reapClones({}, deps);
    expect(result.failed).to.deep.equal([{ name: "a", error: "stack qa-a is locked by another update" }]);
    expect(result.reaped).to.deep.equal(["b"]);
  });
});
