/**
 * The per-environment program (`pulumi up -s stg|prod`): reads the stack config once, composes the components and
 * returns the stack outputs. Only a default export: Pulumi makes every named export of this module an output.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { createPlatform } from "./platformResources";

/** Config errors surface here, before any resource is registered. */
export default function platform() {
  const cfg = loadConfig();
  const p = createPlatform(cfg);
  return {
    environment: cfg.environment,
    exportsBucketName: p.exportsBucket.name,
    queryResultsBucketName: p.resultsBucket.name,
    kmsKeyArn: p.key.arn,
    rdsExportRoleArn: p.rdsExportRole.arn,
    athenaWorkgroup: p.athena.name,
    glueDatabase: p.catalog.database.name,
    crawlerName: p.catalog.crawler.name,
    alertTopicArn: p.alerts.arn,
    exportSource: cfg.exportSource,
    ...(p.exportPipeline.exportFunction ? { exportFunctionName: p.exportPipeline.exportFunction.name } : {}),
    exportEventsFunctionName: p.exportPipeline.eventsFunction.name,
    ...(p.exportPipeline.schedule ? { exportSchedule: p.exportPipeline.schedule.name } : {}),
    ...(p.golden
      ? {
          goldenStateMachineArn: p.golden.stateMachine.arn,
          goldenParameterName: p.golden.parameter.name,
          goldenSchedule: p.golden.schedule.name,
          ...(p.golden.functions.export ? { goldenExportFunctionName: p.golden.functions.export.name } : {}),
        }
      : {}),
    ...(p.budget ? { budgetName: p.budget.budget.name } : {}),
    ...(p.quicksight ? { quickSightDataSourceId: p.quicksight.dataSource.dataSourceId, quickSightDataSets: p.quicksight.dataSets.length } : {}),
    ...(p.slack ? { slackChannelConfiguration: p.slack.channel.configurationName } : {}),
    ...(p.qaReaper ? { qaReaperFunctionName: p.qaReaper.function.name } : {}),
    ...(p.github ? { githubPreviewRoleArn: p.github.previewRole.arn, githubDeployRoleArn: p.github.deployRole.arn } : {}),
    // Only with a bigquery block. The access key's secret is deliberately not an output: it lives (encrypted) in the
    // state and in the transfers' sensitiveParams, nowhere else.
    ...(p.bigquery && {
      bigQueryDataset: pulumi.interpolate`${cfg.bigquery?.project}:${p.bigquery.bigquery.dataset.datasetId}`,
      bigQueryTransfers: p.bigquery.bigquery.transfers.length,
      bigQueryTransferUser: p.bigquery.transferUser.user.name,
      bigQueryAccessKeyId: p.bigquery.transferUser.accessKeyId,
    }),
  };
}
