/**
 * The fingerprint verify needs, taken before the first chunk is masked: keyed hashes of sampled original values
 * (so verify can prove none of them survives), and for sampled rows the keyed hash of the value masking must
 * produce (so verify can prove those rows got exactly it). Only hashes and primary-key values reach Node.
 *
 * It also notes whether any sampled original already has the shape of a hash-derived strategy (an address like
 * `0123456789abcdef@example.com`). When none has, a value that has its column's shape cannot equal a fingerprinted
 * original, so verify only needs to hash the values that fail the shape check, which it counts anyway; otherwise
 * it hashes every value. Shapes are tested on the lowercased original, so no collation can make one slip through.
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { type Chunk, T, setPhase, setSurvivorScan } from "./bookkeeping";
import { quoteIdent } from "./ident";
import { keyList, keyOfRow, rangePredicate } from "./keys";
import type { MaskPlan, TablePlan } from "./plan";
import { type SqlParam, fingerprintOf } from "./strategies";

/** Rows sampled per table for the fingerprint. */
export const DEFAULT_FINGERPRINT_ROWS = 200;

/** Chunks sampled per table: spread over the key range, not only its start. */
const SAMPLED_CHUNKS = 10;

/** Up to `n` evenly spaced items. */
function spread<X>(items: readonly X[], n: number): X[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)] as X);
}

interface Sampled {
  /** Some original has a hash-derived shape. */
  conformant: boolean;
  fingerprints: string[];
  samples: Array<[table: string, column: string, rowKey: string, expected: string, original: string | null]>;
}

async function sampleTable(
  conn: Connection,
  tp: TablePlan,
  chunks: readonly Chunk[],
  rows: number,
  patterns: readonly string[],
  out: Sampled,
): Promise<void> {
  const from = quoteIdent(tp.table.name);
  const shapeParams: SqlParam[] = [];
  const select = tp.masks.flatMap((m, i) => {
    // Blank values stay as they are by design: they are neither originals to look for nor samples.
    const fp = fingerprintOf(m.canonical);
    const cols = [`${m.blank ? `IF(${m.blank}, NULL, ${fp})` : fp} AS o${i}`];
    if (m.derived && m.maskedCanonical) cols.push(`${fingerprintOf(m.maskedCanonical)} AS x${i}`);
    if (patterns.length > 0) {
      const lower = `LOWER(CONVERT(${m.canonical} USING utf8mb4))`;
      cols.push(`(${patterns.map(() => `${lower} REGEXP ?`).join(" OR ")}) AS c${i}`);
      shapeParams.push(...patterns);
    }
    return cols;
  });
  const anyValue = tp.masks.map((m) => `${quoteIdent(m.column.name)} IS NOT NULL`).join(" OR ");
  const picked = tp.key ? spread(chunks, SAMPLED_CHUNKS) : [null];
  const perChunk = Math.max(1, Math.ceil(rows / picked.length));
  for (const chunk of picked) {
    const range = rangePredicate(tp.key, chunk?.lo ?? null, chunk?.hi ?? null);
    const keyCols = tp.key ? `${keyList(tp.key)}, ` : "";
    const order = tp.key ? `ORDER BY ${keyList(tp.key)}` : "";
    const [found] = await conn.query<RowDataPacket[]>(
      `SELECT ${keyCols}${select.join(", ")} FROM ${from} WHERE (${range.sql}) AND (${anyValue}) ${order} LIMIT ${perChunk}`,
      [...shapeParams, ...(range.params as SqlParam[])],
    );
    for (const row of found) {
      const rowKey = tp.key ? JSON.stringify(keyOfRow(tp.key, row)) : null;
      tp.masks.forEach((m, i) => {
        const original = row[`o${i}`];
        if (original === null || original === undefined) return;
        out.fingerprints.push(String(original));
        if (Number(row[`c${i}`] ?? 0) === 1) out.conformant = true;
        const expected = row[`x${i}`];
        if (rowKey && expected !== null && expected !== undefined) {
          out.samples.push([tp.table.name, m.column.name, rowKey, String(expected), m.excludesInput ? String(original) : null]);
        }
      });
    }
  }
}

/**
 * Samples every planned table and stores the fingerprint, then moves the run to the `masking` phase, all in one
 * transaction: a run killed here simply takes the fingerprint again, since nothing has been masked yet.
 */
export async function takeFingerprint(conn: Connection, plan: MaskPlan, chunks: readonly Chunk[], rows = DEFAULT_FINGERPRINT_ROWS): Promise<void> {
  const out: Sampled = { conformant: false, fingerprints: [], samples: [] };
  const patterns = [...new Set(plan.tables.flatMap((tp) => tp.masks.filter((m) => m.highEntropy && m.pattern).map((m) => m.pattern as string)))];
  for (const tp of plan.tables) await sampleTable(conn, tp, chunks.filter((c) => c.table === tp.table.name), rows, patterns, out);
  await conn.beginTransaction();
  try {
    await conn.query(`DELETE FROM ${quoteIdent(T.fingerprints)}`);
    await conn.query(`DELETE FROM ${quoteIdent(T.samples)}`);
    const unique = [...new Set(out.fingerprints)];
    for (let i = 0; i < unique.length; i += 500) {
      const batch = unique.slice(i, i + 500);
      await conn.query(`INSERT INTO ${quoteIdent(T.fingerprints)} (h) VALUES ${batch.map(() => "(UNHEX(?))").join(", ")}`, batch);
    }
    const numbered = out.samples.map((s, i) => [s[0], s[1], i, s[2], s[3], s[4]] as const);
    for (let i = 0; i < numbered.length; i += 500) {
      const batch = numbered.slice(i, i + 500);
      await conn.query(
        `INSERT INTO ${quoteIdent(T.samples)} (table_name, column_name, sample_no, row_key, expected, original) VALUES ${batch.map(() => "(?, ?, ?, ?, UNHEX(?), UNHEX(?))").join(", ")}`,
        batch.flat(),
      );
    }
    await setSurvivorScan(conn, out.conformant);
    await setPhase(conn, "masking");
    await conn.commit();
  } catch (err: unknown) {
    await conn.rollback();
    throw err;
  }
}
