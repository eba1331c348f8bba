/**
 * IAM statements of the export pipeline's functions, each scoped to the exact cluster, role, key, bucket prefix,
 * database and topic. `Resource: "*"` appears only where the Service Authorization Reference lists no resource
 * type for the action.
 */
import * as pulumi from "@pulumi/pulumi";
import { anyResourceOnlyFor } from "../../policy/wildcardActions";
import type { PolicyStatement } from "../security/policy";

/** Where the pipeline's resources live, to build ARNs. */
export interface ArnContext {
  readonly partition: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
}

/** `arn:<partition>:rds:<region>:<account>:<resource>` */
export const rdsArn = (c: ArnContext, resource: string) => pulumi.interpolate`arn:${c.partition}:rds:${c.region}:${c.accountId}:${resource}`;

/**
 * Statement that lets RDS export tasks be read. The code looks tasks up by identifier, a request that names no
 * resource, so AWS authorises it on "*" only; the tasks' contents are metadata (status, counts, the snapshot).
 */
function readExportTasksStatement(): PolicyStatement {
  return { Sid: "ReadExportTasks", Effect: "Allow", Action: "rds:DescribeExportTasks", Resource: anyResourceOnlyFor("rds:DescribeExportTasks") };
}

/** export-snapshot: find the source's automated snapshots, start and check today's export task. (NodeFunction adds
 * logs and the alert topic.) */
export function exportSnapshotStatements(args: {
  readonly arns: ArnContext;
  readonly snapshotType: "cluster" | "instance";
  readonly sourceIdentifier: string;
  readonly exportRoleArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
}): PolicyStatement[] {
  const a = args.arns;
  const src = args.sourceIdentifier;
  const describeSnapshots: PolicyStatement =
    args.snapshotType === "cluster"
      ? {
          Sid: "DescribeSourceClusterSnapshots",
          Effect: "Allow",
          Action: "rds:DescribeDBClusterSnapshots",
          // The cluster, and its automated snapshots (`rds:<cluster>-<timestamp>`).
          Resource: [rdsArn(a, `cluster:${src}`), rdsArn(a, `cluster-snapshot:rds:${src}-*`)],
        }
      : {
          Sid: "DescribeSourceInstanceSnapshots",
          Effect: "Allow",
          Action: "rds:DescribeDBSnapshots",
          Resource: [rdsArn(a, `db:${src}`), rdsArn(a, `snapshot:rds:${src}-*`)],
        };
  // Only the source's automated snapshots (`rds:<source>-<timestamp>`) may be exported.
  const snapshots = rdsArn(a, args.snapshotType === "cluster" ? `cluster-snapshot:rds:${src}-*` : `snapshot:rds:${src}-*`);
  return [describeSnapshots, ...startExportStatements({ snapshotArns: [snapshots], exportRoleArn: args.exportRoleArn, kmsKeyArn: args.kmsKeyArn })];
}

/**
 * What starting an export needs besides reading the snapshot: the export task actions, passing the RDS export role
 * (to RDS exports only) and the KMS grant the export takes on the CMK. Shared by the raw daily export and the golden
 * refresh's masked export.
 */
export function startExportStatements(args: {
  /** The snapshots that may be exported: StartExportTask is authorised on the snapshot it exports. */
  readonly snapshotArns: readonly pulumi.Input<string>[];
  readonly exportRoleArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
}): PolicyStatement[] {
  return [
    { Sid: "StartExportsOfTheseSnapshots", Effect: "Allow", Action: "rds:StartExportTask", Resource: [...args.snapshotArns] },
    readExportTasksStatement(),
    {
      Sid: "PassOnlyTheExportRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: args.exportRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": "export.rds.amazonaws.com" } },
    },
    {
      Sid: "GrantExportAccessToTheKey",
      Effect: "Allow",
      // StartExportTask creates a grant on the CMK for the export (Exporting DB cluster data to Amazon S3).
      Action: "kms:CreateGrant",
      Resource: args.kmsKeyArn,
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
    {
      Sid: "DescribeTheExportKey",
      Effect: "Allow",
      // RDS describes the key as the caller first. A DescribeKey request never carries kms:GrantIsForAWSResource,
      // so it cannot share the grant statement's condition.
      Action: "kms:DescribeKey",
      Resource: args.kmsKeyArn,
    },
  ];
}

/** export-events: read task outcomes and the export's metadata files, move this database's tables, alert. */
export function exportEventsStatements(args: {
  readonly arns: ArnContext;
  readonly exportsBucketArn: pulumi.Input<string>;
  readonly exportsPrefix: string;
  readonly glueDatabaseName: string;
  readonly kmsKeyArn: pulumi.Input<string>;
}): PolicyStatement[] {
  const a = args.arns;
  const glueArn = (resource: string) => pulumi.interpolate`arn:${a.partition}:glue:${a.region}:${a.accountId}:${resource}`;
  // Only the metadata files at an export's root: this function can never read the exported rows (PII).
  const metadata = `${args.exportsPrefix}/*/export_tables_info_*`;
  return [
    readExportTasksStatement(),
    {
      Sid: "ListExportMetadata",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: args.exportsBucketArn,
      Condition: { StringLike: { "s3:prefix": metadata } },
    },
    { Sid: "ReadExportMetadata", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${args.exportsBucketArn}/${metadata}` },
    // The metadata objects are SSE-KMS with the CMK.
    { Sid: "DecryptExportMetadata", Effect: "Allow", Action: "kms:Decrypt", Resource: args.kmsKeyArn },
    {
      Sid: "MoveStableTables",
      Effect: "Allow",
      // GetTables: the reconcile run reads where every stable table points.
      Action: ["glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable"],
      Resource: [glueArn("catalog"), glueArn(`database/${args.glueDatabaseName}`), glueArn(`table/${args.glueDatabaseName}/*`)],
    },
  ];
}
