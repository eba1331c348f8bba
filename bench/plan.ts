/**
 * `npm run bench:plan`: how long the platform program takes to evaluate offline (under Pulumi's mocks, in this one
 * process) with BigQuery enabled for 10, 100 and 300 tables. Each size runs RUNS times after one warm-up run that
 * loads the modules (@pulumi/aws, @pulumi/gcp), and the median is reported: wall-clock time (the target), and the
 * process's CPU time beside it, which other load on a shared machine inflates less. Target: < 3 s wall at 300
 * tables, and roughly linear growth.
 */
import { performance } from "node:perf_hooks";
import { resolveOutputs, runUnderMocks } from "../automation/plan/mockRuntime";
import { readStackConfig } from "../automation/stackFiles";
import { PROJECT } from "../contracts/naming";

const SIZES = [10, 100, 300];
const RUNS = 5;
const TARGET_MS_AT_300 = 3_000;

/** stg's config with one database of `n` tables, all exported and all loaded into BigQuery. */
function configWith(n: number): Record<string, string> {
  const config = { ...readStackConfig("stg", process.cwd()).config };
  delete config["data-platform:exportOnly"];
  const tables = Array.from({ length: n }, (_, i) => `table_${String(i + 1).padStart(3, "0")}`);
  config["data-platform:bigquery"] = JSON.stringify({
    project: "shop-analytics-stg",
    location: "asia-northeast1",
    datasetId: "shop_stg",
    schedule: "every day 03:00",
    tables: { shop: tables },
  });
  return config;
}

/** One evaluation: run the program, then resolve its outputs (what `npm run plan` waits for). */
async function evaluate(n: number): Promise<{ ms: number; cpuMs: number; resources: number; transfers: number }> {
  const config = configWith(n);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const run = await runUnderMocks(
    async () => {
      const { default: platform } = await import("../stacks/platform");
      return platform();
    },
    { project: PROJECT, stack: "stg", config },
  );
  await resolveOutputs(run.result);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const transfers = run.resources.filter((r) => r.type === "gcp:bigquery/dataTransferConfig:DataTransferConfig").length;
  if (transfers !== n) throw new Error(`expected ${n} transfers, the program registered ${transfers}`);
  return { ms, cpuMs, resources: run.resources.filter((r) => r.custom).length, transfers };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
  console.log(`bench:plan — platform program under mocks, in-process, median of ${RUNS} runs after a warm-up (node ${process.version})`);
  await evaluate(300); // loads the provider SDK modules once, so that the first size does not pay for it, and warms the JIT
  const results: { n: number; ms: number; resources: number }[] = [];
  const s = (ms: number) => (ms / 1000).toFixed(3);
  for (const n of SIZES) {
    const runs: number[] = [];
    const cpus: number[] = [];
    let resources = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await evaluate(n);
      runs.push(r.ms);
      cpus.push(r.cpuMs);
      resources = r.resources;
    }
    const ms = median(runs);
    results.push({ n, ms, resources });
    console.log(
      `${String(n).padStart(4)} tables: ${s(ms)} s wall, ${s(median(cpus))} s CPU  (${resources} resources; wall runs ${runs.map(s).join(", ")} s)`,
    );
  }
  const [small, mid, large] = results;
  const perTable = (a: (typeof results)[number], b: (typeof results)[number]) => (b.ms - a.ms) / (b.n - a.n);
  console.log(
    `marginal cost per table: ${perTable(small, mid).toFixed(2)} ms (10→100), ${perTable(mid, large).toFixed(2)} ms (100→300); ` +
      `ratio of the two: ${(perTable(mid, large) / perTable(small, mid)).toFixed(2)} (1.00 = exactly linear)`,
  );
  console.log(`time ratio 300/100: ${(large.ms / mid.ms).toFixed(2)} for 3× the tables; 300/10: ${(large.ms / small.ms).toFixed(2)} for 30×`);
  const ok = large.ms < TARGET_MS_AT_300;
  console.log(`300 tables: ${(large.ms / 1000).toFixed(3)} s, target < ${TARGET_MS_AT_300 / 1000} s: ${ok ? "met" : "MISSED"}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
