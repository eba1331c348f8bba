/** EventBridge patterns the platform forwards to its alert topic. */
import { EXPORT_EVENT_DETAIL_TYPES, EXPORT_EVENT_OUTCOMES, SNAPSHOT_CREATED_EVENTS } from "../../contracts/exportEvents";

/** AWS Health services whose events page the team (the seed's "AWS Health → notification"). */
export const HEALTH_SERVICES = ["RDS", "S3", "LAMBDA", "GLUE"] as const;

/** Every AWS Health event about the services the platform depends on. */
export function healthEventsPattern(services: readonly string[] = HEALTH_SERVICES): Record<string, unknown> {
  return { source: ["aws.health"], "detail-type": ["AWS Health Event"], detail: { service: [...services] } };
}

/** A named Glue crawler that ends in failure. */
export function crawlerFailurePattern(crawlerNames: readonly string[]): Record<string, unknown> {
  return {
    source: ["aws.glue"],
    "detail-type": ["Glue Crawler State Change"],
    detail: { crawlerName: [...crawlerNames], state: ["Failed"] },
  };
}

/**
 * RDS events that end an export task (contracts/exportEvents), narrowed to this stack's exports. For snapshot
 * exports RDS reports the snapshot as `SourceIdentifier` (automated snapshots are named `rds:<source>-<time>`);
 * for direct cluster exports it is the cluster. `<env>-` (this stack's export ids) is matched as well, in case the
 * task itself is named. The rule narrows; the handler decides, by looking the task up and checking its identifier
 * with parseExportId, so a foreign event that slips through is ignored. `extraPrefixes` adds other snapshots whose
 * exports are this stack's: the masked golden's (`golden-<env>-`).
 */
export function exportEventsPattern(environment: string, sourceIdentifier: string, extraPrefixes: readonly string[] = []): Record<string, unknown> {
  return {
    source: ["aws.rds"],
    "detail-type": [...EXPORT_EVENT_DETAIL_TYPES],
    detail: {
      EventID: Object.keys(EXPORT_EVENT_OUTCOMES),
      SourceIdentifier: [{ prefix: `rds:${sourceIdentifier}-` }, sourceIdentifier, { prefix: `${environment}-` }, ...extraPrefixes.map((prefix) => ({ prefix }))],
    },
  };
}

/**
 * A new automated snapshot of the source is ready (contracts/exportEvents SNAPSHOT_CREATED_EVENTS): automated
 * snapshots are named `rds:<source>-<time>`, so the prefix keeps other sources' and manual snapshots out.
 */
export function snapshotCreatedPattern(snapshotType: "cluster" | "instance", sourceIdentifier: string): Record<string, unknown> {
  const event = SNAPSHOT_CREATED_EVENTS[snapshotType];
  return {
    source: ["aws.rds"],
    "detail-type": [event.detailType],
    detail: { EventID: [event.eventId], SourceIdentifier: [{ prefix: `rds:${sourceIdentifier}-` }] },
  };
}
