/**
 * Scheduled Lambda (EventBridge, infra/qa/reaperPolicy.ts QA_REAPER_SCHEDULE): the AWS-side safety net that deletes
 * expired QA clones. Environment (read at cold start, so a missing variable fails there, not mid-run):
 * - ALERT_TOPIC_ARN: SNS topic alerted on every deletion and failure
 * - ENVIRONMENT: only clones tagged with this environment are considered
 * - GRACE_PERIOD_MINUTES: how long past expires-at before deleting (the `qa reap` schedule goes first)
 * - INSTANCE_DELETE_WAIT_SECONDS: optional, default 600; keep it below the function timeout
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { EC2Client } from "@aws-sdk/client-ec2";
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { type ReaperReport, reapExpiredClones } from "./reaper";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

function positiveNumber(name: string, fallback?: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (value === undefined || !Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number`);
  return value;
}

const topicArn = required("ALERT_TOPIC_ARN");
const environment = required("ENVIRONMENT");
const gracePeriodMs = positiveNumber("GRACE_PERIOD_MINUTES") * 60_000;
const maxWaitSeconds = positiveNumber("INSTANCE_DELETE_WAIT_SECONDS", 600);
const rds = new RDSClient({});
const ec2 = new EC2Client({});
const sns = new SNSClient({});
const logger = new Logger({ serviceName: "qa-reaper" });

/** Runs one sweep; throws (after alerting) when any expired clone could not be deleted, so the invocation fails. */
export async function handler(): Promise<ReaperReport> {
  const report = await reapExpiredClones({
    rds,
    ec2,
    sns,
    topicArn,
    environment,
    gracePeriodMs,
    instanceWait: { minDelaySeconds: 15, maxWaitSeconds },
    now: () => new Date(),
    logger: {
      info: (message, fields) => logger.info(message, fields ?? {}),
      warn: (message, fields) => logger.warn(message, fields ?? {}),
      error: (message, fields) => logger.error(message, fields ?? {}),
    },
  });
  logger.info("sweep finished", {
    examined: report.examined,
    deleted: report.deletions.length,
    inProgress: report.inProgress.length,
    blocked: report.blocked.length,
    failed: report.failures.length,
  });
  const stuck = [...report.failures.map((f) => f.cluster), ...report.blocked.map((b) => b.cluster)];
  if (stuck.length > 0) throw new Error(`could not delete ${stuck.length} expired QA clone(s): ${stuck.join(", ")}`);
  return report;
}
