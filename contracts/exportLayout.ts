/**
 * The export contract: how an export is named and where its files land in S3. The export Lambda, the completion
 * handler, the platform stack, the BigQuery publisher and transfer paths and the CLIs all import this module; none of them builds
 * an export path by hand.
 *
 * An RDS snapshot export of Aurora MySQL writes
 *   s3://<bucket>/<prefix>/<export id>/<database>/<database>.<table>/<partition>/part-*.parquet
 * (RDS user guide, "Exporting DB snapshot data to Amazon S3", folder structure).
 */

/** Key prefix that every export is written under. */
export const EXPORTS_PREFIX = "exports";

/** How many attempts one day gets: the first, then `-r2` … `-r<MAX>` after failures. */
export const MAX_EXPORT_ATTEMPTS = 5;

const DAY = /^\d{8}$/;

/** `yyyymmdd` of an instant as seen in a time zone (the export schedule's zone, so "today" matches the schedule). */
export function exportDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}${get("month")}${get("day")}`;
}

/**
 * The export task identifier for an environment, day and attempt: `<env>-<yyyymmdd>`, then `<env>-<yyyymmdd>-r2` …
 * RDS allows 60 characters, letters, digits and single hyphens, starting with a letter.
 */
export function exportId(environment: string, day: string, attempt = 1): string {
  if (!/^[a-z][a-z0-9]*$/.test(environment)) throw new RangeError(`invalid environment for an export id: ${environment}`);
  if (!DAY.test(day)) throw new RangeError(`invalid export day (want yyyymmdd): ${day}`);
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > MAX_EXPORT_ATTEMPTS) {
    throw new RangeError(`export attempt must be 1..${MAX_EXPORT_ATTEMPTS}, got ${attempt}`);
  }
  return attempt === 1 ? `${environment}-${day}` : `${environment}-${day}-r${attempt}`;
}

/** The parts of one of this environment's export ids, or undefined for any other identifier. */
export function parseExportId(environment: string, id: string): { day: string; attempt: number } | undefined {
  const m = /^([a-z][a-z0-9]*)-(\d{8})(?:-r(\d+))?$/.exec(id);
  if (!m || m[1] !== environment) return undefined;
  const attempt = m[3] === undefined ? 1 : Number(m[3]);
  if (attempt < 2 && m[3] !== undefined) return undefined;
  if (attempt > MAX_EXPORT_ATTEMPTS) return undefined;
  return { day: m[2], attempt };
}

/** Key prefix of one export: `exports/<id>/`. */
export function exportRootKey(id: string): string {
  return `${EXPORTS_PREFIX}/${id}/`;
}

/**
 * Key prefix of one table in one export: `exports/<id>/<db>/<db>.<table>/`, or `exports/<id>/<db>/<schema>.<table>/`
 * for a table whose export target names a schema (`db.schema.table`, see {@link parseExportTarget}).
 */
export function tableKeyPrefix(id: string, database: string, table: string, schema?: string): string {
  return `${exportRootKey(id)}${database}/${schema ?? database}.${table}/`;
}

/** A source table as the export metadata names it (`perTableStatus[].target`). */
export interface SourceTableName {
  readonly database: string;
  /** Present only in the `db.schema.table` form, and only when it differs from the database. */
  readonly schema?: string;
  readonly table: string;
}

const TARGET_PART = /^[A-Za-z0-9_$]{1,64}$/;

/**
 * Reads an export metadata `target` in either form seen in the field: `db.table` (Aurora MySQL, the folder
 * `<db>/<db>.<table>/` of the RDS user guide's file naming convention) or `db.schema.table` (the form PostgreSQL
 * exports use, folder `<db>/<schema>.<table>/`, and that readers of these files such as
 * seapy/athena-ddl-rds-snapshot accept by taking the last part as the table). A schema equal to the database is
 * dropped, so `shop.shop.users` and `shop.users` name the same table. Undefined for anything else.
 */
export function parseExportTarget(target: string): SourceTableName | undefined {
  const parts = target.split(".");
  if ((parts.length !== 2 && parts.length !== 3) || !parts.every((p) => TARGET_PART.test(p))) return undefined;
  if (parts.length === 2 || parts[1] === parts[0]) return { database: parts[0], table: parts[parts.length - 1] };
  return { database: parts[0], schema: parts[1], table: parts[2] };
}

/** `s3://<bucket>/<key>` */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * The stable Glue table name for a source table: `<database>_<table>` (`<database>_<schema>_<table>` when the export
 * names a schema other than the database), lower case, since Glue folds names to
 * lower case and allows only letters, digits and underscores.
 */
