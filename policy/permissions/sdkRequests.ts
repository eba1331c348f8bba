/**
 * The one mapping from an AWS SDK v3 command (class name and input, as aws-sdk-client-mock records it) to the IAM
 * requests AWS authorises for it: action, resource ARN and request context, per the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 * A command also brings the requests AWS makes on the caller's behalf because of it (KMS for an encrypted topic or
 * object, the grant and role RDS needs for an export), each with the AWS page that documents it.
 * A command missing here is an error: {@link UnmappedCommandError}.
 */
import { AURORA_MYSQL3_DEFAULT_GROUPS } from "../../contracts/golden";

/** Where requests are made, and what the program knows about the resources they name. */
export interface RequestScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** KMS key that encrypts a topic, a bucket's objects or a cluster, by the resource's ARN; undefined if unknown. */
  readonly keyOf?: (arn: string) => string | undefined;
  /** Tags a resource carries when a request names it (for `aws:ResourceTag` conditions); undefined if unknown. */
  readonly tagsOf?: (arn: string) => Readonly<Record<string, string>> | undefined;
}

/** One IAM request a command makes; `principal` is set only when another principal signs it (e.g. a passed role). */
export interface MappedRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  readonly principal?: string;
  /** The AWS page that documents a request made on the caller's behalf. */
  readonly documentation?: string;
}

/** A command the mapping does not know: add it to SDK_REQUESTS with its actions before using it. */
export class UnmappedCommandError extends Error {
  override readonly name = "UnmappedCommandError";
  constructor(readonly command: string) {
    super(`${command} has no IAM mapping in policy/permissions/sdkRequests.ts: add the requests it makes`);
  }
}

type Input = Record<string, any>;
type Mapper = (input: Input, at: RequestScope) => MappedRequest[];

const DOCS = {
  snsSse: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
  s3SseKms: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
  export: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/export-cluster-data.html",
  rdsKms: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.Keys.html",
  rdsSecrets: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html",
  rdsTagging: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Tagging.html",
  rdsDefaultGroups: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAM.AccessControl.IdentityBased.html",
  glue: "https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html",
} as const;

/** An RDS ARN of `type`, or `id` itself when it is already an ARN; `*` names every resource of the type. */
const rdsArn = (at: RequestScope, type: string, id: string | undefined) =>
  id?.startsWith("arn:") ? id : `arn:${at.partition}:rds:${at.region}:${at.accountId}:${type}:${id ?? "*"}`;

/** `aws:ResourceTag/<key>` for each tag the named resource carries when the request is made. */
const tagContext = (at: RequestScope, arn: string): { context?: Record<string, string> } => {
  const tags = at.tagsOf?.(arn);
  return tags ? { context: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])) } : {};
};

/** RDS authorises tag-on-create as rds:AddTagsToResource on the new resource (Tagging Amazon RDS resources). */
const tagOnCreate = (input: Input, arn: string): MappedRequest[] =>
  input.Tags?.length ? [{ action: "rds:AddTagsToResource", resource: arn, documentation: DOCS.rdsTagging }] : [];

/** What a principal needs of the key that encrypts a topic when it publishes to it. */
function snsKeyRequests(at: RequestScope, topicArn: string): MappedRequest[] {
  const key = at.keyOf?.(topicArn);
  if (!key) return [];
  // SNS calls KMS as the publisher, with the topic's ARN as encryption context ("Key management", SNS guide).
  const context = { "kms:ViaService": `sns.${at.region}.amazonaws.com`, "kms:EncryptionContext:aws:sns:topicArn": topicArn };
  return ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({ action, resource: key, context, documentation: DOCS.snsSse }));
}

