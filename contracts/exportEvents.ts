/**
 * The RDS events that end an export task, and what each one means. The EventBridge rule (infra) and the
 * completion handler (functions/export-events) both read this table, so they can never disagree.
 *
 * Sources: "Amazon RDS event categories and event messages" (RDS and Aurora user guides):
 * DB snapshot 0159/0160/0161, DB cluster snapshot 0162/0163/0164, DB cluster (direct export) 0234/0235/0236.
 */

/** How an export task ended. */
export type ExportOutcome = "completed" | "failed" | "canceled";

/** RDS event id → outcome of the export task it reports. */
export const EXPORT_EVENT_OUTCOMES: Readonly<Record<string, ExportOutcome>> = {
  "RDS-EVENT-0159": "failed", // DB snapshot export task failed
  "RDS-EVENT-0160": "canceled", // DB snapshot export task canceled
  "RDS-EVENT-0161": "completed", // DB snapshot export task completed
  "RDS-EVENT-0162": "failed", // DB cluster snapshot export task failed
  "RDS-EVENT-0163": "canceled", // DB cluster snapshot export task canceled
  "RDS-EVENT-0164": "completed", // DB cluster snapshot export task completed
  "RDS-EVENT-0234": "failed", // DB cluster export task failed
  "RDS-EVENT-0235": "canceled", // DB cluster export task canceled
  "RDS-EVENT-0236": "completed", // DB cluster export task completed
};

/** EventBridge detail-types RDS uses for the three source types above. */
export const EXPORT_EVENT_DETAIL_TYPES = ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event", "RDS DB Cluster Event"] as const;

/** The `ExportTask.Status` values an outcome corresponds to (DescribeExportTasks reports upper case). */
export const OUTCOME_STATUS: Readonly<Record<ExportOutcome, string>> = {
  completed: "COMPLETE",
  failed: "FAILED",
  canceled: "CANCELED",
};

/**
 * The RDS event that a new automated snapshot of the source is ready, per snapshot type: the export starts on it.
 * Sources: Aurora user guide, DB cluster snapshot events, RDS-EVENT-0169 "Automated cluster snapshot created";
 * RDS user guide, DB snapshot events, RDS-EVENT-0091 "Automated snapshot created".
 */
export const SNAPSHOT_CREATED_EVENTS = {
  cluster: { detailType: "RDS DB Cluster Snapshot Event", eventId: "RDS-EVENT-0169" },
  instance: { detailType: "RDS DB Snapshot Event", eventId: "RDS-EVENT-0091" },
} as const;

/** The input the reconcile schedule sends export-events (infra builds the schedule, the handler recognises it). */
export const RECONCILE_INPUT = { source: "data-platform.reconcile" } as const;

/** Custom metrics the pipeline emits, in one namespace, with an `Environment` dimension. */
export const EXPORT_METRICS = {
  namespace: "DataPlatform/Exports",
  /** 1 per completed export whose catalog was moved to it; the dead-man's switch watches this. */
  completed: "ExportCompleted",
  /** Glue tables created or re-pointed for a completed export. */
  tablesCataloged: "TablesCataloged",
} as const;
