import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../security/policy";

/** An EventBridge pattern whose matches are sent to the alert topic. */
export interface ForwardedEvents {
  /** Short role name, used in the rule's resource and physical name. */
  readonly name: string;
  readonly description: string;
  /** EventBridge event pattern (a plain object; serialised here). */
  readonly pattern: pulumi.Input<Record<string, unknown>>;
}

/** An AWS service allowed to publish to the topic on behalf of this account. */
export interface ServicePublisher {
  /** Statement id. */
  readonly sid: string;
  /** Service principal, e.g. `budgets.amazonaws.com`. */
  readonly service: string;
  /** `aws:SourceArn` pattern the request must come from, e.g. `arn:aws:budgets::<account>:*`. */
  readonly sourceArnLike: pulumi.Input<string>;
}

/** The SNS topic every alarm, failure and AWS Health event of one environment goes to. */
export interface AlertTopicArgs {
  readonly topicName: string;
  /** CMK that encrypts messages at rest. Its key policy must let EventBridge and CloudWatch use it. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Addresses subscribed by e-mail (each must confirm once). */
  readonly emails: readonly string[];
  readonly accountId: pulumi.Input<string>;
  /**
   * AWS services (besides EventBridge and CloudWatch) that publish for this account, each only from its own source
   * ARNs (`aws:SourceArn`, confused-deputy protection), e.g. AWS Budgets. Default none.
   */
  readonly servicePublishers?: readonly ServicePublisher[];
  /** Event patterns forwarded to the topic, one EventBridge rule each. Default none. */
  readonly forwardedEvents?: readonly ForwardedEvents[];
}

/** KMS-encrypted SNS topic with e-mail subscriptions and EventBridge rules that feed it. */
export class AlertTopic extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly arn: pulumi.Output<string>;
  readonly rules: aws.cloudwatch.EventRule[];

  constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:alerts:AlertTopic", name, {}, opts);
    if (args.emails.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "emails", reason: "an alert topic needs at least one subscriber" });
    }
    this.topic = new aws.sns.Topic(name, { name: args.topicName, kmsMasterKeyId: args.kmsKeyArn }, { parent: this });
    this.arn = this.topic.arn;

    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: this.topic.arn,
        policy: policyDocument([
          {
            Sid: "AwsServicesOfThisAccountPublish",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
          },
          ...(args.servicePublishers ?? []).map((p) => ({
            Sid: p.sid,
            Effect: "Allow" as const,
            Principal: { Service: p.service },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { StringEquals: { "aws:SourceAccount": args.accountId }, ArnLike: { "aws:SourceArn": p.sourceArnLike } },
          })),
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]),
      },
      { parent: this },
    );

    args.emails.forEach(
      (endpoint, i) =>
        new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: this.topic.arn, protocol: "email", endpoint }, { parent: this }),
    );

    this.rules = (args.forwardedEvents ?? []).map((fwd) => {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${fwd.name}`,
        { name: `${args.topicName}-${fwd.name}`, description: fwd.description, eventPattern: pulumi.jsonStringify(fwd.pattern) },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-${fwd.name}-target`, { rule: rule.name, arn: this.topic.arn }, { parent: this });
      return rule;
    });
    this.registerOutputs({ arn: this.arn });
  }
}
