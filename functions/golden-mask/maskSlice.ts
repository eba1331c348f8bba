/**
 * One slice of the golden's masking: the engine's `run()` with a time budget, over every database, then, in a
 * call of its own, `verify`. The state machine calls this until it reports `complete`; all progress lives in the
 * database (`_masking_*`), so a slice that is cut short, retried or run twice resumes instead of masking again.
 *
 *   masking    some chunks are left; this call masked what its budget allowed
 *   masked     every chunk is done, some of them in this call: verify gets the next call's full budget
 *   verifying  some databases are verified, the budget ran out before the rest: `resume` carries them to the next call
 *   verified   every database verified: complete
 *
 * Verify runs one database at a time and stops starting new ones when the budget is spent, like masking; the
 * databases already verified travel in `resume` (the state machine hands it back), so a long verify resumes.
 */
import { type ConnectionOptions, type Rules, run } from "../../sql/masking";

/** What a slice needs; the connection and salt come from Secrets Manager in the handler, from the harness in tests. */
export interface SliceOptions {
  readonly databases: readonly string[];
  readonly connectionFor: (database: string) => ConnectionOptions;
  readonly rules: Rules;
  /** Never logged, never returned. */
  readonly salt: string;
  /** Milliseconds after which no new chunk starts (chunks in flight finish), nor a new database's verify. */
  readonly budgetMs: number;
  /** What the previous call returned as `resume` (null or absent on the first call). */
  readonly resume?: SliceResume | null;
  /** Rows per chunk for a newly planned run. Default the engine's (10,000). */
  readonly chunkSize?: number;
  /** Parallel connections. Default the engine's (from the server's free connections and CPUs). */
  readonly concurrency?: number;
  readonly now?: () => number;
}

/** Progress of one database in one slice: counts only, never values. */
export interface DatabaseSlice {
  readonly database: string;
  readonly masked: boolean;
  readonly chunksThisCall: number;
  readonly chunksRemaining: number;
  readonly verified?: boolean;
}

/** Progress the state machine carries from one call to the next: the databases verified so far. */
export interface SliceResume {
  readonly verified: readonly string[];
}

/** What the state machine reads (`complete`, `resume`) and logs. */
export interface SliceResult {
  readonly complete: boolean;
  readonly phase: "masking" | "masked" | "verifying" | "verified";
  readonly resume: SliceResume;
  readonly databases: readonly DatabaseSlice[];
  readonly elapsedMs: number;
}

/** Verify found a problem: the golden must not be snapshotted or published. Not worth retrying. */
export class MaskVerificationError extends Error {
  override readonly name = "MaskVerificationError";
}

/** Masks for at most `budgetMs` (plus the chunks in flight); verifies once everything is masked. */
export async function maskSlice(o: SliceOptions): Promise<SliceResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const resume: SliceResume = { verified: [...(o.resume?.verified ?? [])] };
  const done: DatabaseSlice[] = [];
  // A dropped index is rebuilt by one ALTER, which cannot resume: only indexes whose rebuild fits a slice are dropped.
  const base = { connection: undefined as unknown as ConnectionOptions, rules: o.rules, salt: o.salt, chunkSize: o.chunkSize, concurrency: o.concurrency, rebuildBudgetMs: o.budgetMs };
  for (const database of o.databases) {
    const left = o.budgetMs - (now() - started);
    // Until this slice has masked something, the next database with work always runs (a passed deadline still
    // masks one chunk per connection), so every slice makes progress; after that, it waits for the next slice.
    if (left <= 0 && done.some((d) => d.chunksThisCall > 0)) return { complete: false, phase: "masking", resume, databases: done, elapsedMs: now() - started };
    const r = await run({ ...base, connection: o.connectionFor(database), timeBudgetMs: Math.max(0, left), verify: false });
    done.push({ database, masked: r.complete, chunksThisCall: r.chunksThisCall, chunksRemaining: r.chunksRemaining });
    if (!r.complete) return { complete: false, phase: "masking", resume, databases: done, elapsedMs: now() - started };
  }
  // Verify is one pass per table and is not chunked: give it a call of its own rather than the end of a budget.
  if (done.some((d) => d.chunksThisCall > 0)) return { complete: false, phase: "masked", resume, databases: done, elapsedMs: now() - started };

  const verified = new Set(resume.verified.filter((d) => o.databases.includes(d)));
  const slices: DatabaseSlice[] = [];
  let checkedThisCall = 0;
  for (const d of done) {
    if (verified.has(d.database)) {
      slices.push({ ...d, verified: true });
      continue;
    }
    // After at least one database this call, a spent budget hands the rest to the next call.
    if (checkedThisCall > 0 && now() - started >= o.budgetMs) {
      return { complete: false, phase: "verifying", resume: { verified: [...verified] }, databases: slices, elapsedMs: now() - started };
    }
    // On a completed run, run() only verifies.
    const r = await run({ ...base, connection: o.connectionFor(d.database), verify: true });
    checkedThisCall += 1;
    if (!(r.complete && r.verify?.ok === true)) {
      const checks = (r.verify?.checks ?? []).filter((c) => !c.ok).map((c) => [c.check, c.table, c.column].filter(Boolean).join(":"));
      // Check names and tables only: verify's details hold counts, and no value ever reaches this message.
      throw new MaskVerificationError(`verify failed for ${d.database} (${checks.join(", ") || "not complete"}); the golden is not published`);
    }
    verified.add(d.database);
    slices.push({ ...d, verified: true });
  }
  return { complete: true, phase: "verified", resume: { verified: [...verified] }, databases: slices, elapsedMs: now() - started };
}
