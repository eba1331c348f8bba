import { expect } from "chai";
import type { CollectedDocument, DeployedPolicies, FindingKind, StaticFinding } from "../../../../policy/permissions";
import { deployedStack } from "../../../support/permissions";

type Permissions = typeof import("../../../../policy/permissions");
let permissions: Permissions;

const lines = (findings: readonly StaticFinding[]) => findings.map((f) => permissions.formatFinding(f)).join("\n");

/** A copy of the deployed policies with one statement added to the document `resource` writes. */
function withStatement(policies: DeployedPolicies, resource: string, statement: Record<string, unknown>): DeployedPolicies {
  const documents = policies.documents.map((d): CollectedDocument => {
    if (d.resource !== resource) return d;
    return { ...d, document: { ...d.document, Statement: [...permissions.statementsOf(d.document), statement] } };
  });
  expect(documents.some((d) => d.resource === resource), `no deployed document ${resource}`).to.equal(true);
  return { ...policies, documents };
}

const KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/mock-key-key";
const BUCKET = "arn:aws:s3:::data-platform-stg-exports-123456789012-ap-northeast-1";
const EXPORT_FN_POLICY = "export-pipeline-export-snapshot-role-policy";

describe("static checks of every deployed policy document", () => {
  const deployed = new Map<string, Awaited<ReturnType<typeof deployedStack>>>();
  before(async function () {
    this.timeout(900_000);
    permissions = await import("../../../../policy/permissions");
    for (const stack of ["stg", "prod"] as const) deployed.set(stack, await deployedStack(stack));
  });

  for (const stack of ["stg", "prod"] as const) {
    it(`finds nothing on ${stack}: every action exists, every resource and condition key applies, no statement is dead`, async () => {
      const { policies, externalPrincipalArns } = deployed.get(stack)!;
      const findings = await permissions.checkDeployedDocuments(policies, { externalPrincipalArns });
      console.log(`      ${stack}: ${policies.documents.length} documents checked, ${findings.length} findings`);
      expect(findings, lines(findings)).to.deep.equal([]);
    });
  }

  /** The findings a planted statement causes, on top of stg's (which has none). */
  async function plant(resource: string, statement: Record<string, unknown>): Promise<StaticFinding[]> {
    const { policies, externalPrincipalArns } = deployed.get("stg")!;
    return permissions.checkDeployedDocuments(withStatement(policies, resource, statement), { externalPrincipalArns });
  }
  const kinds = (findings: readonly StaticFinding[]): FindingKind[] => findings.map((f) => f.kind);

  it("fails a misspelled action", async () => {
    const findings = await plant(EXPORT_FN_POLICY, { Sid: "Planted", Effect: "Allow", Action: "kms:DescribeKeys", Resource: KEY });
    expect(kinds(findings)).to.deep.equal(["unknown-action"]);
    expect(findings[0].message).to.contain("kms:DescribeKeys");
  });

  it("fails a resource of the wrong type: an object action on the bucket", async () => {
    const findings = await plant(EXPORT_FN_POLICY, { Sid: "Planted", Effect: "Allow", Action: "s3:GetObject", Resource: BUCKET });
    expect(kinds(findings)).to.deep.equal(["resource-type"]);
  });

  it("fails a condition key that does not apply to the action", async () => {
    const findings = await plant(EXPORT_FN_POLICY, {
      Sid: "Planted",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `${BUCKET}/exports/*`,
      Condition: { StringLike: { "s3:prefix": "exports/*" } },
    });
    expect(kinds(findings)).to.deep.equal(["condition-key"]);
  });

  it("fails DescribeKey granted only under the kms:GrantIsForAWSResource condition, and not CreateGrant beside it", async () => {
    const findings = await plant(EXPORT_FN_POLICY, {
      Sid: "Planted",
      Effect: "Allow",
      Action: ["kms:CreateGrant", "kms:DescribeKey"],
      Resource: KEY,
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
    expect(findings.map((f) => [f.kind, f.message])).to.deep.equal([
      ["condition-key", "kms:GrantIsForAWSResource does not apply to kms:DescribeKey: a request for it never carries the key"],
    ]);
  });

  it("fails an action pattern and names what it expands to", async () => {
    const findings = await plant(EXPORT_FN_POLICY, { Sid: "Planted", Effect: "Allow", Action: "s3:PutObject*", Resource: `${BUCKET}/exports/*` });
    expect(kinds(findings)).to.deep.equal(["wildcard-action"]);
    expect(findings[0].message).to.contain("s3:PutObjectAcl");
  });

  it('fails "*" for an action that requires a resource type', async () => {
    const findings = await plant(EXPORT_FN_POLICY, { Sid: "Planted", Effect: "Allow", Action: "kms:Decrypt", Resource: "*" });
    expect(kinds(findings)).to.deep.equal(["wildcard-resource"]);
  });

  it("fails a key-policy statement naming a role the stack does not deploy", async () => {
    const findings = await plant("key", {
      Sid: "Planted",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/data-platform-stg-golden-export"] } },
    });
    expect(kinds(findings)).to.deep.equal(["dead-statement"]);
  });

  it("fails a key-policy action that has no key resource type (kms:CreateKey is dead in a key policy)", async () => {
    const findings = await plant("key", { Sid: "Planted", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:CreateKey", Resource: "*" });
    expect(kinds(findings)).to.deep.equal(["resource-type"]);
  });

  it("matches log streams exactly: a group's `:*` covers its streams, the bare group ARN does not", async () => {
    const group = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/data-platform-stg-export-snapshot";
    expect(await plant(EXPORT_FN_POLICY, { Sid: "Planted", Effect: "Allow", Action: "logs:PutLogEvents", Resource: `${group}:*` })).to.deep.equal([]);
    expect(kinds(await plant(EXPORT_FN_POLICY, { Sid: "Planted", Effect: "Allow", Action: "logs:PutLogEvents", Resource: group }))).to.deep.equal(["resource-type"]);
  });
});
