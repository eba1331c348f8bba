/**
 * `run`: masks every covered column, in primary-key chunks on parallel connections, then verifies.
 *
 * Phases, each recorded in `_masking_state` so any call can pick up where the last one stopped:
 *   plan         chunk boundaries and row counts, committed in one transaction with the state row
 *   fingerprint  keyed hashes of sampled originals, committed with the move to `masking`
 *   masking      chunks; each commits together with its own done mark (chunks.ts explains why that suffices)
 *   complete     nothing left to do; calling run again only verifies
 * A call refuses to resume a run recorded with other rules or another salt.
 */
import { createHash } from "node:crypto";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { type Chunk, T, chunkTotals, commitPlan, ensureBookkeeping, existingBookkeeping, readChunks, readState, rowsBefore, setPhase } from "./bookkeeping";
import { runQueue } from "./chunks";
import { type MaskConnection, openConnection } from "./connection";
import { withDatabase } from "./database";
import { DEFAULT_SAMPLE_ROWS, findUncovered } from "./detect";
import { MaskingError, MaskingUsageError } from "./errors";
import { DEFAULT_FINGERPRINT_ROWS, takeFingerprint } from "./fingerprint";
import { quoteIdent } from "./ident";
import { dropIndexes, pendingRebuilds, rebuildIndexes } from "./indexes";
import { chunkBoundaries } from "./keys";
import type { MaskPlan } from "./plan";
import { describeProblems, preflight } from "./preflight";
import { type ProgressCallback, reporter } from "./progress";
import type { Rules } from "./rules";
import { guardBinlog, readProfile } from "./server";
import { deriveKeys, prepareSession } from "./session";
import { type VerifyReport, verifyPlan } from "./verify";

/** Default rows per chunk: small enough for a short transaction and undo log, big enough to amortise commits. */
export const DEFAULT_CHUNK_SIZE = 10_000;
/** Upper bound of the default concurrency; `concurrency` may go higher. */
export const MAX_DEFAULT_CONCURRENCY = 4;
/**
 * Estimated time to rebuild one secondary index, per row: 10 µs, about three times what a sorted build of the
 * benchmark's unique email index took per row on a loaded 2-core VM (bench/mask.ts). Decides whether a rebuild is
 * started before a deadline, and whether an index is dropped at all when one call's budget could not hold its rebuild.
 */
export const REBUILD_MS_PER_ROW = 0.01;
/** Largest table without a usable key that is masked in a single transaction. */
export const DEFAULT_MAX_UNKEYED_ROWS = 100_000;

/** Options of `run`. Only `connection`, `rules` and `salt` are required. */
export interface RunOptions {
  readonly connection: MaskConnection;
  readonly rules: Rules;
  /** Secret salt (e.g. MASKING_SALT), at least 16 characters. Never stored, logged or sent to the database. */
  readonly salt: string | undefined;
  /** Parallel connections. Default: a quarter of the free connections and half the CPUs (when known), 1 to 4. */
  readonly concurrency?: number;
  /** Rows per chunk when a run is planned (a resumed run keeps its plan). Default 10,000. */
  readonly chunkSize?: number;
  /** Epoch ms after which no new chunk starts; the call then returns `complete: false`. */
  readonly deadlineMs?: number;
  /** Like deadlineMs, relative to the start of the call. */
  readonly timeBudgetMs?: number;
  /** Aborting stops new chunks from starting, like a deadline. */
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressCallback;
  /** Verify once complete. Default true. */
  readonly verify?: boolean;
  /** Rows sampled per table by the coverage check. Default 500. */
  readonly sampleRows?: number;
  /** Rows fingerprinted per table. Default 200. */
  readonly fingerprintRows?: number;
  /** Tables without a usable key are masked as one chunk up to this many rows, and refused above. Default 100,000. */
  readonly maxUnkeyedRows?: number;
  /**
   * Drop secondary indexes over masked columns before a table's chunks and rebuild them after (indexes.ts explains).
   * Default true; false updates them row by row.
   */
  readonly indexRebuild?: boolean;
  /**
   * Longest an index rebuild may be expected to take (estimated at REBUILD_MS_PER_ROW): a table whose rebuild would
   * exceed it keeps its indexes. For callers whose every call must end in time, e.g. a Lambda slice: one ALTER cannot
   * be resumed. Default: no limit.
   */
  readonly rebuildBudgetMs?: number;
  /** Seconds to wait for another run on the same database to finish. Default 30. */
  readonly lockWaitSeconds?: number;
}

