import { expect } from "chai";
import { MOCK_ACCOUNT_ID, type MockRun, type RecordedResource, runUnderMocks } from "../../../../automation/plan/mockRuntime";
import { readStackConfig } from "../../../../automation/stackFiles";
import { PROJECT } from "../../../../contracts/naming";
import { INVOKE_CALLS, RESOURCE_CALLS } from "../../../../infra/delivery/deployer/actions";
import { MANAGED_POLICY_MAX_CHARS, deployerStatements, documentSize, grantedResourceTypes } from "../../../../infra/delivery/deployer/deployPolicy";
import { parseConfig } from "../../../../stacks/config";
import { configBlocks } from "../../../../stacks/platformResources";
import { type DeployRequest, deployRequests, isAdministratorOnly } from "../../../../infra/delivery/deployer/requests";
import { type Decision, type DeployedPolicies, evaluateRequests, policiesOfRun } from "../../../../policy/permissions";
import { REPO_ROOT, ofType, stackConfig } from "../../../support/pulumi";

const REGION = "ap-northeast-1";
const deployRole = (env: string) => `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/data-platform-${env}-github-deploy`;

/** A stack's program under mocks, with its deployed policies and the deployer's requests. */
async function deployerRun(stack: "stg" | "prod", edit: (p: DeployedPolicies) => DeployedPolicies = (p) => p) {
  const sc = readStackConfig(stack, REPO_ROOT);
  const run: MockRun<unknown> = await runUnderMocks(async () => (await import("../../../../stacks/platform")).default(), {
    project: PROJECT,
    stack,
    config: sc.config,
    secretKeys: sc.secretKeys,
  });
  const policies = edit(policiesOfRun(run.resources, REGION));
  const requests = deployRequests(run.resources, run.invokes, { partition: "aws", region: REGION, accountId: MOCK_ACCOUNT_ID, environment: stack, principal: deployRole(stack) });
  const decisions = await evaluateRequests(policies, requests);
  return { run, policies, requests, decisions };
}

const adminOnly = (r: DeployRequest) => isAdministratorOnly(r);

const line = (d: Decision) => `${d.request.action} ${d.request.resource} (${(d.request as DeployRequest).origin}): ${d.reason}`;

