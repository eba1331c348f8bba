import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { GitHubOidc, type GitHubOidcArgs } from "../../../infra/delivery/githubOidc";
import { WebIdentityRole } from "../../../infra/security/webIdentityRole";
import { find, ofType, runPlatform, runProgram, statements } from "../../support/pulumi";

const ACCOUNT = "123456789012";
const ISSUER = "token.actions.githubusercontent.com";
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe("GitHub OIDC delivery roles", () => {
  let stg: RecordedResource[];
  let prod: RecordedResource[];
  before(async () => {
    ({ resources: stg } = await runPlatform("stg"));
    ({ resources: prod } = await runPlatform("prod"));
  });
  const trustOf = (rs: RecordedResource[], name: string) => statements(find(rs, "aws:iam/role:Role", name).inputs.assumeRolePolicy);
  const policyOf = (rs: RecordedResource[], name: string) => statements(find(rs, "aws:iam/rolePolicy:RolePolicy", `${name}-policy`).inputs.policy);
  const managedOf = (rs: RecordedResource[], name: string) =>
    ofType(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.name.startsWith(`${name}-managed-`)).map((a) => a.inputs.policyArn);

  it("creates the account's OIDC provider in stg for the sts.amazonaws.com audience, and looks it up in prod", () => {
    const [provider] = ofType(stg, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    expect(provider.inputs).to.deep.include({ url: `https://${ISSUER}`, clientIdLists: ["sts.amazonaws.com"] });
    expect(ofType(prod, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")).to.deep.equal([]);
    expect(trustOf(prod, "github-preview")[0].Principal).to.deep.equal({ Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` });
  });

  it("trusts the stg preview role for pull-request jobs of the repository", () => {
    expect(trustOf(stg, "github-preview")).to.deep.equal([
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: ["repo:example-org/data-platform:pull_request"] } },
      },
    ]);
  });

  it("trusts the prod preview role only for jobs in the approval-gated prod-preview environment", () => {
    expect(trustOf(prod, "github-preview")[0].Condition.StringEquals[`${ISSUER}:sub`]).to.deep.equal(["repo:example-org/data-platform:environment:prod-preview"]);
  });

  it("trusts the deploy role only for jobs in the stack's GitHub environment", () => {
    expect(trustOf(stg, "github-deploy")[0].Condition.StringEquals[`${ISSUER}:sub`]).to.deep.equal(["repo:example-org/data-platform:environment:stg"]);
    expect(trustOf(prod, "github-deploy")[0].Condition.StringEquals[`${ISSUER}:sub`]).to.deep.equal(["repo:example-org/data-platform:environment:prod"]);
  });

  const STATE = "arn:aws:s3:::example-org-pulumi-state";
  const STG_KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/0b7c4a55-3f0e-4a8e-9d51-6f1f2c9e7a10";
  const PROD_KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/7d2e9f10-5a4b-4c3d-8e2f-1a0b9c8d7e6f";

  it("keeps the preview role read-only: ReadOnlyAccess, its own state folder, and writes only to its lock files", () => {
    expect(managedOf(stg, "github-preview")).to.deep.equal(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    const allows = policyOf(stg, "github-preview").filter((s) => s.Effect === "Allow");
    const writes = allows.filter((s) => [].concat(s.Action).some((a: string) => /^s3:(Put|Delete)/.test(a)));
    expect(writes.map((s) => s.Resource)).to.deep.equal([`${STATE}/data-platform/stg/.pulumi/locks/*`]);
    expect(allows.find((s) => s.Sid === "ReadState")?.Resource).to.equal(`${STATE}/data-platform/stg/.pulumi/*`);
    expect(allows.find((s) => s.Sid === "ListState")?.Condition).to.deep.equal({ StringLike: { "s3:prefix": ["data-platform/stg/.pulumi", "data-platform/stg/.pulumi/*"] } });
    const kms = allows.find((s) => s.Sid === "UseStateKey");
    expect(kms).to.deep.include({ Resource: STG_KEY, Action: ["kms:Decrypt", "kms:DescribeKey"] });
  });

  it("gives each stack's roles only that stack's state folder and key", () => {
    for (const [rs, env, key] of [[stg, "stg", STG_KEY], [prod, "prod", PROD_KEY]] as const) {
      for (const r of ["github-preview", "github-deploy"]) {
        const policy = policyOf(rs, r);
        const text = JSON.stringify(policy);
        expect(text, `${env} ${r}`).to.not.contain(env === "stg" ? "data-platform/prod" : "data-platform/stg");
        expect(text, `${env} ${r}`).to.not.contain(env === "stg" ? PROD_KEY : STG_KEY);
        expect(policy.find((s) => s.Sid === "UseStateKey")?.Resource).to.equal(key);
        expect(policy.find((s) => s.Sid === "DenyOtherKeysDirectly")).to.deep.include({ Effect: "Deny", NotResource: key, Condition: { Null: { "kms:ViaService": "true" } } });
        expect(policy.find((s) => s.Sid === "DenyListingOtherStacksState")).to.deep.include({
          Effect: "Deny",
          Resource: STATE,
          Condition: { StringNotLike: { "s3:prefix": [`data-platform/${env}/.pulumi`, `data-platform/${env}/.pulumi/*`] } },
        });
      }
    }
  });

  it("denies the preview role every object but its own state (export data, query results, other stacks), and any secret value", () => {
    const denies = policyOf(stg, "github-preview").filter((s) => s.Effect === "Deny");
    expect(denies.find((s) => s.Sid === "DenyObjectsOutsideThisStack")?.NotResource).to.deep.equal([`${STATE}/data-platform/stg/.pulumi/*`]);
    expect(denies.find((s) => s.Sid === "DenyQueryResultsAndSecretValues")?.Action).to.include.members([
      "athena:GetQueryResults",
      "secretsmanager:GetSecretValue",
      "ssm:GetParameter",
    ]);
  });

  it("denies the deploy role objects outside its state folder and its environment's buckets", () => {
    const deny = policyOf(prod, "github-deploy").find((s) => s.Sid === "DenyObjectsOutsideThisStack");
    expect(deny?.NotResource).to.deep.equal([`${STATE}/data-platform/prod/.pulumi/*`, "arn:aws:s3:::data-platform-prod-*/*"]);
  });

  it("never lets the delivery roles use the data key", () => {
    const use = statements(find(stg, "aws:kms/key:Key", "key").inputs.policy).find((s) => s.Sid === "PlatformRolesUseKey");
    expect(use?.Condition.ArnEquals["aws:PrincipalArn"]).to.not.include.members([role("data-platform-stg-github-preview")]);
    expect(use?.Condition.ArnEquals["aws:PrincipalArn"]).to.not.include.members([role("data-platform-stg-github-deploy")]);
  });

  it("limits the deploy role's IAM to this environment's roles and service-role policies, never its own roles", () => {
    // No AWS-managed policy: the generated ones (infra/delivery/deployer/), data-platform-stg-github-deploy-1…n.
    const managed = managedOf(stg, "github-deploy");
    expect(managed.length).to.be.greaterThan(1);
    managed.forEach((arn: string, i: number) => expect(arn).to.equal(`arn:aws:iam::123456789012:policy/data-platform-stg-github-deploy-${i + 1}`));
    const policy = policyOf(stg, "github-deploy");
    const sid = (s: string) => policy.find((st) => st.Sid === s);
    expect(sid("ManagePlatformRoles")?.Resource).to.equal(role("data-platform-stg-*"));
    expect(sid("AttachOnlyServiceRolePolicies")?.Condition).to.deep.equal({ ArnLike: { "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/*" } });
    const deny = sid("DenyDeliveryRoleChanges");
    expect(deny?.Effect).to.equal("Deny");
    expect(deny?.Resource).to.deep.equal([role("data-platform-stg-github-preview"), role("data-platform-stg-github-deploy")]);
    expect(deny?.Action).to.include.members(["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"]);
    const iamOnStar = policy.filter((s) => s.Effect === "Allow" && s.Resource === "*");
    expect(iamOnStar).to.deep.equal([]); // stg creates the provider, so it never lists providers
    expect(sid("ManageGitHubOidcProvider")?.Resource).to.equal(`arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`);
  });

  it("lets the prod deploy role only find and read the provider that stg created", () => {
    const policy = policyOf(prod, "github-deploy");
    expect(policy.find((s) => s.Sid === "ReadGitHubOidcProvider")?.Action).to.deep.equal(["iam:GetOpenIDConnectProvider"]);
    expect(policy.find((s) => s.Sid === "FindGitHubOidcProvider")).to.deep.include({ Action: "iam:ListOpenIDConnectProviders", Resource: "*" });
  });

  it("builds nothing for delivery when the stack has no github block", async () => {
    const { resources } = await runPlatform("stg", {
      "data-platform:github": undefined,
      "data-platform:keyAdministratorArns": ["arn:aws:iam::123456789012:role/platform-admins"],
    });
    expect(resources.filter((r) => r.type.startsWith("platform:delivery:"))).to.deep.equal([]);
    expect(ofType(resources, "aws:iam/role:Role").map((r) => r.inputs.name).filter((n: string) => n.includes("github"))).to.deep.equal([]);
  });

  describe("argument errors", () => {
    const args: GitHubOidcArgs = {
      repository: "o/r",
      createOidcProvider: true,
      deployEnvironment: "stg",
      previewRoleName: "p",
      deployRoleName: "d",
      rolePrefix: "x-",
      state: { bucket: "b", prefix: "p", keyArn: "arn:aws:kms:ap-northeast-1:123456789012:key/k" },
      deploy: { region: "ap-northeast-1", vpcIds: [], lookedUpClusterIds: [], blocks: [] },
      accountId: ACCOUNT,
      partition: "aws",
    };
    const reason = async (build: () => unknown) => {
      try {
        await runProgram(build);
      } catch (err) {
        expect(pulumi.InputPropertyError.isInstance(err) || (err as Error).name === "InputPropertyError", String(err)).to.equal(true);
        return (err as Error).message;
      }
      return expect.fail("no error");
    };

    it("rejects a repository that is not owner/repo", async () => {
      expect(await reason(() => new GitHubOidc("g", { ...args, repository: "just-a-name" }))).to.match(/owner\/repo/);
    });

    it("rejects a wildcard subject, which would let any branch or fork assume the role", async () => {
      const build = () => new WebIdentityRole("w", { roleName: "w", providerArn: "arn", issuer: ISSUER, subjects: ["repo:o/r:*"], description: "d", managedPolicyArns: ["arn"] });
      expect(await reason(build)).to.match(/matched exactly/);
    });
  });
});
