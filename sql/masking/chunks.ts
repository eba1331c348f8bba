/**
 * Masking one chunk, and a pool of workers that mask chunks in parallel until the queue is empty or the caller's
 * deadline passes.
 *
 * Resumability rests on one rule: a chunk's UPDATE and its `done = 1` mark commit in the same InnoDB transaction.
 * A chunk is therefore either fully masked and marked, or untouched and unmarked, whenever the process dies;
 * a rerun skips marked chunks, so no value is ever masked twice. (Masking twice would change it: the strategies
 * are functions of the value, and a masked email is a different input.) Because every strategy depends only on
 * the value and the key, never on when or in which order chunks ran, any sequence of interrupted runs that ends
 * complete yields exactly the database one uninterrupted run yields.
 */
import type { Connection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { type Chunk, T } from "./bookkeeping";
import { MaskingError, describeSqlError } from "./errors";
import { quoteIdent } from "./ident";
import { rangePredicate } from "./keys";
import type { TablePlan } from "./plan";
import type { SqlParam } from "./strategies";

/** Deadlocks and lock wait timeouts roll the whole chunk back; it is simply tried again. */
const RETRYABLE = new Set([1213, 1205]);
const MAX_ATTEMPTS = 5;

/** Builds the chunk's UPDATE: every masked column of the table in one statement, over one key range. */
export function chunkUpdate(tp: TablePlan, chunk: Pick<Chunk, "lo" | "hi">): { sql: string; params: SqlParam[] } {
  const sets = tp.masks.map((m) => `${quoteIdent(m.column.name)} = ${m.set.sql}`);
  // "To prevent an auto-updated column from updating when other columns change, explicitly set it to its current
  // value" (MySQL 8.0 Reference Manual, "Automatic Initialization and Updating for TIMESTAMP and DATETIME").
  for (const c of tp.stamps) sets.push(`${quoteIdent(c.name)} = ${quoteIdent(c.name)}`);
  const range = rangePredicate(tp.key, chunk.lo, chunk.hi);
  return {
    sql: `UPDATE ${quoteIdent(tp.table.name)} SET ${sets.join(", ")} WHERE ${range.sql}`,
    params: [...tp.masks.flatMap((m) => m.set.params), ...range.params],
  };
}

/** Masks one chunk in its own transaction. Returns rows changed, or null when another run already did it. */
export async function maskChunk(conn: Connection, tp: TablePlan, chunk: Chunk): Promise<number | null> {
  const update = chunkUpdate(tp, chunk);
  for (let attempt = 1; ; attempt += 1) {
    await conn.beginTransaction();
    try {
      // Locks the progress row: two runs that got past the run lock still cannot mask a chunk twice.
      const [marks] = await conn.query<RowDataPacket[]>(
        `SELECT done FROM ${quoteIdent(T.chunks)} WHERE table_name = ? AND chunk_no = ? FOR UPDATE`,
        [chunk.table, chunk.chunkNo],
      );
      if (!marks[0] || Number(marks[0].done) === 1) {
        await conn.rollback();
        return null;
      }
      const [result] = await conn.execute<ResultSetHeader>(update.sql, update.params);
      await conn.query(
        `UPDATE ${quoteIdent(T.chunks)} SET done = 1, rows_changed = ?, finished_at = CURRENT_TIMESTAMP(3) WHERE table_name = ? AND chunk_no = ?`,
        [result.affectedRows, chunk.table, chunk.chunkNo],
      );
      await conn.commit();
      return result.affectedRows;
    } catch (err: unknown) {
      await conn.rollback().catch(() => undefined);
      const errno = typeof err === "object" && err !== null ? (err as { errno?: unknown }).errno : undefined;
      if (typeof errno === "number" && RETRYABLE.has(errno) && attempt < MAX_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 25 * attempt));
        continue;
      }
      throw new MaskingError(`masking ${tp.table.name} chunk ${chunk.chunkNo + 1} failed: ${describeSqlError(err)}`, { cause: err });
    }
  }
}

/**
 * Runs the queue on the given connections, one worker per connection. Before taking a chunk a worker checks
 * `shouldStop`; at least one chunk is always masked per call, so that repeated calls always make progress.
 * The first error stops every worker from taking new chunks and is rethrown after in-flight chunks finish.
 * Returns how many chunks this call masked.
 */
export async function runQueue(
  conns: readonly Connection[],
  queue: readonly Chunk[],
  plans: ReadonlyMap<string, TablePlan>,
  shouldStop: () => boolean,
  onChunk: (chunk: Chunk, rows: number | null) => void,
): Promise<number> {
  let next = 0;
  let done = 0;
  let failure: unknown;
  const worker = async (conn: Connection): Promise<void> => {
    while (failure === undefined && next < queue.length && (next === 0 || !shouldStop())) {
      const chunk = queue[next++];
      if (!chunk) return;
      const tp = plans.get(chunk.table);
      if (!tp) {
        failure = new MaskingError(`bookkeeping names table ${chunk.table}, which the plan does not mask`);
        return;
      }
      try {
        const rows = await maskChunk(conn, tp, chunk);
        done += 1;
        onChunk(chunk, rows);
      } catch (err: unknown) {
        failure ??= err;
      }
    }
  };
  await Promise.all(conns.map(worker));
  if (failure !== undefined) throw failure;
  return done;
}
