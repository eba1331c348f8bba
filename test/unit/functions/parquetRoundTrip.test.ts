/**
 * The stable tables' column types, proved on real Parquet files: each MySQL type is written with the physical and
 * logical type AWS's mapping says RDS writes, then read back through DuckDB with the columns the catalog handler
 * declares. A declaration a real reader would reject fails the test.
 */
import { expect } from "chai";
import { tableInput, parseTablesInfo } from "../../../functions/export-events/catalog";
import { MYSQL_TO_PARQUET, glueTypeOf, parquetTypeOf } from "../../../contracts/rdsParquetTypes";
import { DeclaredTypeMismatch, openParquetReader, readAsDeclared, writeParquet } from "../../support/parquet";

const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";
const bytes = (s: string) => new TextEncoder().encode(s);

/** One column of the test table: its MySQL type, a value as RDS would write it, and what a reader returns. */
interface Case {
  readonly column: string;
  readonly originalType: string;
  readonly written: unknown;
  readonly read: unknown;
  readonly precision?: number;
}

const CASES: readonly Case[] = [
  { column: "c_date", originalType: "date", written: "2024-02-29", read: "2024-02-29" },
  { column: "c_time", originalType: "time", written: "838:59:59", read: "838:59:59" },
  { column: "c_year", originalType: "year", written: 2024, read: 2024 },
  { column: "c_datetime", originalType: "datetime", written: 1709251200123456n, read: "2024-03-01 00:00:00.123456" },
  { column: "c_timestamp", originalType: "timestamp", written: 1709251200000000n, read: "2024-03-01 00:00:00" },
  { column: "c_dec9", originalType: "decimal(9,2)", written: 1234567n, read: "12345.67" },
  { column: "c_dec18", originalType: "decimal(18,4)", written: 123456789012345678n, read: "12345678901234.5678" },
  { column: "c_dec30", originalType: "decimal(30,10)", written: 123456789012345678901234567890n, read: "12345678901234567890.1234567890" },
  { column: "c_dec65", originalType: "decimal(65,30)", written: "12345.678900000000000000000000000000", read: "12345.678900000000000000000000000000" },
  { column: "c_numeric", originalType: "numeric(5,0)", written: 99999n, read: "99999" },
  { column: "c_char", originalType: "char", written: bytes("JP"), read: "JP" },
  { column: "c_binary", originalType: "binary", written: new Uint8Array([0, 255]), read: "\\x00\\xFF" },
  { column: "c_bit", originalType: "bit", written: new Uint8Array([5]), read: "\\x05" },
  { column: "c_enum", originalType: "enum", written: "red", read: "red" },
  { column: "c_set", originalType: "set", written: "a,b", read: "a,b" },
  { column: "c_json", originalType: "json", written: '{"a":1}', read: '{"a":1}' },
  { column: "c_varchar", originalType: "varchar", written: "héllo", read: "héllo" },
  { column: "c_text", originalType: "text", written: "long", read: "long" },
  { column: "c_blob", originalType: "blob", written: bytes("b"), read: "b" },
  { column: "c_tinyint", originalType: "tinyint", written: -128, read: -128 },
  { column: "c_tinyint_u", originalType: "tinyint unsigned", written: 255, read: 255 },
  { column: "c_smallint_u", originalType: "smallint unsigned", written: 65535, read: 65535 },
  { column: "c_mediumint", originalType: "mediumint", written: -8388608, read: -8388608 },
  { column: "c_mediumint_u", originalType: "mediumint unsigned", written: 16777215n, read: "16777215" },
  { column: "c_int", originalType: "int", written: -2147483648, read: -2147483648 },
  { column: "c_int_u", originalType: "int unsigned", written: 4294967295n, read: "4294967295" },
  { column: "c_bigint", originalType: "bigint", written: -9223372036854775808n, read: "-9223372036854775808" },
  { column: "c_bigint_u", originalType: "bigint unsigned", written: 18446744073709551615n, read: "18446744073709551615" },
  { column: "c_float", originalType: "float", written: 1.5, read: 1.5 },
  { column: "c_double", originalType: "double", written: 2.25, read: 2.25 },
  { column: "c_point", originalType: "point", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_tinytext", originalType: "tinytext", written: "tinytext", read: "tinytext" },
  { column: "c_mediumtext", originalType: "mediumtext", written: "mediumtext", read: "mediumtext" },
  { column: "c_longtext", originalType: "longtext", written: "longtext", read: "longtext" },
  { column: "c_varbinary", originalType: "varbinary", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_tinyblob", originalType: "tinyblob", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_mediumblob", originalType: "mediumblob", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_longblob", originalType: "longblob", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_geometry", originalType: "geometry", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_geometrycollection", originalType: "geometrycollection", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_linestring", originalType: "linestring", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_multilinestring", originalType: "multilinestring", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_multipoint", originalType: "multipoint", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_multipolygon", originalType: "multipolygon", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_polygon", originalType: "polygon", written: new Uint8Array([1]), read: "\\x01" },
  { column: "c_smallint", originalType: "smallint", written: -32768, read: -32768 },
];

/** The export metadata RDS would write for the test table. */
const METADATA = {
  perTableStatus: [
    {
      target: "shop.every_type",
      status: "COMPLETE",
      schemaMetadata: { originalTypeMappings: CASES.map((c) => ({ columnName: c.column, originalType: c.originalType })) },
    },
  ],
};

describe("Parquet round trip: the declared Glue columns read RDS's files", () => {
  let reader: Awaited<ReturnType<typeof openParquetReader>>;
  let file: string;

  before(async () => {
    reader = await openParquetReader();
    // Physical and logical types straight from AWS's table, the way RDS writes them; one row of values, one of nulls.
    file = await writeParquet(
      reader.dir,
      "part-00000-rds.gz.parquet",
      CASES.map((c) => ({ name: c.column, type: parquetTypeOf(c.originalType), values: [c.written, null] })),
    );
  });
  after(() => reader?.close());

  it("covers every type of AWS's MySQL table", () => {
    const covered = new Set(CASES.map((c) => c.originalType.replace(/\(.*\)/, "")));
    const untested = Object.keys(MYSQL_TO_PARQUET).filter((t) => !covered.has(t));
    expect(untested).to.deep.equal([]);
  });

  it("reads every value back with the types the handler declares", async () => {
    const { complete, skipped } = parseTablesInfo(METADATA);
    expect(skipped).to.deep.equal([]);
    const declared = tableInput(BUCKET, "stg-20240302", complete[0]).StorageDescriptor!.Columns!;
    const rows = await readAsDeclared(reader.connection, file, declared);
    expect(rows).to.have.length(2);
    for (const c of CASES) expect(rows[0][c.column], c.column).to.deep.equal(c.read);
    for (const c of CASES) expect(rows[1][c.column], c.column).to.equal(null);
  });

  it("declares DATE and TIME as strings, MEDIUMINT/INT UNSIGNED as bigint and BIGINT UNSIGNED as decimal(20,0)", () => {
    const declared = Object.fromEntries(
      tableInput(BUCKET, "stg-20240302", parseTablesInfo(METADATA).complete[0]).StorageDescriptor!.Columns!.map((c) => [c.Name, c.Type]),
    );
    expect(declared).to.include({
      c_date: "string",
      c_time: "string",
      c_year: "int",
      c_datetime: "timestamp",
      c_dec9: "decimal(9,2)",
      c_dec65: "string",
      c_char: "binary",
      c_tinyint_u: "smallint",
      c_mediumint_u: "bigint",
      c_int_u: "bigint",
      c_bigint_u: "decimal(20,0)",
      c_float: "double",
    });
  });

  it("fails on a wrong declaration: date for a DATE column, int for MEDIUMINT UNSIGNED, decimal scale off", async () => {
    const planted = [
      { Name: "c_date", Type: "date" },
      { Name: "c_mediumint_u", Type: "int" },
      { Name: "c_dec9", Type: "decimal(9,3)" },
      { Name: "c_int", Type: "int" },
    ];
    const err = await readAsDeclared(reader.connection, file, planted).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(DeclaredTypeMismatch);
    expect((err as DeclaredTypeMismatch).mismatches.map((m) => m.split(":")[0])).to.deep.equal(["c_date", "c_mediumint_u", "c_dec9"]);
  });

  it("fails when the type derivation is planted wrong (INT64 declared int)", async () => {
    const wrong = (t: ReturnType<typeof parquetTypeOf>) => (t.physical === "INT64" && !t.logical ? "int" : glueTypeOf(t));
    const declared = CASES.map((c) => ({ Name: c.column, Type: wrong(parquetTypeOf(c.originalType)) }));
    const err = await readAsDeclared(reader.connection, file, declared).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DeclaredTypeMismatch);
    expect((err as DeclaredTypeMismatch).mismatches.map((m) => m.split(":")[0])).to.deep.equal(["c_mediumint_u", "c_int_u", "c_bigint"]);
  });
});
