import { expect } from "chai";
import type { MockRun, RecordedResource } from "../../../automation/plan/mockRuntime";
import { budgetNotifiesAndIsScoped, servicePrincipalsConditioned } from "../../../policy/analyticsRules";
import type { PolicyResourceView } from "../../../policy/rules";
import { parseConfig } from "../../../stacks/config";
import { configProblems } from "../../support/config";
import { find, ofType, runPlatform, stackConfig, statements } from "../../support/pulumi";

const BUDGET = "aws:budgets/budget:Budget";
const TOPIC_ARN = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts";

const budgetOf = (run: MockRun<unknown>) => find(run.resources, BUDGET).inputs;
const topicPolicy = (run: MockRun<unknown>) => statements(find(run.resources, "aws:sns/topicPolicy:TopicPolicy").inputs.policy);
const keyPolicy = (run: MockRun<unknown>) => statements(find(run.resources, "aws:kms/key:Key").inputs.policy);
const view = (r: RecordedResource): PolicyResourceView => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs });

const problemsOf = (value: unknown) => configProblems("stg", { "data-platform:budget": value });

describe("cost budget (config budget)", function () {
  // Whole platforms under mocks: slow on a loaded machine.
  this.timeout(300_000);
  describe("enabled (stg)", () => {
    let run: MockRun<unknown>;
    before(async () => {
      run = await runPlatform("stg");
    });

    it("builds one monthly COST budget in USD with the configured limit", () => {
      expect(budgetOf(run)).to.include({ name: "data-platform-stg-monthly", budgetType: "COST", timeUnit: "MONTHLY", limitAmount: "35.00", limitUnit: "USD" });
    });

    it("counts only resources tagged with the stack's project AND environment", () => {
      expect(budgetOf(run).filterExpression).to.deep.equal({
        ands: [
          { tags: { key: "project", values: ["data-platform"], matchOptions: ["EQUALS"] } },
          { tags: { key: "environment", values: ["stg"], matchOptions: ["EQUALS"] } },
        ],
      });
    });

    it("alerts the alert topic at each actual and forecast threshold", () => {
      const n = (budgetOf(run).notifications as Record<string, any>[]).map((x) => `${x.notificationType} ${x.comparisonOperator} ${x.threshold} ${x.thresholdType} ${x.subscriberSnsTopicArns}`);
      expect(n).to.deep.equal([
        `ACTUAL GREATER_THAN 80 PERCENTAGE ${TOPIC_ARN}`,
        `ACTUAL GREATER_THAN 100 PERCENTAGE ${TOPIC_ARN}`,
        `FORECASTED GREATER_THAN 100 PERCENTAGE ${TOPIC_ARN}`,
      ]);
    });

    it("lets Budgets publish to the topic only for this account's budgets", () => {
      const s = topicPolicy(run).find((x) => x.Principal?.Service === "budgets.amazonaws.com");
      expect(s).to.deep.include({ Effect: "Allow", Action: "sns:Publish", Resource: TOPIC_ARN });
      expect(s?.Condition).to.deep.equal({
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:budgets::123456789012:*" },
      });
    });

    it("lets Budgets use the CMK only for data keys of the alert topic", () => {
      const s = keyPolicy(run).filter((x) => JSON.stringify(x.Principal).includes("budgets.amazonaws.com"));
      expect(s).to.have.length(1);
      expect(s[0].Sid).to.equal("ServicesPublishToEncryptedTopics");
      expect(s[0].Principal.Service).to.have.members(["events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com"]);
      expect(s[0].Action).to.have.members(["kms:GenerateDataKey", "kms:Decrypt"]);
      expect(s[0].Condition).to.deep.equal({ StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": [TOPIC_ARN] } });
    });

    it("passes its guardrails, and each guardrail fails a planted defect", () => {
      const budget = find(run.resources, BUDGET);
      expect(budgetNotifiesAndIsScoped.check(view(budget))).to.deep.equal([]);
      const silent = { ...view(budget), props: { ...budget.inputs, notifications: [], filterExpression: undefined } };
      expect(budgetNotifiesAndIsScoped.check(silent)).to.deep.equal([
        "no notifications: the budget alerts nobody",
        "no cost filter: the budget counts the whole account's cost",
      ]);
      const policy = find(run.resources, "aws:sns/topicPolicy:TopicPolicy");
      expect(servicePrincipalsConditioned.check(view(policy))).to.deep.equal([]);
      const loose = topicPolicy(run).map((x) => (x.Principal?.Service === "budgets.amazonaws.com" ? { ...x, Condition: undefined } : x));
      expect(servicePrincipalsConditioned.check({ ...view(policy), props: { policy: JSON.stringify({ Statement: loose }) } })).to.deep.equal([
        'policy statement "AwsBudgetsOfThisAccountPublish" allows budgets.amazonaws.com without a condition',
      ]);
    });
  });

  describe("absent (prod)", () => {
    let run: MockRun<unknown>;
    before(async () => {
      run = await runPlatform("prod");
    });

    it("builds no budget and never names Budgets in the topic or key policy", () => {
      expect(ofType(run.resources, BUDGET)).to.deep.equal([]);
      expect(JSON.stringify(topicPolicy(run))).to.not.contain("budgets");
      expect(JSON.stringify(keyPolicy(run))).to.not.contain("budgets");
    });
  });

  describe("config", () => {
    it("defaults to actual 80 % and 100 % and forecast 100 %", () => {
      const cfg = parseConfig(stackConfig("stg", { "data-platform:budget": { monthlyLimitUsd: 10 } }));
      expect(cfg.budget).to.deep.equal({ monthlyLimitUsd: 10, actualThresholdsPercent: [80, 100], forecastThresholdsPercent: [100] });
    });

    it("refuses a missing or non-positive limit, duplicate thresholds, no threshold and more than ten", () => {
      expect(problemsOf({})).to.deep.equal(["data-platform:budget.monthlyLimitUsd: is required (a number)"]);
      expect(problemsOf({ monthlyLimitUsd: 0 })[0]).to.match(/^data-platform:budget.monthlyLimitUsd: /);
      expect(problemsOf({ monthlyLimitUsd: 5, actualThresholdsPercent: [50, 50] })).to.deep.equal(["data-platform:budget.actualThresholdsPercent: lists a threshold twice"]);
      expect(problemsOf({ monthlyLimitUsd: 5, actualThresholdsPercent: [], forecastThresholdsPercent: [] })[0]).to.contain("list at least one threshold");
      const many = Array.from({ length: 11 }, (_, i) => (i + 1) * 10);
      expect(problemsOf({ monthlyLimitUsd: 5, actualThresholdsPercent: many, forecastThresholdsPercent: [] })[0]).to.contain("at most 10 thresholds");
      expect(problemsOf({ monthlyLimitUsd: 5, currency: "JPY" })).to.deep.equal(["data-platform:budget.currency: unknown key; known keys: monthlyLimitUsd, actualThresholdsPercent, forecastThresholdsPercent"]);
    });
  });
});
