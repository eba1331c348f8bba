/**
 * The `golden` block of Pulumi.<stack>.yaml: the daily masked golden cluster, and the rules that tie its
 * schedule to the export schedule. Parsed as part of stacks/config.ts; kept here so that file stays readable.
 */
import { z } from "zod";
import { ianaTimezone, schedulerCron } from "./configFields";

const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id");
const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id");

/** Where the golden cluster and the mask Lambda live. */
const goldenNetwork = z
  .object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id such as vpc-0123456789abcdef0"),
    /** Private subnets of the golden's DB subnet group, in at least two availability zones. */
    subnetIds: z.array(subnetId).min(2, "must list at least two subnets (RDS needs two AZs)"),
    /**
     * Subnets of the in-VPC mask Lambda. Default: subnetIds. They need a route to the RDS and Secrets Manager APIs
     * (a NAT gateway, or interface endpoints).
     */
    lambdaSubnetIds: z.array(subnetId).min(1).optional(),
    /**
     * Security groups of the VPC's interface endpoints (Secrets Manager, RDS). When set, the mask Lambda's HTTPS
     * egress goes to these only; when absent, to 0.0.0.0/0 on 443 (through a NAT gateway).
     */
    endpointSecurityGroupIds: z.array(securityGroupId).min(1).optional(),
  })
  .strict();

/** The masking step Lambda: one slice per invocation, far from Lambda's 15-minute limit. */
const goldenMask = z
  .object({
    /** Lambda timeout, seconds. */
    timeoutSeconds: z.number().int().min(120).max(900).default(900),
    /** Seconds after which a slice starts no new chunk; must leave the timeout room to finish the chunks in flight. */
    budgetSeconds: z.number().int().min(10).max(840).default(600),
    memoryMb: z.number().int().min(256).max(10240).default(1024),
    /** Slices before the run gives up (and the half-built golden is deleted). */
    maxSlices: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

/** The parsed `golden` block before the schedule is resolved. */
export const goldenSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * The refresh schedule. Default: `leadHours` before the export schedule, in its time zone (needs a fixed daily
     * export cron such as "0 0 * * ? *").
     */
    schedule: z.object({ cron: schedulerCron, timezone: ianaTimezone.optional() }).strict().optional(),
    /**
     * Hours between the start of the refresh and the export schedule. The golden is named after the export day it
     * feeds (the day `leadHours` after it starts), so that its export gets that day's export id.
     */
    leadHours: z.number().int().min(1).max(12).default(3),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS instance class such as db.r6g.large").default("db.r6g.large"),
    /** Days a golden and its snapshot are kept; the published one is always kept. */
    retentionDays: z.number().int().min(1).max(35).default(3),
    /** Masking rules, relative to the repository root; bundled into the mask Lambda at deploy time. */
    maskingRules: z.string().min(1).default("sql/masking.yaml"),
    /**
     * Non-system schemas of the source that hold no personal data and are not masked. The golden refuses (before
     * masking anything) a schema that is in neither this list nor `databases`.
     */
    skipSchemas: z.array(z.string().regex(/^[A-Za-z0-9_$]{1,64}$/, "must be a schema name")).default([]),
    network: goldenNetwork.optional(),
    mask: goldenMask.prefault({}),
    /**
     * Reserved concurrency of the mask and export steps; absent reserves none (accounts with a low Lambda
     * concurrency quota reject any reservation, and the steps are safe without one).
     */
    reservedConcurrency: z.number().int().min(1).max(10).optional(),
    /** Dead-man's switch: page when no golden was published for this many hours. */
    staleAfterHours: z.number().int().min(25, "must be more than 24 for a daily refresh").max(168).default(30),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.enabled && g.network === undefined) ctx.addIssue({ code: "custom", path: ["network"], message: "is required when the golden is enabled" });
    if (g.mask.budgetSeconds > g.mask.timeoutSeconds - 60) {
      ctx.addIssue({
        code: "custom",
        path: ["mask", "budgetSeconds"],
        message: `must be at least 60 seconds below mask.timeoutSeconds (${g.mask.timeoutSeconds}): chunks in flight finish after the budget`,
      });
    }
  });

