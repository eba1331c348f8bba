/**
 * Chunk keys: how a table is cut into primary-key ranges, and how key values travel between the database,
 * bookkeeping and bound parameters without losing precision (BIGINT, DECIMAL, binary UUIDs, dates).
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteIdent } from "./ident";
import type { ColumnInfo, TableInfo } from "./schema";
import type { Sql, SqlParam } from "./strategies";

/** The columns a table is chunked by: its primary key, else a unique index over NOT NULL unmasked columns. */
export interface ChunkKey {
  readonly columns: readonly ColumnInfo[];
  /** Which index: PRIMARY or a unique index name. */
  readonly index: string;
}

/** One key value per key column, each encoded as a string (binary as hex). */
export type KeyTuple = readonly string[];

/**
 * Key columns whose values compare the same in SQL and round-trip exactly as bound strings. Never a generated
 * column: masking its sources would move rows between chunks mid-run.
 */
function keyable(col: ColumnInfo): boolean {
  if (col.generated) return false;
  switch (col.typeClass) {
    case "integer":
    case "decimal":
    case "temporal":
      return true;
    case "text":
      return col.dataType === "char" || col.dataType === "varchar";
    case "binary":
      return col.dataType === "varbinary";
    default:
      return col.dataType === "binary"; // fixed-length BINARY, e.g. UUIDs stored as BINARY(16)
  }
}

/** Picks the chunk key, or null when the table has none the engine can range over. */
export function chooseKey(table: TableInfo, masked: ReadonlySet<string>): ChunkKey | null {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const candidates = [
    ...table.uniqueIndexes.filter((i) => i.name === "PRIMARY"),
    ...table.uniqueIndexes.filter((i) => i.name !== "PRIMARY"),
  ];
  for (const index of candidates) {
    if (index.expression || index.columns.length === 0) continue;
    const columns = index.columns.map((c) => byName.get(c));
    if (columns.every((c): c is ColumnInfo => c !== undefined && !c.nullable && keyable(c) && !masked.has(c.name))) {
      return { columns, index: index.name };
    }
  }
  return null;
}

/** True when the key is a single integer column, which the planner cuts by arithmetic instead of walking. */
export function isIntegerKey(key: ChunkKey): boolean {
  return key.columns.length === 1 && key.columns[0]?.typeClass === "integer";
}

function placeholder(col: ColumnInfo): string {
  if (col.typeClass === "integer") return col.columnType.includes("unsigned") ? "CAST(? AS UNSIGNED)" : "CAST(? AS SIGNED)";
  if (col.typeClass === "decimal") return `CAST(? AS DECIMAL(65, ${col.numericScale ?? 0}))`;
  if (col.dataType === "binary" || col.dataType === "varbinary") return "UNHEX(?)";
  return "?";
}

/** A key value read by mysql2 (dateStrings and bigNumberStrings on), as the string the placeholders take. */
export function encodeKeyValue(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString("hex");
  return String(value);
}

/** Key columns as a select list / ORDER BY list. */
export function keyList(key: ChunkKey): string {
  return key.columns.map((c) => quoteIdent(c.name)).join(", ");
}

/** The encoded key of a row selected with `keyList`. */
export function keyOfRow(key: ChunkKey, row: RowDataPacket): KeyTuple {
  return key.columns.map((c) => encodeKeyValue(row[c.name]));
}

/** Lexicographic `(k1, k2, …) op (v1, v2, …)`, expanded so both servers can range-scan the index. */
function compare(key: ChunkKey, op: ">=" | "<", values: KeyTuple, i = 0): Sql {
  const col = key.columns[i];
  const value = values[i];
  if (!col || value === undefined) throw new Error("key tuple does not match the key");
  const ref = quoteIdent(col.name);
  const ph = placeholder(col);
  if (i === key.columns.length - 1) return { sql: `${ref} ${op} ${ph}`, params: [value] };
  const rest = compare(key, op, values, i + 1);
  const strict = op === ">=" ? ">" : "<";
  return { sql: `(${ref} ${strict} ${ph} OR (${ref} = ${ph} AND ${rest.sql}))`, params: [value, value, ...rest.params] };
}

/** `lo <= key < hi`; a missing bound is open. No bounds at all: every row. */
export function rangePredicate(key: ChunkKey | null, lo: KeyTuple | null, hi: KeyTuple | null): Sql {
  const parts: Sql[] = [];
  if (key && lo) parts.push(compare(key, ">=", lo));
  if (key && hi) parts.push(compare(key, "<", hi));
  if (parts.length === 0) return { sql: "TRUE", params: [] };
  return { sql: parts.map((p) => p.sql).join(" AND "), params: parts.flatMap((p) => p.params as SqlParam[]) };
}

/** `key IN (tuples…)`, written as ORed equalities so that composite and typed keys bind the same way. */
export function keyInPredicate(key: ChunkKey, tuples: readonly KeyTuple[]): Sql {
  const eq = key.columns.map((c) => `${quoteIdent(c.name)} = ${placeholder(c)}`).join(" AND ");
  return { sql: tuples.map(() => `(${eq})`).join(" OR ") || "FALSE", params: tuples.flatMap((t) => [...t]) };
}

/**
 * Chunk boundaries: the first key of every chunk after the first, ascending. A single integer key with dense
 * values is cut by arithmetic (MIN, MAX, step); any other key by walking the index `chunkSize` rows at a time.
 */
export async function chunkBoundaries(conn: Connection, table: string, key: ChunkKey, chunkSize: number): Promise<KeyTuple[]> {
  const from = quoteIdent(table);
  const cols = keyList(key);
  if (isIntegerKey(key)) {
    const [stats] = await conn.query<RowDataPacket[]>(`SELECT MIN(${cols}) AS lo, MAX(${cols}) AS hi, COUNT(*) AS n FROM ${from}`);
    const s = stats[0];
    if (!s || s.lo === null) return [];
    const lo = BigInt(String(s.lo));
    const hi = BigInt(String(s.hi));
    const n = BigInt(String(s.n));
    // Sparse keys would give many empty chunks: walk them instead.
    if (hi - lo + 1n <= 4n * n + BigInt(chunkSize)) {
      const out: KeyTuple[] = [];
      for (let b = lo + BigInt(chunkSize); b <= hi; b += BigInt(chunkSize)) out.push([b.toString()]);
      return out;
    }
  }
  const out: KeyTuple[] = [];
  let previous: KeyTuple | null = null;
  for (;;) {
    const where = previous ? rangePredicate(key, previous, null) : { sql: "TRUE", params: [] };
    const [found] = await conn.query<RowDataPacket[]>(
      `SELECT ${cols} FROM ${from} WHERE ${where.sql} ORDER BY ${cols} LIMIT 1 OFFSET ${Math.trunc(chunkSize)}`,
      [...where.params],
    );
    const row = found[0];
    if (!row) return out;
    previous = keyOfRow(key, row);
    out.push(previous);
  }
}
