import { expect } from "chai";
import path from "node:path";
import { PermissionDenialError, PolicyViolationError, assertNoMandatoryViolations, plan, renderPlan } from "../../../automation/commands/plan";
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

  describe("Permissions section", function () {
    this.timeout(300_000);

    it("simulates the services' and the deploy role's requests and checks every document of stg and prod: none denied, no finding", async () => {
      for (const stack of ["stg", "prod"]) {
        const result = await plan({ stack, dir: REPO_ROOT });
        const p = result.permissions;
        console.log(
          `      ${stack} plan: ${p.simulated} requests simulated (${p.deployRequests} the deploy role's), ${p.allowed} allowed, ` +
            `${p.heldForAdministrator} held for an administrator, ${p.denied.length} denied; ${p.documents} documents, ${p.findings.length} findings`,
        );
        expect(p.denied, stack).to.deep.equal([]);
        expect(p.findings, stack).to.deep.equal([]);
        // Every request pulumi up makes is the deploy role's to make, except changes to its own permissions.
        expect(p.deployRequests, stack).to.be.greaterThan(500);
        expect(p.heldForAdministrator, stack).to.be.greaterThan(0);
        expect(p.allowed + p.heldForAdministrator, stack).to.equal(p.simulated);
        expect(renderPlan(result)).to.contain(`Permissions: ${p.simulated} requests simulated, ${p.allowed} allowed, 0 denied`);
      }
    });

    it("prints a planted denial with its reason and fails the plan", async () => {
      const result = await plan({ stack: "stg", dir: REPO_ROOT, program: path.join(REPO_ROOT, "test/fixtures/plantedDenial.ts") });
      expect(result.violations).to.deep.equal([]);
      const denied = result.permissions.denied.map((d) => `${d.principal} ${d.action} ${d.resource}`);
      expect(denied).to.deep.equal([
        "arn:aws:iam::123456789012:role/data-platform-stg-planted-scheduler lambda:InvokeFunction arn:aws:lambda:ap-northeast-1:123456789012:function:data-platform-stg-export-events",
      ]);
      expect(result.permissions.denied[0].reason).to.contain("no statement of the identity policies");
      expect(renderPlan(result)).to.match(/✗ denied: Scheduler → data-platform-stg-planted: .* lambda:InvokeFunction on .*export-events: /);
      expect(() => assertNoMandatoryViolations(result)).to.throw(PermissionDenialError, "1 denied request and 0 static findings");
    });
  });
});
