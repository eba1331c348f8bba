import { expect } from "chai";
import path from "node:path";
import { PolicyViolationError, assertNoMandatoryViolations, plan, renderPlan } from "../../../automation/commands/plan";
import { checkGuardrails, policyViews } from "../../../automation/plan/guardrails";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { REPO_ROOT } from "../../support/pulumi";

const PROVIDER_URN = "urn:pulumi:stg::data-platform::pulumi:pulumi:Stack$pulumi:providers:aws::aws";

function recorded(type: string, name: string, inputs: Record<string, any>, provider: string | null = PROVIDER_URN): RecordedResource {
  return { urn: `urn:pulumi:stg::data-platform::${type}::${name}`, type, name, custom: true, protect: false, id: `${name}-id`, provider: provider ?? undefined, inputs, secretInputs: [] };
}

const awsProvider: RecordedResource = {
  urn: PROVIDER_URN,
  type: "pulumi:providers:aws",
  name: "aws",
  custom: true,
  protect: false,
  inputs: { region: "ap-northeast-1", defaultTags: JSON.stringify({ tags: { project: "data-platform", environment: "stg", "managed-by": "pulumi" } }) },
  secretInputs: [],
};

describe("the offline plan's guardrails", () => {
  describe("runner over recorded resources", () => {
    it("gives each resource its provider's default tags", () => {
      const [, topic] = policyViews([awsProvider, recorded("aws:sns/topic:Topic", "t", {})]);
      expect(topic.providerDefaultTags).to.deep.equal({ project: "data-platform", environment: "stg", "managed-by": "pulumi" });
    });

    it("passes a clean list and reports a planted violation with its rule and resource", () => {
      const clean = [awsProvider, recorded("aws:kms/key:Key", "k", { enableKeyRotation: true })];
      expect(checkGuardrails(clean)).to.deep.equal([]);
      const planted = [...clean, recorded("aws:lambda/function:Function", "old", { runtime: "nodejs18.x" })];
      expect(checkGuardrails(planted).map((v) => `${v.policy} ${v.urn.split("::").pop()}`)).to.deep.equal(["lambda-nodejs-runtime old"]);
    });

    it("flags a resource created on a default provider, which carries no default tags", () => {
      const violations = checkGuardrails([awsProvider, recorded("aws:sns/topic:Topic", "stray", {}, null)]);
      expect(violations.map((v) => v.policy)).to.deep.equal(["required-tags"]);
    });
  });

  describe("plan command in-process", function () {
    this.timeout(120_000);

    it("finds no violation in the stg and prod platforms", async () => {
      for (const stack of ["stg", "prod"]) {
        const result = await plan({ stack, dir: REPO_ROOT });
        expect(result.violations, stack).to.deep.equal([]);
        expect(() => assertNoMandatoryViolations(result)).to.not.throw();
        expect(renderPlan(result)).to.contain("Guardrails: every policy passed.");
      }
    });

    it("lists a planted violation in the plan and fails it", async () => {
      const result = await plan({ stack: "stg", dir: REPO_ROOT, program: path.join(REPO_ROOT, "test/fixtures/plantedViolation.ts") });
      expect(result.violations.map((v) => v.policy)).to.have.members(["kms-key-rotation", "required-tags"]);
      expect(renderPlan(result)).to.contain('✗ [mandatory] kms-key-rotation: kms.Key "planted": key rotation is off');
      expect(() => assertNoMandatoryViolations(result)).to.throw(PolicyViolationError, "2 mandatory guardrail violations");
    });
  });
});
