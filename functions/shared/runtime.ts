/**
 * What every handler needs at cold start: required environment variables (read once, so a missing one fails the
 * cold start rather than a run), the structured logger, and alerting to the platform's SNS topic.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { subjectLine } from "./notice";

/** The value of a required environment variable. @throws Error naming the variable when it is unset or empty. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is required`);
  return value;
}

/** One JSON-lines logger per function. Data goes in fields, never in messages; never row values or secrets. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** An alert for the on-call: a short subject and structured details (identifiers and causes only, never data). */
export interface Alert {
  /** At most 100 characters after the `[data-platform <env>]` prefix is added; longer subjects are cut. */
  readonly subject: string;
  /** What happened and what to do next; serialised as indented JSON in the message body. */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Publishes an alert to the platform's topic: e-mail gets the details as indented JSON, and AWS Chatbot (Slack) a
 * custom notification with one line per detail, because Chatbot does not show a plain-text message (see notice.ts).
 */
export async function publishAlert(sns: SNSClient, topicArn: string, environment: string, alert: Alert): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: subjectLine(environment, alert.subject),
      MessageStructure: "json",
      Message: JSON.stringify({ default: JSON.stringify(chatbotAlert(environment, alert)), email: alertEmailText(environment, alert) }),
    }),
  );
}

/** The e-mail body of an alert: the environment and the details, as indented JSON. */
export function alertEmailText(environment: string, alert: Alert): string {
  return JSON.stringify({ environment, ...alert.details }, null, 2);
}

/** Chatbot renders at most a few thousand characters of a description; longer details are cut (e-mail keeps all). */
const CHATBOT_DESCRIPTION_LIMIT = 3_000;

/** The Chatbot custom notification of an alert (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html). */
export function chatbotAlert(environment: string, alert: Alert): Record<string, unknown> {
  const lines = Object.entries(alert.details)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `*${k}*: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  const description = lines.join("\n");
  return {
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: `:rotating_light: data-platform ${environment}: ${alert.subject}`,
      description: description.length > CHATBOT_DESCRIPTION_LIMIT ? `${description.slice(0, CHATBOT_DESCRIPTION_LIMIT - 3)}...` : description,
      keywords: [environment, "alert"],
    },
  };
}

/** The name and message of an unknown thrown value, for logs and alerts. */
export function describeError(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "NonError", message: String(err) };
}
