import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../security/policy";
import { ServiceRole } from "../security/serviceRole";
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, type LambdaBundle, buildLambda } from "./lambdaBundle";

/**
 * A Node.js Lambda function built from `functions/<source>/handler.ts`, with everything a platform function needs:
 * its own least-privilege role, a KMS-encrypted log group with retention, an Errors alarm and (optionally) an
 * async on-failure destination. Reused by the export pipeline, the QA safety net and the golden steps.
 */
export interface NodeFunctionArgs {
  /** Physical function name (contracts/naming `physicalName`); the log group is `/aws/lambda/<functionName>`. */
  readonly functionName: string;
  /** Directory under functions/ holding `handler.ts` (exporting `handler`). */
  readonly source: string;
  readonly description: string;
  /** Physical role name (contracts/naming `roleName`); list it in ROLES when the role needs the CMK. */
  readonly roleName: string;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  /** What the code does, each statement scoped to its resources. Its own logs, env decryption and publishing to
   * the alert topic are added here. */
  readonly statements: readonly PolicyStatement[];
  /** CMK for the log group and the environment variables. Its key policy must allow CloudWatch Logs for the name. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Alert topic: target of the Errors alarm and of the on-failure destination. */
  readonly alertTopicArn: pulumi.Input<string>;
  /** Environment variables. Names are shown in the offline plan; values are not. Default none. */
  readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Seconds before Lambda stops an invocation. Default 60. */
  readonly timeoutSeconds?: number;
  /** MB of memory (CPU scales with it). Default 256. */
  readonly memoryMb?: number;
  /** Reserved concurrency; 1 makes runs strictly one at a time. Default none (unreserved). */
  readonly reservedConcurrency?: number;
  /** Days the log group keeps logs (a CloudWatch Logs retention value). Default 30. */
  readonly logRetentionDays?: number;
  /** Send async invocations that fail after their retries to the alert topic. Default true. */
  readonly onFailureToAlertTopic?: boolean;
  /** Lambda's async retries before an event goes to the destination (0–2). Default 2. */
  readonly maximumRetryAttempts?: number;
  /** Seconds an async event may wait (throttled or retrying) before it is dropped to the destination. Default 6 h. */
  readonly maximumEventAgeSeconds?: number;
  /** Build-time constants for esbuild's `define` (see lambdaBundle `buildLambda`). Default none. */
  readonly define?: Readonly<Record<string, string>>;
  /** Run in a VPC (for functions that reach a database). Adds the AWS-managed VPC execution policy. */
  readonly vpc?: { readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>; readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]> };
}

