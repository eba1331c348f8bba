/**
 * Plan-time checks that need the data: everything the server would otherwise refuse halfway through a run, after
 * other tables were already rewritten. They run before anything is written (no bookkeeping, no chunk), and report
 * every problem at once. Only counts leave the database.
 *
 *   check        a CHECK constraint that a masked row would violate
 *   timestamp    a masked TIMESTAMP outside 1970-01-01 00:00:01 .. 2038-01-19 03:14:07 UTC
 *   unique       two rows of a unique index whose masked values would be equal
 *   foreign_key  a child row that matches its parent only through the collation (case, trailing spaces), whose
 *                masked value would then differ from its parent's
 *   masked       a table that `reset` recorded as masked by a verified run, or whose hash-derived columns already
 *                hold only masked-looking values (a run whose bookkeeping was dropped by hand): masking it again
 *                would mask masked values
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { DONE_TABLE, doneTables } from "./bookkeeping";
import { quoteIdent } from "./ident";
import { chunkBoundaries, rangePredicate } from "./keys";
import type { MaskPlan, TablePlan } from "./plan";
import type { ColumnInfo, UniqueIndex } from "./schema";
import type { ColumnMask, SqlParam } from "./strategies";

/** One thing the plan cannot do to this data. */
export interface PreflightProblem {
  readonly kind: "check" | "timestamp" | "unique" | "foreign_key" | "masked";
  readonly table: string;
  readonly detail: string;
}

/** Rows looked at per table by the already-masked test. */
const MASKED_SAMPLE_ROWS = 200;

async function first(conn: Connection, sql: string, params: readonly SqlParam[]): Promise<RowDataPacket> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, params as SqlParam[]);
  return rows[0] ?? {};
}

/** Every column of the table as the UPDATE would leave it, named as before: CHECK clauses evaluate on it. */
function maskedRow(tp: TablePlan): { sql: string; params: SqlParam[] } {
  const byName = new Map(tp.masks.map((m) => [m.column.name, m]));
  const params: SqlParam[] = [];
  const cols = tp.table.columns.map((c) => {
    const m = byName.get(c.name);
    if (!m) return `${quoteIdent(c.name)} AS ${quoteIdent(c.name)}`;
    params.push(...m.set.params);
    return `(${m.set.sql}) AS ${quoteIdent(c.name)}`;
  });
  return { sql: `SELECT ${cols.join(", ")} FROM ${quoteIdent(tp.table.name)}`, params };
}

const mentions = (clause: string, col: ColumnInfo) => clause.includes(quoteIdent(col.name)) || new RegExp(`\\b${col.name.replace(/\W/g, "\\$&")}\\b`).test(clause);

async function checkConstraints(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const relevant = tp.table.checks.filter((c) => tp.masks.some((m) => mentions(c.clause, m.column)));
  if (relevant.length === 0) return [];
  const row = maskedRow(tp);
  // A row violates a CHECK only when its clause is false (NULL passes): count `(clause) = 0`.
  const counts = relevant.map((c, i) => `SUM(CASE WHEN (${c.clause}) = 0 THEN 1 ELSE 0 END) AS v${i}`).join(", ");
  const found = await first(conn, `SELECT ${counts} FROM (${row.sql}) AS masked`, row.params);
  return relevant.flatMap((c, i) => {
    const n = Number(found[`v${i}`] ?? 0);
    return n === 0 ? [] : [{ kind: "check" as const, table: tp.table.name, detail: `${n} masked rows would violate CHECK constraint ${c.name} (${c.clause})` }];
  });
}

