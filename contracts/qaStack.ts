/**
 * The QA clone naming scheme: clone names, Pulumi stack names (`qa-<name>`), the clone's physical identifiers, the
 * tags every clone carries, and TTL durations. The CLI, the inline program (stacks/qaClone.ts) and the AWS-side
 * reaper (functions/qa-reaper) all import this module, so they can never disagree about what a QA clone looks like.
 */
import { PROJECT, physicalName } from "./naming";

/** Every QA clone stack is named `qa-<clone name>`. */
export const QA_STACK_PREFIX = "qa-";

/**
 * Longest clone name. The cluster identifier is `data-platform-<env>-qa-<name>`: 14 + env (≤ 12) + 4 + 24 = 54
 * characters at most, below RDS's 63; the instance identifier adds `-1`.
 */
export const MAX_CLONE_NAME_LENGTH = 24;

/** Lower-case letters, digits and single hyphens; starts with a letter, does not end with a hyphen (RDS rules). */
const CLONE_NAME = /^[a-z](?:[a-z0-9]|-(?!-)){0,23}$/;

/** Tag keys carried by the clone's AWS resources and by its Pulumi stack. */
export const QA_TAGS = {
  /** Always `qa`: the reaper and the IAM conditions key on it. */
  purpose: "purpose",
  /** Who asked for the clone. */
  owner: "owner",
  /** ISO 8601 UTC instant after which the clone may be destroyed. */
  expiresAt: "expires-at",
  /** The Pulumi stack that owns the clone (`qa-<name>`). */
  stack: "stack",
  /** The environment whose config created it (`stg`). */
  environment: "environment",
  /** The source cluster identifier: the per-source concurrency cap counts on it. */
  source: "source",
  /** ISO 8601 instant of creation: `extend` measures the maximum TTL from it. */
  createdAt: "created-at",
  /** Stack tag only: creating → masking → ready. A clone is handed out only when ready. */
  status: "status",
  /**
   * Stack tag only: how the clone's data was masked. `engine` (masked and verified in the clone) or
   * `golden:<cluster id>` (cloned from the published masked golden: nothing to mask).
   */
  masking: "masking",
  /** Stack tag only: who ran `qa create` (e.g. a CI run), so its failure handler recovers only its own stack. */
  createdBy: "created-by",
} as const;

/** Value of the `purpose` tag on every QA clone resource. */
export const QA_PURPOSE = "qa";

/** Lifecycle of a clone as recorded in its stack's `status` tag. */
export type CloneStatus = "creating" | "masking" | "ready";

/** Aurora allows at most 15 copy-on-write clones of one source cluster. */
export const AURORA_MAX_CLONES_PER_SOURCE = 15;

/** Why a clone name is invalid, or undefined when it is valid. */
export function cloneNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a clone name is required";
  if (name.length > MAX_CLONE_NAME_LENGTH) return `clone name "${name}" is longer than ${MAX_CLONE_NAME_LENGTH} characters`;
  if (!CLONE_NAME.test(name) || name.endsWith("-")) {
    return `clone name "${name}" must be lower-case letters, digits and single hyphens, start with a letter and not end with a hyphen`;
  }
  return undefined;
}

/** Whether a string is a valid clone name. */
export function isCloneName(name: string): boolean {
  return cloneNameProblem(name) === undefined;
}

/** `qa-<name>`. Throws RangeError on an invalid name (callers validate user input first). */
export function qaStackName(cloneName: string): string {
  const problem = cloneNameProblem(cloneName);
  if (problem) throw new RangeError(problem);
  return `${QA_STACK_PREFIX}${cloneName}`;
}

/** The clone name of a `qa-<name>` stack, or undefined for any other stack. */
export function parseQaStackName(stack: string): string | undefined {
  if (!stack.startsWith(QA_STACK_PREFIX)) return undefined;
  const name = stack.slice(QA_STACK_PREFIX.length);
  return isCloneName(name) ? name : undefined;
}

/** The Pulumi project that holds one environment's QA clone stacks, apart from the platform stacks. */
export function qaProjectName(environment: string): string {
  return `${PROJECT}-qa-${environment}`;
}

/** RDS cluster identifier of a clone: `data-platform-<env>-qa-<name>`. */
export function qaClusterIdentifier(environment: string, cloneName: string): string {
  return physicalName(environment, qaStackName(cloneName));
}

/** Every clone cluster identifier of an environment starts with this (`data-platform-<env>-qa-`); IAM scopes on it. */
export function qaClusterIdentifierPrefix(environment: string): string {
  return physicalName(environment, QA_STACK_PREFIX);
}

/** The tags of a clone's AWS resources. `expiresAt` is rendered as ISO 8601 UTC. */
export function qaResourceTags(args: {
  readonly environment: string;
  readonly cloneName: string;
  readonly owner: string;
  readonly source: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}): Record<string, string> {
  return {
    [QA_TAGS.purpose]: QA_PURPOSE,
    [QA_TAGS.owner]: args.owner,
    [QA_TAGS.expiresAt]: args.expiresAt.toISOString(),
    [QA_TAGS.stack]: qaStackName(args.cloneName),
    [QA_TAGS.environment]: args.environment,
    [QA_TAGS.source]: args.source,
    [QA_TAGS.createdAt]: args.createdAt.toISOString(),
  };
}

/** An ISO 8601 instant with a time zone, as written by `Date.toISOString()`, or undefined. */
export function parseInstant(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const DURATION_UNITS_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as `90m`, `4h` or `3d` in milliseconds, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,5})([mhd])$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2] as keyof typeof DURATION_UNITS_MS];
  return ms > 0 ? ms : undefined;
}

/** A duration in milliseconds as the shortest of `3d`, `4h`, `90m` that is exact. */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m"] as const) {
    if (ms % DURATION_UNITS_MS[unit] === 0) return `${ms / DURATION_UNITS_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
