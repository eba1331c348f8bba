/**
 * Progress lines on stderr for long work: elapsed time, the phase, the engine's message, and where the engine
 * reports counts (chunks done of total), the share done and an estimate of the time left, from the rate since the
 * phase's first counted event.
 */
import type { ProgressEvent } from "../sql/masking";
import { formatElapsed } from "./qa/progress";

/**
 * A progress callback that writes one line per event: `[mask 12.3s] mask: users: chunk 5 done (40 rows) [5/20
 * chunks, 25%, about 36s left]`. `now` is injectable for tests.
 */
export function progressLine(label: string, write: (text: string) => void, now: () => number = Date.now): (event: ProgressEvent) => void {
  const started = now();
  let base: { phase: string; at: number; done: number } | undefined;
  return (e) => {
    const t = now();
    let counts = "";
    if (e.chunksDone !== undefined && e.chunksTotal !== undefined && e.chunksTotal > 0) {
      if (base?.phase !== e.phase) base = { phase: e.phase, at: t, done: e.chunksDone };
      const pct = Math.floor((100 * e.chunksDone) / e.chunksTotal);
      const doneSince = e.chunksDone - base.done;
      const left = e.chunksTotal - e.chunksDone;
      const eta = doneSince > 0 && left > 0 ? `, about ${formatElapsed(((t - base.at) / doneSince) * left)} left` : "";
      counts = ` [${e.chunksDone}/${e.chunksTotal} chunks, ${pct}%${eta}]`;
    }
    write(`[${label} ${((t - started) / 1000).toFixed(1)}s] ${e.phase}: ${e.message}${counts}\n`);
  };
}
