/**
 * The one typed schema for `Pulumi.<stack>.yaml`. It is parsed once, before any resource is registered, and a bad
 * file gets one error listing every problem with its key path.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ENVIRONMENT_PATTERN, PROJECT } from "../contracts/naming";
import { bigqueryProblems, bigquerySchema } from "./bigqueryConfig";

/** Athena refuses a per-query cutoff below 10 MB. */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;

const MYSQL_IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;
const mysqlIdentifier = z
  .string()
  .regex(MYSQL_IDENTIFIER, "must be a MySQL identifier: letters, digits, _ or $, at most 64 characters");

/** EventBridge Scheduler cron: six fields, one of day-of-month and day-of-week is "?". */
const schedulerCron = z
  .string()
  .trim()
  .refine((expr) => {
    const fields = expr.split(/\s+/);
    if (fields.length !== 6) return false;
    if (!fields.every((f) => /^[0-9A-Z*?,/\-LW#]+$/.test(f))) return false;
    return (fields[2] === "?") !== (fields[4] === "?");
  }, 'must be an EventBridge Scheduler cron with six fields, e.g. "0 0 * * ? *" (one of day-of-month and day-of-week is "?")');

const ianaTimezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Asia/Tokyo");

const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an e-mail address");

const iamPrincipalArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/, "must be an IAM role or user ARN");

const positiveInt = (max: number) => z.number().int().min(1).max(max);

const schema = z
  .object({
    environment: z.string().regex(ENVIRONMENT_PATTERN, "must be lower case letters and digits, start with a letter, at most 12 characters"),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as ap-northeast-1"),
    sourceClusterIdentifier: z
      .string()
      .regex(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$/, "must be an RDS cluster identifier"),
    databases: z.array(mysqlIdentifier).min(1, "must name at least one database"),
    exportSchedule: z
      .object({
        cron: schedulerCron.default("0 0 * * ? *"),
        timezone: ianaTimezone.default("Asia/Tokyo"),
      })
      .strict()
      .default({ cron: "0 0 * * ? *", timezone: "Asia/Tokyo" }),
    exportRetentionDays: positiveInt(3650),
    queryResultRetentionDays: positiveInt(3650).default(7),
    alertEmails: z.array(email).min(1, "must list at least one address"),
    athenaBytesScannedCutoff: z
      .number()
      .int()
      .min(MIN_BYTES_SCANNED_CUTOFF, `must be at least ${MIN_BYTES_SCANNED_CUTOFF} bytes (Athena's minimum)`),
    exportOnly: z
      .array(z.string().regex(/^[A-Za-z0-9_$]{1,64}(\.[A-Za-z0-9_$]{1,64})?$/, 'must be "database" or "database.table"'))
      .min(1)
      .optional(),
    analystPrincipalArns: z.array(iamPrincipalArn).default([]),
    protectData: z.boolean().optional(),
    /** Optional daily BigQuery load of exported tables; absent means no GCP resources at all. */
    bigquery: bigquerySchema.optional(),
    // Reserved: its shape is settled by the QA clone (#5) work.
    qa: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (Number.isInteger(c.exportRetentionDays) && c.exportRetentionDays >= 1 && c.queryResultRetentionDays > c.exportRetentionDays) {
      ctx.addIssue({
        code: "custom",
        path: ["queryResultRetentionDays"],
        message: `must not exceed exportRetentionDays (${c.exportRetentionDays}): query results expire sooner than exports`,
      });
    }
    // Cross-checks run only on fields that are valid themselves, so one mistake is reported once.
    const databasesValid = c.databases.length > 0 && c.databases.every((d) => MYSQL_IDENTIFIER.test(d));
    let exportOnlyValid = true;
    for (const entry of databasesValid ? (c.exportOnly ?? []) : []) {
      const db = entry.split(".")[0];
      if (!c.databases.includes(db)) {
        exportOnlyValid = false;
        ctx.addIssue({ code: "custom", path: ["exportOnly"], message: `${entry} names database ${db}, which is not in databases` });
      }
    }
    const bigquery = c.bigquery === undefined ? undefined : bigquerySchema.safeParse(c.bigquery);
    if (bigquery?.success && databasesValid && exportOnlyValid) {
      const problems = bigqueryProblems(bigquery.data, {
        databases: c.databases,
        exportOnly: c.exportOnly,
        exportCron: c.exportSchedule.cron,
        exportTimezone: c.exportSchedule.timezone,
      });
      for (const p of problems) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    }
  });

type ParsedConfig = z.output<typeof schema>;

/** Settings that differ between a production stack and the others; derived in one place. */
export interface Protection {
  /** `protect` on data-bearing resources (key, export bucket, Glue database). */
  readonly protect: boolean;
  /** Let `pulumi destroy` empty buckets. Only for non-production stacks. */
  readonly forceDestroy: boolean;
  /** KMS key deletion waiting period, days. */
  readonly keyDeletionWindowDays: number;
}

/** The validated stack configuration. */
export type PlatformConfig = ParsedConfig & { readonly protection: Protection };

/** Every problem in a stack's config, each with its key path. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
  }
}

/** Where a schema field lives in Pulumi config: `aws:region` for the region, `data-platform:<key>` otherwise. */
function keyPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  const top = head === "region" ? "aws:region" : `${PROJECT}:${head}`;
  return [top, ...rest].join(".");
}

/** Pulumi hands every config value over as a string; structured values and numbers arrive as JSON. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Validates raw Pulumi config (`{"data-platform:environment": "stg", "aws:region": "…"}`).
 * @throws ConfigError listing every problem.
 */
export function parseConfig(raw: Readonly<Record<string, string>>): PlatformConfig {
  const input: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === "aws:region") input.region = value;
    else if (key.startsWith(`${PROJECT}:`)) input[key.slice(PROJECT.length + 1)] = decode(value);
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) problems.push(`${keyPath([...issue.path, k])}: unknown key`);
      } else {
        const message = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
        problems.push(`${keyPath(issue.path)}: ${message}`);
      }
    }
    throw new ConfigError(problems);
  }
  const c = result.data;
  const production = c.protectData ?? c.environment.startsWith("prod");
  return {
    ...c,
    protection: {
      protect: production,
      forceDestroy: !production,
      keyDeletionWindowDays: production ? 30 : 7,
    },
  };
}

/** Reads and validates the current stack's config. */
export function loadConfig(): PlatformConfig {
  return parseConfig(pulumi.runtime.allConfig());
}
