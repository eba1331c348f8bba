import { expect } from "chai";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { find, ofType, runPlatform, statements } from "../../support/pulumi";

const ROLE = (name: string) => `arn:aws:iam::123456789012:role/data-platform-stg-${name}`;

describe("EncryptionKey", () => {
  let resources: RecordedResource[];
  let keyPolicy: Array<Record<string, any>>;
  before(async () => {
    ({ resources } = await runPlatform("stg"));
    keyPolicy = statements(find(resources, "aws:kms/key:Key", "key").inputs.policy);
  });
  const sid = (s: string) => keyPolicy.find((st) => st.Sid === s);

  it("rotates the key and gives it an alias", () => {
    expect(find(resources, "aws:kms/key:Key", "key").inputs).to.include({ enableKeyRotation: true, rotationPeriodInDays: 365 });
    expect(find(resources, "aws:kms/alias:Alias", "key-alias").inputs.name).to.equal("alias/data-platform-stg-data");
  });

  it("lets the account root administer the key without using it", () => {
    const admin = sid("AccountRootAdministersKey");
    expect(admin?.Principal).to.deep.equal({ AWS: "arn:aws:iam::123456789012:root" });
    expect(admin?.Action).to.not.include.members(["kms:Decrypt", "kms:Encrypt", "kms:*"]);
    expect(admin?.Action).to.include.members(["kms:ScheduleKeyDeletion", "kms:Put*"]);
  });

  it("lets only the platform's roles use the key, and the BigQuery transfer user only decrypt through S3", () => {
    const decryptOnly = sid("S3ReadersDecryptThroughS3");
    expect(decryptOnly?.Action).to.equal("kms:Decrypt");
    expect(decryptOnly?.Condition.ArnEquals["aws:PrincipalArn"]).to.deep.equal([
      "arn:aws:iam::123456789012:user/data-platform-stg-bigquery-transfer",
    ]);
    expect(decryptOnly?.Condition.StringEquals["kms:ViaService"]).to.equal("s3.ap-northeast-1.amazonaws.com");
    const use = sid("PlatformRolesUseKey");
    expect(use?.Action).to.include.members(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(use?.Condition.ArnEquals["aws:PrincipalArn"]).to.have.members([ROLE("rds-export"), ROLE("glue-crawler")]);
    const usesKey = keyPolicy.filter((s) => [].concat(s.Action).some((a: string) => a === "kms:Decrypt"));
    for (const s of usesKey) expect(s.Condition, s.Sid).to.not.equal(undefined);
  });

  it("allows CreateGrant only for AWS resources", () => {
    for (const s of keyPolicy.filter((st) => [].concat(st.Action).some((a: string) => /CreateGrant|^kms:\*$/.test(a)))) {
      expect(s.Condition?.Bool?.["kms:GrantIsForAWSResource"], s.Sid).to.equal("true");
    }
  });

  it("lets EventBridge and CloudWatch publish to encrypted topics only for this account", () => {
    const svc = sid("ServicesPublishToEncryptedTopics");
    expect(svc?.Principal.Service).to.have.members(["events.amazonaws.com", "cloudwatch.amazonaws.com"]);
    expect(svc?.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
  });

  it("adds analyst principals from config as key users", async () => {
    const prod = await runPlatform("prod");
    const use = statements(find(prod.resources, "aws:kms/key:Key", "key").inputs.policy).find((s) => s.Sid === "PlatformRolesUseKey");
    expect(use?.Condition.ArnEquals["aws:PrincipalArn"]).to.include("arn:aws:iam::123456789012:role/analytics-readers");
  });
});

describe("IAM roles", () => {
  let resources: RecordedResource[];
  before(async () => {
    ({ resources } = await runPlatform("stg"));
  });
  const policyOf = (component: string) => statements(find(resources, "aws:iam/rolePolicy:RolePolicy", `${component}-policy`).inputs.policy);
  const trustOf = (component: string) => statements(find(resources, "aws:iam/role:Role", component).inputs.assumeRolePolicy);

  it("trusts export.rds.amazonaws.com for the RDS export role, for this account only", () => {
    const [trust] = trustOf("rds-export-role");
    expect(trust.Principal).to.deep.equal({ Service: "export.rds.amazonaws.com" });
    expect(trust.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
  });

  it("limits the RDS export role to the export bucket, its prefix and the key", () => {
    const bucket = "arn:aws:s3:::data-platform-stg-exports-123456789012-ap-northeast-1";
    const byResource = policyOf("rds-export-role").map((s) => s.Resource);
    expect(byResource).to.deep.equal([bucket, `${bucket}/exports/*`, "arn:aws:kms:ap-northeast-1:123456789012:key/mock-key-key"]);
  });

  it("lets the crawler role read only the export prefix", () => {
    const policy = policyOf("catalog-crawler-role");
    const s3 = policy.filter((s) => [].concat(s.Action).some((a: string) => a.startsWith("s3:")));
    expect(s3.map((s) => s.Resource)).to.deep.equal([
      "arn:aws:s3:::data-platform-stg-exports-123456789012-ap-northeast-1",
      "arn:aws:s3:::data-platform-stg-exports-123456789012-ap-northeast-1/exports/*",
    ]);
    expect(s3[0].Condition).to.deep.equal({ StringLike: { "s3:prefix": ["exports/*", "exports/"] } });
    expect(s3.flatMap((s) => [].concat(s.Action))).to.have.members(["s3:ListBucket", "s3:GetObject"]);
  });

  it("has no Action wildcard and uses Resource \"*\" only for glue:GetSecurityConfiguration, in role and user policies", () => {
    const policies = [...ofType(resources, "aws:iam/rolePolicy:RolePolicy"), ...ofType(resources, "aws:iam/userPolicy:UserPolicy")];
    expect(policies.map((p) => p.type), "stg has the BigQuery transfer user").to.include("aws:iam/userPolicy:UserPolicy");
    for (const rp of policies) {
      for (const s of statements(rp.inputs.policy)) {
        expect([].concat(s.Action)).to.not.include("*");
        if (s.Resource === "*") expect(s.Action, `${rp.name} ${s.Sid}`).to.equal("glue:GetSecurityConfiguration");
      }
    }
  });

  it("names every role data-platform-<env>-<role>", () => {
    expect(ofType(resources, "aws:iam/role:Role").map((r) => r.inputs.name)).to.have.members([
      "data-platform-stg-rds-export",
      "data-platform-stg-glue-crawler",
    ]);
  });
});
