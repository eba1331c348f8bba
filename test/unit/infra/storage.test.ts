import { expect } from "chai";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { find, ofType, runPlatform, runProgram, statements } from "../../support/pulumi";

describe("SecureBucket (export and query-result buckets)", () => {
  let resources: RecordedResource[];
  before(async () => {
    ({ resources } = await runPlatform("stg"));
  });

  for (const name of ["exports", "query-results"]) {
    describe(name, () => {
      const child = (type: string, suffix = "") => find(resources, type, `${name}${suffix}`);

      it("encrypts with the platform CMK (SSE-KMS) and turns the bucket key on", () => {
        const rule = child("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "-encryption").inputs.rules[0];
        expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("aws:kms");
        expect(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId).to.match(/^arn:aws:kms:ap-northeast-1:123456789012:key\//);
        expect(rule.bucketKeyEnabled).to.equal(true);
      });

      it("sets all four public access blocks", () => {
        const pab = child("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "-public-access").inputs;
        expect(pab).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      });

      it("enforces bucket-owner object ownership (no ACLs)", () => {
        expect(child("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "-ownership").inputs.rule).to.deep.equal({
          objectOwnership: "BucketOwnerEnforced",
        });
      });

      it("denies every request that does not use TLS", () => {
        const [deny] = statements(child("aws:s3/bucketPolicy:BucketPolicy", "-policy").inputs.policy);
        const bucket = child("aws:s3/bucket:Bucket").inputs.bucket;
        expect(deny).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*" });
        expect(deny.Resource).to.deep.equal([`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]);
        expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
      });

      it("aborts incomplete multipart uploads", () => {
        const rules = child("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "-lifecycle").inputs.rules;
        expect(rules.find((r: any) => r.abortIncompleteMultipartUpload)?.abortIncompleteMultipartUpload.daysAfterInitiation).to.equal(1);
      });
    });
  }

  it("names buckets uniquely per environment, account and region", () => {
    expect(ofType(resources, "aws:s3/bucket:Bucket").map((r) => r.inputs.bucket)).to.have.members([
      "data-platform-stg-exports-123456789012-ap-northeast-1",
      "data-platform-stg-athena-results-123456789012-ap-northeast-1",
    ]);
  });

  it("expires exports after the configured days and query results sooner", () => {
    const days = (name: string) =>
      find(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${name}-lifecycle`).inputs.rules.find(
        (r: any) => r.expiration,
      ).expiration.days;
    expect(days("exports")).to.equal(14);
    expect(days("query-results")).to.equal(3);
  });

  it("rejects a non-positive expiry with the property path", async () => {
    const { SecureBucket } = await import("../../../infra/storage/secureBucket");
    let caught: unknown;
    await runProgram(() => {
      try {
        new SecureBucket("b", { bucketName: "b", kmsKeyArn: "arn:aws:kms:x", expirationDays: 0 });
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).to.have.property("propertyPath", "expirationDays");
  });
});
