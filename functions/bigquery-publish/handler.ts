/**
 * bigquery-publish: keeps each BigQuery table's `current/` prefix on the newest completed export (publish.ts).
 * Invoked by the export-completed event and every hour (contracts/bigQueryLoad `PUBLISH_SCHEDULE`); the input is not
 * read, since every run compares RDS's export tasks with what `current/` holds. A failure is alerted and rethrown
 * (Lambda retries it; the next hourly run tries again).
 */
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { createLogger, describeError, publishAlert, requireEnv } from "../shared/runtime";
import { type PublishResult, type PublishedTable, publish } from "./publish";

const environment = requireEnv("ENVIRONMENT");
const bucketName = requireEnv("EXPORT_BUCKET");
const alertTopicArn = requireEnv("ALERT_TOPIC_ARN");
/** `[{"database":"shop","table":"users"}, …]`: the stack's `bigquery.tables`. */
const tables = JSON.parse(requireEnv("BIGQUERY_TABLES")) as PublishedTable[];
/** Minutes after 00:00 UTC at which the transfers start. */
const transferMinuteUtc = Number(requireEnv("TRANSFER_MINUTE_UTC"));

const logger = createLogger("bigquery-publish");
const s3 = new S3Client({});
const rds = new RDSClient({});
const sns = new SNSClient({});

/** Leaves this much of the invocation's time for putting a table back when copying ran late, ms. */
const ROLLBACK_MARGIN_MS = 60_000;

/** Lambda's context, as far as this handler reads it. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export async function handler(_event: unknown, context?: InvocationContext): Promise<PublishResult> {
  const now = Date.now();
  const deadline = context ? now + context.getRemainingTimeInMillis() - ROLLBACK_MARGIN_MS : Number.POSITIVE_INFINITY;
  try {
    const result = await publish({ s3, rds }, { environment, bucket: bucketName, tables, transferMinuteUtc }, new Date(now), deadline);
    if (result.action === "published" && result.notInExport.length > 0) {
      logger.warn("tables not in the export's complete tables keep their previous export", { exportTaskIdentifier: result.exportTaskIdentifier, tables: result.notInExport });
    }
    logger.info("bigquery publish", { ...result });
    return result;
  } catch (err) {
    const { name, message } = describeError(err);
    logger.error("could not publish the export for BigQuery", { errorName: name, errorMessage: message });
    await publishAlert(sns, alertTopicArn, environment, {
      subject: "BigQuery publish failed",
      details: { function: "bigquery-publish", error: name, message, effect: "the BigQuery transfers keep loading the previous complete export" },
    }).catch((alertErr: unknown) => logger.error("could not publish the alert", { ...describeError(alertErr) }));
    throw err;
  }
}