/** See NodeFunctionArgs. */
export class NodeFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly role: ServiceRole;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly errorsAlarm: aws.cloudwatch.MetricAlarm;
  readonly invokeConfig?: aws.lambda.FunctionEventInvokeConfig;
  readonly bundle: LambdaBundle;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: NodeFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:compute:NodeFunction", name, {}, opts);
    const timeout = args.timeoutSeconds ?? 60;
    const memorySize = args.memoryMb ?? 256;
    const retentionInDays = args.logRetentionDays ?? 30;
    const onFailure = args.onFailureToAlertTopic ?? true;
    const maximumRetryAttempts = args.maximumRetryAttempts ?? 2;
    const maximumEventAgeInSeconds = args.maximumEventAgeSeconds ?? 6 * 3600;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) {
      throw new pulumi.InputPropertyError({ propertyPath: "timeoutSeconds", reason: "must be 1..900 seconds (Lambda's maximum)" });
    }
    if (args.reservedConcurrency !== undefined && (!Number.isInteger(args.reservedConcurrency) || args.reservedConcurrency < 1)) {
      throw new pulumi.InputPropertyError({ propertyPath: "reservedConcurrency", reason: "must be a whole number, at least 1 (0 would disable the function)" });
    }
    if (!Number.isInteger(maximumRetryAttempts) || maximumRetryAttempts < 0 || maximumRetryAttempts > 2) {
      throw new pulumi.InputPropertyError({ propertyPath: "maximumRetryAttempts", reason: "Lambda allows 0, 1 or 2 async retries" });
    }
    const child = { parent: this };
    const logGroupName = `/aws/lambda/${args.functionName}`;
    const logGroupArn = pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:${logGroupName}`;

    this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: logGroupName, retentionInDays, kmsKeyId: args.kmsKeyArn }, child);

    const statements: PolicyStatement[] = [
      ...args.statements,
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        // No logs:CreateLogGroup: the group is created here, encrypted, before the function can write.
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: pulumi.interpolate`${logGroupArn}:*`,
      },
      { Sid: "DecryptOwnEnvironment", Effect: "Allow", Action: "kms:Decrypt", Resource: args.kmsKeyArn },
      {
        Sid: "PublishToAlertTopic",
        Effect: "Allow",
        // Handlers alert here, and Lambda delivers failed async invocations to the destination with this role.
        Action: "sns:Publish",
        Resource: args.alertTopicArn,
      },
      // The topic is encrypted with the CMK: publishing needs a data key.
      { Sid: "EncryptForAlertTopic", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: args.kmsKeyArn },
    ];
    const vpcPolicy = pulumi.interpolate`arn:${args.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`;
    this.role = new ServiceRole(
      `${name}-role`,
      {
        roleName: args.roleName,
        service: "lambda.amazonaws.com",
        accountId: args.accountId,
        // Lambda documents its execution-role trust policy without conditions and does not document setting
        // aws:SourceAccount when it assumes the role; a condition on a missing key would make every invocation fail.
        // The confused-deputy risk is absent anyway: only a principal of this account with iam:PassRole on this
        // role can attach it to a function.
        sourceAccountCondition: false,
        description: `Lambda ${args.functionName}: ${args.description}`,
        statements,
        managedPolicyArns: args.vpc ? [vpcPolicy] : [],
      },
      child,
    );

    this.bundle = buildLambda(args.source, { define: args.define });
    this.function = new aws.lambda.Function(
      name,
      {
        name: args.functionName,
        description: args.description,
        role: this.role.arn,
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        handler: "index.handler",
        code: new pulumi.asset.FileArchive(this.bundle.zipPath),
        // The zip is deterministic, so this hash changes exactly when the bundled code does.
        sourceCodeHash: this.bundle.sha256,
        timeout,
        memorySize,
        reservedConcurrentExecutions: args.reservedConcurrency,
        kmsKeyArn: args.kmsKeyArn,
        environment: {
          variables: {
            // Stack traces point at the TypeScript source through the bundled source map.
            NODE_OPTIONS: "--enable-source-maps",
            POWERTOOLS_SERVICE_NAME: args.source,
            ...args.environment,
          },
        },
        loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
        vpcConfig: args.vpc ? { subnetIds: args.vpc.subnetIds, securityGroupIds: args.vpc.securityGroupIds } : undefined,
      },
      { parent: this, dependsOn: [this.logGroup, this.role.policy] },
    );
    this.arn = this.function.arn;
    this.name = this.function.name;

    if (onFailure) {
      this.invokeConfig = new aws.lambda.FunctionEventInvokeConfig(
        `${name}-async`,
        {
          functionName: this.function.name,
          maximumRetryAttempts,
          maximumEventAgeInSeconds,
          destinationConfig: { onFailure: { destination: args.alertTopicArn } },
        },
        child,
      );
    }

    this.errorsAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-errors`,
      {
        name: `${args.functionName}-errors`,
        alarmDescription: `${args.functionName} raised an error (every failure of a platform function pages)`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: this.function.name },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // No invocations means no errors.
        treatMissingData: "notBreaching",
        alarmActions: [args.alertTopicArn],
        okActions: [args.alertTopicArn],
      },
      child,
    );
    this.registerOutputs({ arn: this.arn, name: this.name, sourceCodeHash: this.bundle.sha256 });
  }

  /** Lets an AWS service invoke the function for one source (e.g. an EventBridge rule), and nothing else. */
  allowInvoke(name: string, principal: string, sourceArn: pulumi.Input<string>): aws.lambda.Permission {
    return new aws.lambda.Permission(
      name,
      { function: this.function.name, action: "lambda:InvokeFunction", principal, sourceArn },
      { parent: this },
    );
  }
}
