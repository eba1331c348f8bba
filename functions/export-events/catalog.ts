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
import { glueTableName, s3Uri, tableKeyPrefix, tablesInfoKeyPrefix } from "../../contracts/exportLayout";

/** One column in `schemaMetadata.originalTypeMappings`. */
export interface ColumnMetadata {
  readonly columnName: string;
  readonly originalType: string;
  readonly expectedExportedType?: string;
  readonly originalCharMaxLength?: number;
  readonly originalNumPrecision?: number;
  readonly originalDateTimePrecision?: number;
}

/** One source table as the export reports it. */
export interface ExportedTable {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly ColumnMetadata[];
}

/** What the metadata files say: the tables that exported completely, and those that did not. */
export interface ExportTables {
  readonly complete: ExportedTable[];
  /** `<db>.<table>` targets whose status was not COMPLETE or whose metadata we could not use. */
  readonly skipped: string[];
}

const MYSQL_IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses one `export_tables_info_*.json` document; unknown shapes are skipped, not guessed. */
export function parseTablesInfo(doc: unknown): ExportTables {
  const result: ExportTables = { complete: [], skipped: [] };
  const statuses = isRecord(doc) && Array.isArray(doc.perTableStatus) ? doc.perTableStatus : [];
  for (const s of statuses) {
    if (!isRecord(s) || typeof s.target !== "string") continue;
    // Aurora MySQL targets are `<db>.<table>`; anything else (PostgreSQL's db.schema.table) is not ours to map.
    const parts = s.target.split(".");
    const mappings = isRecord(s.schemaMetadata) ? s.schemaMetadata.originalTypeMappings : undefined;
    const columns = Array.isArray(mappings)
      ? mappings.filter((c): c is ColumnMetadata => isRecord(c) && typeof c.columnName === "string" && typeof c.originalType === "string")
      : [];
    if (s.status !== "COMPLETE" || parts.length !== 2 || !parts.every((p) => MYSQL_IDENTIFIER.test(p)) || columns.length === 0) {
      result.skipped.push(s.target);
      continue;
    }
    result.complete.push({ database: parts[0], table: parts[1], columns });
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

/**
 * The Hive/Glue type Athena must declare for a column, following the RDS MySQL → Parquet mapping ("Data
 * conversion when exporting to an Amazon S3 bucket"). The source type decides; the exported type is consulted for
 * a decimal's scale and as a fallback. Assumption, documented in the README: `originalType` is the MySQL type name
 * (e.g. `bigint`, `varchar`, `decimal`, possibly with `unsigned`).
 */
export function hiveType(c: ColumnMetadata): string {
  const t = c.originalType.toLowerCase().trim();
  const exported = (c.expectedExportedType ?? "").toLowerCase();
  const unsigned = t.includes("unsigned");
  const base = t.split(/[\s(]/)[0];
  const decimalIn = (s: string) => /decimal\((\d+)\s*,\s*(\d+)\)/.exec(s);
  switch (base) {
    case "tinyint":
    case "smallint":
    case "mediumint":
    case "year":
    case "bool":
    case "boolean":
      return "int";
    case "int":
    case "integer":
      return unsigned ? "bigint" : "int";
    case "bigint":
      return unsigned ? "decimal(20,0)" : "bigint";
    case "decimal":
    case "numeric":
    case "dec":
    case "fixed": {
      const m = decimalIn(exported) ?? decimalIn(t);
      const precision = m ? Number(m[1]) : (c.originalNumPrecision ?? 10);
      const scale = m ? Number(m[2]) : 0;
      return precision > 38 ? "string" : `decimal(${precision},${scale})`;
    }
    case "float":
      return exported.includes("float") ? "float" : "double";
    case "double":
    case "real":
      return "double";
    case "date":
      return "date";
    case "datetime":
    case "timestamp":
      return "timestamp";
    case "time":
    case "char":
    case "varchar":
    case "tinytext":
    case "text":
    case "mediumtext":
    case "longtext":
    case "enum":
    case "set":
    case "json":
      return "string";
    case "bit":
    case "binary":
    case "varbinary":
    case "tinyblob":
    case "blob":
    case "mediumblob":
    case "longblob":
    case "geometry":
    case "point":
    case "linestring":
    case "polygon":
      return "binary";
    default:
      if (exported.startsWith("int64")) return "bigint";
      if (exported.startsWith("int32")) return "int";
      if (exported.startsWith("double")) return "double";
      if (exported.startsWith("boolean")) return "boolean";
      return "string";
  }
}

/** The Glue TableInput of one exported table at one export. */
export function tableInput(bucket: string, exportTaskIdentifier: string, t: ExportedTable): TableInput {
  const columns: Column[] = t.columns.map((c) => ({ Name: c.columnName.toLowerCase(), Type: hiveType(c) }));
  return {
    Name: glueTableName(t.database, t.table),
    Description: `${t.database}.${t.table} from the latest export`,
    TableType: "EXTERNAL_TABLE",
    Parameters: {
      classification: "parquet",
      EXTERNAL: "TRUE",
      // Where the table points now; a reviewer (or the history in GetTableVersions) reads it here.
      "data_platform.export_id": exportTaskIdentifier,
      "data_platform.source_table": `${t.database}.${t.table}`,
    },
    StorageDescriptor: {
      Columns: columns,
      // The table's folder; Athena reads the numbered batch folders below it.
      Location: s3Uri(bucket, tableKeyPrefix(exportTaskIdentifier, t.database, t.table)),
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
