/**
 * export-events: the target of the EventBridge rule for RDS export events, and of the reconcile schedule.
 * - completed: moves the stable Glue tables to the new export and emits the "export completed" metric that the
 *   dead-man's switch watches;
 * - failed or canceled: alerts with the failure cause from DescribeExportTasks;
 * - an event whose task DescribeExportTasks still shows running: rethrown, so Lambda retries it;
 * - `{"source":"data-platform.reconcile"}`: compares DescribeExportTasks with the catalog and moves the tables of the
 *   newest completed export that still point at an older one (reconcile.ts).
 * Events that are not about this stack's exports are logged and ignored. A failure while moving the catalog is
 * alerted and rethrown (the update is idempotent, so Lambda's retries are safe). With `EXPORT_NOTICES=on`, a
 * completed export is also announced ("export ready", functions/export-events/exportReady.ts) by whichever path moved
 * its catalog; a notice that cannot be sent is logged, never retried (the export itself succeeded).
 */
import { GlueClient } from "@aws-sdk/client-glue";
import { type ExportTask, RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { EXPORT_METRICS, RECONCILE_INPUT } from "../../contracts/exportEvents";
import { MAX_EXPORT_ATTEMPTS, parseExportId } from "../../contracts/exportLayout";
import { createLogger, describeError, publishAlert, requireEnv } from "../shared/runtime";
import { emitMetrics } from "../shared/metrics";
import { publishNotice } from "../shared/notice";
import { readExportTables, tableInput, upsertTable } from "./catalog";
import { findExportTask, parseExportEvent } from "./events";
import { exportReadyNotice } from "./exportReady";
import { type ReconcileResult, reconcile } from "./reconcile";

const environment = requireEnv("ENVIRONMENT");
const bucketName = requireEnv("EXPORT_BUCKET");
const databaseName = requireEnv("GLUE_DATABASE");
const alertTopicArn = requireEnv("ALERT_TOPIC_ARN");
const exportFunctionName = requireEnv("EXPORT_FUNCTION_NAME");
/** `masked`: exports come from the golden refresh, and a retry names the day (functions/golden-export). */
const exportSource = process.env.EXPORT_SOURCE === "masked" ? "masked" : "raw";
/** `on`: announce each completed export to the alert topic (config `exportNotices`). */
const exportNotices = process.env.EXPORT_NOTICES === "on";

const logger = createLogger("export-events");
const rds = new RDSClient({});
const s3 = new S3Client({});
const glue = new GlueClient({});
const sns = new SNSClient({});

/** What one invocation did; returned for tests and for the invocation record. */
export type EventResult =
  | ReconcileResult
  | { readonly action: "ignored"; readonly reason: string }
  | { readonly action: "cataloged"; readonly exportTaskIdentifier: string; readonly created: string[]; readonly updated: string[]; readonly skipped: string[] }
  | { readonly action: "alerted"; readonly exportTaskIdentifier: string; readonly status: string };

async function catalog(exportTaskIdentifier: string): Promise<EventResult> {
  const tables = await readExportTables(s3, bucketName, exportTaskIdentifier);
  if (tables.complete.length === 0) {
    // An export that produced no usable table must not pass as a success: that is the "silently exports nothing" case.
    throw new Error(`export ${exportTaskIdentifier} completed but its metadata lists no completely exported table`);
  }
  const created: string[] = [];
  const updated: string[] = [];
  for (const t of tables.complete) {
    const input = tableInput(bucketName, exportTaskIdentifier, t);
    ((await upsertTable(glue, databaseName, input)) === "created" ? created : updated).push(input.Name!);
  }
  const disagreements = tables.complete.flatMap((t) => t.columns.filter((c) => c.disagreement).map((c) => `${t.target}.${c.name}: ${c.disagreement}`));
  if (disagreements.length > 0) {
    // The files win (they are what Athena reads); the log says where AWS's table did not describe them.
    logger.warn("column types declared from the export's reported types, not AWS's mapping", { exportTaskIdentifier, columns: disagreements });
  }
  if (tables.skipped.length > 0) {
    logger.warn("tables not cataloged: not completely exported or not understood", { exportTaskIdentifier, tables: tables.skipped });
  }
  // Embedded Metric Format: CloudWatch extracts the metric from this log line. No IAM permission, no client, no
  // extra call that could fail after the catalog moved; if logs stop arriving the metric goes missing, and the
  // dead-man's switch (missing data = breaching) pages, so it fails safe.
  emitMetrics(EXPORT_METRICS.namespace, { Environment: environment }, {
    [EXPORT_METRICS.completed]: 1,
    [EXPORT_METRICS.tablesCataloged]: created.length + updated.length,
  });
  logger.info("catalog moved to the new export", { exportTaskIdentifier, created, updated, skipped: tables.skipped });
  return { action: "cataloged", exportTaskIdentifier, created, updated, skipped: tables.skipped };
}

/** Moves the catalog to a completed export; a failure is alerted and rethrown. */
async function moveCatalog(id: string): Promise<EventResult> {
  try {
    return await catalog(id);
  } catch (err) {
    const { name, message } = describeError(err);
    logger.error("could not move the catalog to the new export", { exportTaskIdentifier: id, errorName: name, errorMessage: message });
    await publishAlert(sns, alertTopicArn, environment, {
      subject: `catalog update failed for export ${id}`,
      details: { function: "export-events", exportTaskIdentifier: id, error: name, message, effect: "analysts still query the previous export" },
    }).catch((alertErr: unknown) => logger.error("could not publish the alert", { ...describeError(alertErr) }));
    throw err;
  }
}

/**
 * The optional "export ready" notice for an export whose catalog this invocation moved. Sent only after a move that
 * changed something, by whichever path moved it (the event, or reconcile when the event was lost or its move
 * failed), so each export is announced once; a notice that cannot be sent is logged, never retried.
 */
async function announce(task: ExportTask, result: EventResult): Promise<void> {
  if (!exportNotices || result.action !== "cataloged") return;
  const notice = exportReadyNotice({ task, tables: [...result.updated, ...result.created].sort(), skipped: result.skipped, athenaDatabase: databaseName });
  await publishNotice(sns, alertTopicArn, environment, notice).catch((noticeErr: unknown) =>
    logger.error("could not publish the export-ready notice", { exportTaskIdentifier: task.ExportTaskIdentifier, ...describeError(noticeErr) }),
  );
}

/** Handles one EventBridge event, or a reconcile run. */
export async function handler(event: unknown): Promise<EventResult> {
  if (typeof event === "object" && event !== null && (event as { source?: unknown }).source === RECONCILE_INPUT.source) {
    const result = await reconcile({ rds, glue, environment, bucketName, databaseName }, (id) => readExportTables(s3, bucketName, id), async (task) =>
      announce(task, await moveCatalog(task.ExportTaskIdentifier)),
    );
    logger.info(result.moved ? "reconcile moved the catalog to the newest completed export" : "reconcile: the catalog is current", { ...result });
    return result;
  }
  const parsed = parseExportEvent(event);
  if (!parsed) {
    logger.warn("ignored: not an RDS export event");
    return { action: "ignored", reason: "not an RDS export event" };
  }
  const task = await findExportTask(rds, environment, bucketName, parsed);
  if (!task?.ExportTaskIdentifier) {
    logger.warn("ignored: no export task of this stack matches the event", { eventId: parsed.eventId, sourceIdentifier: parsed.sourceIdentifier });
    return { action: "ignored", reason: "no export task of this stack matches the event" };
  }
  const id = task.ExportTaskIdentifier;
  if (parsed.outcome !== "completed") {
    const parsedId = parseExportId(environment, id);
    const attempt = parsedId?.attempt ?? 1;
    const invoke =
      exportSource === "masked"
        ? `aws lambda invoke --function-name ${exportFunctionName} --cli-binary-format raw-in-base64-out --payload '{"day":"${parsedId?.day ?? "<yyyymmdd>"}"}' /dev/null`
        : `aws lambda invoke --function-name ${exportFunctionName} /dev/null`;
    logger.error("export task did not complete", { exportTaskIdentifier: id, status: task.Status, failureCause: task.FailureCause });
    await publishAlert(sns, alertTopicArn, environment, {
      subject: `export ${id} ${parsed.outcome}`,
      details: {
        exportTaskIdentifier: id,
        status: task.Status,
        failureCause: task.FailureCause ?? "(none reported)",
        warning: task.WarningMessage,
        source: task.SourceArn,
        retry:
          attempt < MAX_EXPORT_ATTEMPTS
            ? `fix the cause, then: ${invoke} (starts attempt ${attempt + 1})`
            : "every attempt for this day is used; export a later day",
      },
    });
    return { action: "alerted", exportTaskIdentifier: id, status: task.Status ?? parsed.outcome };
  }
  const result = await moveCatalog(id);
  await announce(task, result);
  return result;
}