/** Progress of one table. */
export interface TableReport {
  readonly table: string;
  readonly columns: readonly { readonly column: string; readonly strategy: string }[];
  readonly chunks: number;
  readonly chunksDone: number;
  readonly rowsChanged: number;
}

/** What a call of `run` did. Call again while `complete` is false; the result converges. */
export interface RunReport {
  readonly database: string;
  readonly complete: boolean;
  /** A previous call had already started this run. */
  readonly resumed: boolean;
  readonly concurrency: number;
  readonly chunksThisCall: number;
  readonly chunksRemaining: number;
  readonly tables: readonly TableReport[];
  readonly timings: { readonly planMs: number; readonly fingerprintMs: number; readonly maskMs: number; readonly verifyMs: number; readonly totalMs: number };
  /** Verify's report once complete (null when incomplete or verify was off). */
  readonly verify: VerifyReport | null;
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new MaskingUsageError(`${name} must be a positive integer`);
}

/**
 * What the server can take: a quarter of its free connections, and half its CPUs where it says how many it has
 * (MariaDB's thread_pool_size defaults to the CPU count; MySQL has no such variable). Masking is CPU-bound on the
 * server, which also needs cores for purge and I/O; between 1 and MAX_DEFAULT_CONCURRENCY.
 */
async function defaultConcurrency(conn: Connection): Promise<number> {
  let limit = MAX_DEFAULT_CONCURRENCY;
  try {
    const [max] = await conn.query<RowDataPacket[]>("SELECT @@max_connections AS n");
    const [used] = await conn.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
    limit = Math.min(limit, Math.floor((Number(max[0]?.n ?? 0) - Number(used[0]?.Value ?? 0)) / 4));
  } catch {
    return 1;
  }
  try {
    const [cpus] = await conn.query<RowDataPacket[]>("SELECT @@thread_pool_size AS n");
    limit = Math.min(limit, Math.floor(Number(cpus[0]?.n ?? 0) / 2));
  } catch {
    // Not MariaDB: no CPU hint.
  }
  return Math.max(1, limit);
}

/** One run per database at a time; the lock dies with its session, so a killed run never blocks the next. */
async function withRunLock<R>(conn: Connection, database: string, waitSeconds: number, onWait: (message: string) => void, fn: () => Promise<R>): Promise<R> {
  const name = `dpmask:${createHash("sha256").update(database).digest("hex").slice(0, 40)}`;
  // A wait is never silent: say who is waiting for what, and for how long at most.
  const [free] = await conn.query<RowDataPacket[]>("SELECT IS_FREE_LOCK(?) AS free", [name]);
  if (Number(free[0]?.free) !== 1) onWait(`another masking run holds the lock on ${database}; waiting up to ${waitSeconds}s for it`);
  const [got] = await conn.query<RowDataPacket[]>("SELECT GET_LOCK(?, ?) AS got", [name, waitSeconds]);
  if (Number(got[0]?.got) !== 1) throw new MaskingError(`another masking run holds the lock on ${database}; try again when it has finished`);
  try {
    return await fn();
  } finally {
    await conn.query("SELECT RELEASE_LOCK(?)", [name]).catch(() => undefined);
  }
}

