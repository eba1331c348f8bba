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

  it("lets only the named administrators (the deploy role, and the root user as break-glass) administer the key", () => {
    const admin = sid("NamedAdministratorsAdministerKey");
    expect(admin?.Principal).to.deep.equal({ AWS: "arn:aws:iam::123456789012:root" });
    expect(admin?.Condition).to.deep.equal({
      ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:root", ROLE("github-deploy")] },
    });
    expect(admin?.Action).to.include.members(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation"]);
    // No patterns, no cryptography, no grants: CreateGrant stays behind kms:GrantIsForAWSResource.
    for (const a of admin?.Action as string[]) expect(a).to.not.match(/[*?]|Encrypt|Decrypt|GenerateDataKey|CreateGrant/);
  });

  it("adds the administrators named in config", async () => {
    const extra = "arn:aws:iam::123456789012:role/platform-admins";
    const { resources: withAdmins } = await runPlatform("stg", { "data-platform:keyAdministratorArns": [extra] });
    const policy = statements(find(withAdmins, "aws:kms/key:Key", "key").inputs.policy);
    expect(policy.find((st) => st.Sid === "NamedAdministratorsAdministerKey")?.Condition.ArnEquals["aws:PrincipalArn"]).to.deep.equal([
      "arn:aws:iam::123456789012:root",
      ROLE("github-deploy"),
      extra,
    ]);
  });

  it("lets only the platform's roles use the key, and the BigQuery transfer user only decrypt through S3", () => {
    const decryptOnly = sid("S3ReadersDecryptThroughS3");
    expect(decryptOnly?.Action).to.equal("kms:Decrypt");
    expect(decryptOnly?.Condition.ArnEquals["aws:PrincipalArn"]).to.deep.equal([
      "arn:aws:iam::123456789012:user/data-platform-stg-bigquery-transfer",
    ]);
    expect(decryptOnly?.Condition.StringEquals["kms:ViaService"]).to.equal("s3.ap-northeast-1.amazonaws.com");
    const use = sid("PlatformRolesUseKey");
    expect(use?.Action).to.have.members(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]);
    // Exactly the roles stg deploys: the raw export's function (stg exports raw data, so no golden-export role).
    expect(use?.Condition.ArnEquals["aws:PrincipalArn"]).to.have.members([
      ROLE("rds-export"),
      ROLE("glue-crawler"),
      ROLE("export-snapshot"),
      ROLE("export-events"),
      ROLE("qa-reaper"),
      // The golden refresh: its three step Lambdas that use the key and its state machine.
      ROLE("golden-cluster"),
      ROLE("golden-mask"),
      ROLE("golden-publish"),
      ROLE("golden-refresh"),
      // The BigQuery publisher (stg has a bigquery block) copies export objects and alerts the encrypted topic.
      ROLE("bigquery-publish"),
    ]);
    const usesKey = keyPolicy.filter((s) => [].concat(s.Action).some((a: string) => a === "kms:Decrypt"));
    for (const s of usesKey) expect(s.Condition, s.Sid).to.not.equal(undefined);
  });

  it("lets only the export function create grants, and only for AWS resources", () => {
    expect(sid("GrantsOnlyForAwsResources")?.Condition.ArnEquals["aws:PrincipalArn"]).to.deep.equal([ROLE("export-snapshot")]);
  });

  it("lets CloudWatch Logs use the key only for the crawler's and the platform functions' log groups", () => {
    const logs = sid("CloudWatchLogsEncryptsPlatformLogGroups");
    expect(logs?.Principal).to.deep.equal({ Service: "logs.ap-northeast-1.amazonaws.com" });
    expect(logs?.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).to.deep.equal([
      "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws-glue/crawlers*",
      "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/data-platform-stg-*",
      // Step Functions' vended logs of the golden refresh (stg has a golden).
      "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vendedlogs/states/data-platform-stg-*",
    ]);
  });

  it("allows CreateGrant only for AWS resources", () => {
    for (const s of keyPolicy.filter((st) => [].concat(st.Action).some((a: string) => /CreateGrant|^kms:\*$/.test(a)))) {
      expect(s.Condition?.Bool?.["kms:GrantIsForAWSResource"], s.Sid).to.equal("true");
    }
  });

  it("lets EventBridge, CloudWatch and (with a budget, as in stg) Budgets use the key only for the alert topic (by encryption context, not aws:SourceAccount)", () => {
    const svc = sid("ServicesPublishToEncryptedTopics");
    expect(svc?.Principal.Service).to.have.members(["events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com"]);
    expect(svc?.Condition).to.deep.equal({ StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": ["arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts"] } });
  });

  it("adds analyst principals from config as key users", async () => {
    const prod = await runPlatform("prod");
    const use = statements(find(prod.resources, "aws:kms/key:Key", "key").inputs.policy).find((s) => s.Sid === "PlatformRolesUseKey");
    expect(use?.Condition.ArnEquals["aws:PrincipalArn"]).to.include("arn:aws:iam::123456789012:role/analytics-readers");
    // prod has no bigquery block, so no publisher role is named.
    expect(use?.Condition.ArnEquals["aws:PrincipalArn"]).to.not.include("arn:aws:iam::123456789012:role/data-platform-prod-bigquery-publish");
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

  it("has no Action wildcard and uses Resource \"*\" only where AWS has no resource type for the action, in role and user policies", () => {
    const policies = [...ofType(resources, "aws:iam/rolePolicy:RolePolicy"), ...ofType(resources, "aws:iam/userPolicy:UserPolicy")];
    expect(policies.map((p) => p.type), "stg has the BigQuery transfer user").to.include("aws:iam/userPolicy:UserPolicy");
    // Each entry is documented at the statement: the Service Authorization Reference lists no resource type.
    const needsStar = new Set([
      "glue:GetSecurityConfiguration",
      "rds:DescribeExportTasks",
      // The golden refresh (stg has a golden): its publication metric (namespace-conditioned) and Step Functions'
      // vended-log delivery.
      "cloudwatch:PutMetricData",
      // The mask step has Secrets Manager generate the salt's first value.
      "secretsmanager:GetRandomPassword",
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
      // The Slack channel's role (stg has a slack block): metric data and widget images for alarm charts.
      "cloudwatch:GetMetricData",
      "cloudwatch:GetMetricWidgetImage",
      // The QA reaper (stg has qa) finds a gone clone's security groups by tag: listing has no resource type.
      "ec2:DescribeSecurityGroups",
    ]);
    const starred: string[] = [];
    for (const rp of policies) {
      for (const s of statements(rp.inputs.policy)) {
        expect([].concat(s.Action)).to.not.include("*");
        // Deny statements on "*" only narrow (the preview role denies secret values everywhere).
        if (s.Effect === "Allow" && (s.Resource === "*" || [].concat(s.Resource).includes("*" as never))) {
          for (const a of [].concat(s.Action) as string[]) {
            expect(needsStar.has(a), `${rp.name} ${s.Sid} ${a}`).to.equal(true);
            starred.push(a);
          }
        }
      }
    }
    expect([...new Set(starred)]).to.have.members([...needsStar]);
  });

  it("names every role data-platform-<env>-<role>", () => {
    expect(ofType(resources, "aws:iam/role:Role").map((r) => r.inputs.name)).to.have.members([
      "data-platform-stg-rds-export",
      "data-platform-stg-glue-crawler",
      "data-platform-stg-export-snapshot",
      "data-platform-stg-export-events",
      "data-platform-stg-export-scheduler",
      "data-platform-stg-export-reconcile-scheduler",
      // From the `qa` block: the safety-net Lambda and its schedule.
      "data-platform-stg-qa-reaper",
      "data-platform-stg-qa-reaper-scheduler",
      // From the `golden` block: the step Lambdas (stg exports raw, so no golden-export), the state
      // machine and its schedule.
      "data-platform-stg-golden-cluster",
      "data-platform-stg-golden-mask",
      "data-platform-stg-golden-publish",
      "data-platform-stg-golden-refresh",
      "data-platform-stg-golden-scheduler",
      // From the `github` block of Pulumi.stg.yaml.
      "data-platform-stg-github-preview",
      "data-platform-stg-github-deploy",
      // From the `slack` and `quicksight` blocks: the Chatbot channel role and the QuickSight data source's role.
      "data-platform-stg-chatbot",
      "data-platform-stg-quicksight",
      // From the `bigquery` block: the publisher that copies export files for the transfers, and its schedule.
      "data-platform-stg-bigquery-publish",
      "data-platform-stg-bigquery-publish-scheduler",
    ]);
  });
});
