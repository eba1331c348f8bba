/**
 * The optional on-call blocks of `Pulumi.<stack>.yaml`: `budget` and `slack` (`quicksight` has its own module,
 * stacks/quicksightConfig.ts). stacks/config.ts owns the whole schema; this module keeps these parts. Each block is
 * optional: absent means no resources at all.
 */
import { z } from "zod";
import { READ_ONLY_MANAGED_POLICIES } from "../policy/analyticsRules";

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

/**
 * AWS managed policies a Slack channel may have as guardrails: read-only ones only (the guardrail
 * `chat-channel-read-only` checks the same list). Chatbot applies AdministratorAccess when a channel names none.
 */
const READ_ONLY_GUARDRAIL_POLICIES = READ_ONLY_MANAGED_POLICIES;

/** The alert topic delivered to one Slack channel through AWS Chatbot, read-only from Slack. */
export const slackSchema = z
  .object({
    /** Slack workspace (team) id, authorised once in the AWS Chatbot console, e.g. `T07EA123LEP`. */
    workspaceId: z.string().regex(/^T[A-Z0-9]{8,12}$/, "must be a Slack workspace id such as T07EA123LEP (Chatbot console, after authorising the workspace)"),
    /** Slack channel id, e.g. `C07EZ1ABC23` (channel details in Slack); a private channel needs `/invite @aws`. */
    channelId: z.string().regex(/^[CG][A-Z0-9]{8,12}$/, "must be a Slack channel id such as C07EZ1ABC23"),
    /** Guardrail policies, by AWS managed policy name. Default CloudWatchReadOnlyAccess. */
    guardrailPolicies: z
      .array(z.enum(READ_ONLY_GUARDRAIL_POLICIES, { message: `must be one of ${READ_ONLY_GUARDRAIL_POLICIES.join(", ")} (read-only from Slack)` }))
      .min(1, "name at least one: without guardrails Chatbot applies AdministratorAccess")
      .default(["CloudWatchReadOnlyAccess"]),
    /** Chatbot's own logs in CloudWatch Logs. Default ERROR. */
    loggingLevel: z.enum(["ERROR", "INFO", "NONE"]).default("ERROR"),
    /** Require each Slack user to map to their own IAM role before running commands. Default false. */
    userAuthorizationRequired: z.boolean().default(false),
  })
  .strict();

/** The validated `slack` block. */
export type SlackConfig = z.output<typeof slackSchema>;
