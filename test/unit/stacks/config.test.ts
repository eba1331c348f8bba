import { expect } from "chai";
import { ConfigError, parseConfig } from "../../../stacks/config";
import { stackConfig } from "../../support/pulumi";

function problemsOf(raw: Record<string, string>): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  expect.fail("config was accepted");
}

describe("stack config schema", () => {
  it("accepts the stg and prod example files", () => {
    expect(parseConfig(stackConfig("stg")).environment).to.equal("stg");
    expect(parseConfig(stackConfig("prod")).environment).to.equal("prod");
  });

  it("defaults the export schedule to midnight Asia/Tokyo", () => {
    const cfg = parseConfig(stackConfig("stg", { "data-platform:exportSchedule": undefined }));
    expect(cfg.exportSchedule).to.deep.equal({ cron: "0 0 * * ? *", timezone: "Asia/Tokyo" });
  });

  it("lists every problem at once, each with its key path", () => {
    const problems = problemsOf(
      stackConfig("stg", {
        "data-platform:environment": "Staging!",
        "aws:region": "tokyo",
        "data-platform:exportSchedule": { cron: "0 0 * * *", timezone: "Mars/Base" },
        "data-platform:exportRetentionDays": 0,
        "data-platform:alertEmails": ["not-an-address"],
        "data-platform:athenaBytesScannedCutoff": 1024,
        "data-platform:databases": [],
      }),
    );
    const keys = problems.map((p) => p.split(": ")[0]);
    expect(keys).to.have.members([
      "data-platform:environment",
      "aws:region",
      "data-platform:exportSchedule.cron",
      "data-platform:exportSchedule.timezone",
      "data-platform:exportRetentionDays",
      "data-platform:alertEmails.0",
      "data-platform:athenaBytesScannedCutoff",
      "data-platform:databases",
    ]);
  });

  it("reports missing required keys as required", () => {
    const problems = problemsOf(
      stackConfig("stg", { "data-platform:sourceClusterIdentifier": undefined, "data-platform:alertEmails": undefined, "aws:region": undefined }),
    );
    expect(problems).to.include.members([
      "data-platform:sourceClusterIdentifier: is required",
      "data-platform:alertEmails: is required",
      "aws:region: is required",
    ]);
  });

  it("rejects unknown keys in the project namespace, so a typo is not silently ignored", () => {
    expect(problemsOf(stackConfig("stg", { "data-platform:exportRetentionDay": 3 }))).to.deep.equal([
      "data-platform:exportRetentionDay: unknown key",
    ]);
  });

  it("rejects query results kept longer than exports", () => {
    const problems = problemsOf(stackConfig("stg", { "data-platform:queryResultRetentionDays": 30, "data-platform:exportRetentionDays": 14 }));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^data-platform:queryResultRetentionDays: must not exceed exportRetentionDays/);
  });

  it("rejects an ExportOnly entry for a database that is not exported", () => {
    const problems = problemsOf(stackConfig("stg", { "data-platform:exportOnly": ["billing.invoices"] }));
    expect(problems).to.deep.equal(["data-platform:exportOnly: billing.invoices names database billing, which is not in databases"]);
  });

  it("rejects malformed cluster identifiers, database names and analyst ARNs", () => {
    const problems = problemsOf(
      stackConfig("stg", {
        "data-platform:sourceClusterIdentifier": "1-bad--id-",
        "data-platform:databases": ["shop; drop table x"],
        "data-platform:analystPrincipalArns": ["arn:aws:iam::123:role/x"],
      }),
    );
    expect(problems.map((p) => p.split(": ")[0])).to.have.members([
      "data-platform:sourceClusterIdentifier",
      "data-platform:databases.0",
      "data-platform:analystPrincipalArns.0",
    ]);
  });

  describe("qa block", () => {
    const base = {
      vpcId: "vpc-0a1b2c3d4e5f60718",
      subnetIds: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
      allowedCidrs: ["10.20.0.0/16"],
      connect: { via: "ssm", instanceId: "i-0a1b2c3d4e5f60744" },
    };
    const qa = (over: Record<string, unknown>) => stackConfig("stg", { "data-platform:qa": { ...base, ...over } });

    it("parses the stg example with durations in milliseconds and the platform cluster as the clone source", () => {
      const cfg = parseConfig(stackConfig("stg")).qa;
      expect(cfg).to.include({ enabled: true, defaultTtl: 4 * 3600_000, maxTtl: 72 * 3600_000, maxClonesPerSource: 5, reaperGracePeriod: 2 * 3600_000 });
      expect(cfg?.sourceClusterIdentifiers).to.deep.equal(["shop-stg-aurora"]);
      expect(cfg?.connect).to.deep.equal({ via: "ssm", instanceId: "i-0a1b2c3d4e5f60744" });
    });

    it("fills defaults: 4h default TTL, 72h maximum, 5 clones per source, db.r6g.large, sql/masking.yaml", () => {
      const cfg = parseConfig(qa({})).qa;
      expect(cfg).to.include({ defaultTtl: 4 * 3600_000, maxTtl: 72 * 3600_000, maxClonesPerSource: 5, instanceClass: "db.r6g.large", maskingRules: "sql/masking.yaml" });
      expect(parseConfig(qa({ connect: { via: "bastion", host: "bastion.example.com" } })).qa?.connect).to.deep.equal({
        via: "bastion",
        host: "bastion.example.com",
        user: "ec2-user",
      });
    });

    it("disables QA clones in prod, which needs no network settings", () => {
      expect(parseConfig(stackConfig("prod")).qa?.enabled).to.equal(false);
      expect(parseConfig(stackConfig("stg", { "data-platform:qa": undefined })).qa).to.equal(undefined);
    });

    it("never allows more clones per source than Aurora's 15", () => {
      expect(problemsOf(qa({ maxClonesPerSource: 16 }))).to.deep.equal([
        "data-platform:qa.maxClonesPerSource: must be at most 15 (Aurora's copy-on-write clone limit per source)",
      ]);
      expect(parseConfig(qa({ maxClonesPerSource: 15 })).qa?.maxClonesPerSource).to.equal(15);
    });

    it("requires network, connect path and at least one allowed peer when enabled", () => {
      const problems = problemsOf(stackConfig("stg", { "data-platform:qa": {} }));
      expect(problems).to.have.members([
        "data-platform:qa.vpcId: is required when QA clones are enabled",
        "data-platform:qa.subnetIds: is required when QA clones are enabled",
        "data-platform:qa.connect: is required when QA clones are enabled",
        "data-platform:qa.allowedCidrs: list at least one CIDR or security group (allowedSecurityGroupIds) that may connect",
      ]);
    });

    it("rejects bad durations, a default above the maximum, open CIDRs, bad ids and unknown keys, each with its path", () => {
      const keys = problemsOf(
        qa({
          defaultTtl: "5 hours",
          maxTtl: "0h",
          allowedCidrs: ["0.0.0.0/0", "10.0.0.0/33"],
          allowedSecurityGroupIds: ["default"],
          subnetIds: ["subnet-0a1b2c3d4e5f60711"],
          connect: { via: "ssm", instanceId: "bastion" },
          instanceClass: "large",
          ttl: "4h",
        }),
      ).map((p) => p.split(": ")[0]);
      expect(keys).to.have.members([
        "data-platform:qa.defaultTtl",
        "data-platform:qa.maxTtl",
        "data-platform:qa.allowedCidrs.0",
        "data-platform:qa.allowedCidrs.1",
        "data-platform:qa.allowedSecurityGroupIds.0",
        "data-platform:qa.subnetIds",
        "data-platform:qa.connect.instanceId",
        "data-platform:qa.instanceClass",
        "data-platform:qa.ttl",
      ]);
      expect(problemsOf(qa({ defaultTtl: "4d", maxTtl: "72h" }))).to.deep.equal(["data-platform:qa.defaultTtl: must not exceed maxTtl"]);
    });
  });

  describe("github block (delivery, issue #8)", () => {
    const github = { repository: "example-org/data-platform", stateBucket: "example-org-pulumi-state" };

    it("defaults the deploy environment to the stack's environment and creates the OIDC provider", () => {
      const cfg = parseConfig(stackConfig("prod", { "data-platform:github": github }));
      expect(cfg.github).to.deep.equal({ ...github, createOidcProvider: true, deployEnvironment: "prod" });
    });

    it("keeps an explicit deploy environment and provider choice", () => {
      const cfg = parseConfig(stackConfig("stg", { "data-platform:github": { ...github, deployEnvironment: "staging", createOidcProvider: false } }));
      expect(cfg.github).to.include({ deployEnvironment: "staging", createOidcProvider: false });
    });

    it("is optional: without it no delivery roles are configured", () => {
      expect(parseConfig(stackConfig("stg", { "data-platform:github": undefined })).github).to.equal(undefined);
    });

    it("rejects a bad repository, state bucket, key ARN and unknown keys, each with its key path", () => {
      const problems = problemsOf(
        stackConfig("stg", {
          "data-platform:github": { repository: "no-slash", stateBucket: "Bad_Bucket", stateKeyArn: "alias/pulumi", deployEnviroment: "prod" },
        }),
      );
      expect(problems).to.have.members([
        'data-platform:github.repository: must be "owner/repo"',
        "data-platform:github.stateBucket: must be an S3 bucket name",
        "data-platform:github.stateKeyArn: must be a KMS key ARN",
        "data-platform:github.deployEnviroment: unknown key",
      ]);
    });
  });

  it("derives production protection from the environment name, and lets config override it", () => {
    expect(parseConfig(stackConfig("prod")).protection).to.deep.equal({ protect: true, forceDestroy: false, keyDeletionWindowDays: 30 });
    expect(parseConfig(stackConfig("stg")).protection).to.deep.equal({ protect: false, forceDestroy: true, keyDeletionWindowDays: 7 });
    expect(parseConfig(stackConfig("stg", { "data-platform:protectData": true })).protection.protect).to.equal(true);
  });

  describe("export pipeline keys", () => {
    it("defaults to cluster snapshots, 30-day Lambda logs and a 30-hour dead-man's switch", () => {
      const cfg = parseConfig(stackConfig("stg", { "data-platform:snapshotType": undefined, "data-platform:lambdaLogRetentionDays": undefined, "data-platform:exportStaleAfterHours": undefined }));
      expect(cfg).to.include({ snapshotType: "cluster", lambdaLogRetentionDays: 30, exportStaleAfterHours: 30 });
    });

    it("accepts instance snapshots for a non-Aurora source", () => {
      expect(parseConfig(stackConfig("stg", { "data-platform:snapshotType": "instance" })).snapshotType).to.equal("instance");
    });

    it("rejects an unknown snapshot type, a retention CloudWatch does not offer and a switch of a day or less", () => {
      const problems = problemsOf(
        stackConfig("stg", {
          "data-platform:snapshotType": "aurora",
          "data-platform:lambdaLogRetentionDays": 31,
          "data-platform:exportStaleAfterHours": 24,
        }),
      );
      expect(problems.map((p) => p.split(": ")[0])).to.have.members([
        "data-platform:snapshotType",
        "data-platform:lambdaLogRetentionDays",
        "data-platform:exportStaleAfterHours",
      ]);
      expect(problems.find((p) => p.startsWith("data-platform:exportStaleAfterHours"))).to.match(/more than 24/);
    });
  });
});
