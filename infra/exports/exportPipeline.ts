import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXPORT_METRICS, RECONCILE_INPUT } from "../../contracts/exportEvents";
import { deadMansSwitchAlarm } from "../alerts/deadMansSwitch";
import { exportEventsPattern, snapshotCreatedPattern } from "../alerts/eventPatterns";
import { NodeFunction } from "../compute/nodeFunction";
import { createScheduledInvocation } from "../compute/scheduledInvocation";
import { type ArnContext, exportEventsStatements, exportSnapshotStatements } from "./exportPolicies";

/** The daily export: schedule → export-snapshot Lambda; RDS export events → export-events Lambda; alarms. */
export interface ExportPipelineArgs {
  readonly environment: string;
  readonly arns: ArnContext;
  /** Physical names (contracts/naming), decided by the stack. */
  readonly names: {
    readonly exportFunction: string;
    readonly exportRole: string;
    readonly eventsFunction: string;
    readonly eventsRole: string;
    readonly schedulerRole: string;
    readonly schedule: string;
    readonly eventsRule: string;
    /** The rule that starts the export on RDS's snapshot-created event. */
    readonly snapshotRule: string;
    /** The reconcile schedule and its scheduler role. */
    readonly reconcileSchedule: string;
    readonly reconcileSchedulerRole: string;
    readonly deadMansSwitch: string;
  };
  readonly sourceIdentifier: string;
  readonly snapshotType: "cluster" | "instance";
  /**
   * The fallback schedule: EventBridge Scheduler cron body (six fields, without `cron(...)`) and its IANA time zone.
   * The export normally starts on RDS's snapshot-created event; the schedule catches a missed event.
   */
  readonly schedule: { readonly cron: string; readonly timezone: string };
  /** Reserved concurrency of the export function. Default none: accounts with a low concurrency quota reject any. */
  readonly reservedConcurrency?: number;
  /** Seconds the fallback waits for a snapshot still being created before it fails (Lambda then retries). Default 600. */
  readonly snapshotWaitSeconds?: number;
  readonly exportOnly?: readonly string[];
  readonly exportsBucketName: pulumi.Input<string>;
  readonly exportsBucketArn: pulumi.Input<string>;
  readonly exportsPrefix: string;
  /** The role RDS assumes to write the export. */
  readonly rdsExportRoleArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly glueDatabaseName: string;
  readonly alertTopicArn: pulumi.Input<string>;
  /** Page when no export completed for this many hours (the dead-man's switch). */
  readonly staleAfterHours: number;
  readonly logRetentionDays: number;
  /**
   * `raw` (default): the schedule exports the source's newest automated snapshot. `masked`: no raw export
   * function and no schedule at all, so raw PII is never exported; the golden refresh starts each day's export from
   * its masked snapshot, and the events rule also matches the golden's snapshots.
   */
  readonly exportSource?: "raw" | "masked";
  /** Announce each completed export ("export ready") to the alert topic. Default false. */
  readonly exportNotices?: boolean;
  /** With `masked`: the function that starts (and retries) the masked export, and the golden snapshot prefix. */
  readonly masked?: { readonly exportFunctionName: string; readonly snapshotPrefix: string };
}

