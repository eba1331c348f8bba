/** The daily "export ready" notice: which tables analysts can query now, how much data, how long it took, where. */
import type { ExportTask } from "@aws-sdk/client-rds";
import type { Notice } from "../shared/notice";

/** What a completed export produced, from the catalog update and the export task. */
export interface ExportReadyFacts {
  readonly task: ExportTask;
  /** Glue tables the catalog now points at the new export. */
  readonly tables: readonly string[];
  /** `<db>.<table>` targets that did not export completely. */
  readonly skipped: readonly string[];
  /** The Glue database analysts query in Athena. */
  readonly athenaDatabase: string;
}

/** Whole minutes between the task's start and end, when RDS reported both. */
export function durationMinutes(task: ExportTask): number | undefined {
  const start = task.TaskStartTime?.getTime();
  const end = task.TaskEndTime?.getTime();
  return start === undefined || end === undefined || end < start ? undefined : Math.round((end - start) / 60_000);
}

/**
 * The notice. Data size is what RDS reports for the task (`TotalExtractedDataInGB`, whole gigabytes of source data
 * extracted), in bytes; "unknown" when RDS reported none.
 */
export function exportReadyNotice(f: ExportReadyFacts): Notice {
  const id = f.task.ExportTaskIdentifier ?? "(unknown)";
  const minutes = durationMinutes(f.task);
  const gb = f.task.TotalExtractedDataInGB;
  const bytes = gb === undefined ? "unknown" : gb * 1024 ** 3;
  const count = `${f.tables.length} table${f.tables.length === 1 ? "" : "s"}`;
  const lines = [
    `${count} of export ${id} can be queried in Athena database ${f.athenaDatabase}.`,
    ...(f.skipped.length > 0 ? [`Not exported completely, so not cataloged: ${f.skipped.join(", ")}.`] : []),
  ];
  return {
    title: `export ${id} ready: ${count}`,
    description: lines.join("\n"),
    facts: {
      exportTaskIdentifier: id,
      athenaDatabase: f.athenaDatabase,
      tables: f.tables.join(", "),
      tableCount: f.tables.length,
      skippedTables: f.skipped.length > 0 ? f.skipped.join(", ") : "none",
      extractedBytes: bytes,
      durationMinutes: minutes ?? "unknown",
    },
    keywords: ["export-ready"],
  };
}
