import { expect } from "chai";
import { type PolicyResourceView, RESOURCE_RULES, STACK_RULES, evaluate } from "../../../policy/rules";
import { WILDCARD_ONLY_ACTIONS, isWildcardOnlyAction } from "../../../policy/wildcardActions";

const TAGS = { project: "data-platform", environment: "stg", "managed-by": "pulumi" };

function res(type: string, name: string, props: Record<string, any>, extra: Partial<PolicyResourceView> = {}): PolicyResourceView {
  return { urn: `urn:pulumi:stg::data-platform::${type}::${name}`, type, name, props, providerDefaultTags: TAGS, ...extra };
}

const rule = (name: string) => {
  const r = RESOURCE_RULES.find((x) => x.name === name);
  if (!r) throw new Error(`no rule ${name}`);
  return r;
};
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

describe("guardrail rules", () => {
  describe("kms-key-rotation", () => {
    const check = rule("kms-key-rotation").check;
    it("passes a key with rotation on", () => {
      expect(check(res("aws:kms/key:Key", "k", { enableKeyRotation: true }))).to.deep.equal([]);
    });
    it("fails a symmetric key without rotation", () => {
      expect(check(res("aws:kms/key:Key", "k", {}))).to.deep.equal(["key rotation is off: set enableKeyRotation: true"]);
    });
    it("leaves asymmetric keys alone, which AWS cannot rotate", () => {
      expect(check(res("aws:kms/key:Key", "k", { customerMasterKeySpec: "RSA_2048" }))).to.deep.equal([]);
    });
  });

  describe("iam-no-wildcard-actions", () => {
    const check = rule("iam-no-wildcard-actions").check;
    it("passes named actions and a Deny on s3:* (the TLS-only statement)", () => {
      const policy = doc(
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" },
        { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::b", Condition: { Bool: { "aws:SecureTransport": "false" } } },
      );
      expect(check(res("aws:iam/rolePolicy:RolePolicy", "p", { policy }))).to.deep.equal([]);
      expect(check(res("aws:s3/bucketPolicy:BucketPolicy", "bp", { policy }))).to.deep.equal([]);
    });
    it('fails Action "*" and "service:*" in identity and resource policies, and NotAction', () => {
      const policy = doc({ Sid: "All", Effect: "Allow", Action: ["*", "kms:*"], Resource: "arn:aws:kms:x" });
      expect(check(res("aws:iam/policy:Policy", "p", { policy }))).to.deep.equal(['policy statement "All" allows *, kms:*: name the actions']);
      expect(check(res("aws:kms/key:Key", "k", { policy }))).to.have.length(1);
      const inline = { inlinePolicies: [{ name: "x", policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "x" }) }] };
      expect(check(res("aws:iam/role:Role", "r", inline))).to.deep.equal(["inlinePolicies[0].policy statement #0 allows NotAction: name the actions"]);
    });
  });

  describe("iam-resource-wildcard", () => {
    const check = rule("iam-resource-wildcard").check;
    it('passes Resource "*" for every action in the wildcard-only list', () => {
      const policy = doc({ Effect: "Allow", Action: [...WILDCARD_ONLY_ACTIONS], Resource: "*" });
      expect(check(res("aws:iam/rolePolicy:RolePolicy", "p", { policy }))).to.deep.equal([]);
    });
    it('fails Resource "*" for an action that has a resource type', () => {
      const policy = doc({ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject", "cloudwatch:PutMetricData"], Resource: ["*"] });
      expect(check(res("aws:iam/rolePolicy:RolePolicy", "p", { policy }))).to.deep.equal([
        'policy statement "Read" grants s3:GetObject on "*": scope it to ARNs',
      ]);
    });
    it("does not judge key policies, where \"*\" means the key itself", () => {
      const policy = doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, Action: "kms:Decrypt", Resource: "*" });
      expect(check(res("aws:kms/key:Key", "k", { policy }))).to.deep.equal([]);
    });
    it("matches action names case-insensitively, as IAM does", () => {
      expect(isWildcardOnlyAction("CloudWatch:putMetricData")).to.equal(true);
      expect(isWildcardOnlyAction("cloudwatch:*")).to.equal(false);
    });
  });

  describe("lambda-nodejs-runtime", () => {
    const check = rule("lambda-nodejs-runtime").check;
    const fn = (runtime?: string) => res("aws:lambda/function:Function", "f", runtime ? { runtime } : {});
    it("passes nodejs22.x and newer", () => {
      expect(check(fn("nodejs22.x"))).to.deep.equal([]);
      expect(check(fn("nodejs24.x"))).to.deep.equal([]);
    });
    it("fails older Node.js, other languages and a missing runtime", () => {
      expect(check(fn("nodejs20.x"))).to.deep.equal(["runtime nodejs20.x is not nodejs22.x or newer"]);
      expect(check(fn("python3.12"))).to.have.length(1);
      expect(check(fn())).to.deep.equal(["runtime is not set"]);
    });
  });

  describe("required-tags", () => {
    const check = rule("required-tags").check;
    it("passes a resource tagged through the provider's default tags", () => {
      expect(check(res("aws:sns/topic:Topic", "t", {}))).to.deep.equal([]);
    });
    it("fails a resource whose provider has no default tags and that has no tags of its own", () => {
      expect(check(res("aws:sns/topic:Topic", "t", {}, { providerDefaultTags: undefined }))).to.deep.equal([
        "missing tags: project, environment, managed-by",
      ]);
      expect(check(res("aws:sns/topic:Topic", "t", { tags: { environment: " " } }, { providerDefaultTags: { project: "p", "managed-by": "m" } }))).to.deep.equal([
        "missing tags: environment",
      ]);
    });
    it("ignores providers and components", () => {
      expect(check(res("pulumi:providers:aws", "aws", {}, { providerDefaultTags: undefined }))).to.deep.equal([]);
      expect(check(res("platform:storage:SecureBucket", "b", {}, { providerDefaultTags: undefined }))).to.deep.equal([]);
    });
  });

  describe("rds-encrypted-and-qa-expiry", () => {
    const check = rule("rds-encrypted-and-qa-expiry").check;
    const cluster = (props: Record<string, any>) => res("aws:rds/cluster:Cluster", "c", props);
    it("passes an encrypted cluster and an encrypted QA clone with expires-at", () => {
      expect(check(cluster({ storageEncrypted: true }))).to.deep.equal([]);
      expect(check(cluster({ storageEncrypted: true, tags: { purpose: "qa", "expires-at": "2026-01-01T04:00:00Z" } }))).to.deep.equal([]);
    });
    it("fails an unencrypted cluster", () => {
      expect(check(cluster({}))).to.deep.equal(["storageEncrypted is not true"]);
    });
    it("fails a QA clone without expires-at, or with a time that is not ISO-8601", () => {
      expect(check(cluster({ storageEncrypted: true, tags: { purpose: "qa" } }))).to.deep.equal(["a QA clone (purpose=qa) has no expires-at tag"]);
      expect(check(res("aws:rds/clusterInstance:ClusterInstance", "i", { tags: { purpose: "qa", "expires-at": "tomorrow" } }))).to.deep.equal([
        'expires-at "tomorrow" is not an ISO-8601 time',
      ]);
    });
  });

  describe("s3-bucket-guardrails", () => {
    const [s3] = STACK_RULES;
    const bucket = res("aws:s3/bucket:Bucket", "b", { bucket: "my-bucket" }, { id: "my-bucket" });
    const sse = (alg = "aws:kms", key: string | null = "arn:aws:kms:k") =>
      res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "b-enc", {
        bucket: "my-bucket",
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: alg, kmsMasterKeyId: key } }],
      });
    const pab = (on = true) =>
      res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "b-pab", {
        bucket: "my-bucket",
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: on,
        restrictPublicBuckets: true,
      });
    const tls = doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::my-bucket", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    const policy = (p: unknown = tls) => res("aws:s3/bucketPolicy:BucketPolicy", "b-policy", { bucket: "my-bucket", policy: p });
    const messages = (rs: PolicyResourceView[]) => s3.checkStack(rs).map((v) => v.message);

    it("passes a bucket with SSE-KMS, all four public-access blocks and a TLS-only policy", () => {
      expect(messages([bucket, sse(), pab(), policy()])).to.deep.equal([]);
    });
    it("joins through propertyDependencies when the bucket name is unknown (preview)", () => {
      const deps = { propertyDependencies: { bucket: [bucket.urn] } };
      const unknown = (r: PolicyResourceView) => ({ ...r, props: { ...r.props, bucket: undefined }, ...deps });
      expect(messages([bucket, unknown(sse()), unknown(pab()), unknown(policy(undefined))])).to.deep.equal([]);
    });
    it("fails a bucket encrypted with SSE-S3 or without a named key", () => {
      expect(messages([bucket, sse("AES256"), pab(), policy()])).to.deep.equal([
        'bucket "b": no SSE-KMS default encryption with a KMS key (aws:kms + kmsMasterKeyId)',
      ]);
      expect(messages([bucket, sse("aws:kms", null), pab(), policy()])).to.have.length(1);
    });
    it("fails a missing or partial public access block", () => {
      expect(messages([bucket, sse(), policy()])).to.deep.equal(['bucket "b": no BucketPublicAccessBlock']);
      expect(messages([bucket, sse(), pab(false), policy()])).to.deep.equal(['bucket "b": public access blocks not set: ignorePublicAcls']);
    });
    it("fails a bucket without a policy, or whose policy does not deny non-TLS requests", () => {
      expect(messages([bucket, sse(), pab()])).to.deep.equal(['bucket "b": no bucket policy denying non-TLS requests']);
      const allowOnly = doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::my-bucket/*" });
      expect(messages([bucket, sse(), pab(), policy(allowOnly)])).to.deep.equal([
        'bucket "b": bucket policy does not deny requests without aws:SecureTransport',
      ]);
    });
    it("does not credit another bucket's settings", () => {
      const other = res("aws:s3/bucket:Bucket", "other", { bucket: "other-bucket" }, { id: "other-bucket" });
      expect(messages([bucket, other, sse(), pab(), policy()])).to.have.length(3);
    });
  });

  it("evaluate() reports each violation with its rule, level and resource", () => {
    const violations = evaluate([res("aws:kms/key:Key", "k", {}), res("aws:lambda/function:Function", "f", { runtime: "nodejs22.x" })]);
    expect(violations).to.deep.equal([
      { policy: "kms-key-rotation", enforcementLevel: "mandatory", urn: "urn:pulumi:stg::data-platform::aws:kms/key:Key::k", message: "key rotation is off: set enableKeyRotation: true" },
    ]);
  });
});
