import { expect } from "chai";
import { statementsOf } from "../../../../policy/permissions/collect";
import { deployedStack } from "../../../support/permissions";

describe("deployed policy collection", () => {
  for (const stack of ["stg", "prod"] as const) {
    describe(stack, () => {
      it("finds each role's and user's identity policies, the key policy, bucket, topic and function policies", async () => {
        const { policies, resources } = await deployedStack(stack);
        const roles = resources.filter((r) => r.type === "aws:iam/role:Role");
        expect(roles.length).to.be.greaterThan(5);
        for (const r of roles) {
          const p = policies.principals.get(`arn:aws:iam::123456789012:role/${r.inputs.name}`);
          expect(p, r.name).to.not.equal(undefined);
          expect(p!.identityPolicies.length + p!.unknownManagedPolicyArns.length, r.name).to.be.greaterThan(0);
          expect(p!.trustPolicy, r.name).to.not.equal(undefined);
        }
        const kinds = new Set([...policies.resourcePolicies.values()].map((d) => d.kind));
        expect([...kinds].sort()).to.deep.equal(["bucket", "function", "key", "topic"]);
        const buckets = resources.filter((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy").map((r) => `arn:aws:s3:::${r.inputs.bucket}`);
        for (const b of buckets) expect(policies.resourcePolicies.get(b)?.kind, b).to.equal("bucket");
      });

      it("derives ARNs as the mocks do: the key ARN the roles' policies name is the key whose policy was collected", async () => {
        const { policies } = await deployedStack(stack);
        const key = [...policies.resourcePolicies.values()].find((d) => d.kind === "key")!;
        const cluster = [...policies.principals.values()].find((p) => p.arn.endsWith(`data-platform-${stack}-golden-cluster`));
        expect(JSON.stringify(cluster?.identityPolicies)).to.contain(key.owner);
        const topic = [...policies.resourcePolicies.values()].find((d) => d.kind === "topic")!;
        expect(JSON.stringify(statementsOf(topic.document))).to.contain(topic.owner);
      });

      it("resolves the AWS-managed VPC execution policy and reports managed policies it cannot read", async () => {
        const { policies } = await deployedStack(stack);
        const mask = [...policies.principals.values()].find((p) => p.arn.endsWith("-golden-mask"))!;
        expect(mask.identityPolicies.map((p) => p.name)).to.include("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
        const unknown = [...policies.principals.values()].flatMap((p) => p.unknownManagedPolicyArns);
        for (const arn of unknown) expect(arn).to.match(/^arn:aws:iam::aws:policy\//);
      });
    });
  }
});