describe("the deployer: every request pulumi up makes, against the deploy role", () => {
  const runs: Partial<Record<"stg" | "prod", Awaited<ReturnType<typeof deployerRun>>>> = {};
  before(async () => {
    runs.stg = await deployerRun("stg");
    runs.prod = await deployerRun("prod");
  });

  for (const stack of ["stg", "prod"] as const) {
    it(`${stack}: allows every request except the administrator's, which it denies explicitly`, () => {
      const { decisions } = runs[stack]!;
      const unexpected = decisions.filter((d) => !d.allowed && !adminOnly(d.request as DeployRequest));
      expect(unexpected.map(line)).to.deep.equal([]);
      const admin = decisions.filter((d) => adminOnly(d.request as DeployRequest));
      expect(admin.filter((d) => d.allowed).map(line), "administrator-only requests the deploy role could make").to.deep.equal([]);
      expect(admin.every((d) => d.result === "ExplicitlyDenied"), admin.filter((d) => d.result !== "ExplicitlyDenied").map(line).join("\n")).to.equal(true);
      expect(admin.length).to.be.greaterThan(0);
    });
  }

  it("covers every resource type and provider function of both plans, and catalogues nothing that neither uses", () => {
    const used = new Set([...runs.stg!.requests, ...runs.prod!.requests].map((r) => r.type));
    expect(Object.keys(RESOURCE_CALLS).filter((t) => !used.has(t))).to.deep.equal([]);
    expect(Object.keys(INVOKE_CALLS).filter((t) => !used.has(t) && INVOKE_CALLS[t].actions.length > 0)).to.deep.equal([]);
    for (const stack of ["stg", "prod"] as const) {
      const tokens = new Set(runs[stack]!.run.invokes.map((i) => i.token));
      expect([...tokens].filter((t) => INVOKE_CALLS[t] === undefined), stack).to.deep.equal([]);
    }
  });

  for (const stack of ["stg", "prod"] as const) {
    it(`${stack}: grants the actions of exactly the resource types its plan deploys (none for a block it does not enable)`, () => {
      const planned = new Set(runs[stack]!.run.resources.filter((r) => r.custom && r.type.startsWith("aws:")).map((r) => r.type));
      const granted = grantedResourceTypes(configBlocks(parseConfig(stackConfig(stack))));
      expect(granted.filter((t) => !planned.has(t)), "granted but not deployed").to.deep.equal([]);
      // The roles, their policies and the OIDC provider are the inline policy's (reviewed there).
      const inline = ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/openIdConnectProvider:OpenIdConnectProvider"];
      expect([...planned].filter((t) => !granted.includes(t) && !inline.includes(t)), "deployed but not granted").to.deep.equal([]);
    });
  }

  it("includes the BigQuery transfer user and the rotation of its access key (a create and a delete) in stg", () => {
    const key = runs.stg!.decisions.filter((d) => (d.request as DeployRequest).type === "aws:iam/accessKey:AccessKey");
    expect(key.map((d) => d.request.action)).to.include.members(["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"]);
    expect(key.every((d) => d.allowed)).to.equal(true);
    expect(key[0].request.resource).to.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:user/data-platform-stg-bigquery-transfer`);
  });

  it("lets Lambda encrypt CMK-encrypted function environments for the deploy role, and only through Lambda", () => {
    const kms = runs.prod!.decisions.filter((d) => d.request.action.startsWith("kms:") && (d.request as DeployRequest).type === "aws:lambda/function:Function");
    expect(kms.length).to.be.greaterThan(0);
    expect(kms.filter((d) => !d.allowed).map(line)).to.deep.equal([]);
  });

  it("fails when the generated policy lacks an action the provider calls (a planted defect)", async () => {
    const drop = (p: DeployedPolicies): DeployedPolicies => {
      const principals = new Map(p.principals);
      const role = principals.get(deployRole("prod"))!;
      const strip = (doc: any) => ({ ...doc, Statement: [].concat(doc.Statement).map((s: any) => ({ ...s, Action: [].concat(s.Action).filter((a: string) => a !== "lambda:GetFunction") })) });
      principals.set(deployRole("prod"), { ...role, identityPolicies: role.identityPolicies.map((ip) => ({ ...ip, policy: strip(ip.policy) })) });
      return { ...p, principals };
    };
    const { decisions } = await deployerRun("prod", drop);
    const denied = decisions.filter((d) => !d.allowed && !adminOnly(d.request as DeployRequest));
    expect(denied.map((d) => d.request.action)).to.include("lambda:GetFunction");
  });

  it("replaces PowerUserAccess with the generated policies, each within IAM's managed-policy size", () => {
    for (const stack of ["stg", "prod"] as const) {
      const resources: RecordedResource[] = runs[stack]!.run.resources;
      const attached: RecordedResource[] = ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.name.startsWith("github-deploy-managed-"));
      const policies: RecordedResource[] = ofType(resources, "aws:iam/policy:Policy");
      expect(attached.map((a) => a.inputs.policyArn)).to.deep.equal(policies.map((p) => `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${p.inputs.name}`));
      expect(policies.map((p) => p.inputs.name)).to.deep.equal(policies.map((_, i) => `data-platform-${stack}-github-deploy-${i + 1}`));
      for (const p of policies) expect(JSON.stringify(JSON.parse(p.inputs.policy)).length, p.inputs.name).to.be.at.most(MANAGED_POLICY_MAX_CHARS);
      expect(JSON.stringify(resources)).to.not.contain("PowerUserAccess");
    }
  });

  it("scopes every generated statement to this environment, except where AWS has no resource type", () => {
    const statements = deployerStatements({ partition: "aws", region: REGION, accountId: MOCK_ACCOUNT_ID, environment: "stg", vpcIds: ["vpc-0a1b2c3d4e5f60718"], lookedUpClusterIds: ["shop-stg-aurora"], blocks: ["bigquery", "budget", "slack", "quicksight", "golden"] });
    for (const s of statements) {
      const resources = [].concat(s.Resource as never) as string[];
      for (const r of resources) {
        const scoped = r === "*" || /data-platform-stg-|data_platform_stg|\/data-platform\/stg\/|:catalog$|vpc-0a1b2c3d4e5f60718|shop-stg-aurora/.test(r) || s.Condition !== undefined;
        expect(scoped, `${s.Sid} ${r}`).to.equal(true);
      }
    }
    expect(documentSize(statements)).to.be.greaterThan(MANAGED_POLICY_MAX_CHARS); // hence the split
  });

});