/** Two functions, their schedule and event rule, and the dead-man's switch. */
export class ExportPipeline extends pulumi.ComponentResource {
  /** The raw export function; absent with `exportSource: masked`. */
  readonly exportFunction?: NodeFunction;
  readonly eventsFunction: NodeFunction;
  /** The raw export schedule; absent with `exportSource: masked`. */
  readonly schedule?: aws.scheduler.Schedule;
  /** Starts the raw export on the snapshot-created event; absent with `exportSource: masked`. */
  readonly snapshotRule?: aws.cloudwatch.EventRule;
  readonly eventsRule: aws.cloudwatch.EventRule;
  /** Runs export-events' reconcile every few hours. */
  readonly reconcileSchedule: aws.scheduler.Schedule;
  readonly deadMansSwitch: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: ExportPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:exports:ExportPipeline", name, {}, opts);
    if (!Number.isInteger(args.staleAfterHours) || args.staleAfterHours <= 24 || args.staleAfterHours > 168) {
      throw new pulumi.InputPropertyError({ propertyPath: "staleAfterHours", reason: "must be 25..168 hours for a daily export" });
    }
    const masked = args.exportSource === "masked";
    const snapshotWaitSeconds = args.snapshotWaitSeconds ?? 600;
    if (!Number.isInteger(snapshotWaitSeconds) || snapshotWaitSeconds < 0 || snapshotWaitSeconds > 900 - 120) {
      throw new pulumi.InputPropertyError({ propertyPath: "snapshotWaitSeconds", reason: "must be 0..780 seconds (Lambda's 900-second limit, less 2 minutes for the export call)" });
    }
    if (masked && !args.masked) {
      throw new pulumi.InputPropertyError({ propertyPath: "masked", reason: "exportSource masked needs the masked export function's name and the golden snapshot prefix" });
    }
    const child = { parent: this };
    const common = {
      accountId: args.arns.accountId,
      partition: args.arns.partition,
      region: args.arns.region,
      kmsKeyArn: args.kmsKeyArn,
      alertTopicArn: args.alertTopicArn,
      logRetentionDays: args.logRetentionDays,
    };

    // Masked: the raw export does not exist, so nobody (not even a manual invoke) can export raw PII from here.
    this.exportFunction = masked
      ? undefined
      : new NodeFunction(
          `${name}-export-snapshot`,
          {
            ...common,
            functionName: args.names.exportFunction,
            roleName: args.names.exportRole,
            source: "export-snapshot",
            description: "starts the day's RDS snapshot export to S3 on the snapshot-created event or the fallback schedule (idempotent per day)",
            // The fallback polls a snapshot that is still being created for up to snapshotWaitSeconds.
            timeoutSeconds: snapshotWaitSeconds + 120,
            // Optional: two concurrent runs are safe anyway (the second start of the same id gets
            // ExportTaskAlreadyExistsFault and returns), and accounts with a low concurrency quota reject any reservation.
            reservedConcurrency: args.reservedConcurrency,
            statements: exportSnapshotStatements({
              arns: args.arns,
              snapshotType: args.snapshotType,
              sourceIdentifier: args.sourceIdentifier,
              exportRoleArn: args.rdsExportRoleArn,
              kmsKeyArn: args.kmsKeyArn,
            }),
            environment: {
              ENVIRONMENT: args.environment,
              SOURCE_IDENTIFIER: args.sourceIdentifier,
              SNAPSHOT_TYPE: args.snapshotType,
              EXPORT_BUCKET: args.exportsBucketName,
              EXPORT_ROLE_ARN: args.rdsExportRoleArn,
              KMS_KEY_ARN: args.kmsKeyArn,
              EXPORT_ONLY: JSON.stringify(args.exportOnly ?? []),
              SCHEDULE_TIMEZONE: args.schedule.timezone,
              SNAPSHOT_WAIT_SECONDS: String(snapshotWaitSeconds),
              ALERT_TOPIC_ARN: args.alertTopicArn,
            },
          },
          child,
      );

    this.eventsFunction = new NodeFunction(
      `${name}-export-events`,
      {
        ...common,
        functionName: args.names.eventsFunction,
        roleName: args.names.eventsRole,
        source: "export-events",
        description: "moves the stable Glue tables to a completed export; alerts on failed or canceled exports",
        timeoutSeconds: 300,
        statements: exportEventsStatements({
          arns: args.arns,
          exportsBucketArn: args.exportsBucketArn,
          exportsPrefix: args.exportsPrefix,
          glueDatabaseName: args.glueDatabaseName,
          kmsKeyArn: args.kmsKeyArn,
        }),
        environment: {
          ENVIRONMENT: args.environment,
          EXPORT_BUCKET: args.exportsBucketName,
          GLUE_DATABASE: args.glueDatabaseName,
          ALERT_TOPIC_ARN: args.alertTopicArn,
          // Named in failure alerts as the way to retry: the masked export's function when the source is masked.
          EXPORT_FUNCTION_NAME: masked && args.masked ? args.masked.exportFunctionName : args.names.exportFunction,
          EXPORT_SOURCE: masked ? "masked" : "raw",
          ...(args.exportNotices ? { EXPORT_NOTICES: "on" } : {}),
        },
      },
      child,
    );

