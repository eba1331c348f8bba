/**
 * The export contract: how an export is named and where its files land in S3. The export Lambda, the completion
 * handler, the platform stack, the BigQuery transfer paths and the CLIs all import this module; none of them builds
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
 * BigQuery's runtime template for the export day: `{run_time|"%Y%m%d"}`, shifted into the export schedule's time zone.
 * `run_time` is UTC; the export day is the date in the schedule's zone, so a zone ahead of UTC needs `+<offset>`
 * (BigQuery accepts `h` and `m` offsets: https://cloud.google.com/bigquery/docs/gcs-transfer-parameters).
 * @param utcOffsetMinutes the export zone's fixed offset from UTC in minutes (+540 for Asia/Tokyo). Default 0.
 */
export function bigQueryDayTemplate(utcOffsetMinutes = 0): string {
  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 14 * 60) {
    throw new RangeError(`UTC offset must be whole minutes within ±14 h, got ${utcOffsetMinutes}`);
  }
  const sign = utcOffsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(utcOffsetMinutes);
  const offset = abs === 0 ? "" : abs % 60 === 0 ? `${sign}${abs / 60}h` : `${sign}${abs}m`;
  return `{run_time${offset}|"%Y%m%d"}`;
}

/**
 * The BigQuery Data Transfer Service (`amazon_s3`) `data_path` for one table: every Parquet file of that table in the
 * export of the run's day, whichever attempt wrote it:
 *
 *   s3://<bucket>/exports/<env>-{run_time…|"%Y%m%d"}<W>/<db>/<db>.<table>/<W>/<W>.parquet   (<W> is `*`)
 *
 * Built from {@link tableKeyPrefix} with the export id `<env>-<day template>*`, so it follows the layout above.
 * - The first `*` stands for the attempt suffix of {@link exportId}: nothing for the first attempt, `-r2` … after a
 *   retry. With more than one wildcard, BigQuery makes each `*` match within one path segment, so it cannot reach
 *   into another day's or another table's folders.
 * - The last two stand for RDS's `<partition>/part-….parquet` below the table folder (one level each).
 * Limits (documented in the README): with two or more wildcards a run may load at most 10,000 files per table;
 * if a failed attempt left files behind and a retry of the same day succeeded, both attempts match.
 */
export function bigQueryDataPath(bucket: string, environment: string, database: string, table: string, utcOffsetMinutes = 0): string {
  // Validate the environment the same way exportId does, on a real day, before substituting the template.
  exportId(environment, "20000101");
  const idPattern = `${environment}-${bigQueryDayTemplate(utcOffsetMinutes)}*`;
  return s3Uri(bucket, `${tableKeyPrefix(idPattern, database, table)}*/*.parquet`);
}
