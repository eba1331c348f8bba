/**
 * Notices for people (not failures): one SNS message that reads well both by e-mail and in Slack through AWS
 * Chatbot. Chatbot shows only the message types it knows, and a plain-text publish is not one of them; it does show
 * a "custom notification", a JSON document with `version`, `source: "custom"` and `content`
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html). SNS's per-protocol message structure
 * (`MessageStructure: "json"`, https://docs.aws.amazon.com/sns/latest/dg/sns-send-custom-platform-specific-payloads-mobile-devices.html)
 * sends that document to HTTPS subscribers such as Chatbot (the `default` entry) and readable text to e-mail.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

/** What a notice says. Identifiers and figures only, never data. */
export interface Notice {
  /** One line; becomes the e-mail subject (after the `[data-platform <env>]` prefix) and the Slack title. */
  readonly title: string;
  /** A few lines of plain text (Slack renders them as markdown). */
  readonly description: string;
  /** Structured facts, listed in the e-mail and kept as the notification's metadata. */
  readonly facts: Readonly<Record<string, string | number>>;
  /** Words Slack shows as tags. */
  readonly keywords?: readonly string[];
}

/**
 * SNS takes subjects of printable ASCII "less than 100 characters long" (Publish API reference, Subject), so a long
 * one is cut to 99.
 */
export function subjectLine(environment: string, subject: string): string {
  const full = `[data-platform ${environment}] ${subject}`.replace(/[^\x20-\x7e]/g, "?");
  return full.length > 99 ? `${full.slice(0, 96)}...` : full;
}

/** The Chatbot custom notification document for a notice. */
export function chatbotNotification(environment: string, notice: Notice): Record<string, unknown> {
  return {
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: `data-platform ${environment}: ${notice.title}`,
      description: notice.description,
      keywords: [environment, ...(notice.keywords ?? [])],
    },
    metadata: { additionalContext: Object.fromEntries(Object.entries(notice.facts).map(([k, v]) => [k, String(v)])) },
  };
}

/** The e-mail body of a notice: the description, then one `key: value` line per fact. */
export function emailText(environment: string, notice: Notice): string {
  const facts = Object.entries(notice.facts).map(([k, v]) => `${k}: ${v}`);
  return [notice.description, "", `environment: ${environment}`, ...facts].join("\n");
}

/** Publishes a notice to the topic: Chatbot's format for Slack, text for e-mail. */
export async function publishNotice(sns: SNSClient, topicArn: string, environment: string, notice: Notice): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: subjectLine(environment, notice.title),
      MessageStructure: "json",
      Message: JSON.stringify({
        default: JSON.stringify(chatbotNotification(environment, notice)),
        email: emailText(environment, notice),
      }),
    }),
  );
}
