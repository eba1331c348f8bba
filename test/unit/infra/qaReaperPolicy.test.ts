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
      {
        Sid: "DeleteGoneCloneSubnetGroups",
        Effect: "Allow",
        Action: "rds:DeleteDBSubnetGroup",
        Resource: "arn:aws:rds:ap-northeast-1:123456789012:subgrp:data-platform-stg-qa-*",
        Condition: { StringEquals: { "aws:ResourceTag/purpose": "qa" } },
      },
    ]);
  });

  it("deletes only security groups tagged purpose=qa and this environment", () => {
    expect(statements.filter((s) => String(s.Action).startsWith("ec2:Delete"))).to.deep.equal([
      {
        Sid: "DeleteGoneCloneSecurityGroups",
        Effect: "Allow",
        Action: "ec2:DeleteSecurityGroup",
        Resource: "arn:aws:ec2:ap-northeast-1:123456789012:security-group/*",
        Condition: { StringEquals: { "aws:ResourceTag/purpose": "qa", "aws:ResourceTag/environment": "stg" } },
      },
    ]);
  });

  it("grants Resource * only for DescribeSecurityGroups (no resource type in the catalogue), and no action wildcards", () => {
    for (const s of statements) {
      if (s.Action !== "ec2:DescribeSecurityGroups") expect(s.Resource, s.Sid).to.not.equal("*");
      expect(s.Effect).to.equal("Allow");
    }
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).to.have.members([
      "rds:DescribeDBClusters",
      "rds:DescribeDBInstances",
      "rds:DeleteDBInstance",
      "rds:DeleteDBCluster",
      "rds:DescribeDBSubnetGroups",
      "rds:ListTagsForResource",
      "rds:DeleteDBSubnetGroup",
      "ec2:DescribeSecurityGroups",
      "ec2:DeleteSecurityGroup",
    ]);
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
