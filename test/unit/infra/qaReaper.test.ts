import { expect } from "chai";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { readStackConfig } from "../../../automation/stackFiles";
import { REPO_ROOT, find, ofType, runPlatform, statements } from "../../support/pulumi";

describe("QaReaper (the AWS-side TTL safety net, wired into the platform)", () => {
  let stg: RecordedResource[];
  before(async () => {
    ({ resources: stg } = await runPlatform("stg"));
  });

  it("runs the qa-reaper bundle hourly, reserving no concurrency, with the grace period from config", () => {
    const fn = find(stg, "aws:lambda/function:Function", "qa-reaper-function").inputs;
    expect(fn.name).to.equal("data-platform-stg-qa-reaper");
    expect(fn.reservedConcurrentExecutions).to.equal(undefined);
    expect(fn.timeout).to.equal(900);
    expect(fn.environment.variables).to.include({ ENVIRONMENT: "stg", GRACE_PERIOD_MINUTES: "120" });
    expect(fn.environment.variables.ALERT_TOPIC_ARN).to.equal("arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts");
    const schedule = find(stg, "aws:scheduler/schedule:Schedule", "qa-reaper-schedule").inputs;
    expect(schedule.scheduleExpression).to.equal("rate(1 hour)");
    expect(schedule.target.arn).to.equal("arn:aws:lambda:ap-northeast-1:123456789012:function:data-platform-stg-qa-reaper");
  });

  it("may delete only data-platform-stg-qa-* clusters, instances and subnet groups tagged purpose=qa", () => {
    const policy = statements(find(stg, "aws:iam/rolePolicy:RolePolicy", "qa-reaper-function-role-policy").inputs.policy);
    const deletes = policy.filter((s) => String(s.Action).startsWith("rds:Delete"));
    expect(deletes.map((s) => s.Resource)).to.deep.equal([
      "arn:aws:rds:ap-northeast-1:123456789012:db:data-platform-stg-qa-*",
      "arn:aws:rds:ap-northeast-1:123456789012:cluster:data-platform-stg-qa-*",
      "arn:aws:rds:ap-northeast-1:123456789012:subgrp:data-platform-stg-qa-*",
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

describe("reserved concurrency is optional", () => {
  it("reserves concurrency for the reaper and the golden's mask and export steps only when the config asks", async () => {
    const stg = readStackConfig("stg", REPO_ROOT).config;
    const prod = readStackConfig("prod", REPO_ROOT).config;
    const qa = { ...JSON.parse(stg["data-platform:qa"]), reaperReservedConcurrency: 2 };
    const golden = { ...JSON.parse(prod["data-platform:golden"]), reservedConcurrency: 1 };
    const { resources: reservedStg } = await runPlatform("stg", { "data-platform:qa": qa });
    const { resources: reservedProd } = await runPlatform("prod", { "data-platform:golden": golden });
    const { resources: plainProd } = await runPlatform("prod");
    const reserved = (rs: readonly RecordedResource[], name: string) => find(rs, "aws:lambda/function:Function", name).inputs.reservedConcurrentExecutions;
    expect(reserved(reservedStg, "qa-reaper-function")).to.equal(2);
    expect([reserved(reservedProd, "golden-mask"), reserved(reservedProd, "golden-export")]).to.deep.equal([1, 1]);
    // Nothing in the default stacks reserves any: accounts with a low Lambda concurrency quota reject a reservation.
    const anyReserved = [...plainProd, ...(await runPlatform("stg")).resources]
      .filter((r) => r.type === "aws:lambda/function:Function" && r.inputs.reservedConcurrentExecutions !== undefined)
      .map((r) => r.name);
    expect(anyReserved).to.deep.equal([]);
  });
});
