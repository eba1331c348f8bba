/**
 * The optional analytics and on-call parts of an environment: the cost budget (config `budget`). Each builder runs
 * only when its block is present, so a stack without the block builds nothing of it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { physicalName, standardTags } from "../contracts/naming";
import { PlatformBudget } from "../infra/cost/platformBudget";
import type { BudgetConfig } from "./analyticsConfig";
import type { PlatformConfig } from "./config";

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
