import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ServiceRole } from "../security/serviceRole";

/** What a schedule starts, and the one action its role may perform on it. */
export type ScheduleTarget =
  | { readonly kind: "lambda"; readonly arn: pulumi.Input<string> }
  | { readonly kind: "state-machine"; readonly arn: pulumi.Input<string> };

export interface ScheduledInvocationArgs {
  readonly scheduleName: string;
  readonly description: string;
  /** Physical name of the scheduler's role (not a key user: it never touches data). */
  readonly roleName: string;
  readonly accountId: pulumi.Input<string>;
  /** `cron(…)`, `rate(…)` or `at(…)`. */
  readonly expression: string;
  /** IANA time zone the expression is read in. Default UTC. */
  readonly timezone?: string;
  readonly target: ScheduleTarget;
  /** JSON input handed to the target. Default `{"source":"data-platform.schedule"}`. */
  readonly input?: Record<string, unknown>;
}

const ACTION = { lambda: "lambda:InvokeFunction", "state-machine": "states:StartExecution" } as const;

/**
 * An EventBridge Scheduler schedule and its own role, which may start exactly one target and nothing else.
 * Children are named `<name>-scheduler-role` and `<name>-schedule` under `opts.parent`.
 */
export function createScheduledInvocation(
  name: string,
  args: ScheduledInvocationArgs,
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions,
): { schedule: aws.scheduler.Schedule; role: ServiceRole } {
  const action = ACTION[args.target.kind];
  const role = new ServiceRole(
    `${name}-scheduler-role`,
    {
      roleName: args.roleName,
      service: "scheduler.amazonaws.com",
      accountId: args.accountId,
      description: `EventBridge Scheduler: ${action} on one target (${args.scheduleName}), nothing else`,
      statements: [{ Sid: "StartOneTarget", Effect: "Allow", Action: action, Resource: args.target.arn }],
    },
    opts,
  );
  const schedule = new aws.scheduler.Schedule(
    `${name}-schedule`,
    {
      name: args.scheduleName,
      description: args.description,
      scheduleExpression: args.expression,
      scheduleExpressionTimezone: args.timezone ?? "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: args.target.arn,
        roleArn: role.arn,
        input: JSON.stringify(args.input ?? { source: "data-platform.schedule" }),
        // Retries delivery only (throttling, service errors); the target's own failures are handled by the target
        // (Lambda's async retries and on-failure destination, or the state machine's Catch and alarms).
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    },
    opts,
  );
  return { schedule, role };
}
