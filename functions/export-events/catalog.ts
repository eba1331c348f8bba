/**
 * Moves the Glue catalog to a completed export: one table per source table, always named `<db>_<table>`
 * (contracts/exportLayout `glueTableName`), whose location is re-pointed to the newest export.
 *
 * Why the tables are updated directly instead of re-pointing and starting the crawler: a crawler matches tables by
 * S3 location, so pointing it at a new `exports/<id>/` path makes it create new tables (suffixed with a hash when
 * the name is taken) rather than move the old ones: duplicate tables every day, which is the bug this fixes. RDS
 * already writes each table's schema at the export root (`export_tables_info_<id>_from_<n>_to_<m>.json`), so the
 * schema needs no discovery, and UpdateTable moves a table atomically: a query sees the old export or the new one,
 * never a mix. Glue keeps every earlier version of a table (GetTableVersions), which doubles as a free history of
 * where each day's export was.
 */
import { type Column, CreateTableCommand, type GlueClient, type TableInput, UpdateTableCommand } from "@aws-sdk/client-glue";
import { GetObjectCommand, type S3Client, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { type SourceTableName, glueTableName, parseExportTarget, s3Uri, tableKeyPrefix, tablesInfoKeyPrefix } from "../../contracts/exportLayout";
import { type ParquetColumnType, UnmappedTypeError, glueTypeOf, parquetTypeOf, parseExportedType } from "../../contracts/rdsParquetTypes";

/** One column in `schemaMetadata.originalTypeMappings`. */
export interface ColumnMetadata {
  readonly columnName: string;
  readonly originalType: string;
  readonly expectedExportedType?: string;
  readonly originalCharMaxLength?: number;
  readonly originalNumPrecision?: number;
  /** Not seen in published samples; read when present (DECIMAL scale). */
  readonly originalNumScale?: number;
  readonly originalDateTimePrecision?: number;
}

/** One column as the stable table declares it. */
export interface DeclaredColumn {
  readonly name: string;
  /** Glue/Hive type (contracts/rdsParquetTypes `glueTypeOf`). */
  readonly type: string;
  /** The Parquet type the declaration follows. */
  readonly parquet: ParquetColumnType;
  /** Set when the metadata's expectedExportedType disagreed with AWS's table; the metadata won. */
  readonly disagreement?: string;
}

/** One source table as the export reports it. */
export interface ExportedTable extends SourceTableName {
  /** The metadata's `target`, as written. */
  readonly target: string;
  readonly columns: readonly DeclaredColumn[];
}

/** What the metadata files say: the tables that exported completely, and those that did not. */
export interface ExportTables {
  readonly complete: ExportedTable[];
  /** `<target>: <why>` for tables whose status was not COMPLETE or whose metadata we could not use. */
  readonly skipped: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * How a column is declared: AWS's documented mapping (contracts/rdsParquetTypes) from the MySQL type, cross-checked
 * with the type the export says it wrote. The files are what Athena reads, so when the two disagree (a MySQL type
 * reported without ` unsigned`, say) the reported type wins and the disagreement is kept for the log. Throws
 * UnmappedTypeError when neither source gives a type.
 */
export function declareColumn(c: ColumnMetadata): DeclaredColumn {
  const reported = parseExportedType(c.expectedExportedType);
  let documented: ParquetColumnType | undefined;
  try {
    documented = parquetTypeOf(c.originalType, { precision: c.originalNumPrecision, scale: c.originalNumScale });
  } catch (err) {
    if (!(err instanceof UnmappedTypeError) || reported === undefined) throw err;
  }
  const name = c.columnName.toLowerCase();
  if (!documented) return { name, type: glueTypeOf(reported!), parquet: reported! };
  if (!reported) return { name, type: glueTypeOf(documented), parquet: documented };
  // Same primitive: the report's annotation, when it names one, is the more specific (a CHAR column reported as
  // UTF8, say); without one the documented annotation stands (a report may omit DECIMAL(20,0) on BIGINT UNSIGNED).
  const parquet = reported.physical !== documented.physical || reported.logical ? reported : documented;
  const type = glueTypeOf(parquet);
  if (type === glueTypeOf(documented)) return { name, type, parquet };
  const disagreement = `${c.originalType} is documented as ${glueTypeOf(documented)} (${documented.physical}) but the export reports ${c.expectedExportedType}`;
  return { name, type, parquet, disagreement };
}

/** Parses one `export_tables_info_*.json` document; unknown shapes and unmappable columns skip the table, never guess. */
export function parseTablesInfo(doc: unknown): ExportTables {
  const result: ExportTables = { complete: [], skipped: [] };
  const statuses = isRecord(doc) && Array.isArray(doc.perTableStatus) ? doc.perTableStatus : [];
  for (const s of statuses) {
    if (!isRecord(s) || typeof s.target !== "string") continue;
    const name = parseExportTarget(s.target);
    const mappings = isRecord(s.schemaMetadata) ? s.schemaMetadata.originalTypeMappings : undefined;
    const raw = Array.isArray(mappings)
      ? mappings.filter((c): c is ColumnMetadata => isRecord(c) && typeof c.columnName === "string" && typeof c.originalType === "string")
      : [];
    const why =
      s.status !== "COMPLETE" ? `status ${String(s.status)}` : !name ? "target is neither db.table nor db.schema.table" : raw.length === 0 ? "no column metadata" : undefined;
    if (why || !name) {
      result.skipped.push(`${s.target}: ${why}`);
      continue;
    }
    try {
      result.complete.push({ ...name, target: s.target, columns: raw.map(declareColumn) });
    } catch (err) {
      if (!(err instanceof UnmappedTypeError)) throw err;
      result.skipped.push(`${s.target}: ${err.message}`);
    }
  }
  return result;
}

/** Reads every metadata file of an export (there is one per batch of tables). */
export async function readExportTables(s3: S3Client, bucket: string, exportTaskIdentifier: string): Promise<ExportTables> {
  const all: ExportTables = { complete: [], skipped: [] };
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: tablesInfoKeyPrefix(exportTaskIdentifier) })) {
    for (const obj of page.Contents ?? []) {
      if (!obj.Key?.endsWith(".json")) continue;
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: obj.Key }));
      const text = (await res.Body?.transformToString("utf-8")) ?? "";
      const parsed = parseTablesInfo(JSON.parse(text));
      all.complete.push(...parsed.complete);
      all.skipped.push(...parsed.skipped);
    }
  }
  return all;
}

