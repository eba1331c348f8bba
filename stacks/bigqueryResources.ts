/**
 * The optional BigQuery part of an environment: the AWS user the transfers sign in with, the dataset and one transfer
 * per configured table. stacks/platformResources.ts loads this module only for stacks with a `bigquery` block, so a
 * stack without one never loads @pulumi/gcp and never needs GCP credentials or its plugin.
 */
import type * as pulumi from "@pulumi/pulumi";
import { EXPORTS_PREFIX, bigQueryDataPath } from "../contracts/exportLayout";
import { PROJECT, physicalName } from "../contracts/naming";
import { BigQueryTransfers } from "../infra/gcp/bigQueryTransfers";
import { ExportReaderUser } from "../infra/gcp/exportReaderUser";
import { type BigQueryConfig, fixedUtcOffsetMinutes } from "./bigqueryConfig";
import type { PlatformConfig } from "./config";

/** What the BigQuery part needs from the rest of the environment. */
export interface BigQueryDeps {
  /** Physical name of the transfer user (the key policy already names it). */
  readonly transferUserName: string;
  readonly exportsBucketName: pulumi.Output<string>;
  readonly exportsBucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
}

/** Builds the transfer user, dataset and transfers for a stack whose config has a `bigquery` block. */
/**
 * @param awsOpts options for the AWS side (the platform's explicit aws provider, with its default tags); the GCP side
 *   gets its own explicit gcp provider.
 */
export function createBigQuery(cfg: PlatformConfig & { bigquery: BigQueryConfig }, deps: BigQueryDeps, awsOpts?: pulumi.ComponentResourceOptions) {
  const env = cfg.environment;
  const bq = cfg.bigquery;
  // The schema has already rejected zones with daylight saving time, so the offset is fixed.
  const offset = fixedUtcOffsetMinutes(cfg.exportSchedule.timezone) ?? 0;

  const transferUser = new ExportReaderUser("bigquery-transfer-user", {
    userName: deps.transferUserName,
    exportsBucketArn: deps.exportsBucketArn,
    exportsPrefix: EXPORTS_PREFIX,
    kmsKeyArn: deps.kmsKeyArn,
    region: cfg.region,
    accessKeyRotation: bq.accessKeyRotation,
  }, awsOpts);

  const tables = Object.entries(bq.tables).flatMap(([database, names]) =>
    names.map((table) => ({
      database,
      table,
      dataPath: deps.exportsBucketName.apply((bucket) => bigQueryDataPath(bucket, env, database, table, offset)),
    })),
  );

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

  return { transferUser, bigquery };
}
