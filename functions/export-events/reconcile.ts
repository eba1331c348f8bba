/**
 * Reconciliation: RDS's record of this stack's export tasks (DescribeExportTasks) against the Glue catalog. RDS
 * delivers events on a best-effort basis, so a completed export whose event was lost, or whose catalog move failed
 * after its retries, would leave the stable tables on an older export until the dead-man's switch pages. The
 * reconcile run (on a schedule) finds the newest completed export and moves every table it exported completely that
 * still points at an older one. Idempotent: once the tables point at the newest export, a run changes nothing and
 * emits no metric.
 */
import { type GlueClient, paginateGetTables } from "@aws-sdk/client-glue";
import { type ExportTask, type RDSClient, paginateDescribeExportTasks } from "@aws-sdk/client-rds";
import { glueTableName, parseExportId } from "../../contracts/exportLayout";

/** Glue table parameter that names the export a stable table points at (written by `tableInput`). */
export const EXPORT_ID_PARAMETER = "data_platform.export_id";

/** Orders two of this environment's export ids by day, then attempt; undefined ids sort first. */
export function compareExportIds(environment: string, a: string | undefined, b: string | undefined): number {
  const pa = a ? parseExportId(environment, a) : undefined;
  const pb = b ? parseExportId(environment, b) : undefined;
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return pa.day === pb.day ? pa.attempt - pb.attempt : pa.day < pb.day ? -1 : 1;
}

/** This stack's export tasks (identifier ours, files in our bucket), every page. */
export async function stackExportTasks(rds: RDSClient, environment: string, bucketName: string): Promise<ExportTask[]> {
  const tasks: ExportTask[] = [];
  for await (const page of paginateDescribeExportTasks({ client: rds }, { Filters: [{ Name: "s3-bucket", Values: [bucketName] }] })) {
    tasks.push(...(page.ExportTasks ?? []));
  }
  // The filter is the API's; this check is ours.
  return tasks.filter((t) => t.S3Bucket === bucketName && t.ExportTaskIdentifier !== undefined && parseExportId(environment, t.ExportTaskIdentifier) !== undefined);
}

/** The newest task whose status is COMPLETE, by export id (day, then attempt). */
export function newestComplete(environment: string, tasks: readonly ExportTask[]): ExportTask | undefined {
  return tasks
    .filter((t) => (t.Status ?? "").toUpperCase() === "COMPLETE")
    .reduce<ExportTask | undefined>((best, t) => (compareExportIds(environment, t.ExportTaskIdentifier, best?.ExportTaskIdentifier) > 0 ? t : best), undefined);
}

/** Where every stable table points: Glue table name → export id (tables without the parameter are left out). */
export async function stableTablePointers(glue: GlueClient, databaseName: string): Promise<Map<string, string>> {
  const pointers = new Map<string, string>();
  for await (const page of paginateGetTables({ client: glue }, { DatabaseName: databaseName })) {
    for (const t of page.TableList ?? []) {
      const id = t.Parameters?.[EXPORT_ID_PARAMETER];
      if (t.Name && id) pointers.set(t.Name, id);
    }
  }
  return pointers;
}

/** What a reconcile run found and did. */
export interface ReconcileResult {
  readonly action: "reconciled";
  /** The newest completed export, if any. */
  readonly newest?: string;
  /** Tables of the newest export that pointed at an older export (or did not exist) before this run. */
  readonly behind: string[];
  /** Whether the catalog was moved (only when something was behind). */
  readonly moved: boolean;
}

/** The tables an export lists as complete, named as the catalog names them. */
export interface ExportTableNames {
  readonly complete: readonly { readonly database: string; readonly schema?: string; readonly table: string }[];
}

/**
 * Compares and repairs. `readTables` lists the newest export's complete tables (from its metadata files) and `move`
 * is the same catalog move the completion event runs (export-ready notice included), so a reconciled export ends
 * exactly like an evented one.
 */
export async function reconcile(
  deps: { readonly rds: RDSClient; readonly glue: GlueClient; readonly environment: string; readonly bucketName: string; readonly databaseName: string },
  readTables: (exportTaskIdentifier: string) => Promise<ExportTableNames>,
  move: (task: ExportTask & { readonly ExportTaskIdentifier: string }) => Promise<unknown>,
): Promise<ReconcileResult> {
  const newestTask = newestComplete(deps.environment, await stackExportTasks(deps.rds, deps.environment, deps.bucketName));
  const newest = newestTask?.ExportTaskIdentifier;
  if (!newestTask || !newest) return { action: "reconciled", behind: [], moved: false };
  const [tables, pointers] = await Promise.all([readTables(newest), stableTablePointers(deps.glue, deps.databaseName)]);
  const behind = tables.complete
    .map((t) => glueTableName(t.database, t.table, t.schema))
    .filter((name) => compareExportIds(deps.environment, pointers.get(name), newest) < 0);
  if (behind.length === 0) return { action: "reconciled", newest, behind, moved: false };
  await move({ ...newestTask, ExportTaskIdentifier: newest });
  return { action: "reconciled", newest, behind, moved: true };
}
