/**
 * How an RDS snapshot export writes each MySQL column type into Parquet, as data, and the Glue (Hive) column type
 * derived from it. The catalog handler declares every stable table's columns from here, and the Parquet round-trip
 * test writes files with exactly these physical and logical types.
 *
 * Source: "Data conversion when exporting to an Amazon S3 bucket", MySQL data type mapping to Parquet
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ExportSnapshot.data-types.html and the Aurora user
 * guide's copy, aurora-export-snapshot.html#aurora-export-snapshot.data-types). Notable rows: DATE and TIME are
 * UTF-8 strings, YEAR is INT32, DATETIME/TIMESTAMP are INT64 TIMESTAMP_MICROS, INT/MEDIUMINT UNSIGNED are INT64,
 * BIGINT UNSIGNED is FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0), TINYINT UNSIGNED is INT32 annotated INT(16, true),
 * CHAR/BINARY/BIT/BLOBs are BYTE_ARRAY without the STRING annotation, DECIMAL/NUMERIC keep (p,s) up to precision 38
 * and become strings above it, FLOAT is written as DOUBLE.
 */

/** A Parquet primitive type RDS writes. */
export type ParquetPhysical = "BOOLEAN" | "INT32" | "INT64" | "FLOAT" | "DOUBLE" | "BYTE_ARRAY" | "FIXED_LEN_BYTE_ARRAY";

/** The logical (or legacy converted) annotation RDS puts on the primitive type, if any. */
export type ParquetLogical = "STRING" | "DECIMAL" | "TIMESTAMP_MICROS" | "INT_16";

/** One column's type in the Parquet files of an export. */
export interface ParquetColumnType {
  readonly physical: ParquetPhysical;
  readonly logical?: ParquetLogical;
  /** Bytes of a FIXED_LEN_BYTE_ARRAY. */
  readonly typeLength?: number;
  /** DECIMAL precision and scale. */
  readonly precision?: number;
  readonly scale?: number;
}

/** DECIMAL and NUMERIC: the physical type depends on the precision (see {@link decimalParquetType}). */
const DECIMAL = "decimal" as const;

const t = (physical: ParquetPhysical, logical?: ParquetLogical): ParquetColumnType => (logical ? { physical, logical } : { physical });
const INT32 = t("INT32");
const INT64 = t("INT64");
const BYTES = t("BYTE_ARRAY");
const UTF8 = t("BYTE_ARRAY", "STRING");
const MICROS = t("INT64", "TIMESTAMP_MICROS");

/** The documented table, keyed by lower-case MySQL type (with ` unsigned` where the table has its own row). */
export const MYSQL_TO_PARQUET: Readonly<Record<string, ParquetColumnType | typeof DECIMAL>> = {
  // Numeric data types
  bigint: INT64,
  "bigint unsigned": { physical: "FIXED_LEN_BYTE_ARRAY", typeLength: 9, logical: "DECIMAL", precision: 20, scale: 0 },
  bit: BYTES,
  decimal: DECIMAL,
  double: t("DOUBLE"),
  float: t("DOUBLE"),
  int: INT32,
  "int unsigned": INT64,
  mediumint: INT32,
  "mediumint unsigned": INT64,
  numeric: DECIMAL,
  smallint: INT32,
  "smallint unsigned": INT32,
  tinyint: INT32,
  "tinyint unsigned": t("INT32", "INT_16"),
  // String data types
  binary: BYTES,
  blob: BYTES,
  char: BYTES,
  enum: UTF8,
  linestring: BYTES,
  longblob: BYTES,
  longtext: UTF8,
  mediumblob: BYTES,
  mediumtext: UTF8,
  multilinestring: BYTES,
  set: UTF8,
  text: UTF8,
  tinyblob: BYTES,
  tinytext: UTF8,
  varbinary: BYTES,
  varchar: UTF8,
  // Date and time data types
  date: UTF8,
  datetime: MICROS,
  time: UTF8,
  timestamp: MICROS,
  year: INT32,
  // Geometric data types
  geometry: BYTES,
  geometrycollection: BYTES,
  multipoint: BYTES,
  multipolygon: BYTES,
  point: BYTES,
  polygon: BYTES,
  // JSON data type
  json: UTF8,
};

/** MySQL's synonyms, which information_schema may report as written (MySQL 8.0 reference, "Numeric Data Types"). */
const SYNONYMS: Readonly<Record<string, string>> = {
  integer: "int",
  dec: "decimal",
  fixed: "decimal",
  real: "double",
  "double precision": "double",
  bool: "tinyint",
  boolean: "tinyint",
  int1: "tinyint",
  int2: "smallint",
  int3: "mediumint",
  int4: "int",
  int8: "bigint",
  middleint: "mediumint",
};

/** Parquet keeps DECIMAL up to precision 38; above it RDS writes a UTF-8 string. */
export const MAX_PARQUET_DECIMAL_PRECISION = 38;

/**
 * The Parquet type of a DECIMAL(p,s) column. The documented physical type follows the magnitude (INT32, INT64,
 * FIXED_LEN_BYTE_ARRAY); this picks the standard width for the precision (Parquet LogicalTypes.md, DECIMAL: INT32
 * for p ≤ 9, INT64 for p ≤ 18, else the smallest FIXED_LEN_BYTE_ARRAY). Whatever the width, the declared type is
 * decimal(p,s).
 */
