/**
 * The optional analytics and on-call blocks of `Pulumi.<stack>.yaml`: `budget`, `slack`, `quicksight` and
 * `exportNotices`. stacks/config.ts owns the whole schema; this module keeps these parts. Each block is optional:
 * absent means no resources at all.
 */
import { z } from "zod";

/** AWS Budgets accepts at most ten notifications per budget (Budgets API reference, `Notification`). */
export const MAX_BUDGET_NOTIFICATIONS = 10;

const percent = z.number().positive().max(1000, "must be a percentage of the limit, at most 1000");
const thresholds = z
  .array(percent)
  .refine((ts) => new Set(ts).size === ts.length, "lists a threshold twice");

/**
 * A monthly AWS cost budget for the resources tagged with this stack's `project` and `environment` tags, alerting
 * the alert topic when actual or forecast cost crosses a percentage of the limit.
 */
export const budgetSchema = z
  .object({
    /** Monthly limit in US dollars (AWS Budgets' unit). */
    monthlyLimitUsd: z.number().positive().max(1_000_000),
    /** Percentages of the limit at which actual cost alerts. Default 80 and 100. */
    actualThresholdsPercent: thresholds.default([80, 100]),
    /** Percentages of the limit at which forecast cost alerts. Default 100. */
    forecastThresholdsPercent: thresholds.default([100]),
  })
  .strict()
  .superRefine((b, ctx) => {
    const count = b.actualThresholdsPercent.length + b.forecastThresholdsPercent.length;
    if (count === 0) ctx.addIssue({ code: "custom", path: ["actualThresholdsPercent"], message: "list at least one threshold: a budget without notifications alerts nobody" });
    if (count > MAX_BUDGET_NOTIFICATIONS) {
      ctx.addIssue({ code: "custom", path: ["actualThresholdsPercent"], message: `at most ${MAX_BUDGET_NOTIFICATIONS} thresholds in all (AWS Budgets' limit per budget)` });
    }
  });

/** The validated `budget` block. */
export type BudgetConfig = z.output<typeof budgetSchema>;
