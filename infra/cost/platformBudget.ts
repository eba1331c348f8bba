import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** One notification: a percentage of the limit, on actual or forecast cost. */
export interface BudgetThreshold {
  readonly kind: "ACTUAL" | "FORECASTED";
  /** Percent of the monthly limit. */
  readonly percent: number;
}

/** A monthly cost budget over the resources that carry every one of the given tags. */
export interface PlatformBudgetArgs {
  /** Budget name, unique in the account. */
  readonly budgetName: string;
  /** Monthly limit in US dollars. */
  readonly monthlyLimitUsd: number;
  /**
   * Cost allocation tags that select the stack's resources (all must match). They count only once activated as
   * cost allocation tags in the Billing console; until then the budget sees no cost.
   */
  readonly tags: Readonly<Record<string, string>>;
  readonly thresholds: readonly BudgetThreshold[];
  /**
   * Topic the notifications go to. Its topic policy must let `budgets.amazonaws.com` publish, and when it is
   * encrypted the key policy must let Budgets use the key.
   */
  readonly topicArn: pulumi.Input<string>;
}

/** AWS Budgets monthly cost budget with notifications to an SNS topic. */
export class PlatformBudget extends pulumi.ComponentResource {
  readonly budget: aws.budgets.Budget;

  constructor(name: string, args: PlatformBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cost:PlatformBudget", name, {}, opts);
    if (args.thresholds.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "thresholds", reason: "a budget without notifications alerts nobody" });
    }
    const tagFilters = Object.entries(args.tags).map(([key, value]) => ({ tags: { key, values: [value], matchOptions: ["EQUALS"] } }));
    if (tagFilters.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "tags", reason: "name the tags that select the stack's resources; an unfiltered budget watches the whole account" });
    }
    this.budget = new aws.budgets.Budget(
      name,
      {
        name: args.budgetName,
        budgetType: "COST",
        timeUnit: "MONTHLY",
        limitAmount: args.monthlyLimitUsd.toFixed(2),
        limitUnit: "USD",
        // A filter expression (rather than costFilters) so that every tag must match: costFilters ORs the values of
        // one filter, which could not say "project AND environment". A filter expression requires `metrics`.
        filterExpression: tagFilters.length === 1 ? tagFilters[0] : { ands: tagFilters },
        metrics: "UnblendedCost",
        notifications: args.thresholds.map((t) => ({
          notificationType: t.kind,
          comparisonOperator: "GREATER_THAN",
          threshold: t.percent,
          thresholdType: "PERCENTAGE",
          subscriberSnsTopicArns: [args.topicArn],
        })),
      },
      { parent: this },
    );
    this.registerOutputs({ name: this.budget.name });
  }
}
