/**
 * export-snapshot: started by RDS's event that a new automated snapshot of the source is ready, and by the daily
 * fallback schedule (or by hand to retry). Starts the export of the newest automated snapshot under its day's id,
 * or does nothing if that day's task already runs or ran. The fallback waits, bounded, for a snapshot still being
 * created. Every failure is rethrown, so Lambda retries it and, once retries are spent, sends it to the on-failure
 * destination; failures other than "the snapshot is not ready yet" also alert at once.
 */
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { createLogger, describeError, publishAlert, requireEnv } from "../shared/runtime";
import { ExportError, type ExportResult, type ExportSettings, type SnapshotWait, runExport, triggerOf } from "./exportSnapshot";

const environment = requireEnv("ENVIRONMENT");
const alertTopicArn = requireEnv("ALERT_TOPIC_ARN");
const snapshotType = requireEnv("SNAPSHOT_TYPE");
if (snapshotType !== "cluster" && snapshotType !== "instance") throw new Error(`SNAPSHOT_TYPE must be cluster or instance, got ${snapshotType}`);
const settings: ExportSettings = {
  environment,
  sourceIdentifier: requireEnv("SOURCE_IDENTIFIER"),
  snapshotType,
  bucketName: requireEnv("EXPORT_BUCKET"),
  exportRoleArn: requireEnv("EXPORT_ROLE_ARN"),
  kmsKeyArn: requireEnv("KMS_KEY_ARN"),
  exportOnly: JSON.parse(process.env.EXPORT_ONLY || "[]") as string[],
  timeZone: requireEnv("SCHEDULE_TIMEZONE"),
};

/** Bounded wait for a `creating` snapshot: SNAPSHOT_WAIT_SECONDS in total (default 600), one check a minute. */
const wait: SnapshotWait = { waitSeconds: Number(process.env.SNAPSHOT_WAIT_SECONDS || "600"), pollSeconds: 60 };

const logger = createLogger("export-snapshot");
const rds = new RDSClient({});
const sns = new SNSClient({});

/** What one invocation did. */
export type SnapshotRunResult = ExportResult | { readonly action: "ignored"; readonly reason: string };

/**
 * Input: RDS's snapshot-created event (EventBridge), the scheduler's `{"source":"data-platform.schedule"}`, or `{}`
 * from a manual `aws lambda invoke`.
 */
export async function handler(event?: unknown): Promise<SnapshotRunResult> {
  const trigger = triggerOf(event, settings);
  if (trigger.kind === "ignored") {
    logger.warn("ignored: not this source's snapshot-created event", { reason: trigger.reason });
    return { action: "ignored", reason: trigger.reason };
  }
  try {
    const result = await runExport(rds, settings, new Date(), wait);
    if (result.action === "skipped") {
      logger.info("the day's export already exists; nothing to do", { trigger: trigger.kind, exportTaskIdentifier: result.exportTaskIdentifier, status: result.status });
    } else {
      logger.info("export started", { trigger: trigger.kind, ...result });
    }
    return result;
  } catch (err) {
    const { name, message } = describeError(err);
    const kind = err instanceof ExportError ? err.kind : "unexpected-error";
    logger.error("export failed", { trigger: trigger.kind, kind, errorName: name, errorMessage: message });
    // A snapshot still being created is retried by Lambda; only the last failure reaches the topic (on-failure
    // destination), so the backup window does not page.
    if (kind !== "snapshot-not-available") {
      await publishAlert(sns, alertTopicArn, environment, {
        subject: `daily export failed: ${kind}`,
        details: {
          function: "export-snapshot",
          kind,
          error: name,
          message,
          source: settings.sourceIdentifier,
          retry: "invoke this function again once the cause is fixed; a failed attempt is retried as -r2, -r3, ...",
        },
      }).catch((alertErr: unknown) => logger.error("could not publish the alert", { ...describeError(alertErr) }));
    }
    throw err;
  }
}
