/**
 * The daily export: find the newest available automated snapshot of the source, and start one export task per day
 * whose identifier comes from contracts/exportLayout. Pure logic; handler.ts wires clients, env and alerts.
 */
import {
  type DBClusterSnapshot,
  type DBSnapshot,
  type ExportTask,
  type RDSClient,
  StartExportTaskCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  paginateDescribeExportTasks,
} from "@aws-sdk/client-rds";
import { EXPORTS_PREFIX, MAX_EXPORT_ATTEMPTS, exportDay, exportId, exportIdsForDay, parseExportId } from "../../contracts/exportLayout";

/** What the function exports and where to. */
export interface ExportSettings {
  readonly environment: string;
  /** Cluster identifier (or instance identifier when `snapshotType` is `instance`). */
  readonly sourceIdentifier: string;
  readonly snapshotType: "cluster" | "instance";
  readonly bucketName: string;
  readonly exportRoleArn: string;
  readonly kmsKeyArn: string;
  /** RDS ExportOnly entries (`db` or `db.table`); undefined exports everything. */
  readonly exportOnly?: readonly string[];
  /** The schedule's IANA time zone: "today" is the schedule's day, not UTC's. */
  readonly timeZone: string;
}

/** The result of one run. */
export type ExportResult =
  | { readonly action: "started"; readonly exportTaskIdentifier: string; readonly attempt: number; readonly snapshotArn: string; readonly snapshotCreated?: string }
  | { readonly action: "skipped"; readonly exportTaskIdentifier: string; readonly status: string };

/** A failure the on-call must see; `kind` names which one, for the alert subject and the logs. */
export class ExportError extends Error {
  override readonly name: string = "ExportError";
  constructor(
    readonly kind: "no-snapshot" | "snapshot-not-available" | "missing-permission" | "concurrent-export-limit" | "attempts-exhausted",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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

interface Snapshot {
  readonly arn: string;
  readonly id: string;
  readonly status: string;
  readonly created?: Date;
}

/** Every automated snapshot of the source, from every page (a "latest" that reads one page is wrong). */
async function automatedSnapshots(rds: RDSClient, s: ExportSettings): Promise<Snapshot[]> {
  const found: Snapshot[] = [];
  if (s.snapshotType === "cluster") {
    const pages = paginateDescribeDBClusterSnapshots({ client: rds }, { DBClusterIdentifier: s.sourceIdentifier, SnapshotType: "automated" });
    for await (const page of pages) {
      for (const snap of page.DBClusterSnapshots ?? []) {
        const x: DBClusterSnapshot = snap;
        // Checked again here: the API filter is a request, not a guarantee we rely on for what we export.
        if (x.SnapshotType !== "automated" || x.DBClusterIdentifier !== s.sourceIdentifier || !x.DBClusterSnapshotArn) continue;
        found.push({ arn: x.DBClusterSnapshotArn, id: x.DBClusterSnapshotIdentifier ?? x.DBClusterSnapshotArn, status: x.Status ?? "unknown", created: x.SnapshotCreateTime });
      }
    }
  } else {
    const pages = paginateDescribeDBSnapshots({ client: rds }, { DBInstanceIdentifier: s.sourceIdentifier, SnapshotType: "automated" });
    for await (const page of pages) {
      for (const snap of page.DBSnapshots ?? []) {
        const x: DBSnapshot = snap;
        if (x.SnapshotType !== "automated" || x.DBInstanceIdentifier !== s.sourceIdentifier || !x.DBSnapshotArn) continue;
        found.push({ arn: x.DBSnapshotArn, id: x.DBSnapshotIdentifier ?? x.DBSnapshotArn, status: x.Status ?? "unknown", created: x.SnapshotCreateTime });
      }
    }
  }
  return found;
}

/**
 * The newest automated snapshot, which must be available. An older available snapshot is never used instead:
 * that would publish stale data under today's identifier.
 */
export async function newestAvailableSnapshot(rds: RDSClient, s: ExportSettings): Promise<Snapshot> {
  const snapshots = await automatedSnapshots(rds, s);
  if (snapshots.length === 0) {
    throw new ExportError("no-snapshot", `no automated ${s.snapshotType} snapshot of ${s.sourceIdentifier} exists`);
  }
  const newest = snapshots.reduce((a, b) => ((b.created?.getTime() ?? 0) > (a.created?.getTime() ?? 0) ? b : a));
  if (newest.status !== "available") {
    throw new ExportError(
      "snapshot-not-available",
      `the newest automated snapshot ${newest.id} of ${s.sourceIdentifier} is "${newest.status}", not "available"; run the export again once it is`,
    );
  }
  return newest;
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
 * Starts today's export unless today's task already exists. Idempotent: a rerun on the same day is a no-op while
 * the task is starting, running or complete; after a failed or canceled attempt it starts `-r<n+1>`, up to
 * MAX_EXPORT_ATTEMPTS.
 */
export async function runExport(rds: RDSClient, s: ExportSettings, now: Date): Promise<ExportResult> {
  const day = exportDay(now, s.timeZone);
  const ids = exportIdsForDay(s.environment, day);
  const tasks = await todaysTasks(rds, ids);
  const live = tasks.find((t) => SETTLED_OR_RUNNING.has((t.Status ?? "").toUpperCase()));
  if (live) return { action: "skipped", exportTaskIdentifier: live.ExportTaskIdentifier!, status: live.Status! };

  const attemptsUsed = Math.max(0, ...tasks.map((t) => parseExportId(s.environment, t.ExportTaskIdentifier!)?.attempt ?? 0));
  const attempt = attemptsUsed + 1;
  if (attempt > MAX_EXPORT_ATTEMPTS) {
    throw new ExportError("attempts-exhausted", `all ${MAX_EXPORT_ATTEMPTS} export attempts for ${day} failed or were canceled`);
  }
  const id = exportId(s.environment, day, attempt);
  const snapshot = await newestAvailableSnapshot(rds, s);
  try {
    await rds.send(
      new StartExportTaskCommand({
        ExportTaskIdentifier: id,
        SourceArn: snapshot.arn,
        S3BucketName: s.bucketName,
        S3Prefix: EXPORTS_PREFIX,
        IamRoleArn: s.exportRoleArn,
        KmsKeyId: s.kmsKeyArn,
        ExportOnly: s.exportOnly?.length ? [...s.exportOnly] : undefined,
      }),
    );
  } catch (err) {
    // Two runs racing for the same id (reserved concurrency 1 makes this rare): the other one started it.
    if (err instanceof Error && err.name === "ExportTaskAlreadyExistsFault") return { action: "skipped", exportTaskIdentifier: id, status: "STARTING" };
    throw classifyStartError(err);
  }
  return { action: "started", exportTaskIdentifier: id, attempt, snapshotArn: snapshot.arn, snapshotCreated: snapshot.created?.toISOString() };
}
