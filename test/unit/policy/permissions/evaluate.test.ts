import { expect } from "chai";
import type { DeployedPolicies, IamRequest, PolicyDocument } from "../../../../policy/permissions";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/data-platform-test-fn`;
const KEY = `arn:aws:kms:ap-northeast-1:${ACCOUNT}:key/k1`;
const BUCKET = "arn:aws:s3:::data-platform-test-exports";
const TOPIC = `arn:aws:sns:ap-northeast-1:${ACCOUNT}:alerts`;
const doc = (...Statement: Record<string, unknown>[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const root = { AWS: `arn:aws:iam::${ACCOUNT}:root` };

/** A tiny deployment: one role, a key whose policy delegates use to the named role, a TLS-only bucket, a topic. */
function deployment(identity: PolicyDocument, keyPolicy?: PolicyDocument): DeployedPolicies {
  const key = keyPolicy ?? doc({ Effect: "Allow", Principal: root, Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: "*", Condition: { ArnEquals: { "aws:PrincipalArn": ROLE } } });
  const bucket = doc({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [BUCKET, `${BUCKET}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } });
  const topic = doc({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: TOPIC });
  return {
    accountId: ACCOUNT,
    region: "ap-northeast-1",
    partition: "aws",
    principals: new Map([[ROLE, { arn: ROLE, kind: "role", identityPolicies: [{ name: "p", policy: identity }], unknownManagedPolicyArns: [] }]]),
    resourcePolicies: new Map([
      [KEY, { kind: "key", resource: "key", owner: KEY, document: key }],
      [BUCKET, { kind: "bucket", resource: "bucket-policy", owner: BUCKET, document: bucket }],
      [TOPIC, { kind: "topic", resource: "topic-policy", owner: TOPIC, document: topic }],
    ]),
    documents: [],
  };
}

describe("permission evaluator", () => {
  let evaluateRequest: typeof import("../../../../policy/permissions").evaluateRequest;
  before(async () => ({ evaluateRequest } = await import("../../../../policy/permissions")));
  const req = (action: string, resource: string, extra: Partial<IamRequest> = {}): IamRequest => ({ principal: ROLE, action, resource, ...extra });

  it("allows a request the identity policy grants and the key policy delegates to the role", async () => {
    const d = await evaluateRequest(deployment(doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY })), req("kms:Decrypt", KEY));
    expect(d).to.include({ allowed: true, result: "Allowed", reason: "" });
  });

  it("denies a key request the identity policy grants but the key policy does not", async () => {
    const d = await evaluateRequest(deployment(doc({ Effect: "Allow", Action: "kms:Encrypt", Resource: KEY })), req("kms:Encrypt", KEY));
    expect(d.allowed).to.equal(false);
    expect(d.reason).to.contain(`key policy of ${KEY}`);
  });

  it("names the condition that fails when DescribeKey is granted only for AWS-resource grants", async () => {
    const identity = doc({ Sid: "GrantOnly", Effect: "Allow", Action: ["kms:CreateGrant", "kms:DescribeKey"], Resource: KEY, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } });
    const d = await evaluateRequest(deployment(identity), req("kms:DescribeKey", KEY));
    expect(d.allowed).to.equal(false);
    expect(d.reason).to.contain("GrantOnly").and.to.contain("kms:GrantIsForAWSResource").and.to.contain("does not carry");
  });

  it("honours an explicit deny in the bucket policy and says which statement denied", async () => {
    const identity = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: `${BUCKET}/*` });
    const overTls = await evaluateRequest(deployment(identity), req("s3:GetObject", `${BUCKET}/exports/a.parquet`));
    expect(overTls.allowed).to.equal(true);
    const plain = await evaluateRequest(deployment(identity), req("s3:GetObject", `${BUCKET}/exports/a.parquet`, { context: { "aws:SecureTransport": "false" } }));
    expect(plain).to.include({ allowed: false, result: "ExplicitlyDenied" });
    expect(plain.reason).to.contain("DenyInsecureTransport");
  });

  it("evaluates a service principal against the resource policy alone", async () => {
    const key = doc({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "kms:GenerateDataKey", Resource: "*", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });
    const dep = deployment(doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY }), key);
    const publish = await evaluateRequest(dep, { principal: "events.amazonaws.com", action: "sns:Publish", resource: TOPIC });
    expect(publish.allowed).to.equal(true);
    const withoutSourceAccount = await evaluateRequest(dep, { principal: "events.amazonaws.com", action: "kms:GenerateDataKey", resource: KEY });
    expect(withoutSourceAccount.allowed).to.equal(false);
    expect(withoutSourceAccount.reason).to.contain("aws:SourceAccount");
  });

  it("reports a principal the program does not deploy as invalid instead of guessing", async () => {
    const d = await evaluateRequest(deployment(doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY })), { principal: `arn:aws:iam::${ACCOUNT}:role/other`, action: "kms:Decrypt", resource: KEY });
    expect(d).to.include({ allowed: false, result: "Invalid" });
  });
});