async function timestamps(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const stamped = tp.masks.filter((m) => m.column.dataType === "timestamp");
  if (stamped.length === 0) return [];
  // UNIX_TIMESTAMP returns 0 (MySQL) or NULL (MariaDB) outside the TIMESTAMP range; it reads the session time zone
  // like the column does (MySQL 8.0 Reference Manual, "The DATE, DATETIME, and TIMESTAMP Types").
  const params: SqlParam[] = [];
  const counts = stamped.map((m, i) => {
    params.push(...m.set.params);
    return `SUM(CASE WHEN ${quoteIdent(m.column.name)} IS NOT NULL AND COALESCE(UNIX_TIMESTAMP(CAST((${m.set.sql}) AS DATETIME)), 0) < 1 THEN 1 ELSE 0 END) AS t${i}`;
  });
  const found = await first(conn, `SELECT ${counts.join(", ")} FROM ${quoteIdent(tp.table.name)}`, params);
  return stamped.flatMap((m, i) => {
    const n = Number(found[`t${i}`] ?? 0);
    return n === 0
      ? []
      : [{ kind: "timestamp" as const, table: tp.table.name, detail: `${n} values of ${m.column.name} would mask to a time before 1970-01-01 00:00:01 UTC, outside TIMESTAMP's range (${m.spec.text}); use fixed:<date> or keep` }];
  });
}

/** The masked value in the column's own collation, so that "equal" means what the unique index means. */
function collated(m: ColumnMask | undefined, col: ColumnInfo): { sql: string; params: readonly SqlParam[] } {
  const expr = m ? `(${m.set.sql})` : quoteIdent(col.name);
  if (col.typeClass !== "text" || !col.charset || !col.collation) return { sql: expr, params: m?.set.params ?? [] };
  return { sql: `CONVERT(${expr} USING ${col.charset}) COLLATE ${col.collation}`, params: m?.set.params ?? [] };
}

/** Widest text part keyed by its padded weight string; an index with a wider part is grouped by the server. */
const MAX_KEYED_CHARS = 512;
/** Bits of the SHA-1 row key kept in Node: 52, so that a key is an exact double. */
const KEY_BITS = 52;
/** Rows whose keys come back in one GROUP_CONCAT: 8 bytes each, 80 KB a batch, no JS object per row. */
const KEY_BATCH_ROWS = 10_000;

/**
 * One part of a unique index as bytes that are equal whenever the index holds two values equal. Text goes through
 * its collation's weights (`WEIGHT_STRING`), padded with spaces to a width no value exceeds, so that PAD SPACE
 * collations equate `a` and `a ` (and whatever else weighs like a space) as the index does. Values longer than the
 * width (a blank value kept as it is) are cut, which can only make distinct values look equal. Null when the part
 * is too wide to key this way.
 */
function keyPart(m: ColumnMask | undefined, col: ColumnInfo): { sql: string; params: readonly SqlParam[] } | null {
  const value = collated(m, col);
  if (col.typeClass === "text" && col.charset && col.collation) {
    const width = Math.min(col.maxLength ?? Infinity, m?.width ?? Infinity);
    if (!Number.isFinite(width) || width > MAX_KEYED_CHARS) return null;
    return { sql: `WEIGHT_STRING(${value.sql} AS CHAR(${Math.max(1, width)}))`, params: value.params };
  }
  // Binary strings compare byte for byte; numbers and dates by their canonical text (`+ 0` turns -0 into 0).
  if (col.typeClass === "binary") return value;
  const number = col.dataType === "float" || col.dataType === "double" || col.dataType === "real";
  return { sql: `CAST(${number ? `(${value.sql}) + 0` : value.sql} AS CHAR)`, params: value.params };
}

/** Buckets of a KeySet, by the keys' top 8 bits. */
const KEY_BUCKETS = 256;
const BUCKET_SPAN = 2 ** (KEY_BITS - 8);

/**
 * 52-bit keys (exact doubles), 8 bytes each, in 256 buckets by their top bits: equal keys share a bucket, and a
 * bucket that outgrows its array copies only itself, so memory stays near 8 bytes a key instead of doubling while
 * one big array is copied. Reports whether any key occurs twice.
 */
