import * as pulumi from "@pulumi/pulumi";
import { NodeFunction } from "../compute/nodeFunction";
import { createScheduledInvocation } from "../compute/scheduledInvocation";
import { QA_REAPER_SCHEDULE, QA_REAPER_TIMEOUT_SECONDS, qaReaperEnvironment, qaReaperStatements } from "./reaperPolicy";

/** The AWS-side safety net for QA clones: deletes tagged clusters past expiry + grace, even without Pulumi state. */
export interface QaReaperArgs {
  readonly environment: string;
  readonly functionName: string;
  readonly roleName: string;
  readonly schedulerRoleName: string;
  readonly scheduleName: string;
  readonly arns: { readonly partition: pulumi.Input<string>; readonly region: string; readonly accountId: pulumi.Input<string> };
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly alertTopicArn: pulumi.Input<string>;
  /** How long past `expires-at` a clone may live before the net deletes it (the CLI's reaper goes first), ms. */
  readonly gracePeriodMs: number;
  readonly logRetentionDays?: number;
  /**
   * Reserved concurrency of the reaper. Default none: accounts with a low Lambda concurrency quota reject any
   * reservation, and overlapping sweeps are safe (a clone already deleting counts as progress).
   */
  readonly reservedConcurrency?: number;
}

/** A scheduled Lambda (functions/qa-reaper) that alerts on every deletion and never touches untagged clusters. */
export class QaReaper extends pulumi.ComponentResource {
  readonly function: NodeFunction;

  constructor(name: string, args: QaReaperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:qa:QaReaper", name, {}, opts);
    if (!Number.isFinite(args.gracePeriodMs) || args.gracePeriodMs < 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "gracePeriodMs", reason: "must be a non-negative number of milliseconds" });
    }
    this.function = new NodeFunction(
      `${name}-function`,
      {
        functionName: args.functionName,
        source: "qa-reaper",
        description: "deletes purpose=qa clusters whose expires-at passed more than the grace period ago",
        roleName: args.roleName,
        ...args.arns,
        statements: qaReaperStatements({ ...args.arns, environment: args.environment }),
        kmsKeyArn: args.kmsKeyArn,
        alertTopicArn: args.alertTopicArn,
        environment: qaReaperEnvironment({ alertTopicArn: args.alertTopicArn, environment: args.environment, gracePeriodMs: args.gracePeriodMs }),
        timeoutSeconds: QA_REAPER_TIMEOUT_SECONDS,
        reservedConcurrency: args.reservedConcurrency,
        // A failed sweep is retried by the next hourly run, not by Lambda.
        maximumRetryAttempts: 0,
        logRetentionDays: args.logRetentionDays,
      },
      { parent: this },
    );
    createScheduledInvocation(
      name,
      {
        scheduleName: args.scheduleName,
        description: "Hourly QA clone safety net",
        roleName: args.schedulerRoleName,
        accountId: args.arns.accountId,
        expression: QA_REAPER_SCHEDULE,
        target: { kind: "lambda", arn: this.function.arn },
      },
      { parent: this },
    );
    this.registerOutputs({ functionName: this.function.name });
  }
}
