import { expect } from "chai";
import { createClone, validateCreate } from "../../../automation/commands/qa/create";
import { extendClone } from "../../../automation/commands/qa/lifecycle";
import { type QaSettings, qaSettings } from "../../../automation/qa/settings";
import { parseConfig } from "../../../stacks/config";
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
