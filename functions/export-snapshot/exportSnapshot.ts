/**
 * The daily export: find the newest available automated snapshot of the source, and start one export task per day
 * whose identifier comes from contracts/exportLayout. Pure logic; handler.ts wires clients, env and alerts.
 */
import {
  type DBClusterSnapshot,
  type DBSnapshot,
  type RDSClient,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
} from "@aws-sdk/client-rds";
import { SNAPSHOT_CREATED_EVENTS } from "../../contracts/exportEvents";
import { exportDay } from "../../contracts/exportLayout";
import { ExportError, type ExportResult, type ExportTarget, startDayExport } from "../shared/exportTask";

export { ExportError, type ExportResult } from "../shared/exportTask";

/** What the function exports and where to. */
export interface ExportSettings extends ExportTarget {
  /** Cluster identifier (or instance identifier when `snapshotType` is `instance`). */
  readonly sourceIdentifier: string;
  readonly snapshotType: "cluster" | "instance";
  /** The schedule's IANA time zone: "today" is the schedule's day, not UTC's. */
  readonly timeZone: string;
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

/** How long the fallback waits for a snapshot that is still being created. */
export interface SnapshotWait {
  /** Total seconds to keep polling a `creating` snapshot before giving up (0: do not wait). */
  readonly waitSeconds: number;
  /** Seconds between polls. */
  readonly pollSeconds: number;
  /** Injected in tests; default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The newest automated snapshot, which must be available. An older available snapshot is never used instead:
 * that would publish stale data under the wrong day. A newest snapshot that is still `creating` (the backup window
 * is running) is polled for up to `wait.waitSeconds`; after that the run fails with `snapshot-not-available`, which
 * Lambda retries (twice) before the on-failure destination alerts. The snapshot-created event starts the export
 * anyway once the snapshot is done, so the wait is a fallback's, bounded, and never fails on the first "creating".
 */
export async function newestAvailableSnapshot(rds: RDSClient, s: ExportSettings, wait?: SnapshotWait): Promise<Snapshot> {
  const sleep = wait?.sleep ?? realSleep;
  const polls = wait ? Math.floor(wait.waitSeconds / Math.max(1, wait.pollSeconds)) : 0;
  for (let poll = 0; ; poll++) {
    const snapshots = await automatedSnapshots(rds, s);
    if (snapshots.length === 0) {
      throw new ExportError("no-snapshot", `no automated ${s.snapshotType} snapshot of ${s.sourceIdentifier} exists`);
    }
    const newest = snapshots.reduce((a, b) => ((b.created?.getTime() ?? 0) > (a.created?.getTime() ?? 0) ? b : a));
    if (newest.status === "available") return newest;
    if (newest.status !== "creating" || poll >= polls) {
      throw new ExportError(
        "snapshot-not-available",
        `the newest automated snapshot ${newest.id} of ${s.sourceIdentifier} is "${newest.status}", not "available"` +
          (poll > 0 ? ` after ${poll} checks` : "") +
          "; the export starts when RDS reports the snapshot created, or run the export again once it is available",
      );
    }
    await sleep(wait!.pollSeconds * 1000);
  }
}

/**
 * Starts the export of the newest automated snapshot, named after the day the snapshot was taken (in the schedule's
 * zone), unless that day's task already exists (see startDayExport: idempotent per day, `-r<n>` after a failed
 * attempt). The snapshot-created event and the fallback schedule both come here, so whichever runs second finds the
 * day's task and does nothing: one export id per day.
 */
export async function runExport(rds: RDSClient, s: ExportSettings, now: Date, wait?: SnapshotWait): Promise<ExportResult> {
  const snapshot = await newestAvailableSnapshot(rds, s, wait);
  return startDayExport(rds, s, exportDay(snapshot.created ?? now, s.timeZone), async () => snapshot);
}

/** What started a run: RDS's snapshot-created event, or anything else (the fallback schedule, a manual invoke). */
export type Trigger =
  | { readonly kind: "snapshot-created"; readonly snapshot: string }
  | { readonly kind: "fallback" }
  | { readonly kind: "ignored"; readonly reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Classifies the invocation input. An RDS event counts only if it is the snapshot-created event of this source's
 * snapshot type and names one of its automated snapshots (`rds:<source>-…`); any other RDS event is ignored (the rule
 * narrows, this decides). Every other input (`{"source":"data-platform.schedule"}`, `{}`) is the fallback.
 */
export function triggerOf(event: unknown, s: ExportSettings): Trigger {
  if (!isRecord(event) || event.source !== "aws.rds") return { kind: "fallback" };
  const wanted = SNAPSHOT_CREATED_EVENTS[s.snapshotType];
  const detail = isRecord(event.detail) ? event.detail : {};
  const id = typeof detail.SourceIdentifier === "string" ? detail.SourceIdentifier : "";
  if (event["detail-type"] !== wanted.detailType || detail.EventID !== wanted.eventId) {
    return { kind: "ignored", reason: `not ${wanted.eventId} (${wanted.detailType})` };
  }
  if (!id.startsWith(`rds:${s.sourceIdentifier}-`)) return { kind: "ignored", reason: `snapshot ${id} is not an automated snapshot of ${s.sourceIdentifier}` };
  return { kind: "snapshot-created", snapshot: id };
}
