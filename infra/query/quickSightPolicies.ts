/**
 * What the QuickSight data source's role may do: run Athena queries in the platform's workgroup over the Glue
 * database, read the export objects, write query results, and use the CMK only through S3.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../security/policy";

/** ARNs the role's statements are scoped to. */
export interface QuickSightAccessArgs {
  readonly partition: pulumi.Input<string>;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly workgroupName: pulumi.Input<string>;
  readonly glueDatabaseName: string;
  readonly exportsBucketArn: pulumi.Input<string>;
  /** Key prefix of the exports, without a trailing slash. */
  readonly exportsPrefix: string;
  readonly resultsBucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
}

/** Actions that Athena authorises on the workgroup when QuickSight runs a query there. */
export const QUICKSIGHT_ATHENA_QUERY_ACTIONS = [
  "athena:GetWorkGroup",
  "athena:StartQueryExecution",
  "athena:GetQueryExecution",
  "athena:GetQueryResults",
  "athena:GetQueryResultsStream",
  "athena:StopQueryExecution",
] as const;

/** Least-privilege statements of the QuickSight data source's role. */
export function quickSightAccessStatements(a: QuickSightAccessArgs): PolicyStatement[] {
  const arn = (service: string, resource: string) => pulumi.interpolate`arn:${a.partition}:${service}:${a.region}:${a.accountId}:${resource}`;
  return [
    { Sid: "QueryInThePlatformWorkgroup", Effect: "Allow", Action: [...QUICKSIGHT_ATHENA_QUERY_ACTIONS], Resource: pulumi.interpolate`${arn("athena", "workgroup/")}${a.workgroupName}` },
    {
      Sid: "BrowseTheGlueCatalogThroughAthena",
      Effect: "Allow",
      Action: ["athena:GetDataCatalog", "athena:ListDatabases", "athena:GetDatabase", "athena:ListTableMetadata", "athena:GetTableMetadata"],
      Resource: arn("athena", "datacatalog/AwsDataCatalog"),
    },
    {
      Sid: "ReadTheExportDatabase",
      Effect: "Allow",
      Action: ["glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"],
      Resource: [arn("glue", "catalog"), arn("glue", `database/${a.glueDatabaseName}`), arn("glue", `table/${a.glueDatabaseName}/*`)],
    },
    {
      // Database lookups are authorised on the catalog and the database, never on a table.
      Sid: "FindTheExportDatabase",
      Effect: "Allow",
      Action: ["glue:GetDatabase", "glue:GetDatabases"],
      Resource: [arn("glue", "catalog"), arn("glue", `database/${a.glueDatabaseName}`)],
    },
    { Sid: "LocateTheExportsBucket", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: a.exportsBucketArn },
    {
      Sid: "ListTheExports",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: a.exportsBucketArn,
      Condition: { StringLike: { "s3:prefix": [`${a.exportsPrefix}/*`, `${a.exportsPrefix}/`] } },
    },
    { Sid: "ReadTheExports", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${a.exportsBucketArn}/${a.exportsPrefix}/*` },
    {
      Sid: "QueryResultsBucket",
      Effect: "Allow",
      Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      Resource: a.resultsBucketArn,
    },
    {
      Sid: "QueryResults",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      Resource: pulumi.interpolate`${a.resultsBucketArn}/*`,
    },
    {
      Sid: "UseTheKeyOnlyThroughS3",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: a.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${a.region}.amazonaws.com` } },
    },
  ];
}
