import { expect } from "chai";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { find, ofType, runPlatform, statements } from "../../support/pulumi";

describe("ExportCatalog", () => {
  let resources: RecordedResource[];
  before(async () => {
    ({ resources } = await runPlatform("stg"));
  });

  it("creates the analysts' Glue database named after the environment, and a separate discovery database", () => {
    expect(ofType(resources, "aws:glue/catalogDatabase:CatalogDatabase").map((r) => r.inputs.name)).to.deep.equal([
      "data_platform_stg",
      "data_platform_stg_discovery",
    ]);
  });

  it("lets the crawler write only into the discovery database, never next to the stable tables", () => {
    const policy = statements(find(resources, "aws:iam/rolePolicy:RolePolicy", "catalog-crawler-role-policy").inputs.policy);
    const glue = policy.find((s) => s.Sid === "WriteOwnDatabase");
    expect(glue?.Resource).to.deep.equal([
      "arn:aws:glue:ap-northeast-1:123456789012:catalog",
      "arn:aws:glue:ap-northeast-1:123456789012:database/data_platform_stg_discovery",
      "arn:aws:glue:ap-northeast-1:123456789012:table/data_platform_stg_discovery/*",
    ]);
    // The database lookup is authorised on the catalog and the database only.
    expect(policy.find((s) => s.Sid === "FindOwnDatabase")).to.deep.include({
      Action: "glue:GetDatabase",
      Resource: ["arn:aws:glue:ap-northeast-1:123456789012:catalog", "arn:aws:glue:ap-northeast-1:123456789012:database/data_platform_stg_discovery"],
    });
  });

  it("points an on-demand crawler at the export prefix with the crawler role", () => {
    const crawler = find(resources, "aws:glue/crawler:Crawler").inputs;
    expect(crawler.s3Targets).to.deep.equal([{ path: "s3://data-platform-stg-exports-123456789012-ap-northeast-1/exports/" }]);
    expect(crawler.schedule).to.equal(undefined);
    expect(crawler.role).to.equal("arn:aws:iam::123456789012:role/data-platform-stg-glue-crawler");
    expect(crawler.databaseName).to.equal("data_platform_stg_discovery");
  });

  it("encrypts the crawler's logs with the CMK through a security configuration", () => {
    const sec = find(resources, "aws:glue/securityConfiguration:SecurityConfiguration").inputs;
    expect(sec.encryptionConfiguration.cloudwatchEncryption.cloudwatchEncryptionMode).to.equal("SSE-KMS");
    expect(sec.encryptionConfiguration.cloudwatchEncryption.kmsKeyArn).to.match(/^arn:aws:kms:/);
    expect(find(resources, "aws:glue/crawler:Crawler").inputs.securityConfiguration).to.equal(sec.name);
  });
});

describe("AthenaWorkgroup", () => {
  let resources: RecordedResource[];
  before(async () => {
    ({ resources } = await runPlatform("stg"));
  });

  it("enforces its configuration: SSE_KMS results with the CMK, the cutoff, CloudWatch metrics", () => {
    const wg = find(resources, "aws:athena/workgroup:Workgroup").inputs;
    expect(wg.name).to.equal("data-platform-stg-analytics");
    expect(wg.configuration).to.deep.include({
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: 10737418240,
    });
    expect(wg.configuration.resultConfiguration).to.deep.equal({
      outputLocation: "s3://data-platform-stg-athena-results-123456789012-ap-northeast-1/athena/",
      encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: "arn:aws:kms:ap-northeast-1:123456789012:key/mock-key-key" },
    });
  });

  it("saves a row-count query per configured table of the latest export", () => {
    const queries = ofType(resources, "aws:athena/namedQuery:NamedQuery").map((r) => r.inputs);
    expect(queries.map((q) => q.name)).to.include.members(["latest-export-tables", "row-count-shop_users", "row-count-shop_orders"]);
    const users = queries.find((q) => q.name === "row-count-shop_users");
    expect(users?.query).to.equal('SELECT count(*) AS row_count FROM "data_platform_stg"."shop_users"');
    expect(users?.workgroup).to.equal("data-platform-stg-analytics");
  });
});

describe("AlertTopic", () => {
  let resources: RecordedResource[];
  before(async () => {
    ({ resources } = await runPlatform("prod"));
  });

  it("encrypts the topic with the CMK", () => {
    expect(find(resources, "aws:sns/topic:Topic").inputs.kmsMasterKeyId).to.match(/^arn:aws:kms:/);
  });

  it("subscribes every configured address by e-mail", () => {
    expect(ofType(resources, "aws:sns/topicSubscription:TopicSubscription").map((r) => [r.inputs.protocol, r.inputs.endpoint])).to.deep.equal([
      ["email", "data-oncall@example.com"],
      ["email", "sre-pager@example.com"],
    ]);
  });

  it("lets only EventBridge and CloudWatch of this account publish, over TLS", () => {
    const [allow, deny] = statements(find(resources, "aws:sns/topicPolicy:TopicPolicy").inputs.policy);
    expect(allow.Principal.Service).to.have.members(["events.amazonaws.com", "cloudwatch.amazonaws.com"]);
    expect(allow.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
    expect(deny).to.deep.include({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
  });

  it("forwards AWS Health events for RDS, S3, Lambda and Glue, and crawler failures, to the topic", () => {
    const rules = ofType(resources, "aws:cloudwatch/eventRule:EventRule");
    const pattern = (name: string) => JSON.parse(rules.find((r) => r.name === name)!.inputs.eventPattern);
    expect(pattern("alerts-aws-health")).to.deep.equal({
      source: ["aws.health"],
      "detail-type": ["AWS Health Event"],
      detail: { service: ["RDS", "S3", "LAMBDA", "GLUE"] },
    });
    expect(pattern("alerts-crawler-failed").detail).to.deep.equal({ crawlerName: ["data-platform-prod-export-crawler"], state: ["Failed"] });
    const topicArn = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-prod-alerts";
    const alertTargets = ofType(resources, "aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.name.startsWith("alerts-"));
    expect(alertTargets).to.have.length(2);
    for (const t of alertTargets) expect(t.inputs.arn).to.equal(topicArn);
  });
});
