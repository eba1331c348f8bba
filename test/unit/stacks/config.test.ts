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

  it("accepts the reserved qa block", () => {
    const cfg = parseConfig(stackConfig("stg", { "data-platform:qa": { maxTtlHours: 72 } }));
    expect(cfg.qa).to.deep.equal({ maxTtlHours: 72 });
  });

  it("derives production protection from the environment name, and lets config override it", () => {
    expect(parseConfig(stackConfig("prod")).protection).to.deep.equal({ protect: true, forceDestroy: false, keyDeletionWindowDays: 30 });
    expect(parseConfig(stackConfig("stg")).protection).to.deep.equal({ protect: false, forceDestroy: true, keyDeletionWindowDays: 7 });
    expect(parseConfig(stackConfig("stg", { "data-platform:protectData": true })).protection.protect).to.equal(true);
  });
});
