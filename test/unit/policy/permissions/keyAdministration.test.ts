import { expect } from "chai";
import type { DeployedPolicies } from "../../../../policy/permissions";
import { deployedStack } from "../../../support/permissions";

const KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/mock-key-key";
const role = (name: string) => `arn:aws:iam::123456789012:role/data-platform-stg-${name}`;

/** stg's policies with one more identity policy on a principal: what an IAM administrator could attach. */
function withIdentityPolicy(policies: DeployedPolicies, principal: string, statement: Record<string, unknown>): DeployedPolicies {
  const principals = new Map(policies.principals);
  const p = principals.get(principal)!;
  principals.set(principal, { ...p, identityPolicies: [...p.identityPolicies, { name: "planted", policy: { Version: "2012-10-17", Statement: [statement] } }] });
  return { ...policies, principals };
}

describe("administration of the data key", () => {
  let policies: DeployedPolicies;
  let evaluateRequest: typeof import("../../../../policy/permissions").evaluateRequest;
  before(async function () {
    this.timeout(900_000);
    ({ evaluateRequest } = await import("../../../../policy/permissions"));
    ({ policies } = await deployedStack("stg"));
  });

  it("lets the deploy role, which runs pulumi up, rewrite the key policy and schedule the key's deletion", async () => {
    for (const action of ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation"]) {
      // The key carries the provider's default tags, which the deploy role's policy requires.
      const context = { "aws:ResourceTag/project": "data-platform", "aws:ResourceTag/environment": "stg" };
      const d = await evaluateRequest(policies, { principal: role("github-deploy"), action, resource: KEY, context });
      expect(d.allowed, `${action}: ${d.reason}`).to.equal(true);
    }
  });

  it("gives a principal that IAM grants kms:* nothing on the key: no policy rewrite, no grant, no key use", async () => {
    const kmsStar = { Effect: "Allow", Action: "kms:*", Resource: "*" };
    const widened = withIdentityPolicy(policies, role("quicksight"), kmsStar);
    for (const action of ["kms:PutKeyPolicy", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:Decrypt"]) {
      const d = await evaluateRequest(widened, { principal: role("quicksight"), action, resource: KEY, context: { "kms:GrantIsForAWSResource": "false" } });
      expect(d.allowed, action).to.equal(false);
      expect(d.reason, action).to.contain("key policy");
    }
  });
});
