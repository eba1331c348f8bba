import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { policies } from "../../../policy/policies";
import { RESOURCE_RULES, STACK_RULES } from "../../../policy/rules";
import { REPO_ROOT } from "../../support/pulumi";

const provider = { type: "pulumi:providers:aws", urn: "urn:p", name: "aws", props: { defaultTags: { tags: { project: "data-platform", environment: "stg", "managed-by": "pulumi" } } } };

/** The parts of the analyzer's argument bag the adapters read. */
function resourceArgs(type: string, props: Record<string, any>, withProvider = true): ResourceValidationArgs {
  return { type, props, urn: `urn:${type}`, name: "r", provider: withProvider ? provider : undefined } as unknown as ResourceValidationArgs;
}

function runResourcePolicies(args: ResourceValidationArgs): string[] {
  const reported: string[] = [];
  for (const p of policies.filter((x): x is ResourceValidationPolicy => "validateResource" in x)) {
    const validate = p.validateResource;
    for (const fn of Array.isArray(validate) ? validate : validate ? [validate] : []) void fn(args, (m) => reported.push(`${p.name}: ${m}`));
  }
  return reported;
}

describe("CrossGuard policy pack adapters", () => {
  it("exposes every rule once, as mandatory policies with the rule's name", () => {
    expect(policies.map((p) => p.name)).to.deep.equal([...RESOURCE_RULES, ...STACK_RULES].map((r) => r.name));
    for (const p of policies) expect(p.enforcementLevel, p.name).to.equal("mandatory");
  });

  it("reports a resource violation through reportViolation", () => {
    expect(runResourcePolicies(resourceArgs("aws:kms/key:Key", { enableKeyRotation: false }))).to.deep.equal([
      "kms-key-rotation: key rotation is off: set enableKeyRotation: true",
    ]);
  });

  it("reads required tags from the provider's default tags, JSON-encoded or not", () => {
    expect(runResourcePolicies(resourceArgs("aws:sns/topic:Topic", {}))).to.deep.equal([]);
    const encoded = { ...provider, props: { defaultTags: JSON.stringify(provider.props.defaultTags) } };
    const args = { ...resourceArgs("aws:sns/topic:Topic", {}), provider: encoded } as unknown as ResourceValidationArgs;
    expect(runResourcePolicies(args)).to.deep.equal([]);
    expect(runResourcePolicies(resourceArgs("aws:sns/topic:Topic", {}, false))).to.deep.equal([
      "required-tags: missing tags: project, environment, managed-by",
    ]);
  });

  it("joins bucket settings to their bucket through propertyDependencies in validateStack", () => {
    const stackPolicy = policies.find((p): p is StackValidationPolicy => "validateStack" in p)!;
    const bucket = { type: "aws:s3/bucket:Bucket", urn: "urn:bucket", name: "b", props: {}, provider } as unknown as PolicyResource;
    const pab = {
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      urn: "urn:pab",
      name: "b-pab",
      props: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      propertyDependencies: { bucket: [bucket] },
    } as unknown as PolicyResource;
    const reported: { message: string; urn?: string }[] = [];
    void stackPolicy.validateStack({ resources: [bucket, pab] } as unknown as StackValidationArgs, (message, urn) => reported.push({ message, urn }));
    expect(reported).to.deep.equal([
      { message: 'bucket "b": no SSE-KMS default encryption with a KMS key (aws:kms + kmsMasterKeyId)', urn: "urn:bucket" },
      { message: 'bucket "b": no bucket policy denying non-TLS requests', urn: "urn:bucket" },
    ]);
  });

  it("is a Node.js pack whose entry point constructs the PolicyPack from these policies", () => {
    expect(readFileSync(path.join(REPO_ROOT, "policy/PulumiPolicy.yaml"), "utf8")).to.match(/^runtime: nodejs$/m);
    const index = readFileSync(path.join(REPO_ROOT, "policy/index.ts"), "utf8");
    expect(index).to.match(/new PolicyPack\("data-platform-guardrails", \{[\s\S]*policies,/);
  });
});
