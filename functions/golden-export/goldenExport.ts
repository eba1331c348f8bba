/**
 * The masked export: start the day's export task from the golden's snapshot, with the same id, prefix, role, key and
 * ExportOnly as the raw daily export (functions/shared/exportTask), so analytics get masked Parquet under the same
 * layout and the export-events handler moves the same stable Glue tables to it.
 */
import { DBClusterSnapshotNotFoundFault, DescribeDBClusterSnapshotsCommand, type RDSClient } from "@aws-sdk/client-rds";
import { GOLDEN_TAG, goldenClusterId, goldenSnapshotId } from "../../contracts/golden";
import { ExportError, type ExportResult, type ExportSource, type ExportTarget, startDayExport } from "../shared/exportTask";

/** A request that is not about one of this environment's goldens; never retried into an export. */
export class GoldenExportRequestError extends Error {
  override readonly name = "GoldenExportRequestError";
}

/** The golden's masked snapshot, which must be available and tagged golden; anything else is refused. */
async function goldenSnapshot(rds: RDSClient, snapshotId: string): Promise<ExportSource> {
  let snap;
  try {
    snap = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId }))).DBClusterSnapshots?.[0];
  } catch (err) {
    if (!(err instanceof DBClusterSnapshotNotFoundFault)) throw err;
  }
  if (!snap?.DBClusterSnapshotArn) throw new ExportError("no-snapshot", `the golden snapshot ${snapshotId} does not exist`);
  const tagged = (snap.TagList ?? []).some((tag) => tag.Key === GOLDEN_TAG.key && tag.Value === GOLDEN_TAG.value);
  // The id alone could be a hand-made snapshot; only what the refresh tagged after masking is exported.
  if (!tagged) throw new GoldenExportRequestError(`snapshot ${snapshotId} is not tagged ${GOLDEN_TAG.key}=${GOLDEN_TAG.value}; refusing to export it`);
  if (snap.Status !== "available") {
    throw new ExportError("snapshot-not-available", `the golden snapshot ${snapshotId} is "${snap.Status}", not "available"; run the export again once it is`);
  }
  return { arn: snap.DBClusterSnapshotArn, created: snap.SnapshotCreateTime };
}

/**
 * Starts (or finds) the export of one day's golden snapshot under that day's export id. The day names the snapshot,
 * so a caller can never point the export at another snapshot.
 */
export async function exportGolden(rds: RDSClient, t: ExportTarget, day: string): Promise<ExportResult & { readonly snapshotId: string }> {
  if (typeof day !== "string" || !/^\d{8}$/.test(day)) throw new GoldenExportRequestError(`day must be yyyymmdd, got ${JSON.stringify(day)}`);
  const snapshotId = goldenSnapshotId(goldenClusterId(t.environment, day));
  const result = await startDayExport(rds, t, day, () => goldenSnapshot(rds, snapshotId));
  return { ...result, snapshotId };
}
