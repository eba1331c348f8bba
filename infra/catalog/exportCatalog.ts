import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { anyResourceOnlyFor } from "../../policy/wildcardActions";
import { ServiceRole } from "../security/serviceRole";

/** The Glue side of the export: a database that analysts query, and a crawler over the export prefix. */
export interface ExportCatalogArgs {
  /** Glue database name (contracts/naming `glueDatabaseName`). */
  readonly databaseName: string;
  /** Crawler name; also the name its failure alerts match on. */
  readonly crawlerName: string;
  /** Physical name of the crawler's role. */
  readonly crawlerRoleName: string;
  readonly exportsBucketName: pulumi.Input<string>;
  readonly exportsBucketArn: pulumi.Input<string>;
  /** Key prefix the exports land under, without slashes, e.g. `exports`. */
  readonly exportsPrefix: string;
  /** CMK that encrypts the exports and the crawler's logs. */
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
}

/**
 * Glue database + crawler. The analysts' database holds one stable table per source table, kept by the export
 * pipeline (functions/export-events). The crawler is on demand (no schedule) and writes only into a separate
 * `<database>_discovery` database: a crawler matches tables by S3 location, so pointed at the analysts' database it
 * would add a suffixed duplicate for every new export.
 */
export class ExportCatalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  /** Where the crawler writes: schema discovery, never queried as "the latest export". */
  readonly discoveryDatabase: aws.glue.CatalogDatabase;
  readonly crawler: aws.glue.Crawler;
  readonly crawlerRole: ServiceRole;
  readonly databaseArn: pulumi.Output<string>;

  constructor(name: string, args: ExportCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:catalog:ExportCatalog", name, {}, opts);
    const glueArn = (resource: pulumi.Input<string>) =>
      pulumi.interpolate`arn:${args.partition}:glue:${args.region}:${args.accountId}:${resource}`;

    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      { name: args.databaseName, description: "Latest Aurora snapshot export, one stable table per source table" },
      { parent: this },
    );
    this.databaseArn = this.database.arn;
    const discoveryName = `${args.databaseName}_discovery`;
    this.discoveryDatabase = new aws.glue.CatalogDatabase(
      `${name}-discovery-database`,
      { name: discoveryName, description: "Ad-hoc crawler output over all exports; not the stable tables" },
      { parent: this },
    );

    this.crawlerRole = new ServiceRole(
      `${name}-crawler-role`,
      {
        roleName: args.crawlerRoleName,
        service: "glue.amazonaws.com",
        accountId: args.accountId,
        description: "Glue crawler: reads the export prefix, writes tables of one Glue database",
        statements: [
          {
            Sid: "ListExportPrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: args.exportsBucketArn,
            Condition: { StringLike: { "s3:prefix": [`${args.exportsPrefix}/*`, `${args.exportsPrefix}/`] } },
          },
          {
            Sid: "ReadExportObjects",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: pulumi.interpolate`${args.exportsBucketArn}/${args.exportsPrefix}/*`,
          },
          { Sid: "DecryptExports", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: args.kmsKeyArn },
          {
            // Database lookups are authorised on the catalog and the database, never on a table (Service
            // Authorization Reference, AWS Glue).
            Sid: "FindOwnDatabase",
            Effect: "Allow",
            Action: "glue:GetDatabase",
            Resource: [glueArn("catalog"), glueArn(`database/${discoveryName}`)],
          },
          {
            Sid: "WriteOwnDatabase",
            Effect: "Allow",
            Action: [
              "glue:GetTable",
              "glue:GetTables",
              "glue:CreateTable",
              "glue:UpdateTable",
              "glue:GetPartition",
              "glue:GetPartitions",
              "glue:BatchCreatePartition",
              "glue:BatchGetPartition",
              "glue:UpdatePartition",
              "glue:BatchUpdatePartition",
            ],
            Resource: [
              glueArn("catalog"),
              glueArn(`database/${discoveryName}`),
              glueArn(`table/${discoveryName}/*`),
            ],
          },
          {
            Sid: "GetOwnSecurityConfiguration",
            Effect: "Allow",
            Action: "glue:GetSecurityConfiguration",
            // Glue authorises GetSecurityConfiguration only on "*" (no resource-level permissions).
            Resource: anyResourceOnlyFor("glue:GetSecurityConfiguration"),
          },
          {
            Sid: "WriteCrawlerLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
            Resource: pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:/aws-glue/crawlers*`,
          },
        ],
      },
      { parent: this },
    );

    const security = new aws.glue.SecurityConfiguration(
      `${name}-security`,
      {
        name: `${args.crawlerName}-kms`,
        encryptionConfiguration: {
          cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: args.kmsKeyArn },
          jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: args.kmsKeyArn },
          s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: args.kmsKeyArn },
        },
      },
      { parent: this },
    );

    this.crawler = new aws.glue.Crawler(
      `${name}-crawler`,
      {
        name: args.crawlerName,
        role: this.crawlerRole.arn,
        databaseName: this.discoveryDatabase.name,
        description: "On-demand schema discovery over the export prefix, into the discovery database",
        securityConfiguration: security.name,
        s3Targets: [{ path: pulumi.interpolate`s3://${args.exportsBucketName}/${args.exportsPrefix}/` }],
        recrawlPolicy: { recrawlBehavior: "CRAWL_EVERYTHING" },
        schemaChangePolicy: { updateBehavior: "UPDATE_IN_DATABASE", deleteBehavior: "DEPRECATE_IN_DATABASE" },
        // One table per `<database>.<table>` folder, even when partitions have different column sets.
        configuration: JSON.stringify({
          Version: 1.0,
          CrawlerOutput: { Tables: { AddOrUpdateBehavior: "MergeNewColumns" } },
          Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
        }),
      },
      { parent: this },
    );
    this.registerOutputs({ databaseName: this.database.name, discoveryDatabaseName: this.discoveryDatabase.name, crawlerName: this.crawler.name });
  }
}
