import { expect } from "chai";
import type { DeployedPolicies, IamRequest, PrincipalPolicies } from "../../../../policy/permissions";
import { deployedStack } from "../../../support/permissions";

const ANALYTICS_ROWS = ["budgets-notify", "chatbot-reads-alarms", "quicksight-queries-athena"] as const;

/** The requests of one service row for a stack. */
async function rowRequests(stack: "stg" | "prod", id: string, policies?: DeployedPolicies): Promise<IamRequest[]> {
  const { SERVICE_REQUEST_ROWS, derivation } = await import("../../../../policy/permissions");
  const deployed = await deployedStack(stack);
  const row = SERVICE_REQUEST_ROWS.find((r) => r.id === id);
  if (!row) throw new Error(`no service row ${id}`);
  return row.requests(derivation(deployed.resources, policies ?? deployed.policies));
}

/** A copy of the policies whose principal matching `arnEnd` lost the identity statement `sid`. */
function withoutStatement(policies: DeployedPolicies, arnEnd: string, sid: string): DeployedPolicies {
  const principals = new Map<string, PrincipalPolicies>();
  let removed = 0;
  for (const [arn, p] of policies.principals) {
    if (!arn.endsWith(arnEnd)) {
      principals.set(arn, p);
      continue;
    }
    const identityPolicies = p.identityPolicies.map((ip) => {
      const statements = [ip.policy.Statement].flat().filter((s) => s.Sid !== sid);
      removed += [ip.policy.Statement].flat().length - statements.length;
      return { ...ip, policy: { ...ip.policy, Statement: statements } };
    });
    principals.set(arn, { ...p, identityPolicies });
  }
  expect(removed, `statement ${sid} of ${arnEnd}`).to.equal(1);
  return { ...policies, principals };
}

describe("service requests of the analytics blocks (QuickSight, Chatbot, Budgets)", () => {
  before(async function () {
    this.timeout(600_000);
    // One program run at a time: the mocked runtime is process-wide.
    await deployedStack("stg");
    await deployedStack("prod");
  });

  for (const id of ANALYTICS_ROWS) {
    it(`derives and allows ${id} on stg, where the block is configured`, async () => {
      const { evaluateRequests } = await import("../../../../policy/permissions");
      const requests = await rowRequests("stg", id);
      expect(requests.length).to.be.greaterThan(0);
      const decisions = await evaluateRequests((await deployedStack("stg")).policies, requests);
      const denied = decisions.filter((d) => !d.allowed).map((d) => `${d.request.action} ${d.request.resource}: ${d.reason}`);
      expect(denied).to.deep.equal([]);
    });

    it(`derives no ${id} request on prod, where the block is absent`, async () => {
      expect(await rowRequests("prod", id)).to.deep.equal([]);
    });
  }

  it("QuickSight's reads of the export objects need the key through S3: without that statement they are denied", async () => {
    const { evaluateRequests } = await import("../../../../policy/permissions");
    const planted = withoutStatement((await deployedStack("stg")).policies, "-quicksight", "UseTheKeyOnlyThroughS3");
    const requests = await rowRequests("stg", "quicksight-queries-athena", planted);
    const denied = (await evaluateRequests(planted, requests)).filter((d) => !d.allowed).map((d) => d.request.action);
    expect(denied).to.include("kms:Decrypt");
    expect(denied).to.include("kms:GenerateDataKey");
  });

  it("the Chatbot role may describe only this stack's alarms: without that statement the reads are denied", async () => {
    const { evaluateRequests } = await import("../../../../policy/permissions");
    const planted = withoutStatement((await deployedStack("stg")).policies, "-chatbot", "DescribeThisStacksAlarms");
    const requests = await rowRequests("stg", "chatbot-reads-alarms", planted);
    const denied = (await evaluateRequests(planted, requests)).filter((d) => !d.allowed).map((d) => d.request.action);
    expect(denied).to.include("cloudwatch:DescribeAlarms");
  });
});
