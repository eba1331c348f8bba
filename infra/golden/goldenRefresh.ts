import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GOLDEN_METRIC, GOLDEN_PARAMETER_PLACEHOLDER, goldenParameterName } from "../../contracts/golden";
import { deadMansSwitchAlarm } from "../alerts/deadMansSwitch";
import { createScheduledInvocation } from "../compute/scheduledInvocation";
import type { ArnContext } from "../exports/exportPolicies";
import { ServiceRole } from "../security/serviceRole";
import { goldenDefinition } from "./definition";
import { type FunctionNames, GOLDEN_CLUSTER_TIMEOUT_SECONDS, type GoldenFunctions, createGoldenFunctions } from "./goldenFunctions";
import { type GoldenNetwork, createGoldenNetwork } from "./goldenNetwork";
import { stateMachineStatements } from "./goldenPolicies";

/** The daily masked golden: state machine, step Lambdas, network, salt, parameter, schedule, alarms. */
export interface GoldenRefreshArgs {
  readonly environment: string;
  readonly arns: ArnContext;
  /** Physical names (contracts/naming), decided by the stack. */
  readonly names: {
    readonly cluster: FunctionNames;
    readonly mask: FunctionNames;
    readonly export: FunctionNames;
    readonly publish: FunctionNames;
    readonly stateMachine: string;
    readonly stateMachineRole: string;
    readonly schedulerRole: string;
    readonly subnetGroup: string;
    readonly goldenSecurityGroup: string;
    readonly maskSecurityGroup: string;
    readonly saltSecret: string;
  };
  readonly sourceClusterId: string;
  readonly databases: readonly string[];
  /** Non-system schemas that are neither masked nor a reason to refuse the golden. Default none. */
  readonly skipSchemas?: readonly string[];
  /** EventBridge Scheduler cron body (six fields) and IANA time zone of the refresh. */
  readonly schedule: { readonly cron: string; readonly timezone: string };
  /** The export schedule's time zone and the refresh's lead on it: goldens are named after export days. */
  readonly exportTimezone: string;
  readonly leadHours: number;
  readonly instanceClass: string;
  readonly retentionDays: number;
  readonly maskingRules: string;
  readonly network: {
    readonly vpcId: string;
    readonly subnetIds: readonly string[];
    readonly lambdaSubnetIds?: readonly string[];
    readonly endpointSecurityGroupIds?: readonly string[];
  };
  readonly mask: { readonly timeoutSeconds: number; readonly budgetSeconds: number; readonly memoryMb: number; readonly maxSlices: number };
  /** Hours without a published golden before the dead-man's switch pages. */
  readonly staleAfterHours: number;
  /** Present for `exportSource: masked`: the state machine starts the day's export from the masked snapshot. */
  readonly export?: { readonly bucketName: pulumi.Input<string>; readonly rdsExportRoleArn: pulumi.Input<string>; readonly exportOnly?: readonly string[] };
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly alertTopicArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  /** Reserved concurrency of the mask and export steps (goldenFunctions `reservedConcurrency`). Default none. */
  readonly reservedConcurrency?: number;
  /** Days Secrets Manager keeps the deleted salt recoverable (7–30). Default 30. */
  readonly saltRecoveryDays?: number;
}

/** Seconds between status polls, and polls before a wait gives up (90 × 60 s = 1.5 h per wait). */
const POLL_SECONDS = 60;
const MAX_POLLS = 90;

/** See GoldenRefreshArgs. Built only when `golden.enabled`. */
export class GoldenRefresh extends pulumi.ComponentResource {
  readonly stateMachine: aws.sfn.StateMachine;
  readonly functions: GoldenFunctions;
  readonly network: GoldenNetwork;
  readonly parameter: aws.ssm.Parameter;
  readonly saltSecret: aws.secretsmanager.Secret;
  readonly schedule: aws.scheduler.Schedule;
  readonly alarms: { readonly failed: aws.cloudwatch.MetricAlarm; readonly timedOut: aws.cloudwatch.MetricAlarm; readonly deadMansSwitch: aws.cloudwatch.MetricAlarm };