/** Reading an object that S3 encrypted with a KMS key: S3 decrypts as the caller (SSE-KMS, S3 user guide). */
function s3ReadKeyRequests(at: RequestScope, bucket: string, objectArn: string): MappedRequest[] {
  const key = at.keyOf?.(`arn:${at.partition}:s3:::${bucket}`);
  if (!key) return [];
  const context = { "kms:ViaService": `s3.${at.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": objectArn };
  return [{ action: "kms:Decrypt", resource: key, context, documentation: DOCS.s3SseKms }];
}

/** Writing an object that S3 encrypts with a KMS key: S3 asks KMS for a data key as the caller (SSE-KMS, S3 user guide). */
function s3WriteKeyRequests(at: RequestScope, bucket: string, objectArn: string): MappedRequest[] {
  const key = at.keyOf?.(`arn:${at.partition}:s3:::${bucket}`);
  if (!key) return [];
  const context = { "kms:ViaService": `s3.${at.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": objectArn };
  return [{ action: "kms:GenerateDataKey", resource: key, context, documentation: DOCS.s3SseKms }];
}

/** Glue authorises table calls on the catalog, the database and the table (Specifying Glue resource ARNs). */
function glueTable(action: string, at: RequestScope, database: string, table: string): MappedRequest[] {
  const base = `arn:${at.partition}:glue:${at.region}:${at.accountId}`;
  return [`${base}:catalog`, `${base}:database/${database}`, `${base}:table/${database}/${table}`].map((resource) => ({ action, resource, documentation: DOCS.glue }));
}

/** KMS use by RDS on a caller's behalf: a grant for the AWS resource, and a DescribeKey first (RDS encryption). */
function rdsKeyRequests(at: RequestScope, key: string, documentation: string): MappedRequest[] {
  const via = { "kms:ViaService": `rds.${at.region}.amazonaws.com` };
  return [
    { action: "kms:CreateGrant", resource: key, context: { ...via, "kms:GrantIsForAWSResource": "true" }, documentation },
    { action: "kms:DescribeKey", resource: key, context: via, documentation },
  ];
}

/**
 * StartExportTask: the caller's request, what RDS checks as the caller (PassRole, the key's grant and description),
 * and what the export role then does in S3 (Exporting DB cluster data to Amazon S3, "Setting up access").
 */
function startExportTask(input: Input, at: RequestScope): MappedRequest[] {
  const bucket = `arn:${at.partition}:s3:::${input.S3BucketName}`;
  const objects = `${bucket}/${input.S3Prefix ? `${String(input.S3Prefix).replace(/\/$/, "")}/` : ""}${input.ExportTaskIdentifier}/export_info.json`;
  const role = String(input.IamRoleArn);
  const s3Via = { "kms:ViaService": `s3.${at.region}.amazonaws.com` };
  const bucketKey = at.keyOf?.(bucket);
  return [
    { action: "rds:StartExportTask", resource: String(input.SourceArn) },
    { action: "iam:PassRole", resource: role, context: { "iam:PassedToService": "export.rds.amazonaws.com" }, documentation: DOCS.export },
    ...rdsKeyRequests(at, String(input.KmsKeyId), DOCS.export),
    ...["s3:ListBucket", "s3:GetBucketLocation"].map((action) => ({ action, resource: bucket, principal: role, documentation: DOCS.export })),
    ...["s3:PutObject", "s3:GetObject", "s3:DeleteObject"].map((action) => ({ action, resource: objects, principal: role, documentation: DOCS.export })),
    // The bucket's default encryption is SSE-KMS with the CMK: S3 asks KMS for data keys as the export role.
    ...(bucketKey
      ? ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({ action, resource: bucketKey, context: s3Via, principal: role, documentation: DOCS.s3SseKms }))
      : []),
  ];
}

/** RestoreDBClusterToPointInTime authorises on every resource type it requires, defaults included. */
function restoreClusterToPointInTime(input: Input, at: RequestScope): MappedRequest[] {
  const action = "rds:RestoreDBClusterToPointInTime";
  const target = rdsArn(at, "cluster", input.DBClusterIdentifier);
  const source = rdsArn(at, "cluster", input.SourceDBClusterIdentifier);
  // Without a named group, the clone gets the engine's default cluster parameter group and option group.
  const pg = rdsArn(at, "cluster-pg", input.DBClusterParameterGroupName ?? AURORA_MYSQL3_DEFAULT_GROUPS.clusterParameterGroup);
  const og = rdsArn(at, "og", input.OptionGroupName ?? AURORA_MYSQL3_DEFAULT_GROUPS.optionGroup);
  const key = input.KmsKeyId ?? at.keyOf?.(source);
  return [
    ...[target, source, pg, og, rdsArn(at, "subgrp", input.DBSubnetGroupName ?? "default")].map((resource) => ({ action, resource, documentation: DOCS.rdsDefaultGroups })),
    ...tagOnCreate(input, target),
    ...(key ? rdsKeyRequests(at, key, DOCS.rdsKms) : []),
  ];
}

/** ModifyDBCluster; with a managed master password, RDS creates the secret in Secrets Manager as the caller. */
function modifyCluster(input: Input, at: RequestScope): MappedRequest[] {
  const out: MappedRequest[] = [{ action: "rds:ModifyDBCluster", resource: rdsArn(at, "cluster", input.DBClusterIdentifier) }];
  if (!input.ManageMasterUserPassword) return out;
  const secret = `arn:${at.partition}:secretsmanager:${at.region}:${at.accountId}:secret:rds!cluster-00000000-0000-0000-0000-000000000000-AbCdEf`;
  const via = { "kms:ViaService": `secretsmanager.${at.region}.amazonaws.com` };
  out.push(
    { action: "secretsmanager:CreateSecret", resource: secret, documentation: DOCS.rdsSecrets },
    { action: "secretsmanager:TagResource", resource: secret, documentation: DOCS.rdsSecrets },
  );
  if (input.MasterUserSecretKmsKeyId) {
    for (const action of ["kms:DescribeKey", "kms:GenerateDataKey"]) out.push({ action, resource: String(input.MasterUserSecretKmsKeyId), context: via, documentation: DOCS.rdsSecrets });
  }
  return out;
}

/** Every command the project's code sends, by SDK command class name. */
export const SDK_REQUESTS: Readonly<Record<string, Mapper>> = {
  // RDS
  DescribeDBClustersCommand: (i, at) => [{ action: "rds:DescribeDBClusters", resource: rdsArn(at, "cluster", i.DBClusterIdentifier) }],
  ListTagsForResourceCommand: (i) => [{ action: "rds:ListTagsForResource", resource: String(i.ResourceName) }],
  DescribeDBSubnetGroupsCommand: (i, at) => [{ action: "rds:DescribeDBSubnetGroups", resource: rdsArn(at, "subgrp", i.DBSubnetGroupName) }],
  DeleteDBSubnetGroupCommand: (i, at) => {
    const arn = rdsArn(at, "subgrp", i.DBSubnetGroupName);
    return [{ action: "rds:DeleteDBSubnetGroup", resource: arn, ...tagContext(at, arn) }];
  },
  // EC2: DescribeSecurityGroups names no resource; DeleteSecurityGroup is authorised on the group's ARN (by id).
  DescribeSecurityGroupsCommand: () => [{ action: "ec2:DescribeSecurityGroups", resource: "*" }],
  DeleteSecurityGroupCommand: (i, at) => {
    const arn = `arn:${at.partition}:ec2:${at.region}:${at.accountId}:security-group/${i.GroupId}`;
    return [{ action: "ec2:DeleteSecurityGroup", resource: arn, ...tagContext(at, arn) }];
  },
  DescribeDBInstancesCommand: (i, at) => [{ action: "rds:DescribeDBInstances", resource: rdsArn(at, "db", i.DBInstanceIdentifier) }],
  DescribeDBClusterSnapshotsCommand: (i, at) => [
    {
      action: "rds:DescribeDBClusterSnapshots",
      resource: i.DBClusterSnapshotIdentifier ? rdsArn(at, "cluster-snapshot", i.DBClusterSnapshotIdentifier) : i.DBClusterIdentifier ? rdsArn(at, "cluster", i.DBClusterIdentifier) : rdsArn(at, "cluster-snapshot", undefined),
    },
  ],
  DescribeDBSnapshotsCommand: (i, at) => [
    {
      action: "rds:DescribeDBSnapshots",
      resource: i.DBSnapshotIdentifier ? rdsArn(at, "snapshot", i.DBSnapshotIdentifier) : i.DBInstanceIdentifier ? rdsArn(at, "db", i.DBInstanceIdentifier) : rdsArn(at, "snapshot", undefined),
    },
  ],
  // Export tasks are not resources; a filter by task identifier names no resource.
  DescribeExportTasksCommand: (i) => [{ action: "rds:DescribeExportTasks", resource: i.SourceArn ?? "*" }],
  StartExportTaskCommand: startExportTask,
  RestoreDBClusterToPointInTimeCommand: restoreClusterToPointInTime,
  CreateDBInstanceCommand: (i, at) => {
    const db = rdsArn(at, "db", i.DBInstanceIdentifier);
    return [
      { action: "rds:CreateDBInstance", resource: db },
      ...(i.DBClusterIdentifier ? [{ action: "rds:CreateDBInstance", resource: rdsArn(at, "cluster", i.DBClusterIdentifier) }] : []),
      ...tagOnCreate(i, db),
    ];
  },
  ModifyDBClusterCommand: modifyCluster,
  CreateDBClusterSnapshotCommand: (i, at) => {
    const snap = rdsArn(at, "cluster-snapshot", i.DBClusterSnapshotIdentifier);
    return [
      { action: "rds:CreateDBClusterSnapshot", resource: rdsArn(at, "cluster", i.DBClusterIdentifier) },
      { action: "rds:CreateDBClusterSnapshot", resource: snap },
      ...tagOnCreate(i, snap),
    ];
  },
  DeleteDBClusterCommand: (i, at) => [
    { action: "rds:DeleteDBCluster", resource: rdsArn(at, "cluster", i.DBClusterIdentifier), ...tagContext(at, rdsArn(at, "cluster", i.DBClusterIdentifier)) },
    ...(i.FinalDBSnapshotIdentifier ? [{ action: "rds:DeleteDBCluster", resource: rdsArn(at, "cluster-snapshot", i.FinalDBSnapshotIdentifier) }] : []),
  ],
  DeleteDBInstanceCommand: (i, at) => [{ action: "rds:DeleteDBInstance", resource: rdsArn(at, "db", i.DBInstanceIdentifier), ...tagContext(at, rdsArn(at, "db", i.DBInstanceIdentifier)) }],
  DeleteDBClusterSnapshotCommand: (i, at) => [{ action: "rds:DeleteDBClusterSnapshot", resource: rdsArn(at, "cluster-snapshot", i.DBClusterSnapshotIdentifier) }],
  // SNS
  PublishCommand: (i, at) => [{ action: "sns:Publish", resource: String(i.TopicArn) }, ...snsKeyRequests(at, String(i.TopicArn))],
  // S3
  GetObjectCommand: (i, at) => {
    const object = `arn:${at.partition}:s3:::${i.Bucket}/${i.Key}`;
    return [{ action: "s3:GetObject", resource: object }, ...s3ReadKeyRequests(at, String(i.Bucket), object)];
  },
  // A copy reads the source and writes the destination as the caller; with SSE-KMS, S3 decrypts the source and asks
  // for a data key for the copy, both as the caller (CopyObject API reference, "Permissions"; SSE-KMS, S3 user guide).
  CopyObjectCommand: (i, at) => {
    const [sourceBucket, ...rest] = decodeURIComponent(String(i.CopySource)).replace(/^\//, "").split("/");
    const source = `arn:${at.partition}:s3:::${sourceBucket}/${rest.join("/")}`;
    const target = `arn:${at.partition}:s3:::${i.Bucket}/${i.Key}`;
    return [
      { action: "s3:GetObject", resource: source },
      ...s3ReadKeyRequests(at, sourceBucket, source),
      { action: "s3:PutObject", resource: target },
      ...s3WriteKeyRequests(at, String(i.Bucket), target),
    ];
  },
  // DeleteObjects is authorised per key as s3:DeleteObject (DeleteObjects API reference).
  DeleteObjectsCommand: (i, at) =>
    ((i.Delete?.Objects ?? []) as { Key?: string }[]).map((o) => ({ action: "s3:DeleteObject", resource: `arn:${at.partition}:s3:::${i.Bucket}/${o.Key}` })),
  ListObjectsV2Command: (i, at) => [{ action: "s3:ListBucket", resource: `arn:${at.partition}:s3:::${i.Bucket}`, ...(i.Prefix === undefined ? {} : { context: { "s3:prefix": String(i.Prefix) } }) }],
  // Glue
  GetTableCommand: (i, at) => glueTable("glue:GetTable", at, i.DatabaseName, i.Name),
  // GetTables reads every table of the database: catalog, database and `table/<db>/*` (Glue "Specifying AWS Glue
  // resource ARNs", GetTables).
  GetTablesCommand: (i, at) => glueTable("glue:GetTables", at, i.DatabaseName, "*"),
  CreateTableCommand: (i, at) => glueTable("glue:CreateTable", at, i.DatabaseName, i.TableInput?.Name),
  UpdateTableCommand: (i, at) => glueTable("glue:UpdateTable", at, i.DatabaseName, i.TableInput?.Name),
  // SSM: parameter ARNs drop the name's leading slash.
  GetParameterCommand: (i, at) => [{ action: "ssm:GetParameter", resource: `arn:${at.partition}:ssm:${at.region}:${at.accountId}:parameter/${String(i.Name).replace(/^\//, "")}` }],
  PutParameterCommand: (i, at) => [{ action: "ssm:PutParameter", resource: `arn:${at.partition}:ssm:${at.region}:${at.accountId}:parameter/${String(i.Name).replace(/^\//, "")}` }],
  // CloudWatch: custom metrics have no resource type; the namespace is the condition key.
  PutMetricDataCommand: (i) => [{ action: "cloudwatch:PutMetricData", resource: "*", context: { "cloudwatch:namespace": String(i.Namespace) } }],
  // Secrets Manager: a random password names no resource.
  GetRandomPasswordCommand: () => [{ action: "secretsmanager:GetRandomPassword", resource: "*" }],
  PutSecretValueCommand: (i, at) => [{ action: "secretsmanager:PutSecretValue", resource: String(i.SecretId), ...tagContext(at, String(i.SecretId)) }],
  GetSecretValueCommand: (i, at) => {
    const secret = String(i.SecretId);
    return [{ action: "secretsmanager:GetSecretValue", resource: secret, ...tagContext(at, secret) }];
  },
};

/**
 * The IAM requests one SDK command makes, including those AWS makes on the caller's behalf because of it.
 * @throws UnmappedCommandError for a command the mapping does not know.
 */
export function iamRequestsFor(command: string, input: unknown, at: RequestScope): MappedRequest[] {
  const mapper = SDK_REQUESTS[command];
  if (!mapper) throw new UnmappedCommandError(command);
  return mapper((input ?? {}) as Input, at);
}
