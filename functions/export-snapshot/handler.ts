/**
 * export-snapshot: invoked daily by EventBridge Scheduler (or by hand to retry). Starts today's export of the
 * newest automated snapshot, or does nothing if today's task already runs or ran. Every failure is alerted on the
 * platform topic and rethrown, so Lambda retries it and, once retries are spent, sends it to the on-failure
 * destination.
 */
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { createLogger, describeError, publishAlert, requireEnv } from "../shared/runtime";
import { ExportError, type ExportResult, type ExportSettings, runExport } from "./exportSnapshot";

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

const logger = createLogger("export-snapshot");
const rds = new RDSClient({});
const sns = new SNSClient({});

/** The scheduler sends a small JSON document; a manual `aws lambda invoke` may send `{}`. The input is not used. */
export async function handler(_event?: unknown): Promise<ExportResult> {
  try {
    const result = await runExport(rds, settings, new Date());
    if (result.action === "skipped") {
      logger.info("today's export already exists; nothing to do", { exportTaskIdentifier: result.exportTaskIdentifier, status: result.status });
    } else {
      logger.info("export started", { ...result });
    }
    return result;
  } catch (err) {
    const { name, message } = describeError(err);
    const kind = err instanceof ExportError ? err.kind : "unexpected-error";
    logger.error("export failed", { kind, errorName: name, errorMessage: message });
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
    throw err;
  }
}
