/**
 * IAM statements of the golden refresh: one role per step Lambda and one for the state machine, each scoped to this
 * environment's goldens (`golden-<env>-*` clusters, instances and snapshots), the source cluster for the restore,
 * the SSM parameter, the salt secret and the RDS-managed master secrets of goldens. `Resource: "*"` appears only where
 * AWS authorises an action on nothing narrower (policy/wildcardActions.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { AURORA_MYSQL3_DEFAULT_GROUPS, GOLDEN_METRIC } from "../../contracts/golden";
import { VENDED_LOG_DELIVERY_ACTIONS, anyResourceOnlyFor } from "../../policy/wildcardActions";
import { type ArnContext, rdsArn, startExportStatements } from "../exports/exportPolicies";
import type { PolicyStatement } from "../security/policy";

/** What the statements are scoped to. */
export interface GoldenScope {
  readonly arns: ArnContext;
  readonly environment: string;
  readonly sourceClusterId: string;
  /** KMS key of the source cluster's storage: a copy-on-write clone shares it, and RDS takes a grant on it. */
  readonly sourceKmsKeyArn: pulumi.Input<string>;
  readonly subnetGroupName: pulumi.Input<string>;
  readonly parameterArn: pulumi.Input<string>;
  readonly saltSecretArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
}

/** `golden-<env>-*`: every golden cluster, instance and snapshot identifier of the environment starts with it. */
const goldenPrefix = (s: GoldenScope) => `golden-${s.environment}-`;
const secretArn = (a: ArnContext, name: string) => pulumi.interpolate`arn:${a.partition}:secretsmanager:${a.region}:${a.accountId}:secret:${name}`;
/** RDS names the master secrets it manages `rds!cluster-<uuid>`; the cluster's ARN is in their tags, not their name. */
const RDS_MANAGED_SECRETS = "rds!cluster-*";

/** golden-cluster: clone, instance, managed password, snapshot, delete; read the published id. */
export function clusterStatements(s: GoldenScope): PolicyStatement[] {
  const a = s.arns;
  const p = goldenPrefix(s);
  const goldenCluster = rdsArn(a, `cluster:${p}*`);
  const goldenInstance = rdsArn(a, `db:${p}*`);
  const goldenSnapshot = rdsArn(a, `cluster-snapshot:${p}*`);
  return [
    {
      Sid: "ListClusters",
      Effect: "Allow",
      Action: "rds:DescribeDBClusters",
      // Cleanup lists every cluster and manual snapshot and keeps only golden-tagged ones of this environment: a
      // list call is authorised against cluster:* / cluster-snapshot:*. This account and Region only; metadata only.
      Resource: rdsArn(a, "cluster:*"),
    },
    {
      Sid: "ListSnapshots",
      Effect: "Allow",
      // A snapshot listing filtered by cluster is authorised on the cluster as well as on the snapshots.
      Action: "rds:DescribeDBClusterSnapshots",
      Resource: [rdsArn(a, "cluster:*"), rdsArn(a, "cluster-snapshot:*")],
    },
    {
      Sid: "DescribeInstances",
      Effect: "Allow",
      Action: "rds:DescribeDBInstances",
      // Goldens' instances, and the source's writer, whose parameter group the golden's instance copies. Its
      // identifier is not in the config, so any instance of this account and Region (metadata only).
      Resource: rdsArn(a, "db:*"),
    },
    {
      Sid: "CloneTheSourceIntoAGolden",
      Effect: "Allow",
      Action: "rds:RestoreDBClusterToPointInTime",
      // Every resource type the action requires: the new cluster, the one source it may be cloned from, the golden's
      // subnet group, the source's cluster parameter group (named by the source at run time; using a group does not
      // change it) and the engine's default option group the clone gets.
      Resource: [
        goldenCluster,
        rdsArn(a, `cluster:${s.sourceClusterId}`),
        pulumi.interpolate`${rdsArn(a, "subgrp:")}${s.subnetGroupName}`,
        rdsArn(a, "cluster-pg:*"),
        rdsArn(a, `og:${AURORA_MYSQL3_DEFAULT_GROUPS.optionGroup}`),
      ],
    },
    {
      Sid: "AddTheGoldenInstance",
      Effect: "Allow",
      Action: "rds:CreateDBInstance",
      // The source's instance parameter group is named at run time, like the cluster's.
      Resource: [goldenInstance, goldenCluster, pulumi.interpolate`${rdsArn(a, "subgrp:")}${s.subnetGroupName}`, rdsArn(a, "pg:*")],
    },
    {
      Sid: "TagGoldens",
      Effect: "Allow",
      // Tags are set when a golden, its instance or its snapshot is created (tag-on-create needs this action).
      Action: "rds:AddTagsToResource",
      Resource: [goldenCluster, goldenInstance, goldenSnapshot],
    },
    {
      // One statement per set of resource types (Service Authorization Reference, Amazon RDS): snapshotting and
      // deleting a cluster are authorised on the cluster and the snapshot, the rest on one type each.
      Sid: "ModifyGoldenClusters",
      Effect: "Allow",
      Action: "rds:ModifyDBCluster",
      Resource: goldenCluster,
    },
    {
      Sid: "SnapshotAndDeleteGoldenClusters",
      Effect: "Allow",
      Action: ["rds:CreateDBClusterSnapshot", "rds:DeleteDBCluster"],
      Resource: [goldenCluster, goldenSnapshot],
    },
    { Sid: "DeleteGoldenInstances", Effect: "Allow", Action: "rds:DeleteDBInstance", Resource: goldenInstance },
    { Sid: "DeleteGoldenSnapshots", Effect: "Allow", Action: "rds:DeleteDBClusterSnapshot", Resource: goldenSnapshot },
    {
      Sid: "UseTheSourceKeyForTheClone",
      Effect: "Allow",
      // A copy-on-write clone of an encrypted cluster keeps its key; RDS takes a grant on it for the new cluster.
      Action: "kms:CreateGrant",
      Resource: s.sourceKmsKeyArn,
      Condition: {
        Bool: { "kms:GrantIsForAWSResource": "true" },
        StringEquals: { "kms:ViaService": pulumi.interpolate`rds.${a.region}.amazonaws.com` },
      },
    },
    {
      Sid: "DescribeTheSourceKey",
      Effect: "Allow",
      // RDS describes the key before the grant; a DescribeKey request never carries kms:GrantIsForAWSResource.
      Action: "kms:DescribeKey",
      Resource: s.sourceKmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`rds.${a.region}.amazonaws.com` } },
    },
    {
      Sid: "LetRdsCreateTheGoldenMasterSecret",
      Effect: "Allow",
      // ModifyDBCluster ManageMasterUserPassword: RDS creates and tags the secret with the caller's permissions.
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
      Resource: secretArn(a, RDS_MANAGED_SECRETS),
    },
    {
      Sid: "EncryptTheGoldenMasterSecret",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:GenerateDataKey"],
      Resource: s.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`secretsmanager.${a.region}.amazonaws.com` } },
    },
    { Sid: "ReadThePublishedGolden", Effect: "Allow", Action: "ssm:GetParameter", Resource: s.parameterArn },
  ];
}