  constructor(name: string, args: GoldenRefreshArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:golden:GoldenRefresh", name, {}, opts);
    const saltRecoveryDays = args.saltRecoveryDays ?? 30;
    if (!Number.isInteger(args.staleAfterHours) || args.staleAfterHours <= 24 || args.staleAfterHours > 168) {
      throw new pulumi.InputPropertyError({ propertyPath: "staleAfterHours", reason: "must be 25..168 hours for a daily refresh" });
    }
    if (args.mask.budgetSeconds > args.mask.timeoutSeconds - 60) {
      throw new pulumi.InputPropertyError({ propertyPath: "mask.budgetSeconds", reason: "must leave at least 60 s of the timeout for the chunks in flight" });
    }
    const child = { parent: this };
    const a = args.arns;
    const env = args.environment;

    // Port and storage key come from the source: a copy-on-write clone keeps both.
    const source = aws.rds.getClusterOutput({ clusterIdentifier: args.sourceClusterId }, child);
    this.network = createGoldenNetwork(
      name,
      {
        vpcId: args.network.vpcId,
        subnetIds: args.network.subnetIds,
        port: source.port,
        endpointSecurityGroupIds: args.network.endpointSecurityGroupIds,
        names: { subnetGroup: args.names.subnetGroup, goldenSecurityGroup: args.names.goldenSecurityGroup, maskSecurityGroup: args.names.maskSecurityGroup },
      },
      child,
    );

    // The masking salt: CMK-encrypted, stable across days (so masked values join from one day to the next), used
    // only by the mask Lambda. Created without a value: Secrets Manager generates it on the first slice
    // (functions/golden-mask/salt.ts), so the salt is never in the program, the state or a preview.
    this.saltSecret = new aws.secretsmanager.Secret(
      `${name}-salt`,
      { name: args.names.saltSecret, description: "Masking salt of the golden refresh (the masking engine's MASKING_SALT)", kmsKeyId: args.kmsKeyArn, recoveryWindowInDays: saltRecoveryDays },
      child,
    );

    const parameterName = goldenParameterName(env);
    // Created with a placeholder; from then on the state machine owns the value (ignoreChanges), so `pulumi up`
    // never rolls the published golden back.
    this.parameter = new aws.ssm.Parameter(
      `${name}-parameter`,
      { name: parameterName, type: "String", value: GOLDEN_PARAMETER_PLACEHOLDER, description: "Cluster id of the published masked golden (qa create's default source)" },
      { parent: this, ignoreChanges: ["value"] },
    );
    const parameterArn = pulumi.interpolate`arn:${a.partition}:ssm:${a.region}:${a.accountId}:parameter${parameterName}`;

    this.functions = createGoldenFunctions(
      name,
      {
        environment: env,
        arns: a,
        scope: {
          arns: a,
          environment: env,
          sourceClusterId: args.sourceClusterId,
          sourceKmsKeyArn: source.kmsKeyId,
          subnetGroupName: this.network.subnetGroup.name,
          parameterArn,
          saltSecretArn: this.saltSecret.arn,
          kmsKeyArn: args.kmsKeyArn,
        },
        names: { cluster: args.names.cluster, mask: args.names.mask, export: args.names.export, publish: args.names.publish },
        sourceClusterId: args.sourceClusterId,
        databases: args.databases,
        skipSchemas: args.skipSchemas ?? [],
        instanceClass: args.instanceClass,
        retentionDays: args.retentionDays,
        dayLeadHours: args.leadHours,
        timeZone: args.exportTimezone,
        parameterName,
        goldenSecurityGroupId: this.network.goldenSecurityGroup.id,
        mask: {
          rulesPath: args.maskingRules,
          timeoutSeconds: args.mask.timeoutSeconds,
          budgetSeconds: args.mask.budgetSeconds,
          memoryMb: args.mask.memoryMb,
          subnetIds: args.network.lambdaSubnetIds ?? args.network.subnetIds,
          securityGroupId: this.network.maskSecurityGroup.id,
        },
        export: args.export,
        kmsKeyArn: args.kmsKeyArn,
        alertTopicArn: args.alertTopicArn,
        logRetentionDays: args.logRetentionDays,
        reservedConcurrency: args.reservedConcurrency,
      },
      child,
    );
    const f = this.functions;
    const functionArns = [f.cluster.arn, f.mask.arn, ...(f.export ? [f.export.arn] : []), f.publish.arn];

    const role = new ServiceRole(
      `${name}-state-machine-role`,
      {
        roleName: args.names.stateMachineRole,
        service: "states.amazonaws.com",
        accountId: a.accountId,
        description: `Step Functions ${args.names.stateMachine}: invokes its step Lambdas, alerts, writes its logs`,
        statements: stateMachineStatements({ arns: a, functionArns, alertTopicArn: args.alertTopicArn, kmsKeyArn: args.kmsKeyArn }),
      },
      child,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/vendedlogs/states/${args.names.stateMachine}`, retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn },
      child,
    );
    const definition = pulumi
      .all([f.cluster.arn, f.mask.arn, f.export?.arn ?? "", f.publish.arn, args.alertTopicArn])
      .apply(([cluster, mask, exportArn, publish, alertTopicArn]) =>
        JSON.stringify(
          goldenDefinition({
            functions: { cluster, mask, export: exportArn, publish },
            alertTopicArn,
            exportMasked: args.export !== undefined,
            pollSeconds: POLL_SECONDS,
            maxPolls: MAX_POLLS,
            maxMaskSlices: args.mask.maxSlices,
            timeouts: { cluster: GOLDEN_CLUSTER_TIMEOUT_SECONDS, mask: args.mask.timeoutSeconds, export: GOLDEN_CLUSTER_TIMEOUT_SECONDS, publish: GOLDEN_CLUSTER_TIMEOUT_SECONDS },
          }),
        ),
      );
    this.stateMachine = new aws.sfn.StateMachine(
      name,
      {
        name: args.names.stateMachine,
        type: "STANDARD",
        roleArn: role.arn,
        definition,
        // Payloads are identifiers, statuses and counts: never row values, passwords or the salt.
        loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: pulumi.interpolate`${logGroup.arn}:*` },
        tracingConfiguration: { enabled: false },
      },
      { parent: this, dependsOn: [role.policy, logGroup] },
    );

    this.schedule = createScheduledInvocation(
      name,
      {
        scheduleName: args.names.stateMachine,
        description: "Daily masked golden refresh",
        roleName: args.names.schedulerRole,
        accountId: a.accountId,
        expression: `cron(${args.schedule.cron})`,
        timezone: args.schedule.timezone,
        target: { kind: "state-machine", arn: this.stateMachine.arn },
      },
      child,
    ).schedule;

    this.alarms = createGoldenAlarms(name, { ...args, stateMachineArn: this.stateMachine.arn }, child);
    this.registerOutputs({ stateMachine: this.stateMachine.arn, parameter: this.parameter.name, schedule: this.schedule.name });
  }
}

/** Failed and timed-out runs page; so does a day without a published golden (missing data is breaching). */
function createGoldenAlarms(
  name: string,
  args: Pick<GoldenRefreshArgs, "environment" | "names" | "staleAfterHours" | "alertTopicArn"> & { readonly stateMachineArn: pulumi.Input<string> },
  opts: pulumi.ComponentResourceOptions,
): GoldenRefresh["alarms"] {
  const actions = { alarmActions: [args.alertTopicArn], okActions: [args.alertTopicArn] };
  const executions = (metric: string, what: string) =>
    new aws.cloudwatch.MetricAlarm(
      `${name}-${metric.toLowerCase()}`,
      {
        name: `${args.names.stateMachine}-${metric.replace(/^Executions/, "").toLowerCase()}`,
        alarmDescription: `A golden refresh run ${what}; the previous golden stays published. See the execution in the Step Functions console.`,
        namespace: "AWS/States",
        metricName: metric,
        dimensions: { StateMachineArn: args.stateMachineArn },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // No runs means nothing failed; the dead-man's switch covers "nothing ran".
        treatMissingData: "notBreaching",
        ...actions,
      },
      opts,
    );
  const deadMansSwitch = deadMansSwitchAlarm(
    `${name}-dead-mans-switch`,
    {
      alarmName: `${args.names.stateMachine}-no-golden-published`,
      description:
        `No golden was published in the last ${args.staleAfterHours} hours, even if nothing errored. ` +
        "QA clones still get the previous golden. Check the refresh schedule and the state machine's executions.",
      namespace: GOLDEN_METRIC.namespace,
      metricName: GOLDEN_METRIC.name,
      environment: args.environment,
      staleAfterHours: args.staleAfterHours,
      alertTopicArn: args.alertTopicArn,
    },
    opts,
  );
  return { failed: executions("ExecutionsFailed", "failed"), timedOut: executions("ExecutionsTimedOut", "timed out"), deadMansSwitch };
}
