import { expect } from "chai";
import { QA_REAPER_SCHEDULE, qaReaperEnvironment, qaReaperStatements } from "../../../infra/qa/reaperPolicy";
import { policyDocument } from "../../../infra/security/policy";
import { promiseOf } from "../../support/pulumi";

describe("QA reaper IAM statements (infra/qa/reaperPolicy.ts)", () => {
  let statements: Array<Record<string, any>>;
  before(async () => {
    const doc = policyDocument(
      qaReaperStatements({
        partition: "aws",
        region: "ap-northeast-1",
        accountId: "123456789012",
        environment: "stg",
      }),
    );
    statements = JSON.parse(await promiseOf(doc)).Statement;
  });

  it("deletes only instances and clusters named data-platform-<env>-qa-* and tagged purpose=qa", () => {
    const deletes = statements.filter((s) => String(s.Action).startsWith("rds:Delete"));
    expect(deletes).to.deep.equal([
      {
        Sid: "DeleteQaCloneInstances",
        Effect: "Allow",
        Action: "rds:DeleteDBInstance",
        Resource: "arn:aws:rds:ap-northeast-1:123456789012:db:data-platform-stg-qa-*",
        Condition: { StringEquals: { "aws:ResourceTag/purpose": "qa" } },
      },
      {
        Sid: "DeleteQaClones",
        Effect: "Allow",
        Action: "rds:DeleteDBCluster",
        Resource: "arn:aws:rds:ap-northeast-1:123456789012:cluster:data-platform-stg-qa-*",
        Condition: { StringEquals: { "aws:ResourceTag/purpose": "qa" } },
      },
    ]);
  });

  it("grants nothing on Resource * and no action wildcards", () => {
    for (const s of statements) {
      expect(s.Resource, s.Sid).to.not.equal("*");
      expect(s.Effect).to.equal("Allow");
    }
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).to.have.members(["rds:DescribeDBClusters", "rds:DescribeDBInstances", "rds:DeleteDBInstance", "rds:DeleteDBCluster"]);
    expect(statements.find((s) => s.Sid === "FindClones")?.Resource).to.equal("arn:aws:rds:ap-northeast-1:123456789012:cluster:*");
  });

  it("runs hourly with the grace period from config in minutes", () => {
    expect(QA_REAPER_SCHEDULE).to.equal("rate(1 hour)");
    expect(qaReaperEnvironment({ alertTopicArn: "arn:t", environment: "stg", gracePeriodMs: 2 * 3_600_000 })).to.deep.equal({
      ALERT_TOPIC_ARN: "arn:t",
      ENVIRONMENT: "stg",
      GRACE_PERIOD_MINUTES: "120",
      INSTANCE_DELETE_WAIT_SECONDS: "600",
    });
  });
});