/** The Glue TableInput of one exported table at one export. */
export function tableInput(bucket: string, exportTaskIdentifier: string, t: ExportedTable): TableInput {
  const columns: Column[] = t.columns.map((c) => ({ Name: c.name, Type: c.type }));
  return {
    Name: glueTableName(t.database, t.table, t.schema),
    Description: `${t.target} from the latest export`,
    TableType: "EXTERNAL_TABLE",
    // An empty list, not an absent one: Spark's Glue catalog client and Athena's DDL read it (an absent list breaks
    // SHOW CREATE TABLE and Spark's table lookup).
    PartitionKeys: [],
    Parameters: {
      // Athena and the Glue console pick the reader from `classification`; Hive and Spark treat the table as
      // external (dropping it never deletes the export) from `EXTERNAL`.
      classification: "parquet",
      EXTERNAL: "TRUE",
      // Where the table points now; a reviewer (or the history in GetTableVersions) reads it here.
      "data_platform.export_id": exportTaskIdentifier,
      "data_platform.source_table": t.target,
    },
    StorageDescriptor: {
      Columns: columns,
      // The table's folder; Athena reads the numbered batch folders below it.
      Location: s3Uri(bucket, tableKeyPrefix(exportTaskIdentifier, t.database, t.table, t.schema)),
      InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
      OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
      SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", Parameters: { "serialization.format": "1" } },
      Compressed: true,
    },
  };
}

/** Points the stable table at the export: UpdateTable, or CreateTable the first time a table appears. */
export async function upsertTable(glue: GlueClient, databaseName: string, input: TableInput): Promise<"updated" | "created"> {
  try {
    await glue.send(new UpdateTableCommand({ DatabaseName: databaseName, TableInput: input }));
    return "updated";
  } catch (err) {
    if (!(err instanceof Error && err.name === "EntityNotFoundException")) throw err;
  }
  await glue.send(new CreateTableCommand({ DatabaseName: databaseName, TableInput: input }));
  return "created";
}
