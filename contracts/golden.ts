/**
 * The masked-golden contract: how a day's golden cluster, its instance and its snapshot are named, and where the
 * published golden is announced. The state machine, its step Lambdas and `qa create` all import this module.
 */
import { PROJECT } from "./naming";

/** Tag every golden resource carries; the cleanup step deletes only what has it. */
export const GOLDEN_TAG = { key: "purpose", value: "golden" } as const;

/** `golden-<env>-<yyyymmdd>`: the day's golden cluster (RDS identifiers: letters, digits, hyphens, ≤ 63). */
export function goldenClusterId(environment: string, day: string): string {
  if (!/^[a-z][a-z0-9]*$/.test(environment)) throw new RangeError(`invalid environment: ${environment}`);
  if (!/^\d{8}$/.test(day)) throw new RangeError(`invalid golden day (want yyyymmdd): ${day}`);
  return `golden-${environment}-${day}`;
}

/** The day of one of this environment's golden identifiers (cluster, `-instance`, `-snapshot`), or undefined. */
export function goldenDay(environment: string, identifier: string): string | undefined {
  const m = /^golden-([a-z][a-z0-9]*)-(\d{8})(?:-(?:instance|snapshot))?$/.exec(identifier);
  return m && m[1] === environment ? m[2] : undefined;
}

/** The golden cluster's single instance. */
export function goldenInstanceId(clusterId: string): string {
  return `${clusterId}-instance`;
}

/** The masked snapshot taken of a golden cluster. */
export function goldenSnapshotId(clusterId: string): string {
  return `${clusterId}-snapshot`;
}

/**
 * The engine defaults a golden clone of an Aurora MySQL 3 (MySQL 8.0) source gets: RestoreDBClusterToPointInTime
 * without a named group is authorised on these too (Service Authorization Reference: cluster-pg and og are required
 * resource types of the action).
 */
export const AURORA_MYSQL3_DEFAULT_GROUPS = { clusterParameterGroup: "default.aurora-mysql8.0", optionGroup: "default:aurora-mysql-8-0" } as const;

/** SSM parameter holding the published golden's cluster identifier; `qa create` reads it. */
export function goldenParameterName(environment: string): string {
  return `/${PROJECT}/${environment}/golden/cluster-id`;
}

/** The parameter's value before the first golden is published (SSM values cannot be empty). */
export const GOLDEN_PARAMETER_PLACEHOLDER = "none";

/** Whether a value read from the parameter names one of this environment's goldens (not the placeholder). */
export function isGoldenClusterId(environment: string, value: string | undefined): value is string {
  return value !== undefined && goldenDay(environment, value) !== undefined && !/-(instance|snapshot)$/.test(value);
}

/** Prefix of every golden identifier of an environment (`golden-<env>-`); IAM, event patterns and cleanup key on it. */
export function goldenIdentifierPrefix(environment: string): string {
  return `golden-${environment}-`;
}

/** CloudWatch namespace and metric the dead-man's switch watches. */
export const GOLDEN_METRIC = { namespace: "DataPlatform/Golden", name: "GoldenPublished" } as const;
