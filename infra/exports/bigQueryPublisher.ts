import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PUBLISH_SCHEDULE, PUBLISH_TIMEOUT_SECONDS } from "../../contracts/bigQueryLoad";
import { BIGQUERY_PREFIX, EXPORTS_PREFIX } from "../../contracts/exportLayout";
import { NodeFunction } from "../compute/nodeFunction";
import { createScheduledInvocation } from "../compute/scheduledInvocation";
import type { PolicyStatement } from "../security/policy";
import type { ArnContext } from "./exportPolicies";
import { anyResourceOnlyFor } from "../../policy/wildcardActions";

/**
 * The function that publishes each completed export's BigQuery tables to their `current/` prefix
 * (functions/bigquery-publish), started by the export-completed event and every hour.
 */
export interface BigQueryPublisherArgs {
  readonly environment: string;
  readonly arns: ArnContext;
  readonly names: { readonly functionName: string; readonly roleName: string; readonly scheduleName: string; readonly schedulerRoleName: string };
  /** The tables loaded into BigQuery. */
  readonly tables: readonly { readonly database: string; readonly table: string }[];
  /** Minutes after 00:00 UTC at which the transfers start (stacks/bigqueryConfig `parseTransferSchedule`). */
  readonly transferMinuteUtc: number;
  readonly exportsBucketName: pulumi.Input<string>;
  readonly exportsBucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly alertTopicArn: pulumi.Input<string>;
  /** The EventBridge rule of export-ending RDS events (ExportPipeline `eventsRule`): a completion starts a publish. */
  readonly exportEventsRule: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
  readonly logRetentionDays: number;
}

/**
 * What the publisher may do: read RDS's export tasks, the export metadata and the exported databases' files, and
 * write and delete only under `bigquery/`; the CMK only through S3. Per database rather than per table, so the
 * policy stays within IAM's size limit with hundreds of tables.
 */
export function bigQueryPublisherStatements(args: {
  readonly arns: ArnContext;
  readonly exportsBucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly databases: readonly string[];
}): PolicyStatement[] {
  const metadata = `${EXPORTS_PREFIX}/*/export_tables_info_*`;
  const tableFolders = args.databases.map((db) => `${EXPORTS_PREFIX}/*/${db}/*`);
  const published = `${BIGQUERY_PREFIX}/*`;
  return [
    { Sid: "ReadExportTasks", Effect: "Allow", Action: "rds:DescribeExportTasks", Resource: anyResourceOnlyFor("rds:DescribeExportTasks") },
    {
      Sid: "ListExportsAndPublished",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: args.exportsBucketArn,
      Condition: { StringLike: { "s3:prefix": [metadata, ...tableFolders, published] } },
    },
    {
      Sid: "ReadExportMetadataAndLoadedDatabases",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [metadata, ...tableFolders].map((p) => pulumi.interpolate`${args.exportsBucketArn}/${p}`),
    },
    {
      Sid: "WritePublishedFiles",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: pulumi.interpolate`${args.exportsBucketArn}/${published}`,
    },
    {
      Sid: "UseTheKeyThroughS3",
      Effect: "Allow",
      // Decrypt reads the export's objects; GenerateDataKey encrypts the copies (SSE-KMS, S3 user guide).
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: args.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${args.arns.region}.amazonaws.com` } },
    },
  ];
}

/** See BigQueryPublisherArgs. */
export class BigQueryPublisher extends pulumi.ComponentResource {
  readonly function: NodeFunction;
  readonly schedule: aws.scheduler.Schedule;

  constructor(name: string, args: BigQueryPublisherArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:exports:BigQueryPublisher", name, {}, opts);
    if (!Number.isInteger(args.transferMinuteUtc) || args.transferMinuteUtc < 0 || args.transferMinuteUtc >= 1440) {
      throw new pulumi.InputPropertyError({ propertyPath: "transferMinuteUtc", reason: "must be a minute of the day, 0..1439" });
    }
    const child = { parent: this };
    const databases = [...new Set(args.tables.map((t) => t.database))].sort();
    this.function = new NodeFunction(
      `${name}-function`,
      {
        functionName: args.names.functionName,
        roleName: args.names.roleName,
        source: "bigquery-publish",
        description: "keeps each BigQuery table's current/ prefix on the newest completed export, outside the transfers' quiet window",
        ...args.arns,
        kmsKeyArn: args.kmsKeyArn,
        alertTopicArn: args.alertTopicArn,
        logRetentionDays: args.logRetentionDays,
        timeoutSeconds: PUBLISH_TIMEOUT_SECONDS,
        statements: bigQueryPublisherStatements({ arns: args.arns, exportsBucketArn: args.exportsBucketArn, kmsKeyArn: args.kmsKeyArn, databases }),
        environment: {
          ENVIRONMENT: args.environment,
          EXPORT_BUCKET: args.exportsBucketName,
          ALERT_TOPIC_ARN: args.alertTopicArn,
          BIGQUERY_TABLES: JSON.stringify(args.tables.map((t) => ({ database: t.database, table: t.table }))),
          TRANSFER_MINUTE_UTC: String(args.transferMinuteUtc),
        },
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-export-completed`,
      { rule: args.exportEventsRule.name, arn: this.function.arn, retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 6 * 3600 } },
      child,
    );
    this.function.allowInvoke(`${name}-export-completed-invoke`, "events.amazonaws.com", args.exportEventsRule.arn);
    this.schedule = createScheduledInvocation(
      name,
      {
        scheduleName: args.names.scheduleName,
        description: "Publish the newest completed export for the BigQuery transfers (catches a deferred or failed publish)",
        roleName: args.names.schedulerRoleName,
        accountId: args.arns.accountId,
        expression: PUBLISH_SCHEDULE,
        target: { kind: "lambda", arn: this.function.arn },
      },
      child,
    ).schedule;
    this.registerOutputs({ function: this.function.name });
  }
}