class KeySet {
  private readonly buckets: Float64Array[];
  private readonly sizes = new Uint32Array(KEY_BUCKETS);
  constructor(expected: number) {
    const per = Math.max(64, Math.ceil((expected * 1.05) / KEY_BUCKETS));
    this.buckets = Array.from({ length: KEY_BUCKETS }, () => new Float64Array(per));
  }
  add(key: number): void {
    const b = Math.min(KEY_BUCKETS - 1, Math.floor(key / BUCKET_SPAN));
    let bucket = this.buckets[b] as Float64Array;
    const n = this.sizes[b] as number;
    if (n === bucket.length) {
      const grown = new Float64Array(Math.ceil(bucket.length * 1.25) + 64);
      grown.set(bucket);
      this.buckets[b] = bucket = grown;
    }
    bucket[n] = key;
    this.sizes[b] = n + 1;
  }
  hasRepeats(): boolean {
    return this.buckets.some((bucket, b) => {
      const sorted = bucket.subarray(0, this.sizes[b]).sort();
      for (let i = 1; i < sorted.length; i += 1) if (sorted[i] === sorted[i - 1]) return true;
      return false;
    });
  }
}

/** A unique index the masking changes, with its streamed row key (null: too wide) and its exact GROUP BY parts. */
interface UniqueCheck {
  readonly index: UniqueIndex;
  readonly key: { sql: string; params: readonly SqlParam[] } | null;
  readonly parts: ReadonlyArray<{ sql: string; params: readonly SqlParam[] }>;
}

function uniqueChecks(tp: TablePlan): UniqueCheck[] {
  const byName = new Map(tp.masks.map((m) => [m.column.name, m]));
  const cols = new Map(tp.table.columns.map((c) => [c.name, c]));
  return tp.table.uniqueIndexes
    .filter((index) => !index.expression && index.columns.some((c) => byName.has(c) && byName.get(c)?.spec.name !== "nullify"))
    .map((index) => {
      const parts = index.columns.map((c) => collated(byName.get(c), cols.get(c) as ColumnInfo));
      const keyed = index.columns.map((c) => keyPart(byName.get(c), cols.get(c) as ColumnInfo));
      if (keyed.some((k) => k === null)) return { index, key: null, parts };
      const ks = keyed as Array<{ sql: string; params: readonly SqlParam[] }>;
      // Parts are length-prefixed, so two rows share a key only if every part is equal (or SHA-1 collides); a NULL
      // masked part makes the key NULL: a unique index admits any number of rows with a NULL in it.
      const joined = ks.length === 1 ? ks[0]?.sql ?? "" : `CONCAT(${ks.map((k) => `LENGTH(${k.sql}), ':', ${k.sql}`).join(", ")})`;
      const params = ks.length === 1 ? ks.flatMap((k) => k.params) : ks.flatMap((k) => [...k.params, ...k.params]);
      return { index, key: { sql: `UNHEX(LEFT(SHA1(${joined}), 16))`, params }, parts };
    });
}

