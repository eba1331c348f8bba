import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** One source table, loaded into `<dataset>.<table>`. */
export interface TransferTable {
  readonly database: string;
  readonly table: string;
  /** The transfer's `data_path` (contracts/exportLayout `bigQueryDataPath`). */
  readonly dataPath: pulumi.Input<string>;
}

/** A BigQuery dataset and one Amazon S3 Data Transfer config per exported table. */
export interface BigQueryTransfersArgs {
  /** GCP project of the dataset and the transfers; the component's own provider is pinned to it. */
  readonly project: string;
  /** BigQuery location, e.g. `asia-northeast1`; the transfers run there too. */
  readonly location: string;
  readonly datasetId: string;
  /** Transfer schedule in BigQuery's syntax, UTC, e.g. `every day 03:00`. */
  readonly schedule: string;
  /** `WRITE_TRUNCATE` replaces each table with the day's export; `WRITE_APPEND` adds to it. */
  readonly writeDisposition: "WRITE_TRUNCATE" | "WRITE_APPEND";
  readonly tables: readonly TransferTable[];
  /** Access key id of the AWS transfer user. */
  readonly accessKeyId: pulumi.Input<string>;
  /** Its secret; passed only through `sensitiveParams`. */
  readonly secretAccessKey: pulumi.Input<string>;
  /** Prefix of every transfer's display name, e.g. `data-platform-stg`. */
  readonly displayNamePrefix: string;
  /** `projects/<p>/topics/<t>` that receives a message after each run. Default none. */
  readonly notificationPubsubTopic?: string;
  /** E-mail the transfer's owner when a run fails. Default false. */
  readonly emailNotifications?: boolean;
  /** Let `pulumi destroy` delete a dataset that still has tables. Default false. */
  readonly deleteContentsOnDestroy?: boolean;
  /** `protect` the dataset (not the transfers: removing a table from config must stay a plain planned delete). Default false. */
  readonly protectDataset?: boolean;
  /** Labels on the dataset. */
  readonly labels?: Record<string, string>;
}

/** The transfer's display name for a table: `<prefix> <db>.<table>`, the same for the same table on every run. */
export function transferDisplayName(prefix: string, database: string, table: string): string {
  return `${prefix} ${database}.${table}`;
}

/**
 * Dataset + transfers, created through a provider of their own that is pinned to the configured project, so the stack
 * never depends on ambient gcloud settings. Each transfer's resource name is `<name>-<db>.<table>`: the same table
 * always maps to the same resource, and adding or removing a table adds or removes exactly one transfer.
 */
export class BigQueryTransfers extends pulumi.ComponentResource {
  readonly provider: gcp.Provider;
  readonly dataset: gcp.bigquery.Dataset;
  /** One destination table per transfer: an Amazon S3 transfer loads only into a table that exists. */
  readonly tables: gcp.bigquery.Table[];
  readonly transfers: gcp.bigquery.DataTransferConfig[];

  constructor(name: string, args: BigQueryTransfersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:gcp:BigQueryTransfers", name, {}, opts);
    const emailNotifications = args.emailNotifications ?? false;
    const seen = new Set<string>();
    for (const t of args.tables) {
      if (seen.has(t.table)) {
        throw new pulumi.InputPropertyError({ propertyPath: "tables", reason: `table ${t.table} appears twice; each loads into ${args.datasetId}.${t.table}` });
      }
      seen.add(t.table);
    }

    this.provider = new gcp.Provider(`${name}-provider`, { project: args.project }, { parent: this });
    const gcpOpts = { parent: this, provider: this.provider };

    this.dataset = new gcp.bigquery.Dataset(
      `${name}-dataset`,
      {
        datasetId: args.datasetId,
        location: args.location,
        description: `Daily loads of the ${args.displayNamePrefix} Aurora exports`,
        deleteContentsOnDestroy: args.deleteContentsOnDestroy ?? false,
        labels: args.labels,
      },
      { ...gcpOpts, protect: args.protectDataset ?? false },
    );

    // Created without a schema: Parquet is self-describing, so each load takes the column types from the files
    // RDS wrote (https://cloud.google.com/bigquery/docs/schema-detect: "You don't need to enable schema
    // auto-detection for Avro, Parquet, ORC … BigQuery automatically infers the table schema from the source
    // data"). Those files follow contracts/rdsParquetTypes, the same mapping the Glue tables are declared from; the
    // program never sees a table's columns (they exist only in each export's metadata), so a schema written here
    // would be a second copy that falls behind the first added column.
    this.tables = args.tables.map(
      (t) =>
        new gcp.bigquery.Table(
          `${name}-${t.database}.${t.table}-table`,
          {
            datasetId: this.dataset.datasetId,
            tableId: t.table,
            description: `${t.database}.${t.table}, loaded daily from the newest complete export`,
            deletionProtection: args.protectDataset ?? false,
            labels: args.labels,
          },
          gcpOpts,
        ),
    );

    this.transfers = args.tables.map(
      (t, i) =>
        new gcp.bigquery.DataTransferConfig(
          `${name}-${t.database}.${t.table}`,
          {
            displayName: transferDisplayName(args.displayNamePrefix, t.database, t.table),
            location: args.location,
            dataSourceId: "amazon_s3",
            destinationDatasetId: this.dataset.datasetId,
            schedule: args.schedule,
            params: {
              data_path: t.dataPath,
              destination_table_name_template: this.tables[i].tableId,
              file_format: "PARQUET",
              write_disposition: args.writeDisposition,
              access_key_id: args.accessKeyId,
            },
            // The secret goes only here: the provider keeps sensitiveParams out of plan output and state diffs.
            sensitiveParams: { secretAccessKey: args.secretAccessKey },
            notificationPubsubTopic: args.notificationPubsubTopic,
            emailPreferences: { enableFailureEmail: emailNotifications },
          },
          { ...gcpOpts, dependsOn: [this.tables[i]] },
        ),
    );
    this.registerOutputs({ datasetId: this.dataset.datasetId, transfers: this.transfers.length });
  }
}
