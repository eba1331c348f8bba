import { expect } from "chai";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { find, ofType, runPlatform, statements } from "../../support/pulumi";

describe("QaReaper (the AWS-side TTL safety net, wired into the platform)", () => {
  let stg: RecordedResource[];
  before(async () => {
    ({ resources: stg } = await runPlatform("stg"));
  });

  it("runs the qa-reaper bundle hourly, one sweep at a time, with the grace period from config", () => {
    const fn = find(stg, "aws:lambda/function:Function", "qa-reaper-function").inputs;
    expect(fn.name).to.equal("data-platform-stg-qa-reaper");
    expect(fn.reservedConcurrentExecutions).to.equal(1);
    expect(fn.timeout).to.equal(900);
    expect(fn.environment.variables).to.include({ ENVIRONMENT: "stg", GRACE_PERIOD_MINUTES: "120" });
    expect(fn.environment.variables.ALERT_TOPIC_ARN).to.equal("arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts");
    const schedule = find(stg, "aws:scheduler/schedule:Schedule", "qa-reaper-schedule").inputs;
    expect(schedule.scheduleExpression).to.equal("rate(1 hour)");
    expect(schedule.target.arn).to.equal("arn:aws:lambda:ap-northeast-1:123456789012:function:data-platform-stg-qa-reaper");
  });

  it("may delete only data-platform-stg-qa-* clusters and instances tagged purpose=qa", () => {
    const policy = statements(find(stg, "aws:iam/rolePolicy:RolePolicy", "qa-reaper-function-role-policy").inputs.policy);
    const deletes = policy.filter((s) => String(s.Action).startsWith("rds:Delete"));
    expect(deletes.map((s) => s.Resource)).to.deep.equal([
      "arn:aws:rds:ap-northeast-1:123456789012:db:data-platform-stg-qa-*",
      "arn:aws:rds:ap-northeast-1:123456789012:cluster:data-platform-stg-qa-*",
    ]);
    for (const s of deletes) expect(s.Condition).to.deep.equal({ StringEquals: { "aws:ResourceTag/purpose": "qa" } });
  });

  it("is named in the key policy so it can alert through the encrypted topic", () => {
    const keyPolicy = statements(find(stg, "aws:kms/key:Key").inputs.policy);
    const users = keyPolicy.find((s) => s.Sid === "PlatformRolesUseKey")?.Condition.ArnEquals["aws:PrincipalArn"];
    expect(users).to.include("arn:aws:iam::123456789012:role/data-platform-stg-qa-reaper");
  });

  it("is not built where QA clones are disabled (prod)", async () => {
    const { resources: prod } = await runPlatform("prod");
    expect(ofType(prod, "platform:qa:QaReaper")).to.deep.equal([]);
  });
});