/** Exact count of duplicate masked keys, compared by the server in each column's collation. */
async function duplicateGroups(conn: Connection, tp: TablePlan, check: UniqueCheck): Promise<number> {
  const named = check.parts.map((p, i) => `${p.sql} AS p${i}`).join(", ");
  const present = check.parts.map((_, i) => `p${i} IS NOT NULL`).join(" AND ");
  const groups = check.parts.map((_, i) => `p${i}`).join(", ");
  const found = await first(
    conn,
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM (SELECT ${named} FROM ${quoteIdent(tp.table.name)}) AS m WHERE ${present} GROUP BY ${groups} HAVING COUNT(*) > 1) AS d`,
    check.parts.flatMap((p) => p.params),
  );
  return Number(found.n ?? 0);
}

/** Adds the 8-byte keys of a GROUP_CONCAT to `keys`, as their top 52 bits. False when the batch is malformed. */
function addBatch(keys: KeySet, batch: unknown): boolean {
  if (batch === null || batch === undefined) return true;
  if (!Buffer.isBuffer(batch) || batch.length % 8 !== 0) return false;
  for (let i = 0; i < batch.length; i += 8) keys.add((batch.readUInt32BE(i) >>> 12) * 2 ** 32 + batch.readUInt32BE(i + 4));
  return true;
}

/**
 * Duplicate masked values in every unique index the masking changes. One pass over the table in key ranges of
 * 10,000 rows computes, per row and index, a 64-bit key of the masked values' collation weights, returned as one
 * GROUP_CONCAT per range and index (a row with a NULL masked part has no key: a unique index admits any number of
 * them); Node keeps 52 bits of each and looks for a repeat. Only an index with a repeat (a real duplicate, or a
 * chance of about n²/2⁵³) is then grouped exactly by the server, in the collation itself, which gives the count.
 * The server's own GROUP BY over every row would spill a temporary table of every masked value to disk. A table
 * without a chunk key (masked in one transaction, so at most maxUnkeyedRows) is grouped by the server directly.
 */
async function uniqueCollisions(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const checks = uniqueChecks(tp);
  if (checks.length === 0) return [];
  const keyed = tp.key ? checks.filter((c) => c.key !== null) : [];
  const suspect = new Set(checks.filter((c) => !keyed.includes(c)));
  if (tp.key && keyed.length > 0) {
    const [estimate] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
      [tp.table.name],
    );
    const sets = keyed.map(() => new KeySet(Number(estimate[0]?.n ?? 0)));
    // A range holds at most KEY_BATCH_ROWS rows, so a batch never reaches this length (a longer one would be cut).
    await conn.query("SET SESSION group_concat_max_len = ?", [KEY_BATCH_ROWS * 8 * 4]);
    const bounds = await chunkBoundaries(conn, tp.table.name, tp.key, KEY_BATCH_ROWS);
    const select = keyed.map((c, i) => `GROUP_CONCAT(${c.key?.sql} SEPARATOR '') AS k${i}`).join(", ");
    const keyParams = keyed.flatMap((c) => c.key?.params ?? []);
    for (let r = 0; r <= bounds.length; r += 1) {
      const range = rangePredicate(tp.key, bounds[r - 1] ?? null, bounds[r] ?? null);
      const row = await first(conn, `SELECT ${select} FROM ${quoteIdent(tp.table.name)} WHERE ${range.sql}`, [...keyParams, ...range.params]);
      keyed.forEach((c, i) => {
        if (!addBatch(sets[i] as KeySet, row[`k${i}`])) suspect.add(c);
      });
    }
    keyed.forEach((c, i) => {
      if (sets[i]?.hasRepeats()) suspect.add(c);
    });
  }
  const problems: PreflightProblem[] = [];
  const byName = new Map(tp.masks.map((m) => [m.column.name, m]));
  for (const check of checks.filter((c) => suspect.has(c))) {
    const n = await duplicateGroups(conn, tp, check);
    if (n > 0) {
      const masked = check.index.columns.filter((c) => byName.has(c)).map((c) => `${c}: ${byName.get(c)?.spec.text}`).join(", ");
      problems.push({ kind: "unique", table: tp.table.name, detail: `unique index ${check.index.name} would get ${n} duplicate masked values (${masked}); use hash, or a wider column` });
    }
  }
  return problems;
}

async function collationOnlyParents(conn: Connection, plan: MaskPlan): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  for (const { fk } of plan.foreignKeys) {
    const masked = plan.tables.find((t) => t.table.name === fk.table)?.masks.some((m) => fk.columns.includes(m.column.name));
    if (!masked) continue;
    const present = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(" AND ");
    // The collation finds the parent through the index; BINARY then demands the same bytes, which hashing sees.
    const same = fk.columns
      .map((c, i) => `p.${quoteIdent(fk.refColumns[i] ?? "")} = c.${quoteIdent(c)} AND BINARY p.${quoteIdent(fk.refColumns[i] ?? "")} = BINARY c.${quoteIdent(c)}`)
      .join(" AND ");
    const found = await first(
      conn,
      `SELECT COUNT(*) AS n FROM ${quoteIdent(fk.schema)}.${quoteIdent(fk.table)} c WHERE ${present}
          AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(fk.refSchema)}.${quoteIdent(fk.refTable)} p WHERE ${same})`,
      [],
    );
    const n = Number(found.n ?? 0);
    if (n > 0) {
      problems.push({
        kind: "foreign_key",
        table: fk.table,
        detail: `${n} rows match their parent in ${fk.refTable} through foreign key ${fk.name} only by collation (case or trailing spaces differ); masked values would not match: make them equal byte for byte first`,
      });
    }
  }
  return problems;
}

async function alreadyMasked(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const shaped = tp.masks.filter((m) => m.highEntropy && m.pattern);
  if (shaped.length === 0) return [];
  const params: SqlParam[] = [];
  // The sample keeps the column names, so the shape tests (written against the column) read it unchanged.
  const inner = shaped.map((m) => quoteIdent(m.column.name)).join(", ");
  const counts = shaped.map((m, i) => {
    params.push(...m.shape.params);
    const ref = quoteIdent(m.column.name);
    return `COUNT(${ref}) AS n${i}, SUM(CASE WHEN ${ref} IS NOT NULL AND ${m.shape.sql} THEN 1 ELSE 0 END) AS k${i}`;
  });
  const found = await first(conn, `SELECT ${counts.join(", ")} FROM (SELECT ${inner} FROM ${quoteIdent(tp.table.name)} LIMIT ${MASKED_SAMPLE_ROWS}) s`, params);
  const looked = shaped.map((_, i) => Number(found[`n${i}`] ?? 0));
  const masked = shaped.every((_, i) => (looked[i] ?? 0) > 0 && Number(found[`k${i}`] ?? 0) === looked[i]);
  if (!masked) return [];
  return [{
    kind: "masked",
    table: tp.table.name,
    detail: `every sampled value of ${shaped.map((m) => m.column.name).join(", ")} already has its masked shape: this table looks masked, and masking it again would mask masked values; restore the database from its source to mask it afresh`,
  }];
}

/** Tables a reset run recorded as masked (bookkeeping.ts, DONE_TABLE). */
async function recordedMasked(conn: Connection, plan: MaskPlan): Promise<PreflightProblem[]> {
  const done = await doneTables(conn, plan.database);
  return plan.tables.flatMap((tp) => {
    const at = done.get(tp.table.name);
    return at === undefined
      ? []
      : [{ kind: "masked" as const, table: tp.table.name, detail: `${DONE_TABLE} records this table as masked by a verified run (${at}); masking it again would mask masked values: restore the database from its source to mask it afresh` }];
  });
}

/** Runs every check on a connection prepared with the keys; returns the problems (empty: the plan can run). */
export async function preflight(conn: Connection, plan: MaskPlan): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = await recordedMasked(conn, plan);
  const recorded = new Set(problems.map((p) => p.table));
  for (const tp of plan.tables) {
    if (recorded.has(tp.table.name)) continue;
    problems.push(...(await alreadyMasked(conn, tp)));
    problems.push(...(await checkConstraints(conn, tp)));
    problems.push(...(await timestamps(conn, tp)));
    problems.push(...(await uniqueCollisions(conn, tp)));
  }
  problems.push(...(await collationOnlyParents(conn, plan)));
  return problems;
}

/** One line naming every problem, for a MaskingUsageError. */
export function describeProblems(database: string, problems: readonly PreflightProblem[]): string {
  return `cannot mask ${database}, nothing was written: ${problems.map((p) => `${p.table}: ${p.detail}`).join("; ")}`;
}
