/**
 * The one typed schema for `Pulumi.<stack>.yaml`. It is parsed once, before any resource is registered, and a bad
 * file gets one error listing every problem with its key path.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ENVIRONMENT_PATTERN, PROJECT } from "../contracts/naming";
import { loadRules } from "../sql/masking/rules";
import { AURORA_MAX_CLONES_PER_SOURCE, parseDuration } from "../contracts/qaStack";
import { budgetSchema, slackSchema } from "./analyticsConfig";
import { bigqueryProblems, bigquerySchema } from "./bigqueryConfig";
import { quicksightProblems, quicksightSchema } from "./quicksightConfig";
import { ianaTimezone, schedulerCron } from "./configFields";
import { describeIssue, namespaceProblems } from "./configProblems";
import { type GoldenConfig, goldenSchema, resolveGolden } from "./goldenConfig";

/** Athena refuses a per-query cutoff below 10 MB. */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;

const MYSQL_IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;
const mysqlIdentifier = z
  .string()
  .regex(MYSQL_IDENTIFIER, "must be a MySQL identifier: letters, digits, _ or $, at most 64 characters");

const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an e-mail address");

const iamPrincipalArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/, "must be an IAM role or user ARN");

const positiveInt = (max: number) => z.number().int().min(1).max(max);

const githubEnvironment = z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, "must be a GitHub environment name");

const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as ap-northeast-1");

/**
 * GitHub Actions delivery: the OIDC provider and the preview and deploy roles the workflows assume, and where this
 * stack's Pulumi state lives. Absent: no delivery resources are built.
 */
const github = z
  .object({
    /** `owner/repo`; the trust policies match the token's `sub` exactly against it. */
    repository: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'must be "owner/repo"'),
    /** The IAM OIDC provider is one per account: create it in one stack, look it up in the others. */
    createOidcProvider: z.boolean().default(true),
    /** GitHub environment whose jobs may assume the deploy role. Default: the stack's environment name. */
    deployEnvironment: githubEnvironment.optional(),
    /**
     * GitHub environment whose jobs may assume the preview role. Default: `<environment>-preview` for production
     * stacks (an environment with required reviewers), none for the others (any pull-request job of the repository).
     */
    previewEnvironment: githubEnvironment.optional(),
    /** S3 bucket of the Pulumi DIY backend. */
    stateBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    /**
     * This stack's own folder in the bucket (`s3://<bucket>/<prefix>`): its roles reach `<prefix>/.pulumi/…` and
     * nothing else. Every stack has its own.
     */
    statePrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/, 'must be a path such as "data-platform/stg" (lower case, no leading or trailing "/")'),
    /** Region of the state bucket. */
    stateRegion: region,
    /** KMS key of this stack's `awskms://` secrets provider. Every stack has its own. */
    stateKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"),
  })
  .strict();
/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
const clusterIdentifier = z
  .string()
  .regex(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$/, "must be an RDS cluster identifier");

/** `90m`, `4h`, `3d`: parsed to milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: 'must be a duration such as "90m", "4h" or "3d"' });
    return z.NEVER;
  }
  return ms;
});

/** An IPv4 CIDR that is not the whole internet: a QA clone holds production-shaped data. */
const privateCidr = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/, "must be an IPv4 CIDR such as 10.0.0.0/16")
  .refine((c) => Number(c.split("/")[1]) >= 8, "must be /8 or narrower: a QA clone is never open to the internet");

/** How people reach a clone in private subnets. */
const qaConnect = z.discriminatedUnion("via", [
  z
    .object({
      via: z.literal("bastion"),
      /** SSH host that can reach the clone (`ssh -L`). */
      host: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "must be a host name or IPv4 address"),
      user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("ec2-user"),
    })
    .strict(),
  z
    .object({
      via: z.literal("ssm"),
      /** EC2 instance (with the SSM agent) that forwards the port (AWS-StartPortForwardingSessionToRemoteHost). */
      instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, "must be an EC2 instance id such as i-0123456789abcdef0"),
    })
    .strict(),
]);

/**
 * QA clones. Absent or `enabled: false`: the `qa` commands refuse to run for this stack. Durations are
 * milliseconds once parsed.
 */
const qaSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Clusters that may be cloned; the first is the default `--source`. Default: sourceClusterIdentifier. */
    sourceClusterIdentifiers: z.array(clusterIdentifier).min(1).optional(),
    defaultTtl: duration.prefault("4h"),
    maxTtl: duration.prefault("72h"),
    maxClonesPerSource: z
      .number()
      .int()
      .min(1)
      .max(AURORA_MAX_CLONES_PER_SOURCE, `must be at most ${AURORA_MAX_CLONES_PER_SOURCE} (Aurora's copy-on-write clone limit per source)`)
      .default(5),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS instance class such as db.r6g.large").default("db.r6g.large"),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id such as vpc-0123456789abcdef0").optional(),
    /** Private subnets for the clone's subnet group, in at least two availability zones. */
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id")).min(2, "must list at least two subnets (RDS needs two AZs)").optional(),
    allowedCidrs: z.array(privateCidr).default([]),
    allowedSecurityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id")).default([]),
    connect: qaConnect.optional(),
    /** Masking rules passed to `mask run --rules`, relative to the repository root. */
    maskingRules: z.string().min(1).default("sql/masking.yaml"),
    /** How long past `expires-at` the AWS-side reaper waits before it deletes a clone. */
    reaperGracePeriod: duration.prefault("2h"),
    /**
     * Reserved concurrency of the AWS-side reaper; absent reserves none (accounts with a low Lambda concurrency
     * quota reject any reservation, and overlapping sweeps are safe).
     */
    reaperReservedConcurrency: z.number().int().min(1).max(10).optional(),
    /** Pulumi secrets provider for clone stacks, e.g. `awskms://alias/…`. Default: the backend's. */
    secretsProvider: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (!q.enabled) return;
    for (const key of ["vpcId", "subnetIds", "connect"] as const) {
      if (q[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: "is required when QA clones are enabled" });
    }
    if (q.allowedCidrs.length === 0 && q.allowedSecurityGroupIds.length === 0) {
      ctx.addIssue({ code: "custom", path: ["allowedCidrs"], message: "list at least one CIDR or security group (allowedSecurityGroupIds) that may connect" });
    }
    if (typeof q.defaultTtl === "number" && typeof q.maxTtl === "number" && q.defaultTtl > q.maxTtl) {
      ctx.addIssue({ code: "custom", path: ["defaultTtl"], message: "must not exceed maxTtl" });
    }
  });