export function glueTableName(database: string, table: string, schema?: string): string {
  const name = schema === undefined || schema === database ? `${database}_${table}` : `${database}_${schema}_${table}`;
  return name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** Every identifier one day may use, first attempt first: `<env>-<day>`, `<env>-<day>-r2` … */
export function exportIdsForDay(environment: string, day: string): string[] {
  return Array.from({ length: MAX_EXPORT_ATTEMPTS }, (_, i) => exportId(environment, day, i + 1));
}

/**
 * Key prefix of the per-table metadata files RDS writes at the root of an export:
 * `exports/<id>/export_tables_info_<id>_from_<n>_to_<m>.json`, each holding `perTableStatus` with every table's
 * `target` (`<db>.<table>`), `status` and `schemaMetadata.originalTypeMappings`.
 */
export function tablesInfoKeyPrefix(id: string): string {
  return `${exportRootKey(id)}export_tables_info_`;
}

/**
 * Where one export table's key prefix comes from: `exports/<id>/<db>/<db>.<table>/` parsed back into its parts, or
 * undefined for any other key. Used to read the Glue catalog's table locations (`s3://bucket/<key>` is accepted too).
 */
export function parseTableKeyPrefix(key: string): ({ exportId: string } & SourceTableName) | undefined {
  const path = key.replace(/^s3:\/\/[^/]+\//, "");
  const parts = path.split("/");
  if (parts[parts.length - 1] === "") parts.pop();
  if (parts.length !== 4 || parts[0] !== EXPORTS_PREFIX) return undefined;
  const [, id, database, folder] = parts;
  if (!id || !database) return undefined;
  const target = parseExportTarget(`${database}.${folder}`);
  if (!target || tableKeyPrefix(id, target.database, target.table, target.schema) !== `${parts.join("/")}/`) return undefined;
  return { exportId: id, ...target };
}

/**
 * Key prefix of everything BigQuery may read: `bigquery/`. Only the publisher (functions/bigquery-publish) writes
 * under it, and the BigQuery transfer user may read nothing else.
 */
export const BIGQUERY_PREFIX = "bigquery";

/**
 * The one place a table's BigQuery transfer loads from: `bigquery/<db>/<db>.<table>/current/`. The publisher keeps
 * exactly one complete export of the table here (`current/<export id>/<partition>/part-….parquet`), replacing it only
 * while no transfer runs (contracts/bigQueryLoad `publishAllowedAt`), so a run finds one whole export and nothing else.
 */
export function bigQueryCurrentPrefix(database: string, table: string): string {
  if (!TARGET_PART.test(database) || !TARGET_PART.test(table)) throw new RangeError(`invalid table for BigQuery: ${database}.${table}`);
  return `${BIGQUERY_PREFIX}/${database}/${database}.${table}/current/`;
}

/**
 * Where the publisher puts one file of an export's table folder: the file's path below
 * `exports/<id>/<db>/<db>.<table>/` kept as it is, under `current/<id>/`, so two exports never share a key.
 * @param sourceKey a key under {@link tableKeyPrefix} of the same export and table
 */
export function bigQueryPublishedKey(exportTaskIdentifier: string, database: string, table: string, sourceKey: string): string {
  const source = tableKeyPrefix(exportTaskIdentifier, database, table);
  if (!sourceKey.startsWith(source) || sourceKey.length === source.length) throw new RangeError(`${sourceKey} is not a file of ${source}`);
  return `${bigQueryCurrentPrefix(database, table)}${exportTaskIdentifier}/${sourceKey.slice(source.length)}`;
}

/** The export id a key under a table's `current/` belongs to, or undefined for any other key. */
export function publishedExportId(database: string, table: string, key: string): string | undefined {
  const prefix = bigQueryCurrentPrefix(database, table);
  if (!key.startsWith(prefix)) return undefined;
  const id = key.slice(prefix.length).split("/")[0];
  return id === "" ? undefined : id;
}

/**
 * The BigQuery Data Transfer Service (`amazon_s3`) `data_path` of one table: every Parquet file under the table's
 * `current/` prefix and nothing else:
 *
 *   s3://<bucket>/bigquery/<db>/<db>.<table>/current/*.parquet
 *
 * Everything before the one wildcard is fixed, and the fixed part ends with `/current/`, so no other table's key
 * (`…/<db>.<table>_archive/…`, another database's folder, `exports/…`) can match. With a single wildcard BigQuery
 * lets `*` span folders (https://cloud.google.com/bigquery/docs/s3-transfer-intro, "Wildcard support for Amazon S3
 * URIs"), which reaches `<export id>/<partition>/part-….parquet`. No run-time template: which export is loaded
 * follows what the publisher put there, not the run's date.
 */
export function bigQueryDataPath(bucket: string, database: string, table: string): string {
  return s3Uri(bucket, `${bigQueryCurrentPrefix(database, table)}*.parquet`);
}
