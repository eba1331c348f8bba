import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { anyResourceOnlyFor } from "../../policy/wildcardActions";
import { ServiceRole } from "../security/serviceRole";

/** Actions the channel role needs to render alarm notifications (charts), all read-only. */
export const CHATBOT_ALARM_READ_ACTIONS = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricWidgetImage"] as const;

/** The alert topic delivered to one Slack channel through AWS Chatbot. */
export interface SlackChannelArgs {
  /** Chatbot configuration name (unique in the account). */
  readonly configurationName: string;
  /** Physical name of the channel role that Chatbot assumes. */
  readonly roleName: string;
  readonly workspaceId: string;
  readonly channelId: string;
  readonly topicArns: readonly pulumi.Input<string>[];
  /** ARNs of the channel's guardrail policies; at least one (Chatbot applies AdministratorAccess without). */
  readonly guardrailPolicyArns: readonly pulumi.Input<string>[];
  /** Alarm ARN pattern whose alarms the channel may describe, e.g. `arn:aws:cloudwatch:<region>:<account>:alarm:data-platform-stg-*`. */
  readonly alarmArnPattern: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** Default ERROR. */
  readonly loggingLevel?: "ERROR" | "INFO" | "NONE";
  /** Default false. */
  readonly userAuthorizationRequired?: boolean;
}

/** An AWS Chatbot Slack channel configuration subscribed to the alert topic, with a read-only channel role. */
export class SlackChannel extends pulumi.ComponentResource {
  readonly channel: aws.chatbot.SlackChannelConfiguration;
  readonly role: ServiceRole;

  constructor(name: string, args: SlackChannelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:alerts:SlackChannel", name, {}, opts);
    if (args.guardrailPolicyArns.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "guardrailPolicyArns", reason: "name at least one read-only policy: without guardrails Chatbot applies AdministratorAccess" });
    }
    if (args.topicArns.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "topicArns", reason: "a channel without a topic receives nothing" });
    }
    this.role = new ServiceRole(
      `${name}-role`,
      {
        roleName: args.roleName,
        service: "chatbot.amazonaws.com",
        accountId: args.accountId,
        // The AWS Chatbot guide's channel-role trust policy names the service only and documents no
        // aws:SourceAccount on AssumeRole (https://docs.aws.amazon.com/chatbot/latest/adminguide/understanding-permissions.html);
        // a condition on a key the service does not send would deny it. The role can only read alarms and metrics.
        sourceAccountCondition: false,
        description: "AWS Chatbot channel role: reads this stack's alarms and metrics to render notifications",
        statements: [
          { Sid: "DescribeThisStacksAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: args.alarmArnPattern },
          // Metric data and widget images have no resource type: "*" is the only value AWS accepts.
          { Sid: "ReadMetricsForCharts", Effect: "Allow", Action: [...CHATBOT_ALARM_READ_ACTIONS], Resource: anyResourceOnlyFor(CHATBOT_ALARM_READ_ACTIONS) },
        ],
      },
      { parent: this },
    );
    this.channel = new aws.chatbot.SlackChannelConfiguration(
      name,
      {
        configurationName: args.configurationName,
        iamRoleArn: this.role.arn,
        slackTeamId: args.workspaceId,
        slackChannelId: args.channelId,
        snsTopicArns: [...args.topicArns],
        guardrailPolicyArns: [...args.guardrailPolicyArns],
        loggingLevel: args.loggingLevel ?? "ERROR",
        userAuthorizationRequired: args.userAuthorizationRequired ?? false,
      },
      { parent: this },
    );
    this.registerOutputs({ configurationName: this.channel.configurationName });
  }
}