const schema = z
  .object({
    environment: z.string().regex(ENVIRONMENT_PATTERN, "must be lower case letters and digits, start with a letter, at most 12 characters"),
    region,
    sourceClusterIdentifier: clusterIdentifier,
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
    /**
     * Who administers the data key besides the `github` deploy role (and the account's root user, always): the
     * principal that runs `pulumi up` must be one. Required when there is no `github` block.
     */
    keyAdministratorArns: z.array(iamPrincipalArn).default([]),
    // Aurora exports cluster snapshots; "instance" exports DB instance snapshots of a non-Aurora RDS source, in
    // which case sourceClusterIdentifier names the DB instance.
    snapshotType: z.enum(["cluster", "instance"]).default("cluster"),
    lambdaLogRetentionDays: z
      .number()
      .int()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(", ")} (CloudWatch Logs retention values)`)
      .default(30),
    // Dead-man's switch: page when no export completed for this many hours. Over 24 so that a daily export that
    // finishes a little later than yesterday's does not page; at most a week (CloudWatch's evaluation limit).
    exportStaleAfterHours: z.number().int().min(25, "must be more than 24 for a daily export").max(168).default(30),
    // Reserved concurrency of the export function; absent reserves none (accounts with a low concurrency quota
    // reject any reservation, and the export is safe without one).
    exportReservedConcurrency: z.number().int().min(1).max(10).optional(),
    protectData: z.boolean().optional(),
    github: github.optional(),
    /** Optional daily BigQuery load of exported tables; absent means no GCP resources at all. */
    bigquery: bigquerySchema.optional(),
    qa: qaSchema.optional(),
    /** A monthly AWS cost budget over the stack's tagged resources, alerting the topic; absent means none. */
    budget: budgetSchema.optional(),
    /** The alert topic in a Slack channel through AWS Chatbot, read-only; absent means none. */
    slack: slackSchema.optional(),
    /** QuickSight over the Athena workgroup: a data source and one data set per configured table; absent means none. */
    quicksight: quicksightSchema.optional(),
    /** A daily "export ready" notice (tables, size, duration, Athena database) to the alert topic. Default off. */
    exportNotices: z.boolean().default(false),
    /** The daily masked golden cluster; absent or `enabled: false` builds nothing. */
    golden: goldenSchema.optional(),
    /**
     * What the daily analytics export reads: `raw` (the source's newest automated snapshot) or `masked` (the
     * golden's snapshot, started by the golden refresh). Default: `masked` in production when the golden is
     * enabled, else `raw`.
     */
    exportSource: z.enum(["raw", "masked"]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.github === undefined && c.keyAdministratorArns.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["keyAdministratorArns"],
        message: "name at least one key administrator (the role or user that runs pulumi up): without a github block no deploy role is one",
      });
    }
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
    const exportScheduleValid = schedulerCron.safeParse(c.exportSchedule.cron).success && ianaTimezone.safeParse(c.exportSchedule.timezone).success;
    const bigquery = c.bigquery === undefined ? undefined : bigquerySchema.safeParse(c.bigquery);
    if (bigquery?.success && databasesValid && exportOnlyValid && exportScheduleValid) {
      const problems = bigqueryProblems(bigquery.data, {
        databases: c.databases,
        exportOnly: c.exportOnly,
      });
      for (const p of problems) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    }
    const quicksight = c.quicksight === undefined ? undefined : quicksightSchema.safeParse(c.quicksight);
    if (quicksight?.success && databasesValid && exportOnlyValid) {
      for (const p of quicksightProblems(quicksight.data, { databases: c.databases, exportOnly: c.exportOnly })) {
        ctx.addIssue({ code: "custom", path: p.path, message: p.message });
      }
    }
    const golden = c.golden === undefined ? undefined : goldenSchema.safeParse(c.golden);
    if (exportScheduleValid && (golden === undefined || golden.success)) {
      const { problems } = resolveGolden(golden?.data, {
        exportCron: c.exportSchedule.cron,
        exportTimezone: c.exportSchedule.timezone,
        exportSource: c.exportSource ?? defaultExportSource(c.environment, c.protectData, golden?.data?.enabled),
      });
      for (const p of problems) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    }
    // A QA clone of a golden re-reads its source on `qa extend`: the golden must outlive the longest clone.
    if (golden?.success && golden.data.enabled && c.qa?.enabled && typeof c.qa.maxTtl === "number") {
      const days = Math.ceil(c.qa.maxTtl / 86_400_000);
      if (golden.data.retentionDays < days) {
        ctx.addIssue({
          code: "custom",
          path: ["golden", "retentionDays"],
          message: `must be at least ${days} (qa.maxTtl): a clone's golden must exist as long as the clone can be extended`,
        });
      }
    }
  });

/** Production stacks are the ones named prod… unless protectData says otherwise. */
function isProduction(environment: string, protectData: boolean | undefined): boolean {
  return protectData ?? environment.startsWith("prod");
}

/** `masked` for production with the golden enabled (raw PII never leaves production by default), else `raw`. */
function defaultExportSource(environment: string, protectData: boolean | undefined, goldenEnabled: boolean | undefined): "raw" | "masked" {
  return isProduction(environment, protectData) && goldenEnabled === true ? "masked" : "raw";
}

type ParsedConfig = z.output<typeof schema>;

/** The `github` block with its defaults filled in; no previewEnvironment means pull-request jobs may preview. */
export type GitHubConfig = z.output<typeof github> & { readonly deployEnvironment: string };
/** The parsed `qa` block; durations in milliseconds. */
export type QaConfig = z.output<typeof qaSchema>;

/** Settings that differ between a production stack and the others; derived in one place. */
export interface Protection {
  /** `protect` on data-bearing resources (key, export bucket, Glue database). */
  readonly protect: boolean;
  /** Let `pulumi destroy` empty buckets. Only for non-production stacks. */
  readonly forceDestroy: boolean;
  /** KMS key deletion waiting period, days. */
  readonly keyDeletionWindowDays: number;
}

