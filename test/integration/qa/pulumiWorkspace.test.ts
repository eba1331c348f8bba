import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { createClone, validateCreate } from "../../../automation/commands/qa/create";
import { resetClone } from "../../../automation/commands/qa/access";
import { extendClone } from "../../../automation/commands/qa/lifecycle";
import { recoverClone } from "../../../automation/commands/qa/recover";
import { type QaSettings, qaSettings } from "../../../automation/qa/settings";
import { parseConfig } from "../../../stacks/config";
import { processGroup } from "../../support/fake-pulumi/processGroup";
import { FakePulumiWorld } from "../../support/fakePulumi";
import { FakeClock } from "../../support/fakeQa";
import { stackConfig } from "../../support/pulumi";

const HOUR = 3_600_000;
const base = parseConfig(stackConfig("stg", { "data-platform:golden": undefined }));
const withProvider = (secretsProvider?: string): QaSettings => {
  const s = qaSettings("stg", base);
  return { ...s, qa: { ...s.qa, secretsProvider } };
};
const settings = withProvider("awskms://alias/data-platform-stg-qa-state");

describe("qa through the Automation API against the stand-in pulumi CLI (DIY backend)", function () {
  this.timeout(600_000);
  let world: FakePulumiWorld;
  beforeEach(() => {
    world = new FakePulumiWorld();
  });
  afterEach(() => world.restore());

  it("runs every pulumi process in a process group of its own, so a terminal's Ctrl-C never reaches it", async () => {
    const log = path.join(world.backend, "pgid.log");
    world.setEnv({ FAKE_PULUMI_PGID_LOG: log });
    await (await world.workspace(settings)).listStacks();
    const runs = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { pid: number; pgrp: number });
    expect(runs.length).to.be.greaterThan(1);
    for (const run of runs) {
      expect(run.pgrp, "not the qa process's group").to.not.equal(processGroup("self"));
      expect(run.pgrp, "leads its own group").to.equal(run.pid);
    }
  });

  it("extends a clone from another process: the clone's config comes from the stack, not the creator's folder", async () => {
    const clock = new FakeClock(new Date("2025-03-01T09:00:00.000Z"));
    await createClone(settings, validateCreate(settings, { name: "checkout-bug", source: "shop-stg-aurora" }, "alice"), await world.deps(settings, clock));
    clock.advance(2 * HOUR);
    const result = await extendClone(settings, { name: "checkout-bug", ttl: "8h" }, await world.deps(settings, clock));
    expect(result.expiresAt).to.equal("2025-03-01T19:00:00.000Z");
    const outputs = await (await world.workspace(settings)).outputs("qa-checkout-bug");
    expect(outputs.expiresAt.value).to.equal("2025-03-01T19:00:00.000Z");
  });
});

describe("qa reset against the stand-in pulumi CLI", function () {
  this.timeout(600_000);
  let world: FakePulumiWorld;
  beforeEach(() => {
    world = new FakePulumiWorld();
  });
  afterEach(() => world.restore());

  it("moves a clone onto the newest golden from another process: same stack and expiry, the stored spec names the new golden", async () => {
    const withGolden = { ...qaSettings("stg", parseConfig(stackConfig("stg"))), qa: settings.qa };
    const [oldGolden, newGolden] = ["data-platform-stg-golden-20250228", "data-platform-stg-golden-20250301"];
    const clock = new FakeClock(new Date("2025-03-01T09:00:00.000Z"));
    await createClone(withGolden, validateCreate(withGolden, { name: "checkout-bug" }, "alice", oldGolden), await world.deps(withGolden, clock));
    clock.advance(HOUR);
    const callsBefore = world.calls().length;
    const result = await resetClone(withGolden, { name: "checkout-bug" }, await world.deps(withGolden, clock), newGolden);
    expect(result).to.deep.include({ name: "checkout-bug", previousSource: oldGolden, source: newGolden, expiresAt: "2025-03-01T13:00:00.000Z" });
    // The stand-in ran a destroy, then an up, of that one stack.
    const commands = world.calls().slice(callsBefore).map((argv) => argv.filter((a) => ["destroy", "up"].includes(a))[0]).filter(Boolean);
    expect(commands).to.deep.equal(["destroy", "up"]);
    // A third process reads the clone back from the backend alone.
    const workspace = await world.workspace(withGolden);
    const outputs = await workspace.outputs("qa-checkout-bug");
    const config = outputs.cloneConfig.value as Record<string, string>;
    expect(JSON.parse(config["data-platform-qa:spec"]).sourceClusterIdentifier).to.equal(newGolden);
    expect(outputs.expiresAt.value).to.equal("2025-03-01T13:00:00.000Z");
    const stacks = await workspace.listStacks();
    expect(stacks.find((st) => st.name === "qa-checkout-bug")?.tags).to.include({ source: newGolden, masking: `golden:${newGolden}`, status: "ready" });
  });
});

describe("a qa create killed during up, against the stand-in pulumi CLI", function () {
  this.timeout(600_000);
  let world: FakePulumiWorld;
  beforeEach(() => {
    world = new FakePulumiWorld();
  });
  afterEach(() => world.restore());

  it("leaves a locked stack with a pending create that qa recover, from another process, destroys and removes", async () => {
    const clock = new FakeClock(new Date("2025-03-01T09:00:00.000Z"));
    world.setEnv({ FAKE_PULUMI_KILL_AT: "create aws:rds/cluster:Cluster" });
    const created = createClone(settings, validateCreate(settings, { name: "killed", source: "shop-stg-aurora" }, "alice"), await world.deps(settings, clock));
    const failure = await created.then(
      () => expect.fail("create succeeded"),
      (err: Error) => err,
    );
    // Its own cleanup cannot run: the killed update's lock is still there.
    expect(failure.message).to.match(/cleanup failed too[\s\S]*the stack is currently locked by 1 lock/);
    world.setEnv({ FAKE_PULUMI_KILL_AT: undefined });

    const recovered = await recoverClone({ name: "killed" }, await world.deps(settings, clock));
    expect(recovered.clearedPendingCreates.map((p) => p.type)).to.deep.equal(["aws:rds/cluster:Cluster"]);
    const left = await (await world.workspace(settings)).listStacks();
    expect(left.map((s) => s.name)).to.deep.equal([]);
  });
});