async function planChunks(conn: Connection, plan: MaskPlan, chunkSize: number, maxUnkeyed: number): Promise<{ chunks: Chunk[]; rows: Map<string, number> }> {
  const chunks: Chunk[] = [];
  const rows = new Map<string, number>();
  for (const tp of plan.tables) {
    const name = tp.table.name;
    const [count] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdent(name)}`);
    const n = Number(count[0]?.n ?? 0);
    rows.set(name, n);
    if (!tp.key && n > maxUnkeyed) {
      throw new MaskingUsageError(
        `${name} has no primary key (nor a NOT NULL unique key over unmasked columns) and ${n} rows, more than ${maxUnkeyed} ` +
          "to mask in one transaction: add a primary key",
      );
    }
    const bounds = tp.key ? await chunkBoundaries(conn, name, tp.key, chunkSize) : [];
    for (let i = 0; i <= bounds.length; i += 1) chunks.push({ table: name, chunkNo: i, lo: bounds[i - 1] ?? null, hi: bounds[i] ?? null });
  }
  return { chunks, rows };
}

/** Masks the database described by the rules. See RunOptions; throws MaskingUsageError (exit 2) on bad input. */
export async function run(options: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const report = reporter(options.onProgress, started);
  const keys = deriveKeys(options.salt);
  positiveInteger("concurrency", options.concurrency);
  positiveInteger("chunkSize", options.chunkSize);
  const deadline = Math.min(options.deadlineMs ?? Infinity, options.timeBudgetMs === undefined ? Infinity : started + options.timeBudgetMs);
  const shouldStop = () => options.signal?.aborted === true || Date.now() >= deadline;

  return withDatabase(options.connection, options.rules, keys, async ({ conn, resolved, schema, plan }) => {
    // Refused here, before anything is written, when the binary log would keep the originals.
    const profile = await readProfile(conn);
    await guardBinlog(conn, profile);
    return withRunLock(conn, resolved.database, options.lockWaitSeconds ?? 30, (m) => report("plan", m), async () => {
      const present = await existingBookkeeping(conn, schema.database);
      let state = present.has(T.state) ? await readState(conn) : null;
      const resumed = state !== null;
      const restore = "masking it again would mask masked values: restore the database from its source to mask it afresh";
      if (state && state.rulesDigest !== plan.digest) throw new MaskingUsageError(`${schema.database} holds a masking run made with different rules; ${restore}`);
      if (state && state.keyId !== keys.id) throw new MaskingUsageError(`${schema.database} holds a masking run made with a different salt; ${restore}`);

      const t0 = Date.now();
      // Coverage is checked on every run, resumed ones included: a PII column added since the plan (or since a
      // finished run) must stop the run, never pass as masked.
      report("plan", `checking coverage of ${schema.tables.size} tables in ${schema.database}`);
      const uncovered = await findUncovered(conn, schema, options.rules, options.sampleRows ?? DEFAULT_SAMPLE_ROWS);
      if (uncovered.length > 0) {
        const list = uncovered.map((f) => `${f.table}.${f.column} (${f.reason})`).join(", ");
        throw new MaskingUsageError(
          `run refused: ${uncovered.length} PII-looking column${uncovered.length === 1 ? " is" : "s are"} not covered by ${options.rules.source}: ` +
            `${list}; add a strategy, or keep once reviewed`,
        );
      }
      if (!state) {
        // Everything the data could make fail is checked before the first write, bookkeeping included.
        report("plan", "checking the data against the plan");
        const problems = await preflight(conn, plan);
        if (problems.length > 0) throw new MaskingUsageError(describeProblems(schema.database, problems));
        await ensureBookkeeping(conn);
        report("plan", `planning chunks of ${plan.tables.length} tables`);
        const planned = await planChunks(conn, plan, options.chunkSize ?? DEFAULT_CHUNK_SIZE, options.maxUnkeyedRows ?? DEFAULT_MAX_UNKEYED_ROWS);
        await commitPlan(conn, { rulesDigest: plan.digest, keyId: keys.id }, planned.chunks, planned.rows);
        state = { rulesDigest: plan.digest, keyId: keys.id, phase: "planned", fullSurvivorScan: true };
      }
      const t1 = Date.now();
      if (state.phase === "planned") {
        report("fingerprint", "fingerprinting sampled original values");
        await takeFingerprint(conn, plan, await readChunks(conn, false), options.fingerprintRows ?? DEFAULT_FINGERPRINT_ROWS);
        state = { ...state, phase: "masking" };
      }
      const t2 = Date.now();

      let chunksThisCall = 0;
      let concurrency = 0;
      if (state.phase === "masking") {
        const queue = await readChunks(conn, true);
        const total = (await readChunks(conn, false)).length;
        concurrency = Math.max(1, Math.min(options.concurrency ?? (await defaultConcurrency(conn)), queue.length));
        const plans = new Map(plan.tables.map((tp) => [tp.table.name, tp]));
        const rows = await rowsBefore(conn);
        const rebuildMs = (table: string, indexes: number) => (rows.get(table) ?? 0) * indexes * REBUILD_MS_PER_ROW;
        if (options.indexRebuild !== false) {
          const pending = new Set(queue.map((c) => c.table));
          // An index is dropped only if its estimated rebuild fits rebuildBudgetMs: a single ALTER cannot be resumed.
          const { dropped, kept } = await dropIndexes(conn, plan, plan.tables.filter((tp) => pending.has(tp.table.name)), (table, n) => rebuildMs(table, n) <= (options.rebuildBudgetMs ?? Infinity));
          if (dropped.length > 0) report("mask", `dropped ${dropped.length} secondary indexes over masked columns, rebuilt after the chunks: ${dropped.join(", ")}`);
          if (kept.length > 0) report("mask", `kept ${kept.length} secondary indexes whose estimated rebuild exceeds rebuildBudgetMs (updated row by row instead): ${kept.join(", ")}`);
        }
        const workers: Connection[] = [];
        try {
          for (let i = 0; i < concurrency; i += 1) {
            const w = await openConnection(resolved);
            workers.push(w);
            await prepareSession(w, keys, true);
            await guardBinlog(w, profile);
          }
          report("mask", `masking ${queue.length} of ${total} chunks on ${concurrency} connections`, { chunksDone: total - queue.length, chunksTotal: total });
          let doneSoFar = total - queue.length;
          chunksThisCall = await runQueue(workers, queue, plans, shouldStop, (chunk, rows) => {
            doneSoFar += 1;
            report("mask", `${chunk.table}: chunk ${chunk.chunkNo + 1} done (${rows ?? 0} rows)`, { table: chunk.table, chunksDone: doneSoFar, chunksTotal: total });
          });
        } finally {
          await Promise.all(workers.map((w) => w.end().catch(() => undefined)));
        }
        const left = new Set((await readChunks(conn, true)).map((c) => c.table));
        const finished = (await pendingRebuilds(conn)).filter((t) => !left.has(t));
        if (finished.length > 0) {
          report("mask", `rebuilding indexes of ${finished.join(", ")}`);
          let rebuilt = 0;
          // Once this call has made progress, an index starts only if its estimated rebuild ends before the deadline;
          // otherwise the next call (with its whole budget) rebuilds it. A call with no progress yet always starts one.
          await rebuildIndexes(conn, schema.database, finished, (table) => {
            const ok = chunksThisCall + rebuilt === 0 || (!shouldStop() && Date.now() + rebuildMs(table, 1) <= deadline);
            if (ok) rebuilt += 1;
            return ok;
          });
        }
        if (left.size === 0 && (await pendingRebuilds(conn)).length === 0) {
          await setPhase(conn, "complete");
          state = { ...state, phase: "complete" };
        }
      }
      const t3 = Date.now();

      let verified: VerifyReport | null = null;
      if (state.phase === "complete" && options.verify !== false) {
        report("verify", "verifying");
        verified = await verifyPlan(conn, plan, keys, { onTable: (table) => report("verify", `checking ${table}`, { table }) });
      }
      const totals = await chunkTotals(conn);
      const remaining = [...totals.values()].reduce((sum, t) => sum + t.chunks - t.done, 0);
      return {
        database: schema.database,
        complete: state.phase === "complete",
        resumed,
        concurrency,
        chunksThisCall,
        chunksRemaining: remaining,
        tables: plan.tables.map((tp) => {
          const t = totals.get(tp.table.name) ?? { chunks: 0, done: 0, rowsChanged: 0 };
          return {
            table: tp.table.name,
            columns: tp.masks.map((m) => ({ column: m.column.name, strategy: m.spec.text })),
            chunks: t.chunks,
            chunksDone: t.done,
            rowsChanged: t.rowsChanged,
          };
        }),
        timings: { planMs: t1 - t0, fingerprintMs: t2 - t1, maskMs: t3 - t2, verifyMs: Date.now() - t3, totalMs: Date.now() - started },
        verify: verified,
      };
    });
  });
}