/** The validated stack configuration. `golden` is present only when enabled, with its schedule resolved. */
export type PlatformConfig = Omit<ParsedConfig, "github" | "golden" | "exportSource"> & {
  readonly protection: Protection;
  readonly github?: GitHubConfig;
  readonly golden?: GoldenConfig;
  readonly exportSource: "raw" | "masked";
};
export type { GoldenConfig } from "./goldenConfig";

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
export function parseConfig(raw: Readonly<Record<string, string>>, options: ParseOptions = {}): PlatformConfig {
  const input: Record<string, unknown> = {};
  const problems: string[] = namespaceProblems(Object.keys(raw));
  for (const [key, value] of Object.entries(raw)) {
    if (key === "aws:region") input.region = value;
    else if (key.startsWith(`${PROJECT}:`)) input[key.slice(PROJECT.length + 1)] = decode(value);
  }
  const secretKeys = new Set(options.secretKeys ?? []);
  const isSecret = (path: readonly PropertyKey[]) => secretKeys.has(keyPath(path.slice(0, 1)));
  // reportInput: the messages show the value that was given, not only what was expected.
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...describeIssue(issue, schema, keyPath, isSecret));
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const c = result.data;
  const production = isProduction(c.environment, c.protectData);
  const exportSource = c.exportSource ?? defaultExportSource(c.environment, c.protectData, c.golden?.enabled);
  // The schema's cross-checks passed, so this resolves without problems.
  const golden = resolveGolden(c.golden, { exportCron: c.exportSchedule.cron, exportTimezone: c.exportSchedule.timezone, exportSource }).golden;
  // The platform's own source cluster is the default (and only) clone source unless the qa block lists others.
  const qa = c.qa && { ...c.qa, sourceClusterIdentifiers: c.qa.sourceClusterIdentifiers ?? [c.sourceClusterIdentifier] };
  const pathProblems = rulesFileProblems([
    ...(qa?.enabled ? [["qa", "maskingRules", qa.maskingRules] as const] : []),
    ...(golden ? [["golden", "maskingRules", golden.maskingRules] as const] : []),
  ]);
  if (pathProblems.length > 0) throw new ConfigError(pathProblems);
  return {
    ...c,
    github: c.github && {
      ...c.github,
      deployEnvironment: c.github.deployEnvironment ?? c.environment,
      previewEnvironment: c.github.previewEnvironment ?? (production ? `${c.environment}-preview` : undefined),
    },
    qa,
    golden,
    exportSource,
    protection: {
      protect: production,
      forceDestroy: !production,
      keyDeletionWindowDays: production ? 30 : 7,
    },
  };
}

/** Root of this package: rules files in config are relative to it (as the golden's bundling reads them). */
const PACKAGE_ROOT = path.resolve(__dirname, "..");

/** Every masking rules file the config names must exist and be valid rules, before any resource is registered. */
function rulesFileProblems(files: ReadonlyArray<readonly [string, string, string]>): string[] {
  const problems: string[] = [];
  for (const [block, key, file] of files) {
    try {
      loadRules(path.resolve(PACKAGE_ROOT, file));
    } catch (err) {
      problems.push(`${keyPath([block, key])}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

/** Options of {@link parseConfig}. */
export interface ParseOptions {
  /** Keys whose values are secrets (`data-platform:…`): their values never appear in a message. */
  readonly secretKeys?: readonly string[];
}

/**
 * Reads and validates the current stack's config. Secret keys come from the runtime (PULUMI_CONFIG_SECRET_KEYS, as
 * @pulumi/pulumi's runtime/config.ts reads them), so no decrypted secret reaches an error message.
 */
export function loadConfig(): PlatformConfig {
  const all = pulumi.runtime.allConfig();
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return parseConfig(all, { secretKeys: isSecret ? Object.keys(all).filter((k) => isSecret(k)) : [] });
}

/** The one schema, for tools that derive from it (the JSON Schema of the stack file). */
export const configSchema = schema;
