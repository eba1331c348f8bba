import { expect } from "chai";
import type { MockRun, RecordedResource } from "../../../automation/plan/mockRuntime";
import { expectAllParented, find, runPlatform, stackConfig } from "../../support/pulumi";

describe("platform program", () => {
  let stg: MockRun<Record<string, unknown>>;
  let prod: MockRun<Record<string, unknown>>;
  before(async () => {
    stg = (await runPlatform("stg")) as MockRun<Record<string, unknown>>;
    prod = (await runPlatform("prod")) as MockRun<Record<string, unknown>>;
  });
  const protectedTypes = (rs: RecordedResource[]) => [...new Set(rs.filter((r) => r.custom && r.protect).map((r) => r.type))].sort();

  it("parents every resource under a platform component", () => {
    expectAllParented(stg.resources);
    expectAllParented(prod.resources);
  });

  it("manages every AWS resource through one explicit provider whose default tags are the standard tags", () => {
    for (const [run, env] of [[stg, "stg"], [prod, "prod"]] as const) {
      const providers = run.resources.filter((r) => r.type === "pulumi:providers:aws");
      expect(providers.map((p) => p.name)).to.deep.equal(["aws"]);
      expect(JSON.parse(providers[0].inputs.defaultTags)).to.deep.equal({ tags: { project: "data-platform", environment: env, "managed-by": "pulumi" } });
      const elsewhere = run.resources.filter((r) => r.custom && r.type.startsWith("aws:") && r.provider !== providers[0].urn);
      expect(elsewhere.map((r) => `${r.type} ${r.name}`)).to.deep.equal([]);
    }
  });

  it("uses platform:<domain>:<Class> type tokens for its components", () => {
    for (const r of stg.resources.filter((x) => !x.custom)) expect(r.type).to.match(/^platform:[a-z]+:[A-Z][A-Za-z]+$/);
  });

  describe("prod differs from stg", () => {
    it("protects the key, the export bucket and the Glue database in prod only", () => {
      expect(protectedTypes(stg.resources)).to.deep.equal([]);
      const prodProtected = protectedTypes(prod.resources);
      expect(prodProtected).to.include.members(["aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:glue/catalogDatabase:CatalogDatabase"]);
      const results = find(prod.resources, "aws:s3/bucket:Bucket", "query-results");
      expect(results.protect, "query results are not data-bearing").to.equal(false);
    });

    it("lets destroy empty buckets in stg but never in prod", () => {
      expect(find(stg.resources, "aws:s3/bucket:Bucket", "exports").inputs.forceDestroy).to.equal(true);
      expect(find(prod.resources, "aws:s3/bucket:Bucket", "exports").inputs.forceDestroy).to.equal(false);
      expect(find(prod.resources, "aws:athena/workgroup:Workgroup").inputs.forceDestroy).to.equal(false);
    });

    it("keeps prod exports for 90 days and stg exports for 14", () => {
      const days = (run: MockRun<unknown>) =>
        find(run.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "exports-lifecycle").inputs.rules[0].expiration.days;
      expect(days(stg)).to.equal(14);
      expect(days(prod)).to.equal(90);
    });

    it("waits 30 days before deleting the prod key and 7 for stg", () => {
      expect(find(prod.resources, "aws:kms/key:Key").inputs.deletionWindowInDays).to.equal(30);
      expect(find(stg.resources, "aws:kms/key:Key").inputs.deletionWindowInDays).to.equal(7);
    });
  });

  it("exports bucket names, key ARN, workgroup, Glue database and topic ARN", async () => {
    const { resolveOutputs } = await import("../../../automation/plan/mockRuntime");
    const outputs = await resolveOutputs(stg.result);
    expect(outputs).to.include({
      exportsBucketName: "data-platform-stg-exports-123456789012-ap-northeast-1",
      queryResultsBucketName: "data-platform-stg-athena-results-123456789012-ap-northeast-1",
      athenaWorkgroup: "data-platform-stg-analytics",
      glueDatabase: "data_platform_stg",
      alertTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts",
    });
    expect(outputs.kmsKeyArn).to.match(/^arn:aws:kms:/);
  });

  it("loads into BigQuery in stg only: stg's file has a bigquery block, prod's has none", async () => {
    const { resolveOutputs } = await import("../../../automation/plan/mockRuntime");
    expect(await resolveOutputs(stg.result)).to.include({
      bigQueryDataset: "shop-analytics-stg:shop_stg",
      bigQueryTransfers: 4,
      bigQueryTransferUser: "data-platform-stg-bigquery-transfer",
    });
    expect(prod.resources.filter((r) => r.type.includes("gcp"))).to.deep.equal([]);
  });

  it("throws the config error before registering any resource", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const { ConfigError } = await import("../../../stacks/config");
    const registered: string[] = [];
    await pulumi.runtime.setMocks({
      newResource: (a) => {
        registered.push(a.type);
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call: (a) => a.inputs,
    });
    pulumi.runtime.setAllConfig(stackConfig("stg", { "data-platform:alertEmails": [] }));
    const { default: platform } = await import("../../../stacks/platform");
    expect(() => platform()).to.throw(ConfigError, /data-platform:alertEmails: must list at least one address/);
    await new Promise((resolve) => setTimeout(resolve, 100)); // registrations are asynchronous; let any in flight land
    expect(registered).to.deep.equal([]);
  });
});
