/**
 * `npm run bench:lambda`: per function, the zipped bundle size and the cold-init time of requiring the bundle in a
 * fresh Node process (median of several runs). Targets: < 1 MB zipped, < 150 ms init.
 *
 * Each run unpacks index.js into an empty directory (no node_modules to fall back on), starts a new `node`, and
 * times `require("./index.js")` inside it with process.hrtime: module evaluation of the whole bundle, SDK clients
 * constructed at module scope included. No network call happens at init.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import { buildLambda } from "../infra/compute/lambdaBundle";
import { BENCH_DEFINE, BENCH_ENV } from "./lambdaEnv";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const ZIP_TARGET = 1024 * 1024;
const INIT_TARGET_MS = 150;

/** index.js out of one of our zips (first entry; see lambdaBundle.ts for the layout). */
function indexJs(zip: Buffer): Buffer {
  const size = zip.readUInt32LE(18);
  const start = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28);
  return inflateRawSync(zip.subarray(start, start + size));
}

function initMs(dir: string, env: Readonly<Record<string, string>>): number {
  const script = 'const t=process.hrtime.bigint();require("./index.js");process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  const r = spawnSync(process.execPath, ["-e", script], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH, AWS_REGION: "ap-northeast-1", POWERTOOLS_LOG_LEVEL: "SILENT", ...env },
  });
  if (r.status !== 0) throw new Error(`requiring the bundle failed: ${r.stderr}`);
  return Number(r.stdout);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main(): number {
  const rows: string[] = [];
  let ok = true;
  for (const name of Object.keys(BENCH_ENV)) {
    const b = buildLambda(name, { fresh: true, define: BENCH_DEFINE[name] });
    const dir = mkdtempSync(path.join(tmpdir(), `bench-${name}-`));
    try {
      writeFileSync(path.join(dir, "index.js"), indexJs(b.zip));
      initMs(dir, BENCH_ENV[name]); // warm the OS file cache once; not counted
      const times = Array.from({ length: RUNS }, () => initMs(dir, BENCH_ENV[name]));
      const m = median(times);
      const zipOk = b.zip.length < ZIP_TARGET;
      const initOk = m < INIT_TARGET_MS;
      ok &&= zipOk && initOk;
      rows.push(
        `${name.padEnd(16)} zip ${(b.zip.length / 1024).toFixed(1).padStart(7)} KiB ${zipOk ? "ok " : "OVER"}  ` +
          `(index.js ${(b.bundleBytes / 1024).toFixed(0)} KiB, map ${(b.sourceMapBytes / 1024).toFixed(0)} KiB)  ` +
          `init median ${m.toFixed(1).padStart(6)} ms ${initOk ? "ok " : "OVER"}  ` +
          `(min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, ${RUNS} runs)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`Lambda bundles (node ${process.version}, ${process.arch}; targets: zip < 1 MiB, init < ${INIT_TARGET_MS} ms)\n${rows.join("\n")}\n`);
  return ok ? 0 : 1;
}

process.exitCode = main();
