/** EventBridge patterns the platform forwards to its alert topic. */

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
