import { expect } from "chai";
import { MYSQL_TO_PARQUET, decimalParquetType, glueTypeOf, parquetTypeOf, parseExportedType, parseMysqlType } from "../../../contracts/rdsParquetTypes";

/**
 * AWS's table ("Data conversion when exporting to an Amazon S3 bucket", MySQL data type mapping to Parquet), copied
 * row by row as `SOURCE TYPE | primitive | annotation`, so that an edit of the mapping data that drifts from the page
 * fails here even though the round-trip test (which writes what the data says) would still pass.
 */
const AWS_TABLE = `
BIGINT | INT64 |
BIGINT UNSIGNED | FIXED_LEN_BYTE_ARRAY(9) | DECIMAL(20,0)
BIT | BYTE_ARRAY |
DOUBLE | DOUBLE |
FLOAT | DOUBLE |
INT | INT32 |
INT UNSIGNED | INT64 |
MEDIUMINT | INT32 |
MEDIUMINT UNSIGNED | INT64 |
SMALLINT | INT32 |
SMALLINT UNSIGNED | INT32 |
TINYINT | INT32 |
TINYINT UNSIGNED | INT32 | INT(16, true)
BINARY | BYTE_ARRAY |
BLOB | BYTE_ARRAY |
CHAR | BYTE_ARRAY |
ENUM | BYTE_ARRAY | STRING
LINESTRING | BYTE_ARRAY |
LONGBLOB | BYTE_ARRAY |
LONGTEXT | BYTE_ARRAY | STRING
MEDIUMBLOB | BYTE_ARRAY |
MEDIUMTEXT | BYTE_ARRAY | STRING
MULTILINESTRING | BYTE_ARRAY |
SET | BYTE_ARRAY | STRING
TEXT | BYTE_ARRAY | STRING
TINYBLOB | BYTE_ARRAY |
TINYTEXT | BYTE_ARRAY | STRING
VARBINARY | BYTE_ARRAY |
VARCHAR | BYTE_ARRAY | STRING
DATE | BYTE_ARRAY | STRING
DATETIME | INT64 | TIMESTAMP_MICROS
TIME | BYTE_ARRAY | STRING
TIMESTAMP | INT64 | TIMESTAMP_MICROS
YEAR | INT32 |
GEOMETRY | BYTE_ARRAY |
GEOMETRYCOLLECTION | BYTE_ARRAY |
MULTIPOINT | BYTE_ARRAY |
MULTIPOLYGON | BYTE_ARRAY |
POINT | BYTE_ARRAY |
POLYGON | BYTE_ARRAY |
JSON | BYTE_ARRAY | STRING`;

const render = (t: ReturnType<typeof parquetTypeOf>) => {
  const physical = t.typeLength ? `${t.physical}(${t.typeLength})` : t.physical;
  const logical = t.logical === "DECIMAL" ? `DECIMAL(${t.precision},${t.scale})` : t.logical === "INT_16" ? "INT(16, true)" : (t.logical ?? "");
  return `${physical} | ${logical}`.trim();
};

describe("RDS MySQL → Parquet mapping (contracts/rdsParquetTypes)", () => {
  it("matches AWS's table row by row", () => {
    const rows = AWS_TABLE.trim().split("\n").map((l) => l.split("|").map((p) => p.trim()));
    for (const [source, physical, logical] of rows) {
      expect(render(parquetTypeOf(source)), source).to.equal(`${physical} | ${logical}`.trim());
    }
    const decimalRows = Object.values(MYSQL_TO_PARQUET).filter((v) => v === "decimal").length;
    expect(rows.length + decimalRows, "every key of the data has a row on the page").to.equal(Object.keys(MYSQL_TO_PARQUET).length);
  });

  it("picks the DECIMAL primitive by precision and writes precision over 38 as a string", () => {
    expect(render(decimalParquetType(9, 2))).to.equal("INT32 | DECIMAL(9,2)");
    expect(render(decimalParquetType(18, 0))).to.equal("INT64 | DECIMAL(18,0)");
    expect(render(decimalParquetType(20, 0))).to.equal("FIXED_LEN_BYTE_ARRAY(9) | DECIMAL(20,0)");
    expect(render(decimalParquetType(38, 10))).to.equal("FIXED_LEN_BYTE_ARRAY(16) | DECIMAL(38,10)");
    expect(render(decimalParquetType(39, 0))).to.equal("BYTE_ARRAY | STRING");
  });

  it("reads MySQL column types with arguments, synonyms and attributes", () => {
    expect(parseMysqlType("DECIMAL(12, 2) UNSIGNED ZEROFILL")).to.deep.equal({ base: "decimal", unsigned: true, args: [12, 2] });
    expect(parseMysqlType("int(11) unsigned")).to.deep.equal({ base: "int", unsigned: true, args: [11] });
    expect(parseMysqlType("integer")).to.deep.equal({ base: "int", unsigned: false, args: [] });
    expect(glueTypeOf(parquetTypeOf("numeric", { precision: 10, scale: 3 }))).to.equal("decimal(10,3)");
    expect(() => parquetTypeOf("decimal")).to.throw(/precision and scale/);
    expect(() => parquetTypeOf("vector(3)")).to.throw(/not in RDS's Parquet mapping/);
  });

  it("parses the export's reported types", () => {
    expect(parseExportedType("int64")).to.deep.equal({ physical: "INT64" });
    expect(parseExportedType("binary (UTF8)")).to.deep.equal({ physical: "BYTE_ARRAY", logical: "STRING" });
    expect(parseExportedType("fixed_len_byte_array(9) (DECIMAL(20,0))")).to.deep.equal({
      physical: "FIXED_LEN_BYTE_ARRAY",
      typeLength: 9,
      logical: "DECIMAL",
      precision: 20,
      scale: 0,
    });
    expect(parseExportedType("int64 (TIMESTAMP_MICROS)")).to.deep.equal({ physical: "INT64", logical: "TIMESTAMP_MICROS" });
    expect(parseExportedType("something else")).to.equal(undefined);
    expect(parseExportedType("int32 (UNKNOWN)")).to.equal(undefined);
  });
});
