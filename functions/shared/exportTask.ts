/**
 * Starting one day's RDS export task, shared by the raw daily export (functions/export-snapshot: the source's newest
 * automated snapshot) and the golden refresh (functions/golden-export: the masked golden's snapshot). The day's
 * identifier, the prefix, the export role, the key and ExportOnly all come from here, so both start exports that
 * land under the same layout and ids (contracts/exportLayout) and that the export-events handler catalogs alike.
 */
import { type ExportTask, type RDSClient, StartExportTaskCommand, paginateDescribeExportTasks } from "@aws-sdk/client-rds";
import { EXPORTS_PREFIX, MAX_EXPORT_ATTEMPTS, exportId, exportIdsForDay, parseExportId } from "../../contracts/exportLayout";

/** Where an export goes and with what. */
export interface ExportTarget {
  readonly environment: string;
  readonly bucketName: string;
  readonly exportRoleArn: string;
  readonly kmsKeyArn: string;
  /** RDS ExportOnly entries (`db` or `db.table`); undefined exports everything. */
  readonly exportOnly?: readonly string[];
}

/** The snapshot an export reads. */
export interface ExportSource {
  readonly arn: string;
  readonly created?: Date;
}

/** The result of one run. */
export type ExportResult =
  | { readonly action: "started"; readonly exportTaskIdentifier: string; readonly attempt: number; readonly snapshotArn: string; readonly snapshotCreated?: string }
  | { readonly action: "skipped"; readonly exportTaskIdentifier: string; readonly status: string };

/** Why an export did not start. */
export type ExportErrorKind = "no-snapshot" | "snapshot-not-available" | "missing-permission" | "concurrent-export-limit" | "attempts-exhausted";

/**
 * Kinds no retry of the same call can fix: a person must act (grant the permission, export another day, find the
 * snapshot). A snapshot still being created and RDS's concurrent-export limit pass by themselves.
 */
export const PERMANENT_EXPORT_ERRORS: ReadonlySet<ExportErrorKind> = new Set(["no-snapshot", "missing-permission", "attempts-exhausted"]);

/**
 * A failure the on-call must see; `kind` names which one, for the alert subject and the logs. The name says whether
 * a retry can help: `ExportError` when it can, `ExportRefusedError` when it cannot, so a Step Functions retrier
 * (which matches error names) never retries the second.
 */
export class ExportError extends Error {
  override readonly name: "ExportError" | "ExportRefusedError";
  constructor(
    readonly kind: ExportErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = PERMANENT_EXPORT_ERRORS.has(kind) ? "ExportRefusedError" : "ExportError";
  }
}

/** Statuses after which today's export needs nothing from us: running, about to run, done, or being canceled. */
const SETTLED_OR_RUNNING = new Set(["STARTING", "IN_PROGRESS", "COMPLETE", "CANCELING"]);

/** SDK error names that mean "a permission (ours, the export role's or the key's) is missing". */
const PERMISSION_ERRORS = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "AccessDeniedFault",
  "UnauthorizedOperation",
  "IamRoleMissingPermissionsFault",
  "IamRoleNotFoundFault",
  "KMSKeyNotAccessibleFault",
]);

/** Today's export tasks (every attempt), reading every page. */
async function todaysTasks(rds: RDSClient, ids: readonly string[]): Promise<ExportTask[]> {
  const tasks: ExportTask[] = [];
  try {
    for await (const page of paginateDescribeExportTasks({ client: rds }, { Filters: [{ Name: "export-task-identifier", Values: [...ids] }] })) {
      tasks.push(...(page.ExportTasks ?? []));
    }
  } catch (err) {
    if (!(err instanceof Error && err.name === "ExportTaskNotFoundFault")) throw err;
  }
  // The filter is the API's; the check below is ours, so a broader answer can never pick a foreign task.
  return tasks.filter((t) => t.ExportTaskIdentifier !== undefined && ids.includes(t.ExportTaskIdentifier));
}

/** Maps StartExportTask's errors onto the failures the issue names; anything else passes through unchanged. */
function classifyStartError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  if (PERMISSION_ERRORS.has(err.name)) {
    return new ExportError("missing-permission", `StartExportTask was refused for a missing permission (${err.name}): ${err.message}`, { cause: err });
  }
  // RDS allows five concurrent export tasks per account and Region; the SDK models no fault for it, so the
  // error is recognised by its name or message.
  if (/limit|quota/i.test(err.name) || /concurrent|maximum number of|limit/i.test(err.message)) {
    return new ExportError("concurrent-export-limit", `RDS refused the export: too many concurrent export tasks (${err.name}): ${err.message}`, { cause: err });
  }
  return err;
}

/**
 * Starts the export of `day` unless that day's task already exists. Idempotent: a rerun is a no-op while the task is
 * starting, running or complete; after a failed or canceled attempt it starts `-r<n+1>`, up to MAX_EXPORT_ATTEMPTS.
 * `source` is asked for the snapshot only when an export is really started.
 */
export async function startDayExport(rds: RDSClient, t: ExportTarget, day: string, source: () => Promise<ExportSource>): Promise<ExportResult> {
  const ids = exportIdsForDay(t.environment, day);
  const tasks = await todaysTasks(rds, ids);
  const live = tasks.find((task) => SETTLED_OR_RUNNING.has((task.Status ?? "").toUpperCase()));
  if (live) return { action: "skipped", exportTaskIdentifier: live.ExportTaskIdentifier!, status: live.Status! };

  const attemptsUsed = Math.max(0, ...tasks.map((task) => parseExportId(t.environment, task.ExportTaskIdentifier!)?.attempt ?? 0));
  const attempt = attemptsUsed + 1;
  if (attempt > MAX_EXPORT_ATTEMPTS) {
    throw new ExportError("attempts-exhausted", `all ${MAX_EXPORT_ATTEMPTS} export attempts for ${day} failed or were canceled`);
  }
  const id = exportId(t.environment, day, attempt);
  const snapshot = await source();
  try {
    await rds.send(
      new StartExportTaskCommand({
        ExportTaskIdentifier: id,
        SourceArn: snapshot.arn,
        S3BucketName: t.bucketName,
        S3Prefix: EXPORTS_PREFIX,
        IamRoleArn: t.exportRoleArn,
        KmsKeyId: t.kmsKeyArn,
        ExportOnly: t.exportOnly?.length ? [...t.exportOnly] : undefined,
      }),
    );
  } catch (err) {
    // Two runs racing for the same id (reserved concurrency 1 makes this rare): the other one started it.
    if (err instanceof Error && err.name === "ExportTaskAlreadyExistsFault") return { action: "skipped", exportTaskIdentifier: id, status: "STARTING" };
    throw classifyStartError(err);
  }
  return { action: "started", exportTaskIdentifier: id, attempt, snapshotArn: snapshot.arn, snapshotCreated: snapshot.created?.toISOString() };
}
