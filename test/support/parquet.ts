/**
 * Real Parquet files for tests: written with hyparquet-writer using exactly the physical and logical types given,
 * read back through DuckDB (@duckdb/node-api), a real engine, against the columns a Glue table declares.
 *
 * What "enforces declared types" means here: Athena's Parquet reader refuses a column whose file type is not the
 * declared one (for example HIVE_BAD_DATA "Field x's type BINARY in parquet is incompatible with type date defined
 * in table schema"). DuckDB interprets the file's physical and logical types into its own SQL type; the declared
 * Glue type, translated to DuckDB's name for it, must be exactly that type, or the read fails like Athena's would.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ParquetColumnType } from "../../contracts/rdsParquetTypes";

/** A column of a Parquet file to write. */
export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetColumnType;
  /** Values as hyparquet-writer takes them: strings, numbers, bigints (unscaled for DECIMAL), Uint8Array. */
  readonly values: readonly unknown[];
}

/** The schema element RDS writes for a type (legacy converted types, which every reader understands). */
function schemaElement(c: ParquetColumn): Record<string, unknown> {
  const e: Record<string, unknown> = { name: c.name, type: c.type.physical, repetition_type: "OPTIONAL" };
  if (c.type.typeLength !== undefined) e.type_length = c.type.typeLength;
  switch (c.type.logical) {
    case "STRING":
      return { ...e, converted_type: "UTF8" };
    case "DECIMAL":
      return { ...e, converted_type: "DECIMAL", precision: c.type.precision, scale: c.type.scale };
    case "TIMESTAMP_MICROS":
      return { ...e, converted_type: "TIMESTAMP_MICROS" };
    case "INT_16":
      // INT(16, true) in logical-type terms; the converted type is its legacy spelling (Parquet LogicalTypes.md).
      return { ...e, converted_type: "INT_16" };
    default:
      return e;
  }
}

/** Writes one Parquet file (SNAPPY, as hyparquet-writer defaults) and returns its path. */
export async function writeParquet(dir: string, fileName: string, columns: readonly ParquetColumn[]): Promise<string> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: [...c.values] as never })),
    schema: [{ name: "root", num_children: columns.length }, ...columns.map(schemaElement)] as never,
  });
  const filename = join(dir, fileName);
  writeFileSync(filename, new Uint8Array(buffer));
  return filename;
}

/** DuckDB's name for a Glue/Hive column type (DuckDB "Data Types" overview). */
export function duckDbTypeOf(glueType: string): string {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(glueType);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  const names: Record<string, string> = {
    boolean: "BOOLEAN",
    smallint: "SMALLINT",
    int: "INTEGER",
    bigint: "BIGINT",
    float: "FLOAT",
    double: "DOUBLE",
    string: "VARCHAR",
    binary: "BLOB",
    date: "DATE",
    timestamp: "TIMESTAMP",
  };
  const name = names[glueType];
  if (!name) throw new Error(`no DuckDB type for Glue type ${glueType}`);
  return name;
}

/** A declared column whose Parquet type a reader cannot read as declared. */
export class DeclaredTypeMismatch extends Error {
  override readonly name = "DeclaredTypeMismatch";
  constructor(readonly mismatches: readonly string[]) {
    super(`declared types do not match the Parquet file: ${mismatches.join("; ")}`);
  }
}

/** One DuckDB in-memory database for a test file, and a scratch directory; `close()` removes both. */
export async function openParquetReader(): Promise<{ dir: string; connection: DuckDBConnection; close(): void }> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const dir = mkdtempSync(join(tmpdir(), "parquet-"));
  return {
    dir,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const quoteString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * Reads a Parquet file with the columns a Glue table declares (`{ Name, Type }`), as Athena would: every declared
 * column must exist with exactly the declared type, or DeclaredTypeMismatch lists each one that does not. Returns
 * the rows as JSON-friendly objects (DuckDB's `getRowObjectsJson`: decimals and timestamps as strings, blobs as
 * escaped strings).
 */
export async function readAsDeclared(
  connection: DuckDBConnection,
  file: string,
  declared: readonly { readonly Name?: string; readonly Type?: string }[],
): Promise<Record<string, unknown>[]> {
  const source = `read_parquet(${quoteString(file)})`;
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const inFile = new Map(described.getRowObjects().map((r) => [String(r.column_name).toLowerCase(), String(r.column_type)]));
  const mismatches: string[] = [];
  for (const c of declared) {
    const want = duckDbTypeOf(c.Type ?? "");
    const got = inFile.get((c.Name ?? "").toLowerCase());
    if (got === undefined) mismatches.push(`${c.Name}: not in the file`);
    else if (got !== want) mismatches.push(`${c.Name}: file has ${got}, table declares ${c.Type} (${want})`);
  }
  if (mismatches.length > 0) throw new DeclaredTypeMismatch(mismatches);
  const select = declared.map((c) => `CAST(${quoteIdent(c.Name!)} AS ${duckDbTypeOf(c.Type!)}) AS ${quoteIdent(c.Name!)}`).join(", ");
  const rows = await connection.runAndReadAll(`SELECT ${select} FROM ${source}`);
  return rows.getRowObjectsJson() as Record<string, unknown>[];
}