    this.schedule =
      this.exportFunction &&
      createScheduledInvocation(
        name,
        {
          scheduleName: args.names.schedule,
          description: "Fallback for the daily RDS snapshot export (the snapshot-created event normally starts it)",
          roleName: args.names.schedulerRole,
          accountId: args.arns.accountId,
          expression: `cron(${args.schedule.cron})`,
          timezone: args.schedule.timezone,
          target: { kind: "lambda", arn: this.exportFunction.arn },
        },
        child,
      ).schedule;

    if (this.exportFunction) {
      this.snapshotRule = new aws.cloudwatch.EventRule(
        `${name}-snapshot-created`,
        {
          name: args.names.snapshotRule,
          description: `A new automated ${args.snapshotType} snapshot of ${args.sourceIdentifier} is ready: start the day's export`,
          eventPattern: pulumi.jsonStringify(snapshotCreatedPattern(args.snapshotType, args.sourceIdentifier)),
        },
        child,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-snapshot-created-target`,
        {
          rule: this.snapshotRule.name,
          arn: this.exportFunction.arn,
          // Delivery retries only; a run that fails is retried by Lambda and then reaches the on-failure destination.
          retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 6 * 3600 },
        },
        child,
      );
      this.exportFunction.allowInvoke(`${name}-snapshot-created-invoke`, "events.amazonaws.com", this.snapshotRule.arn);
    }

    this.eventsRule = new aws.cloudwatch.EventRule(
      `${name}-events`,
      {
        name: args.names.eventsRule,
        description: "RDS export task completed/failed/canceled for this stack's source",
        eventPattern: pulumi.jsonStringify(exportEventsPattern(args.environment, args.sourceIdentifier, masked && args.masked ? [args.masked.snapshotPrefix] : [])),
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-events-target`,
      {
        rule: this.eventsRule.name,
        arn: this.eventsFunction.arn,
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 6 * 3600 },
      },
      child,
    );
    this.eventsFunction.allowInvoke(`${name}-events-invoke`, "events.amazonaws.com", this.eventsRule.arn);

    // Events are best-effort: every 6 hours, compare DescribeExportTasks with the catalog and move what a lost event
    // or a failed move left behind (idempotent; a current catalog is left alone).
    this.reconcileSchedule = createScheduledInvocation(
      `${name}-reconcile`,
      {
        scheduleName: args.names.reconcileSchedule,
        description: "Reconcile the stable Glue tables with the newest completed export",
        roleName: args.names.reconcileSchedulerRole,
        accountId: args.arns.accountId,
        expression: "rate(6 hours)",
        target: { kind: "lambda", arn: this.eventsFunction.arn },
        input: { ...RECONCILE_INPUT },
      },
      child,
    ).schedule;

    this.deadMansSwitch = deadMansSwitchAlarm(
      `${name}-dead-mans-switch`,
      {
        alarmName: args.names.deadMansSwitch,
        description:
          `No export completed in the last ${args.staleAfterHours} hours, even if nothing errored. ` +
          "Check the export-snapshot logs, DescribeExportTasks and the export-events logs.",
        namespace: EXPORT_METRICS.namespace,
        metricName: EXPORT_METRICS.completed,
        environment: args.environment,
        staleAfterHours: args.staleAfterHours,
        alertTopicArn: args.alertTopicArn,
      },
      child,
    );
    this.registerOutputs({
      exportFunction: this.exportFunction?.name,
      eventsFunction: this.eventsFunction.name,
      schedule: this.schedule?.name,
      snapshotRule: this.snapshotRule?.name,
    });
  }
}
