import { EventEmitter } from "node:events";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { CleanupFailedError, CloneExistsError, CreateCancelledError } from "../../../../automation/commands/qa/common";
import { type CreateRequest, createClone, validateCreate } from "../../../../automation/commands/qa/create";
import { UsageError } from "../../../../automation/errors";
import { withInterrupts } from "../../../../automation/qa/interrupt";
import { MaskingFailedError } from "../../../../automation/qa/masking";
import { type QaSettings, qaSettings } from "../../../../automation/qa/settings";
import { parseConfig } from "../../../../stacks/config";
import { renderCreated } from "../../../../automation/commands/qa/runtime";
import { readPublishedGolden } from "../../../../automation/qa/golden";
import { fakeDeps, rejection } from "../../../support/fakeQa";
import { stackConfig } from "../../../support/pulumi";

// The raw-source path: stg without its golden. Cloning the golden is tested below, with the golden enabled.
const settings: QaSettings = qaSettings("stg", parseConfig(stackConfig("stg", { "data-platform:golden": undefined })));
const HOUR = 3_600_000;

function request(over: Partial<Parameters<typeof validateCreate>[1]> = {}): CreateRequest {
  return validateCreate(settings, { name: "checkout-bug", ...over }, "alice");
}

function usageErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    return (err as Error).message;
  }
  expect.fail("expected a UsageError");
}

