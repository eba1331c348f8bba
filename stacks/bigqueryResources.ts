/**
 * The optional BigQuery part of an environment: the AWS user the transfers sign in with, the dataset and one transfer
 * per configured table. stacks/platformResources.ts loads this module only for stacks with a `bigquery` block, so a
 * stack without one never loads @pulumi/gcp and never needs GCP credentials or its plugin.
 */
import type * as pulumi from "@pulumi/pulumi";
import { BIGQUERY_PREFIX, bigQueryDataPath } from "../contracts/exportLayout";
import { PROJECT, physicalName } from "../contracts/naming";
import type { ArnContext } from "../infra/exports/exportPolicies";
import { BigQueryPublisher } from "../infra/exports/bigQueryPublisher";
import { BigQueryTransfers } from "../infra/gcp/bigQueryTransfers";
import { ExportReaderUser } from "../infra/gcp/exportReaderUser";
import { type BigQueryConfig, parseTransferSchedule } from "./bigqueryConfig";
import type { PlatformConfig } from "./config";

/** What the BigQuery part needs from the rest of the environment. */
export interface BigQueryDeps {
  /** Physical name of the transfer user (the key policy already names it). */
  readonly transferUserName: string;
  readonly exportsBucketName: pulumi.Output<string>;
  readonly exportsBucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly arns: ArnContext;
  readonly alertTopicArn: pulumi.Input<string>;
  /** The rule of export-ending RDS events: a completed export starts a publish. */
  readonly exportEventsRule: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
  /** Physical names of the publisher function, its role, schedule and scheduler role. */
  readonly publisherNames: { readonly functionName: string; readonly roleName: string; readonly scheduleName: string; readonly schedulerRoleName: string };
}

/** Builds the transfer user, dataset and transfers for a stack whose config has a `bigquery` block. */
/**
 * @param awsOpts options for the AWS side (the platform's explicit aws provider, with its default tags); the GCP side
 *   gets its own explicit gcp provider.
 */
export function createBigQuery(cfg: PlatformConfig & { bigquery: BigQueryConfig }, deps: BigQueryDeps, awsOpts?: pulumi.ComponentResourceOptions) {
  const env = cfg.environment;
  const bq = cfg.bigquery;
  // The schema accepts only schedules with a time of day.
  const transferMinuteUtc = parseTransferSchedule(bq.schedule)?.utcMinuteOfDay ?? 0;

  const transferUser = new ExportReaderUser("bigquery-transfer-user", {
    userName: deps.transferUserName,
    exportsBucketArn: deps.exportsBucketArn,
    // The transfers read only what the publisher put under bigquery/, never the exports themselves.
    exportsPrefix: BIGQUERY_PREFIX,
    kmsKeyArn: deps.kmsKeyArn,
    region: cfg.region,
    accessKeyRotation: bq.accessKeyRotation,
  }, awsOpts);

  const tables = Object.entries(bq.tables).flatMap(([database, names]) =>
    names.map((table) => ({
      database,
      table,
      dataPath: deps.exportsBucketName.apply((bucket) => bigQueryDataPath(bucket, database, table)),
    })),
  );

  const publisher = new BigQueryPublisher("bigquery-publisher", {
    environment: env,
    arns: deps.arns,
    names: deps.publisherNames,
    tables,
    transferMinuteUtc,
    exportsBucketName: deps.exportsBucketName,
    exportsBucketArn: deps.exportsBucketArn,
    kmsKeyArn: deps.kmsKeyArn,
    alertTopicArn: deps.alertTopicArn,
    exportEventsRule: deps.exportEventsRule,
    logRetentionDays: cfg.lambdaLogRetentionDays,
  }, awsOpts);

  const bigquery = new BigQueryTransfers("bigquery", {
    project: bq.project,
    location: bq.location,
    datasetId: bq.datasetId,
    schedule: bq.schedule,
    writeDisposition: bq.writeDisposition,
    tables,
    accessKeyId: transferUser.accessKeyId,
    secretAccessKey: transferUser.secretAccessKey,
    displayNamePrefix: physicalName(env, "bq"),
    notificationPubsubTopic: bq.notificationPubsubTopic,
    emailNotifications: bq.emailNotifications,
    deleteContentsOnDestroy: cfg.protection.forceDestroy,
    protectDataset: cfg.protection.protect,
    labels: { project: PROJECT, environment: env },
  });

  return { transferUser, bigquery, publisher };
}
