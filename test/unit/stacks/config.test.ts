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

  it("reports a bad time zone by its key path in a stack with BigQuery, instead of throwing", () => {
    expect(problemsOf(stackConfig("stg", { "data-platform:exportSchedule": { cron: "0 0 * * ? *", timezone: "Asia/Tokio" } }))).to.deep.equal([
      'data-platform:exportSchedule.timezone: must be an IANA time zone such as Asia/Tokyo; got the string "Asia/Tokio"',
    ]);
  });

  it("says what was expected and what was given, never a secret's value", () => {
    const raw = stackConfig("stg", {
      "data-platform:exportRetentionDays": "14 days",
      "data-platform:databases": "shop",
      "data-platform:snapshotType": "clustr",
      "data-platform:alertEmails": "hunter2-secret",
    });
    expect(problemsOf(raw)).to.include.members([
      'data-platform:exportRetentionDays: expected a number, got the string "14 days"',
      'data-platform:databases: expected a list, got the string "shop"',
      'data-platform:snapshotType: expected one of "cluster", "instance", got the string "clustr"',
    ]);
    let message = "";
    try {
      parseConfig(raw, { secretKeys: ["data-platform:alertEmails"] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.contain("data-platform:alertEmails: expected a list, got a secret value").and.not.contain("hunter2");
  });

  it("names a misspelled namespace and key with a suggestion, instead of ignoring them", () => {
    const qa = JSON.parse(stackConfig("stg")["data-platform:qa"]) as Record<string, unknown>;
    expect(problemsOf(stackConfig("stg", { "data-platfrom:exportOnly": ["shop.users"], "data-platform:qa": { ...qa, maxTTL: "3d" } }))).to.deep.equal([
      'data-platfrom:exportOnly: unknown namespace "data-platfrom"; did you mean "data-platform"?',
      'data-platform:qa.maxTTL: unknown key; did you mean "maxTtl"?',
    ]);
    expect(problemsOf(stackConfig("stg", { "data-platform:qa": { ...qa, connect: { via: "bastoin" } } }))).to.deep.equal([
      'data-platform:qa.connect.via: expected one of "bastion", "ssm", got the string "bastoin"',
    ]);
  });

  it("checks the masking rules files the config names before any resource: missing or invalid is a config error", () => {
    const qa = JSON.parse(stackConfig("stg")["data-platform:qa"]) as Record<string, unknown>;
    const problems = problemsOf(stackConfig("stg", { "data-platform:qa": { ...qa, maskingRules: "sql/nope.yaml" } }));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^data-platform:qa\.maskingRules: rules file not found: \/.*sql\/nope\.yaml$/);
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
      "data-platform:sourceClusterIdentifier: is required (a string)",
      "data-platform:alertEmails: is required (a list)",
      "aws:region: is required (a string)",
    ]);
  });

  it("rejects unknown keys in the project namespace, so a typo is not silently ignored", () => {
    expect(problemsOf(stackConfig("stg", { "data-platform:exportRetentionDay": 3 }))).to.deep.equal([
      'data-platform:exportRetentionDay: unknown key; did you mean "exportRetentionDays"?',
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
        "data-platform:qa.maxClonesPerSource: must be at most 15 (Aurora's copy-on-write clone limit per source); got the number 16",
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

  describe("github block (delivery)", () => {
    const github = {
      repository: "example-org/data-platform",
      stateBucket: "example-org-pulumi-state",
      statePrefix: "data-platform/prod",
      stateRegion: "ap-northeast-1",
      stateKeyArn: "arn:aws:kms:ap-northeast-1:123456789012:key/0b7c4a55-3f0e-4a8e-9d51-6f1f2c9e7a10",
    };

    it("defaults the deploy environment to the stack's and, in production, previews only in <env>-preview", () => {
      const cfg = parseConfig(stackConfig("prod", { "data-platform:github": github }));
      expect(cfg.github).to.deep.equal({ ...github, createOidcProvider: true, deployEnvironment: "prod", previewEnvironment: "prod-preview" });
    });

    it("lets any pull-request job preview a non-production stack unless a preview environment is named", () => {
      const stg = { ...github, statePrefix: "data-platform/stg" };
      expect(parseConfig(stackConfig("stg", { "data-platform:github": stg })).github?.previewEnvironment).to.equal(undefined);
      expect(parseConfig(stackConfig("stg", { "data-platform:github": { ...stg, previewEnvironment: "stg-preview" } })).github?.previewEnvironment).to.equal("stg-preview");
    });

    it("keeps an explicit deploy environment and provider choice", () => {
      const cfg = parseConfig(stackConfig("stg", { "data-platform:github": { ...github, deployEnvironment: "staging", createOidcProvider: false } }));
      expect(cfg.github).to.include({ deployEnvironment: "staging", createOidcProvider: false });
    });

    it("is optional: without it no delivery roles are configured, and the key's administrators are named instead", () => {
      const admins = { "data-platform:keyAdministratorArns": ["arn:aws:iam::123456789012:role/platform-admins"] };
      expect(parseConfig(stackConfig("stg", { "data-platform:github": undefined, ...admins })).github).to.equal(undefined);
    });

    it("refuses a stack without a github block that names no key administrator: nobody could run pulumi up on the key", () => {
      expect(problemsOf(stackConfig("stg", { "data-platform:github": undefined }))).to.deep.equal([
        "data-platform:keyAdministratorArns: name at least one key administrator (the role or user that runs pulumi up): without a github block no deploy role is one",
      ]);
    });

    it("requires the stack's own state folder, region and key", () => {
      const rest = Object.fromEntries(Object.entries(github).filter(([k]) => !["statePrefix", "stateRegion", "stateKeyArn"].includes(k)));
      expect(problemsOf(stackConfig("stg", { "data-platform:github": rest }))).to.have.members([
        "data-platform:github.statePrefix: is required (a string)",
        "data-platform:github.stateRegion: is required (a string)",
        "data-platform:github.stateKeyArn: is required (a string)",
      ]);
    });

    it("rejects a bad repository, state bucket, folder, region, key ARN and unknown keys, each with its key path", () => {
      const problems = problemsOf(
        stackConfig("stg", {
          "data-platform:github": {
            repository: "no-slash",
            stateBucket: "Bad_Bucket",
            statePrefix: "/stg/.pulumi",
            stateRegion: "tokyo",
            stateKeyArn: "alias/pulumi",
            deployEnviroment: "prod",
          },
        }),
      );
      expect(problems).to.have.members([
        'data-platform:github.repository: must be "owner/repo"; got the string "no-slash"',
        'data-platform:github.stateBucket: must be an S3 bucket name; got the string "Bad_Bucket"',
        'data-platform:github.statePrefix: must be a path such as "data-platform/stg" (lower case, no leading or trailing "/"); got the string "/stg/.pulumi"',
        'data-platform:github.stateRegion: must be an AWS region such as ap-northeast-1; got the string "tokyo"',
        'data-platform:github.stateKeyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); got the string "alias/pulumi"',
        'data-platform:github.deployEnviroment: unknown key; did you mean "deployEnvironment"?',
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

  describe("golden block and export source", () => {
    const prodGolden = () => JSON.parse(stackConfig("prod")["data-platform:golden"]) as Record<string, unknown>;

    it("derives the refresh schedule leadHours before the export, in the export's time zone", () => {
      const cfg = parseConfig(stackConfig("prod"));
      expect(cfg.golden?.schedule).to.deep.equal({ cron: "0 21 * * ? *", timezone: "Asia/Tokyo" });
      const later = parseConfig(stackConfig("prod", { "data-platform:exportSchedule": { cron: "30 6 * * ? *", timezone: "UTC" }, "data-platform:golden": { ...prodGolden(), leadHours: 4 } }));
      expect(later.golden?.schedule).to.deep.equal({ cron: "30 2 * * ? *", timezone: "UTC" });
    });

    it("fills in defaults: one db.r6g.large, 3 days of retention, sql/masking.yaml, a 600 s slice in a 900 s Lambda", () => {
      const network = { vpcId: "vpc-0a1b2c3d4e5f60718", subnetIds: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"] };
      const cfg = parseConfig(stackConfig("stg", { "data-platform:golden": { network } }));
      expect(cfg.golden).to.deep.include({ enabled: true, leadHours: 3, instanceClass: "db.r6g.large", retentionDays: 3, maskingRules: "sql/masking.yaml", staleAfterHours: 30 });
      expect(cfg.golden?.mask).to.deep.equal({ timeoutSeconds: 900, budgetSeconds: 600, memoryMb: 1024, maxSlices: 200 });
    });

    it("exports the masked golden by default in prod and the raw snapshot by default elsewhere", () => {
      expect(parseConfig(stackConfig("prod", { "data-platform:exportSource": undefined })).exportSource).to.equal("masked");
      expect(parseConfig(stackConfig("stg")).exportSource).to.equal("raw");
      expect(parseConfig(stackConfig("stg", { "data-platform:exportSource": "masked" })).exportSource).to.equal("masked");
      const noGolden = parseConfig(stackConfig("prod", { "data-platform:golden": undefined, "data-platform:exportSource": undefined }));
      expect(noGolden.exportSource).to.equal("raw");
      expect(noGolden.golden).to.equal(undefined);
    });

    it("keeps goldens at least as long as a QA clone may live, since qa extend re-reads the clone's source", () => {
      const golden = JSON.parse(stackConfig("stg")["data-platform:golden"]);
      expect(problemsOf(stackConfig("stg", { "data-platform:golden": { ...golden, retentionDays: 2 } }))).to.deep.equal([
        "data-platform:golden.retentionDays: must be at least 3 (qa.maxTtl): a clone's golden must exist as long as the clone can be extended",
      ]);
    });

    it("treats a disabled golden as absent", () => {
      const cfg = parseConfig(stackConfig("stg", { "data-platform:golden": { enabled: false } }));
      expect(cfg.golden).to.equal(undefined);
    });

    it("refuses a masked export without an enabled golden", () => {
      expect(problemsOf(stackConfig("prod", { "data-platform:golden": undefined }))).to.deep.equal([
        'data-platform:exportSource: is "masked", which needs data-platform:golden with enabled: true (the masked export comes from the golden)',
      ]);
      expect(problemsOf(stackConfig("prod", { "data-platform:golden": { ...prodGolden(), enabled: false } }))[0]).to.match(/^data-platform:exportSource: /);
    });

    it("needs an explicit schedule when the export cron is not a fixed daily time, and a schedule that matches leadHours", () => {
      const weekly = problemsOf(stackConfig("prod", { "data-platform:exportSchedule": { cron: "0 0 ? * MON *", timezone: "Asia/Tokyo" } }));
      expect(weekly).to.deep.equal([
        'data-platform:golden.schedule: is required: the export cron "0 0 ? * MON *" has no fixed time that leadHours can precede on the same days, so no default can be derived from it',
      ]);
      const weekdays = parseConfig(stackConfig("prod", { "data-platform:exportSchedule": { cron: "30 6 ? * MON-FRI *", timezone: "Asia/Tokyo" } }));
      expect(weekdays.golden?.schedule.cron).to.equal("30 3 ? * MON-FRI *");
      const off = problemsOf(stackConfig("prod", { "data-platform:golden": { ...prodGolden(), schedule: { cron: "0 20 * * ? *" } } }));
      expect(off).to.deep.equal([
        'data-platform:golden.schedule.cron: runs 0 20 * * ? *, but leadHours (3) before the export (0 0 * * ? *) is "0 21 * * ? *"; set leadHours to the real gap',
      ]);
      const explicit = parseConfig(stackConfig("prod", { "data-platform:golden": { ...prodGolden(), schedule: { cron: "0 21 * * ? *" } } }));
      expect(explicit.golden?.schedule).to.deep.equal({ cron: "0 21 * * ? *", timezone: "Asia/Tokyo" });
    });

    it("reports every golden problem with its key path", () => {
      const problems = problemsOf(
        stackConfig("stg", {
          "data-platform:golden": {
            instanceClass: "r6g.large",
            retentionDays: 0,
            leadHours: 13,
            network: { vpcId: "vpc-x", subnetIds: ["subnet-0a1b2c3d4e5f60711"], extra: 1 },
            mask: { timeoutSeconds: 600, budgetSeconds: 580 },
            staleAfterHours: 24,
          },
          "data-platform:exportSource": "both",
        }),
      );
      expect(problems.map((p) => p.split(": ")[0])).to.have.members([
        "data-platform:golden.instanceClass",
        "data-platform:golden.retentionDays",
        "data-platform:golden.leadHours",
        "data-platform:golden.network.vpcId",
        "data-platform:golden.network.subnetIds",
        "data-platform:golden.network.extra",
        "data-platform:golden.mask.budgetSeconds",
        "data-platform:golden.staleAfterHours",
        "data-platform:exportSource",
      ]);
      expect(problemsOf(stackConfig("stg", { "data-platform:golden": { enabled: true } }))).to.deep.equal([
        "data-platform:golden.network: is required when the golden is enabled",
      ]);
    });
  });
});