describe("qa create", () => {
  describe("input validation (before any stack is touched)", () => {
    it("accepts lower-case names with single hyphens up to 24 characters and builds the qa-<name> stack", () => {
      expect(request().stack).to.equal("qa-checkout-bug");
      expect(request({ name: "a".repeat(24) }).name).to.have.length(24);
    });

    for (const bad of ["Checkout", "checkout_bug", "-checkout", "checkout-", "check--out", "1checkout", "a".repeat(25), "", "qa bug"]) {
      it(`rejects the name ${JSON.stringify(bad)} as a usage error`, () => {
        expect(usageErrorOf(() => request({ name: bad }))).to.match(/clone name|required/);
      });
    }

    it("defaults the TTL to the config's 4h and accepts up to the 72h maximum", () => {
      expect(request().ttl).to.equal(4 * HOUR);
      expect(request({ ttl: "72h" }).ttl).to.equal(72 * HOUR);
      expect(request({ ttl: "3d" }).ttl).to.equal(72 * HOUR);
      expect(request({ ttl: "90m" }).ttl).to.equal(1.5 * HOUR);
    });

    it("rejects a TTL past the maximum or one that is not a duration", () => {
      expect(usageErrorOf(() => request({ ttl: "73h" }))).to.equal("--ttl 73h is longer than the maximum of 3d");
      for (const ttl of ["4x", "0h", "-1h", "4", "four hours"]) expect(usageErrorOf(() => request({ ttl }))).to.match(/must be a duration/);
    });

    it("clones only configured sources, with a valid instance class and owner", () => {
      expect(request().source).to.equal("shop-stg-aurora");
      expect(usageErrorOf(() => request({ source: "shop-prod-aurora" }))).to.match(/not a configured clone source; allowed: shop-stg-aurora/);
      expect(usageErrorOf(() => request({ instanceClass: "r6g.large" }))).to.match(/instance class/);
      expect(request({ instanceClass: "db.t4g.medium" }).instanceClass).to.equal("db.t4g.medium");
      expect(usageErrorOf(() => request({ owner: "alice; rm -rf" }))).to.match(/--owner/);
      expect(request({ owner: "alice@example.com" }).owner).to.equal("alice@example.com");
    });
  });

  it("creates the stack, runs up, masks and verifies, and only then marks the clone ready and hands it out", async () => {
    const { deps, workspace, masker, stderr } = fakeDeps();
    const clone = await createClone(settings, request(), deps);

    expect(workspace.calls).to.deep.equal([
      "listStacks",
      "createStack qa-checkout-bug",
      "setTags qa-checkout-bug status=creating",
      "setConfig qa-checkout-bug",
      "up qa-checkout-bug",
      "setTags qa-checkout-bug status=masking",
      "setTags qa-checkout-bug status=ready",
    ]);
    expect(masker.targets).to.deep.equal([
      { host: clone.endpoint, port: 3306, user: "admin", password: "fake-Secret-pw#1", databases: ["shop"] },
    ]);
    expect(clone).to.deep.include({
      name: "checkout-bug",
      stack: "qa-checkout-bug",
      owner: "alice",
      source: "shop-stg-aurora",
      createdAt: "2025-03-01T09:00:00.000Z",
      expiresAt: "2025-03-01T13:00:00.000Z",
      user: "admin",
      port: 3306,
      password: null,
    });
    expect(clone.connect.via).to.equal("ssm");
    expect(clone.connect.commands[0]).to.contain("aws ssm start-session --region ap-northeast-1 --target i-0a1b2c3d4e5f60744");
    expect(clone.connect.commands.join("\n")).to.not.contain("fake-Secret-pw#1");
    const tags = workspace.stacks.get("qa-checkout-bug")?.tags;
    expect(tags).to.include({ purpose: "qa", owner: "alice", "expires-at": "2025-03-01T13:00:00.000Z", stack: "qa-checkout-bug", status: "ready" });

    const log = stderr.join("");
    for (const phase of ["creating stack", "creating cluster", "creating instance", "masking shop", "verifying shop"]) {
      expect(log).to.match(new RegExp(`\\[qa-checkout-bug \\+\\d+s\\] ▸ ${phase}\\n`));
    }
    expect(log).to.contain("    Updating (qa-checkout-bug)"); // the engine's output, indented
    expect(log).to.not.contain("fake-Secret-pw#1");
  });

  it("includes the password only when secrets are asked for", async () => {
    const { deps } = fakeDeps();
    const clone = await createClone(settings, request(), deps, { showSecrets: true });
    expect(clone.password).to.equal("fake-Secret-pw#1");
  });

  it("reports each phase's elapsed time from the injected clock", async () => {
    const { deps, workspace, clock, stderr } = fakeDeps();
    workspace.upHook = async () => clock.advance(9 * 60_000 + 5_000);
    await createClone(settings, request(), deps);
    expect(stderr.join("")).to.match(/\[qa-checkout-bug \+9m05s\] ✓ creating instance \(9m05s\)/);
  });

  it("destroys the stack and removes it when masking fails, and never hands the clone out", async () => {
    const { deps, workspace, masker } = fakeDeps();
    masker.behaviour = "fail";
    const err = await rejection(createClone(settings, request(), deps));
    expect(err).to.be.instanceOf(MaskingFailedError);
    expect(err.message).to.equal(
      "masking shop refused: usage error or PII the rules do not cover: users.phone has no rule; clone checkout-bug was destroyed and stack qa-checkout-bug removed, never handed out",
    );
    expect(workspace.calls.slice(-3)).to.deep.equal(["setTags qa-checkout-bug status=masking", "destroy qa-checkout-bug", "removeStack qa-checkout-bug"]);
    expect(workspace.calls).to.not.include("setTags qa-checkout-bug status=ready");
    expect(workspace.stacks.has("qa-checkout-bug")).to.equal(false);
  });

  it("destroys and removes the stack when up fails", async () => {
    const { deps, workspace } = fakeDeps();
    workspace.upHook = async () => {
      throw new Error("InvalidParameterCombination: cannot clone a cluster that is being restored");
    };
    const err = await rejection(createClone(settings, request(), deps));
    expect(err.message).to.match(/^create failed: InvalidParameterCombination.*; clone checkout-bug was destroyed and stack qa-checkout-bug removed$/);
    expect(workspace.stacks.size).to.equal(0);
  });

  describe("Ctrl-C", () => {
    it("during up cancels the update, destroys whatever exists, removes the stack, then fails", async () => {
      const { deps, workspace, masker, stderr } = fakeDeps();
      const proc = new EventEmitter();
      workspace.upHook = async () => void proc.emit("SIGINT"); // the user presses Ctrl-C while resources are being created
      workspace.onDestroy = () => void proc.emit("SIGINT"); // …and again while cleanup runs

      const err = await rejection(withInterrupts(proc, deps.stderr, (signal) => createClone(settings, request(), deps, { signal })));

      expect(err).to.be.instanceOf(CreateCancelledError);
      expect(err.message).to.equal("create cancelled; clone checkout-bug was destroyed and stack qa-checkout-bug removed");
      expect(workspace.calls.slice(-3)).to.deep.equal(["up qa-checkout-bug", "destroy qa-checkout-bug", "removeStack qa-checkout-bug"]);
      expect(workspace.stacks.size).to.equal(0);
      expect(masker.targets).to.have.length(0);
      expect(stderr.join("")).to.contain("interrupted: cancelling").and.contain("still cleaning up");
      expect(proc.listenerCount("SIGINT")).to.equal(0); // handlers removed once done
    });

    it("during masking stops the masking, destroys the clone and removes the stack", async () => {
      const { deps, workspace, masker } = fakeDeps();
      const proc = new EventEmitter();
      masker.behaviour = "wait-for-abort";
      masker.onStart = () => void proc.emit("SIGINT");
      const err = await rejection(withInterrupts(proc, deps.stderr, (signal) => createClone(settings, request(), deps, { signal })));
      expect(err).to.be.instanceOf(CreateCancelledError);
      expect(workspace.calls.slice(-2)).to.deep.equal(["destroy qa-checkout-bug", "removeStack qa-checkout-bug"]);
      expect(workspace.stacks.size).to.equal(0);
    });

    it("before the stack exists creates nothing", async () => {
      const { deps, workspace } = fakeDeps();
      const controller = new AbortController();
      controller.abort();
      await rejection(createClone(settings, request(), deps, { signal: controller.signal }));
      expect(workspace.calls).to.deep.equal([]);
    });
  });

  describe("same name twice", () => {
    it("fails the second create cleanly and leaves the first clone alone", async () => {
      const { deps, workspace } = fakeDeps();
      await createClone(settings, request(), deps);
      const err = await rejection(createClone(settings, request({ owner: "bob" }), deps));
      expect(err).to.be.instanceOf(CloneExistsError);
      expect(err.message).to.match(/^clone checkout-bug already exists \(stack qa-checkout-bug\)/);
      expect(workspace.calls).to.not.include("destroy qa-checkout-bug");
      expect(workspace.stacks.get("qa-checkout-bug")?.tags.owner).to.equal("alice");
    });

    it("fails cleanly when the other create wins the race between the check and the stack creation", async () => {
      const { deps, workspace } = fakeDeps();
      workspace.seed("qa-checkout-bug", { owner: "bob", status: "creating" });
      workspace.listStacks = async () => []; // the other create had not made its stack yet when we looked
      const err = await rejection(createClone(settings, request(), deps));
      expect(err).to.be.instanceOf(CloneExistsError);
      expect(workspace.calls).to.deep.equal(["createStack qa-checkout-bug"]);
      expect(workspace.stacks.get("qa-checkout-bug")?.tags.owner).to.equal("bob");
    });
  });

  describe("concurrency cap", () => {
    const seedClones = (workspace: ReturnType<typeof fakeDeps>["workspace"], n: number, source: string) => {
      for (let i = 0; i < n; i++) workspace.seed(`qa-other-${source.slice(0, 4)}-${i}`, { source, "expires-at": "2025-03-02T00:00:00.000Z" });
    };

    it("refuses a clone when the source already has the configured maximum (5)", async () => {
      const { deps, workspace } = fakeDeps();
      seedClones(workspace, 5, "shop-stg-aurora");
      const err = await rejection(createClone(settings, request(), deps));
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.match(/^shop-stg-aurora already has 5 QA clones \(the cap is 5\)/);
      expect(workspace.calls).to.deep.equal(["listStacks"]);
    });

    it("counts only clones of the same source", async () => {
      const { deps, workspace } = fakeDeps();
      seedClones(workspace, 4, "shop-stg-aurora");
      seedClones(workspace, 3, "billing-aurora");
      workspace.seed("stg", {}); // a stack that is not a clone
      await createClone(settings, request(), deps);
      expect(workspace.stacks.get("qa-checkout-bug")?.tags.status).to.equal("ready");
    });

    it("never allows more than Aurora's 15 clones per source, whatever the settings say", async () => {
      const { deps, workspace } = fakeDeps();
      seedClones(workspace, 15, "shop-stg-aurora");
      const loose = { ...settings, qa: { ...settings.qa, maxClonesPerSource: 40 } };
      const err = await rejection(createClone(loose, request(), deps));
      expect(err.message).to.match(/the cap is 15/);
    });
  });

  it("says what is left and how it goes away when cleanup fails too", async () => {
    const { deps, workspace, masker } = fakeDeps();
    masker.behaviour = "fail";
    workspace.destroyError = new Error("ConcurrentUpdateError: the stack is locked");
    const err = await rejection(createClone(settings, request(), deps));
    expect(err).to.be.instanceOf(CleanupFailedError);
    expect(err.message).to.contain('Run "qa destroy checkout-bug"');
    expect(err.message).to.contain("the AWS-side reaper deletes it 2h after 2025-03-01T13:00:00.000Z");
  });

  describe("with the masked golden enabled", () => {
    const goldenSettings: QaSettings = qaSettings("stg", parseConfig(stackConfig("stg")));
    const GOLDEN = "golden-stg-20250301";
    const ssmMock = mockClient(SSMClient);
    const ssm = new SSMClient({ region: "ap-northeast-1" });
    beforeEach(() => ssmMock.reset());

    /** What the CLI does: read the parameter through the SDK, then validate the flags with it. */
    async function goldenRequest(over: Partial<Parameters<typeof validateCreate>[1]> = {}): Promise<CreateRequest> {
      const published = await readPublishedGolden(ssm, "stg", goldenSettings.golden!.parameterName);
      return validateCreate(goldenSettings, { name: "checkout-bug", ...over }, "alice", published);
    }

    it("takes its default source from the golden's SSM parameter", async () => {
      ssmMock.on(GetParameterCommand, { Name: "/data-platform/stg/golden/cluster-id" }).resolves({ Parameter: { Value: GOLDEN } });
      expect(goldenSettings.golden).to.deep.equal({ parameterName: "/data-platform/stg/golden/cluster-id" });
      expect(await goldenRequest()).to.include({ source: GOLDEN, fromGolden: true });
    });

    it("clones the golden and skips masking, saying so in the output and recording it in the stack tags", async () => {
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: GOLDEN } });
      const { deps, workspace, masker, stderr } = fakeDeps();
      const clone = await createClone(goldenSettings, await goldenRequest(), deps);

      expect(masker.targets, "the masking engine never ran").to.deep.equal([]);
      // The golden's accounts were locked on the golden; its clones inherit that.
      expect(masker.steps).to.deep.equal([]);
      expect(clone.lockedAccounts).to.deep.equal([]);
      expect(workspace.calls).to.deep.equal([
        "listStacks",
        "createStack qa-checkout-bug",
        "setTags qa-checkout-bug status=creating",
        "setConfig qa-checkout-bug",
        "up qa-checkout-bug",
        "setTags qa-checkout-bug status=ready",
      ]);
      const stack = workspace.stacks.get("qa-checkout-bug");
      expect(stack?.tags).to.include({ source: GOLDEN, masking: `golden:${GOLDEN}`, status: "ready" });
      expect(JSON.parse(workspace.folder.get("qa-checkout-bug")?.["data-platform-qa:spec"] ?? "{}").sourceClusterIdentifier).to.equal(GOLDEN);
      expect(clone.source).to.equal(GOLDEN);
      expect(clone.masking).to.deep.equal({
        skipped: true,
        golden: GOLDEN,
        reason: `source ${GOLDEN} is the published masked golden (masked and verified before it was published)`,
      });
      const log = stderr.join("");
      expect(log).to.contain(`▸ masking skipped: source ${GOLDEN} is the published masked golden`);
      expect(log).to.contain(`clone checkout-bug is ready, cloned from the masked golden ${GOLDEN}`);
      expect(renderCreated(clone).split("\n")[0]).to.equal(`clone checkout-bug is ready: cloned from the masked golden ${GOLDEN}; masking skipped`);
    });

    it("still masks an explicitly named raw source, and records that the engine masked it", async () => {
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: GOLDEN } });
      const request = await goldenRequest({ source: "shop-stg-aurora" });
      expect(request).to.include({ source: "shop-stg-aurora", fromGolden: false });
      const { deps, workspace, masker } = fakeDeps();
      const clone = await createClone(goldenSettings, request, deps);
      expect(masker.targets).to.have.length(1);
      // The source's application passwords stop working before anything else touches the clone.
      expect(masker.steps.map((s) => s.split(" ")[0])).to.deep.equal(["lock", "mask"]);
      expect(clone.lockedAccounts).to.deep.equal(["shop_app@%", "reporting@10.0.%"]);
      expect(workspace.calls).to.include("setTags qa-checkout-bug status=masking");
      expect(workspace.stacks.get("qa-checkout-bug")?.tags).to.include({ masking: "engine", status: "ready" });
    });

    it("refuses to default to anything before a golden is published, and names the raw way out", async () => {
      for (const answer of [{ Parameter: { Value: "none" } }, { Parameter: { Value: "golden-stg-20250301-snapshot" } }, { Parameter: { Value: "shop-stg-aurora" } }]) {
        ssmMock.on(GetParameterCommand).resolves(answer);
        expect(await goldenRequest().catch((e: Error) => e.message)).to.equal(
          "no masked golden is published yet (/data-platform/stg/golden/cluster-id); pass --source <shop-stg-aurora> to clone a raw source and mask it",
        );
      }
      ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "gone", $metadata: {} }));
      expect(await goldenRequest().catch((e: Error) => e.name)).to.equal("UsageError");
    });

    it("refuses a golden that is not the published one: it may still be unmasked", async () => {
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: GOLDEN } });
      const message = await goldenRequest({ source: "golden-stg-20250302" }).catch((e: Error) => e.message);
      expect(message).to.equal(`--source golden-stg-20250302 is not a configured clone source; allowed: ${GOLDEN} (the published golden), shop-stg-aurora`);
    });
  });
});