export function decimalParquetType(precision: number, scale: number): ParquetColumnType {
  if (precision > MAX_PARQUET_DECIMAL_PRECISION) return UTF8;
  if (precision <= 9) return { physical: "INT32", logical: "DECIMAL", precision, scale };
  if (precision <= 18) return { physical: "INT64", logical: "DECIMAL", precision, scale };
  // Smallest n with 2^(8n-1) > 10^p.
  const typeLength = Math.ceil((Math.log2(10) * precision + 1) / 8);
  return { physical: "FIXED_LEN_BYTE_ARRAY", typeLength, logical: "DECIMAL", precision, scale };
}

/** A column type RDS's table does not cover, or a DECIMAL whose precision or scale is not known. */
export class UnmappedTypeError extends Error {
  override readonly name = "UnmappedTypeError";
}

/** The parts of a MySQL column type such as `decimal(12,2) unsigned` or `MEDIUMINT UNSIGNED`. */
export function parseMysqlType(originalType: string): { base: string; unsigned: boolean; args: number[] } {
  const s = originalType.toLowerCase().trim().replace(/\s+/g, " ");
  const m = /^([a-z][a-z0-9 ]*?)\s*(?:\(([^)]*)\))?\s*((?:unsigned|signed|zerofill|\s)*)$/.exec(s);
  if (!m) return { base: s, unsigned: false, args: [] };
  const base = SYNONYMS[m[1].trim()] ?? m[1].trim();
  const args = (m[2] ?? "").split(",").map((a) => a.trim()).filter((a) => /^\d+$/.test(a)).map(Number);
  return { base, unsigned: /\bunsigned\b/.test(m[3] ?? ""), args };
}

/**
 * The Parquet type RDS writes for a MySQL column, from the documented table.
 * @param decimal precision and scale of a DECIMAL/NUMERIC column when the type string does not carry them
 */
export function parquetTypeOf(originalType: string, decimal?: { precision?: number; scale?: number }): ParquetColumnType {
  const { base, unsigned, args } = parseMysqlType(originalType);
  const entry = (unsigned ? MYSQL_TO_PARQUET[`${base} unsigned`] : undefined) ?? MYSQL_TO_PARQUET[base];
  if (entry === undefined) throw new UnmappedTypeError(`MySQL type ${originalType} is not in RDS's Parquet mapping`);
  if (entry !== DECIMAL) return entry;
  const precision = args[0] ?? decimal?.precision;
  const scale = args.length > 0 ? (args[1] ?? 0) : decimal?.scale;
  if (precision === undefined || scale === undefined) {
    throw new UnmappedTypeError(`the precision and scale of ${originalType} are not known, so its Parquet type is not either`);
  }
  return decimalParquetType(precision, scale);
}

/**
 * The Glue (Hive) type that reads a Parquet column of this type in Athena and Spark: the primitive decides, the
 * annotation refines (Athena "Parquet SerDe" and Hive's Parquet schema conversion: INT32 → int, INT32 INT_16 →
 * smallint, INT64 → bigint, INT64 TIMESTAMP_MICROS → timestamp, BYTE_ARRAY STRING → string, BYTE_ARRAY → binary,
 * DECIMAL(p,s) on any primitive → decimal(p,s)).
 */
export function glueTypeOf(p: ParquetColumnType): string {
  if (p.logical === "DECIMAL") return `decimal(${p.precision},${p.scale})`;
  switch (p.physical) {
    case "BOOLEAN":
      return "boolean";
    case "INT32":
      return p.logical === "INT_16" ? "smallint" : "int";
    case "INT64":
      return p.logical === "TIMESTAMP_MICROS" ? "timestamp" : "bigint";
    case "FLOAT":
      return "float";
    case "DOUBLE":
      return "double";
    case "BYTE_ARRAY":
      return p.logical === "STRING" ? "string" : "binary";
    case "FIXED_LEN_BYTE_ARRAY":
      return "binary";
  }
}

/**
 * Parses the export metadata's `expectedExportedType` (what RDS says it wrote for the column), for example `int32`,
 * `int64`, `double`, `binary (UTF8)`, `binary`, `fixed_len_byte_array(9) (DECIMAL(20,0))`, `int64 (TIMESTAMP_MICROS)`.
 * Undefined when the string is absent or not understood. The format is an observation, not documentation: see the
 * README's "Not yet verified" table.
 */
export function parseExportedType(expected: string | undefined): ParquetColumnType | undefined {
  if (!expected) return undefined;
  const s = expected.trim().toLowerCase();
  const m = /^(boolean|int32|int64|float|double|binary|byte_array|fixed_len_byte_array)\s*(?:\((\d+)\))?\s*(?:\((.*)\))?$/.exec(s);
  if (!m) return undefined;
  const physical: ParquetPhysical =
    m[1] === "binary" || m[1] === "byte_array" ? "BYTE_ARRAY" : (m[1].toUpperCase() as ParquetPhysical);
  const typeLength = m[2] === undefined ? undefined : Number(m[2]);
  const note = (m[3] ?? "").trim();
  const dec = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(note);
  const base = { physical, ...(typeLength === undefined ? {} : { typeLength }) };
  if (dec) return { ...base, logical: "DECIMAL", precision: Number(dec[1]), scale: Number(dec[2]) };
  if (note === "utf8" || note === "string") return { ...base, logical: "STRING" };
  if (note === "timestamp_micros") return { ...base, logical: "TIMESTAMP_MICROS" };
  if (note === "int_16" || /^int\(16,\s*true\)$/.test(note)) return { ...base, logical: "INT_16" };
  if (note !== "") return undefined;
  return base;
}
