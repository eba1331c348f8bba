/**
 * Progress lines on stderr for long work: elapsed time, the phase, the engine's message, and where the work can be
 * counted (chunks masked of the total; tables verified of those the rules mask), the share done and an estimate of
 * the time left, from the rate since the phase's first counted event.
 */
import type { ProgressEvent } from "../sql/masking";
import { formatElapsed } from "./qa/progress";

/** What the caller knows ahead of the engine's events. */
export interface ProgressTotals {
  /** Tables verify checks (those with a masked column): verify's events name each table as it starts on it. */
  readonly verifyTables?: number;
}

/**
 * A progress callback that writes one line per event: `[mask 12.3s] mask: users: chunk 5 done (40 rows) [5/20
 * chunks, 25%, about 36s left]`, `[mask 40.1s] verify: checking orders [1/3 tables, 33%, about 20s left]`. `now` is
 * injectable for tests.
 */
export function progressLine(
  label: string,
  write: (text: string) => void,
  now: () => number = Date.now,
  totals: ProgressTotals = {},
): (event: ProgressEvent) => void {
  const started = now();
  let base: { phase: string; at: number; done: number } | undefined;
  const verifying = new Set<string>();
  const share = (phase: string, done: number, total: number, unit: string, t: number) => {
    if (base?.phase !== phase) base = { phase, at: t, done };
    const pct = Math.floor((100 * done) / total);
    const doneSince = done - base.done;
    const left = total - done;
    const eta = doneSince > 0 && left > 0 ? `, about ${formatElapsed(((t - base.at) / doneSince) * left)} left` : "";
    return ` [${done}/${total} ${unit}, ${pct}%${eta}]`;
  };
  return (e) => {
    const t = now();
    let counts = "";
    if (e.chunksDone !== undefined && e.chunksTotal !== undefined && e.chunksTotal > 0) {
      counts = share(e.phase, e.chunksDone, e.chunksTotal, "chunks", t);
    } else if (e.phase === "verify" && e.table !== undefined && totals.verifyTables !== undefined && totals.verifyTables > 0) {
      // The event comes as verify starts on a table: the tables before it are done.
      verifying.add(e.table);
      counts = share(e.phase, Math.min(verifying.size - 1, totals.verifyTables), totals.verifyTables, "tables", t);
    }
    write(`[${label} ${((t - started) / 1000).toFixed(1)}s] ${e.phase}: ${e.message}${counts}\n`);
  };
}
