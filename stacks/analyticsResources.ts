/**
 * The optional analytics and on-call parts of an environment: the cost budget (config `budget`), the Slack
 * channel (config `slack`) and QuickSight over Athena (config `quicksight`). Each builder runs only when its block is present, so a stack without the block builds
 * nothing of it.
 */
import * as pulumi from "@pulumi/pulumi";
import { EXPORTS_PREFIX, glueTableName } from "../contracts/exportLayout";
import { physicalName, standardTags } from "../contracts/naming";
import { SlackChannel } from "../infra/alerts/slackChannel";
import { PlatformBudget } from "../infra/cost/platformBudget";
import { QuickSightAnalytics } from "../infra/query/quickSightAnalytics";
import type { BudgetConfig, SlackConfig } from "./analyticsConfig";
import type { PlatformConfig } from "./config";
import type { QuickSightConfig } from "./quicksightConfig";

/** Service principal of AWS Budgets; the topic policy and the key policy both name it. */
export const BUDGETS_SERVICE = "budgets.amazonaws.com";

/**
 * The tags that select one environment's costs: `project` and `environment` (the standard tags every resource
 * carries through the provider's default tags). `managed-by` is left out: it says nothing about the stack.
 */
export function costAllocationTags(environment: string): Record<string, string> {
  const { project, environment: env } = standardTags(environment);
  return { project, environment: env };
}

/** `aws:SourceArn` pattern of this account's budgets (Budgets ARNs have no region). */
export function budgetsSourceArnLike(partition: string, accountId: string): string {
  return `arn:${partition}:budgets::${accountId}:*`;
}

/** The monthly cost budget of a stack whose config has a `budget` block. */
export function createBudget(
  cfg: PlatformConfig & { budget: BudgetConfig },
  deps: { readonly alertTopicArn: pulumi.Input<string> },
  opts?: pulumi.ComponentResourceOptions,
): PlatformBudget {
  const b = cfg.budget;
  return new PlatformBudget(
    "budget",
    {
      budgetName: physicalName(cfg.environment, "monthly"),
      monthlyLimitUsd: b.monthlyLimitUsd,
      tags: costAllocationTags(cfg.environment),
      thresholds: [
        ...b.actualThresholdsPercent.map((percent) => ({ kind: "ACTUAL" as const, percent })),
        ...b.forecastThresholdsPercent.map((percent) => ({ kind: "FORECASTED" as const, percent })),
      ],
      topicArn: deps.alertTopicArn,
    },
    opts,
  );
}

/** The Slack channel of a stack whose config has a `slack` block, subscribed to the alert topic. */
export function createSlack(
  cfg: PlatformConfig & { slack: SlackConfig },
  deps: { readonly roleName: string; readonly alertTopicArn: pulumi.Input<string>; readonly partition: pulumi.Input<string>; readonly accountId: pulumi.Input<string> },
  opts?: pulumi.ComponentResourceOptions,
): SlackChannel {
  const s = cfg.slack;
  const env = cfg.environment;
  return new SlackChannel(
    "slack",
    {
      configurationName: physicalName(env, "alerts"),
      roleName: deps.roleName,
      workspaceId: s.workspaceId,
      channelId: s.channelId,
      topicArns: [deps.alertTopicArn],
      guardrailPolicyArns: s.guardrailPolicies.map((policy) => pulumi.interpolate`arn:${deps.partition}:iam::aws:policy/${policy}`),
      alarmArnPattern: pulumi.interpolate`arn:${deps.partition}:cloudwatch:${cfg.region}:${deps.accountId}:alarm:${physicalName(env, "")}*`,
      accountId: deps.accountId,
      loggingLevel: s.loggingLevel,
      userAuthorizationRequired: s.userAuthorizationRequired,
    },
    opts,
  );
}

/** What QuickSight needs from the rest of the environment. */
export interface QuickSightDeps {
  /** Physical name of the data source's role (the key policy already names it). */
  readonly roleName: string;
  readonly partition: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly workgroupName: pulumi.Input<string>;
  readonly glueDatabaseName: string;
  readonly exportsBucketArn: pulumi.Input<string>;
  readonly resultsBucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
}

/** ARN of a QuickSight user or group (`user/<name>`, `group/<name>`) in the identity region and namespace. */
export function quickSightPrincipalArn(
  principal: string,
  q: Pick<QuickSightConfig, "identityRegion" | "namespace">,
  ctx: { partition: pulumi.Input<string>; accountId: pulumi.Input<string>; region: string },
): pulumi.Output<string> {
  const [kind, ...name] = principal.split("/");
  return pulumi.interpolate`arn:${ctx.partition}:quicksight:${q.identityRegion ?? ctx.region}:${ctx.accountId}:${kind}/${q.namespace}/${name.join("/")}`;
}

/** The QuickSight data source and data sets of a stack whose config has a `quicksight` block. */
export function createQuickSight(
  cfg: PlatformConfig & { quicksight: QuickSightConfig },
  deps: QuickSightDeps,
  opts?: pulumi.ComponentResourceOptions,
): QuickSightAnalytics {
  const q = cfg.quicksight;
  const ctx = { partition: deps.partition, accountId: deps.accountId, region: cfg.region };
  return new QuickSightAnalytics(
    "quicksight",
    {
      idPrefix: physicalName(cfg.environment, "").replace(/-$/, ""),
      roleName: deps.roleName,
      access: {
        partition: deps.partition,
        region: cfg.region,
        accountId: deps.accountId,
        workgroupName: deps.workgroupName,
        glueDatabaseName: deps.glueDatabaseName,
        exportsBucketArn: deps.exportsBucketArn,
        exportsPrefix: EXPORTS_PREFIX,
        resultsBucketArn: deps.resultsBucketArn,
        kmsKeyArn: deps.kmsKeyArn,
      },
      tables: Object.entries(q.tables).map(([entry, columns]) => {
        const [database, table] = entry.split(".");
        return { glueTable: glueTableName(database, table), displayName: entry, columns: Object.entries(columns).map(([name, type]) => ({ name, type })) };
      }),
      importMode: q.importMode,
      spiceRefresh: q.importMode === "SPICE" ? { timeOfDay: q.spiceRefresh?.timeOfDay ?? "07:00", timezone: q.spiceRefresh?.timezone ?? cfg.exportSchedule.timezone } : undefined,
      ownerArns: q.owners.map((p) => quickSightPrincipalArn(p, q, ctx)),
      viewerArns: q.viewers.map((p) => quickSightPrincipalArn(p, q, ctx)),
    },
    opts,
  );
}