/**
 * golden-mask: find the golden's endpoint, read its master secret and the salt, and store the salt's first value
 * (generated by Secrets Manager) when the secret has none yet. Nothing else.
 */
export function maskStatements(s: GoldenScope): PolicyStatement[] {
  const a = s.arns;
  const goldenCluster = rdsArn(a, `cluster:${goldenPrefix(s)}*`);
  return [
    { Sid: "DescribeGoldens", Effect: "Allow", Action: "rds:DescribeDBClusters", Resource: goldenCluster },
    {
      Sid: "ReadGoldenMasterSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: secretArn(a, RDS_MANAGED_SECRETS),
      // RDS tags the secret it manages with its cluster's ARN: only goldens' secrets, never the source's.
      // aws:ResourceTag is the catalogue's key for GetSecretValue (the service-prefixed form is not listed for it).
      Condition: { StringLike: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": goldenCluster } },
    },
    { Sid: "ReadTheMaskingSalt", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: s.saltSecretArn },
    // The salt's one version is written with a fixed ClientRequestToken: a second write with another value fails.
    { Sid: "StoreTheFirstMaskingSalt", Effect: "Allow", Action: "secretsmanager:PutSecretValue", Resource: s.saltSecretArn },
    { Sid: "GenerateTheMaskingSalt", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: anyResourceOnlyFor("secretsmanager:GetRandomPassword") },
    {
      Sid: "EncryptTheMaskingSalt",
      Effect: "Allow",
      // PutSecretValue on a CMK-encrypted secret: Secrets Manager asks KMS for a data key as the caller.
      Action: "kms:GenerateDataKey",
      Resource: s.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`secretsmanager.${a.region}.amazonaws.com` } },
    },
  ];
}

/** golden-export: read golden snapshots and start their export, exactly like the raw export. */
export function exportStatements(s: GoldenScope & { readonly exportRoleArn: pulumi.Input<string> }): PolicyStatement[] {
  return [
    {
      Sid: "DescribeGoldenSnapshots",
      Effect: "Allow",
      Action: "rds:DescribeDBClusterSnapshots",
      Resource: rdsArn(s.arns, `cluster-snapshot:${goldenPrefix(s)}*`),
    },
    ...startExportStatements({ snapshotArns: [rdsArn(s.arns, `cluster-snapshot:${goldenPrefix(s)}*`)], exportRoleArn: s.exportRoleArn, kmsKeyArn: s.kmsKeyArn }),
  ];
}

/** golden-publish: overwrite the parameter; count the publication. */
export function publishStatements(s: GoldenScope): PolicyStatement[] {
  return [
    { Sid: "PublishTheGolden", Effect: "Allow", Action: "ssm:PutParameter", Resource: s.parameterArn },
    {
      Sid: "CountPublications",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      // PutMetricData names no resource (its one resource type, a metric dataset, is optional); the namespace
      // condition keeps it to the golden's metrics.
      Resource: anyResourceOnlyFor("cloudwatch:PutMetricData"),
      Condition: { StringEquals: { "cloudwatch:namespace": GOLDEN_METRIC.namespace } },
    },
  ];
}

/** The state machine: invoke exactly its functions, alert the topic, deliver its logs. */
export function stateMachineStatements(args: {
  readonly arns: ArnContext;
  readonly functionArns: readonly pulumi.Input<string>[];
  readonly alertTopicArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
}): PolicyStatement[] {
  return [
    { Sid: "InvokeTheStepFunctions", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [...args.functionArns] },
    { Sid: "AlertTheTopic", Effect: "Allow", Action: "sns:Publish", Resource: args.alertTopicArn },
    // The topic is encrypted with the CMK: publishing needs a data key.
    { Sid: "EncryptForTheTopic", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.kmsKeyArn },
    {
      Sid: "DeliverExecutionLogs",
      Effect: "Allow",
      // Step Functions delivers logs through CloudWatch Logs' vended-log deliveries, whose actions are authorised
      // on "*" only (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). The log group itself is
      // named in the state machine's logging configuration.
      Action: [...VENDED_LOG_DELIVERY_ACTIONS],
      Resource: anyResourceOnlyFor(VENDED_LOG_DELIVERY_ACTIONS),
    },
  ];
}
