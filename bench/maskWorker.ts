/**
 * The masker process of bench/mask.ts: runs the engine once and prints one JSON line with its report and its own
 * peak RSS. Inputs come from the environment (BENCH_URL, MYSQL_PWD, MASKING_SALT, BENCH_RULES,
 * BENCH_CONCURRENCY, BENCH_CHUNK_SIZE) so that nothing secret appears on a command line.
 */
import { parseRules, run } from "../sql/masking";

async function main(): Promise<void> {
  const env = process.env;
  const started = performance.now();
  const report = await run({
    connection: { url: env.BENCH_URL ?? "", password: env.MYSQL_PWD },
    rules: parseRules(env.BENCH_RULES ?? "", "bench rules"),
    salt: env.MASKING_SALT,
    concurrency: env.BENCH_CONCURRENCY ? Number(env.BENCH_CONCURRENCY) : undefined,
    chunkSize: env.BENCH_CHUNK_SIZE ? Number(env.BENCH_CHUNK_SIZE) : undefined,
    // Every step but the per-chunk lines, with its start time: where a phase spends its time.
    onProgress: (e) => {
      if (e.phase !== "mask" || e.chunksDone === undefined) process.stderr.write(`[masker] ${(e.elapsedMs / 1000).toFixed(2)} s, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB, ${e.phase}: ${e.message}\n`);
    },
  });
  const ms = performance.now() - started;
  const failed = report.verify?.checks.filter((c) => !c.ok) ?? [];
  process.stdout.write(
    `${JSON.stringify({
      ms,
      complete: report.complete,
      verifyOk: report.verify?.ok ?? false,
      failed,
      concurrency: report.concurrency,
      chunks: report.tables.reduce((n, t) => n + t.chunks, 0),
      timings: report.timings,
      maxRssKb: process.resourceUsage().maxRSS,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`masker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
