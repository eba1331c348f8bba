import { expect } from "chai";
import type { MockRun, RecordedResource } from "../../../automation/plan/mockRuntime";
import { chatChannelReadOnly } from "../../../policy/analyticsRules";
import { checkGuardrails } from "../../../automation/plan/guardrails";
import { parseConfig } from "../../../stacks/config";
import { configProblems } from "../../support/config";
import { find, ofType, runPlatform, stackConfig, statements } from "../../support/pulumi";

const SLACK = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration";
const TOPIC_ARN = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts";
const CHATBOT_ROLE = "arn:aws:iam::123456789012:role/data-platform-stg-chatbot";

const problemsOf = (value: unknown) => configProblems("stg", { "data-platform:slack": value });

const roleOf = (run: MockRun<unknown>, type: string) => run.resources.filter((r) => r.type === type && r.name.startsWith("slack-role"));

describe("Slack through AWS Chatbot (config slack)", function () {
  // Whole platforms under mocks: slow on a loaded machine.
  this.timeout(300_000);
  describe("enabled (stg)", () => {
    let run: MockRun<unknown>;
    let channel: RecordedResource;
    before(async () => {
      run = await runPlatform("stg");
      channel = find(run.resources, SLACK);
    });

    it("subscribes one channel of the configured workspace to the alert topic", () => {
      expect(channel.inputs).to.deep.include({
        configurationName: "data-platform-stg-alerts",
        slackTeamId: "T07EA123LEP",
        slackChannelId: "C07EZ1ABC23",
        snsTopicArns: [TOPIC_ARN],
        loggingLevel: "ERROR",
        iamRoleArn: CHATBOT_ROLE,
      });
    });

    it("names read-only guardrails, never leaving Chatbot's AdministratorAccess default", () => {
      expect(channel.inputs.guardrailPolicyArns).to.deep.equal(["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]);
      expect(checkGuardrails(run.resources).filter((v) => v.policy === "chat-channel-read-only")).to.deep.equal([]);
    });

    it("gives the channel role only reads of this stack's alarms and of metrics, and no use of the CMK", () => {
      const [policy] = roleOf(run, "aws:iam/rolePolicy:RolePolicy");
      const actions = statements(policy.inputs.policy).flatMap((s) => [].concat(s.Action));
      expect(actions).to.have.members(["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData", "cloudwatch:GetMetricWidgetImage"]);
      const describe = statements(policy.inputs.policy).find((s) => s.Action === "cloudwatch:DescribeAlarms");
      expect(describe?.Resource).to.equal("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:data-platform-stg-*");
      expect(statements(find(run.resources, "aws:kms/key:Key").inputs.policy).map((s) => JSON.stringify(s))).to.not.satisfy((l: string[]) => l.some((x) => x.includes("chatbot")));
      const [role] = roleOf(run, "aws:iam/role:Role");
      expect(statements(role.inputs.assumeRolePolicy)).to.deep.equal([{ Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    });

    it("fails the guardrail for a channel without guardrails or with a writable one", () => {
      const view = (guardrailPolicyArns: unknown) => ({ urn: channel.urn, type: SLACK, name: "slack", props: { ...channel.inputs, guardrailPolicyArns } });
      expect(chatChannelReadOnly.check(view(undefined))).to.deep.equal(["no guardrail policies: AWS Chatbot would apply AdministratorAccess"]);
      expect(chatChannelReadOnly.check(view(["arn:aws:iam::aws:policy/AdministratorAccess"]))).to.deep.equal([
        "guardrail arn:aws:iam::aws:policy/AdministratorAccess is not a read-only policy",
      ]);
      expect(chatChannelReadOnly.check(view(["arn:aws:iam::aws:policy/ReadOnlyAccess"]))).to.deep.equal([]);
    });
  });

  it("builds no channel and no Chatbot role when the block is absent (prod)", async () => {
    const run = await runPlatform("prod");
    expect(ofType(run.resources, SLACK)).to.deep.equal([]);
    expect(JSON.stringify(run.resources)).to.not.contain("chatbot");
  });

  describe("config", () => {
    it("defaults to CloudWatchReadOnlyAccess guardrails, ERROR logging and no per-user roles", () => {
      const cfg = parseConfig(stackConfig("stg", { "data-platform:slack": { workspaceId: "T07EA123LEP", channelId: "C07EZ1ABC23" } }));
      expect(cfg.slack).to.deep.equal({
        workspaceId: "T07EA123LEP",
        channelId: "C07EZ1ABC23",
        guardrailPolicies: ["CloudWatchReadOnlyAccess"],
        loggingLevel: "ERROR",
        userAuthorizationRequired: false,
      });
    });

    it("refuses non-read-only guardrails, an empty guardrail list and malformed ids", () => {
      expect(problemsOf({ workspaceId: "T07EA123LEP", channelId: "C07EZ1ABC23", guardrailPolicies: ["AdministratorAccess"] })[0]).to.match(
        /^data-platform:slack.guardrailPolicies.0: expected one of "CloudWatchReadOnlyAccess", "ReadOnlyAccess", got the string "AdministratorAccess"/,
      );
      expect(problemsOf({ workspaceId: "T07EA123LEP", channelId: "C07EZ1ABC23", guardrailPolicies: [] })[0]).to.contain("Chatbot applies AdministratorAccess");
      expect(problemsOf({ workspaceId: "#general", channelId: "general" }).map((p) => p.split(": ")[0])).to.deep.equal([
        "data-platform:slack.workspaceId",
        "data-platform:slack.channelId",
      ]);
    });
  });
});
