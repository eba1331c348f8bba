import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** An alarm that pages when a "something finished" metric stays silent, even if nothing errored. */
export interface DeadMansSwitchArgs {
  readonly alarmName: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly environment: string;
  /** Hours without a data point before it pages (over 24 for a daily job; CloudWatch allows up to 7 days). */
  readonly staleAfterHours: number;
  readonly alertTopicArn: pulumi.Input<string>;
}

/**
 * `Sum(metric) < 1` over `staleAfterHours` hourly periods, missing data breaching. Hourly buckets over more than a
 * day: CloudWatch allows up to 7 days when the period is at least an hour, so a completion that lands a few hours
 * later than yesterday's does not page.
 */
export function deadMansSwitchAlarm(name: string, args: DeadMansSwitchArgs, opts: pulumi.CustomResourceOptions): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      name: args.alarmName,
      alarmDescription: args.description,
      namespace: args.namespace,
      metricName: args.metricName,
      dimensions: { Environment: args.environment },
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: args.staleAfterHours,
      datapointsToAlarm: args.staleAfterHours,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // The whole point: no data means nothing finished, and that must page.
      treatMissingData: "breaching",
      alarmActions: [args.alertTopicArn],
      okActions: [args.alertTopicArn],
    },
    opts,
  );
}
