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

/**
 * Starts today's export of the newest automated snapshot unless today's task already exists (see startDayExport:
 * idempotent per day, `-r<n>` after a failed attempt).
 */
export async function runExport(rds: RDSClient, s: ExportSettings, now: Date): Promise<ExportResult> {
  return startDayExport(rds, s, exportDay(now, s.timeZone), () => newestAvailableSnapshot(rds, s));
}