/** The `golden` block with its schedule resolved. */
export type GoldenConfig = Omit<z.output<typeof goldenSchema>, "schedule"> & {
  readonly schedule: { readonly cron: string; readonly timezone: string };
};

/** Minute of the day of a fixed daily cron (`M H * * ? *`), or undefined for anything else. */
export function dailyCronMinute(cron: string): number | undefined {
  const m = /^(\d{1,2}) (\d{1,2}) \* \* \? \*$/.exec(cron.trim().replace(/\s+/g, " "));
  if (!m || Number(m[1]) > 59 || Number(m[2]) > 23) return undefined;
  return Number(m[2]) * 60 + Number(m[1]);
}

/**
 * The cron `leadHours` before an export cron with a fixed minute and hour, or undefined when there is none. A daily
 * cron may wrap past midnight; one limited to some days (`? * MON-FRI *`) may not, since its days would shift too.
 */
export function goldenCronBefore(exportCron: string, leadHours: number): string | undefined {
  const fields = exportCron.trim().split(/\s+/);
  if (fields.length !== 6 || !/^\d{1,2}$/.test(fields[0]) || !/^\d{1,2}$/.test(fields[1])) return undefined;
  const minute = Number(fields[1]) * 60 + Number(fields[0]);
  if (Number(fields[0]) > 59 || Number(fields[1]) > 23) return undefined;
  const daily = dailyCronMinute(exportCron) !== undefined;
  const start = minute - leadHours * 60;
  if (start < 0 && !daily) return undefined;
  const wrapped = ((start % 1440) + 1440) % 1440;
  return [String(wrapped % 60), String(Math.floor(wrapped / 60)), ...fields.slice(2)].join(" ");
}

/** One cross-field problem, with its path inside the config. */
export interface GoldenProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Problems between the golden block and the rest of the config, and the resolved schedule when there are none.
 * A masked export needs an enabled golden; the golden's schedule must precede the export by `leadHours`.
 */
export function resolveGolden(
  golden: z.output<typeof goldenSchema> | undefined,
  ctx: { readonly exportCron: string; readonly exportTimezone: string; readonly exportSource: "raw" | "masked" },
): { problems: GoldenProblem[]; golden?: GoldenConfig } {
  const problems: GoldenProblem[] = [];
  if (ctx.exportSource === "masked" && !golden?.enabled) {
    problems.push({ path: ["exportSource"], message: 'is "masked", which needs data-platform:golden with enabled: true (the masked export comes from the golden)' });
  }
  // A disabled golden builds nothing, so nothing about it needs resolving.
  if (!golden?.enabled) return { problems };
  const derived = goldenCronBefore(ctx.exportCron, golden.leadHours);
  let schedule: { cron: string; timezone: string } | undefined;
  if (golden.schedule) {
    const timezone = golden.schedule.timezone ?? ctx.exportTimezone;
    schedule = { cron: golden.schedule.cron, timezone };
    // When both are fixed daily times in one zone, the gap must be leadHours, or the golden's day (and so its
    // export id) would not be the export day the BigQuery transfers look for.
    if (derived !== undefined && timezone === ctx.exportTimezone && dailyCronMinute(golden.schedule.cron) !== undefined && dailyCronMinute(golden.schedule.cron) !== dailyCronMinute(derived)) {
      problems.push({
        path: ["golden", "schedule", "cron"],
        message: `runs ${golden.schedule.cron}, but leadHours (${golden.leadHours}) before the export (${ctx.exportCron}) is "${derived}"; set leadHours to the real gap`,
      });
    }
  } else if (derived === undefined) {
    problems.push({
      path: ["golden", "schedule"],
      message: `is required: the export cron "${ctx.exportCron}" has no fixed time that leadHours can precede on the same days, so no default can be derived from it`,
    });
  } else {
    schedule = { cron: derived, timezone: ctx.exportTimezone };
  }
  if (problems.length > 0 || !schedule) return { problems };
  return { problems, golden: { ...golden, schedule } };
}
