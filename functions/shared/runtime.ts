/**
 * What every handler needs at cold start: required environment variables (read once, so a missing one fails the
 * cold start rather than a run), the structured logger, and alerting to the platform's SNS topic.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

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

/** SNS limits subjects to 100 printable ASCII characters. */
function subjectLine(environment: string, subject: string): string {
  const full = `[data-platform ${environment}] ${subject}`.replace(/[^\x20-\x7e]/g, "?");
  return full.length > 100 ? `${full.slice(0, 97)}...` : full;
}

/** Publishes an alert to the platform's topic (e-mail to the on-call). */
export async function publishAlert(sns: SNSClient, topicArn: string, environment: string, alert: Alert): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: subjectLine(environment, alert.subject),
      Message: JSON.stringify({ environment, ...alert.details }, null, 2),
    }),
  );
}

/** The name and message of an unknown thrown value, for logs and alerts. */
export function describeError(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "NonError", message: String(err) };
}
