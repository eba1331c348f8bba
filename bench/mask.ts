/**
 * `npm run bench:mask [-- --rows 1000000,3000000 --url mysql://user@host:port/ --concurrency N --chunk-size N]`
 *
 * Masks a generated users table (id, email UNIQUE, username, phone, birthday) at each size, two ways, each on its own
 * copy of the same rows, and prints the ratio:
 *   floor   one bare UPDATE of the four columns with cheap constant-width values (LPAD of the id): no hashing, no
 *           chunks, no bookkeeping, and values that arrive in key order in the unique index
 *   engine  `run` in a child process (coverage, plan-time checks, chunks, fingerprint, then verify), with its peak RSS
 * The floor runs before and after the engine, and the ratios use their mean.
 * Each variant starts on a quiet server (InnoDB purge caught up) and is timed until its statements return, and
 * again until InnoDB has purged what they left behind, with the machine's load average meanwhile (on a shared
 * machine a figure means little without it). Then the time per row at the largest size against the smallest
 * (linearity). The default sizes take minutes; `--rows 100000` is a quick look.
 * Without --url it starts a private MariaDB with the test harness (1 GiB buffer pool, fsync at every commit).
 * With --url the account needs CREATE and DROP: it works in databases named dpbench_*, dropped at the end.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import mysql, { type Connection, type RowDataPacket } from "mysql2/promise";
import { type MariaDb, startMariaDb } from "../test/support/mariadb";

const SALT = "bench-salt-not-a-secret-0123456789";
const RULES = "tables:\n  users:\n    email: email\n    username: username\n    phone: phone\n    birthday: date_year\n";
/** The floor: the same four columns, constant-width values as wide as the engine's, no hashing. */
const FLOOR = `UPDATE users SET email = CONCAT(LPAD(id, 16, '0'), '@example.com'), username = CONCAT('user_', LPAD(id, 16, '0')),
  phone = IF(phone IS NULL, NULL, LPAD(id, 15, '0')), birthday = IF(birthday IS NULL, NULL, '2000-01-01')`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

/** The machine's 1-minute load average now: the figures of a shared machine mean little without it. */
const load = () => loadavg()[0] ?? 0;

/** Load averages sampled every 5 s while a measurement runs, and their mean. */
class LoadMeter {
  private readonly samples: number[] = [load()];
  private readonly timer = setInterval(() => this.samples.push(load()), 5000);
  stop(): { mean: number; max: number } {
    clearInterval(this.timer);
    this.samples.push(load());
    return { mean: this.samples.reduce((a, b) => a + b, 0) / this.samples.length, max: Math.max(...this.samples) };
  }
}

async function timed(what: string, fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  log(`${what}: ${(ms / 1000).toFixed(2)} s`);
  return ms;
}

/** 10^k rows from cross joins of a digits table: one set-based statement, no round trip per row. */
async function generate(conn: Connection, rows: number): Promise<void> {
  const digits = Math.ceil(Math.log10(rows));
  await conn.query("CREATE TABLE dpbench_src.d (d TINYINT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB");
  await conn.query("INSERT INTO dpbench_src.d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)");
  const joins = Array.from({ length: digits }, (_, i) => `dpbench_src.d d${i}`).join(" CROSS JOIN ");
  const n = Array.from({ length: digits }, (_, i) => `d${i}.d * ${10 ** i}`).join(" + ");
  await conn.query(`CREATE TABLE dpbench_src.users (
      id INT UNSIGNED NOT NULL PRIMARY KEY, email VARCHAR(191) NOT NULL, username VARCHAR(64) NOT NULL,
      phone VARCHAR(32) NULL, birthday DATE NULL, UNIQUE KEY uq_users_email (email)) ENGINE=InnoDB`);
  await conn.query(`INSERT INTO dpbench_src.users (id, email, username, phone, birthday)
      SELECT n, CONCAT('person', n, '@shopper-mail.test'), CONCAT('person_', n),
             IF(n % 10 = 0, NULL, CONCAT('+1-555-', LPAD(n, 7, '0'))), DATE_ADD('1950-01-01', INTERVAL n % 20000 DAY)
        FROM (SELECT 1 + ${n} AS n FROM ${joins}) s WHERE n <= ${rows}`);
}

/** Waits until InnoDB has purged every committed change (history list empty); returns the ms waited. */
async function settle(conn: Connection): Promise<number> {
  const start = performance.now();
  for (;;) {
    const [rows] = await conn.query<RowDataPacket[]>("SELECT COUNT AS n FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'");
    if (Number(rows[0]?.n ?? 0) === 0 || performance.now() - start > 300_000) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function copy(conn: Connection, db: string, rows: number): Promise<void> {
  await conn.query(`DROP DATABASE IF EXISTS ${db}`);
  await conn.query(`CREATE DATABASE ${db}`);
  await conn.query(`CREATE TABLE ${db}.users LIKE dpbench_src.users`);
  await conn.query(`INSERT INTO ${db}.users SELECT * FROM dpbench_src.users WHERE id <= ${rows}`);
  await settle(conn);
}

interface MaskerResult {
  ms: number;
  complete: boolean;
  verifyOk: boolean;
  failed: unknown[];
  concurrency: number;
  chunks: number;
  timings: { planMs: number; fingerprintMs: number; maskMs: number; verifyMs: number };
  maxRssKb: number;
}

/**
 * The masker bundled into one file and run by plain node, as the golden's Lambda bundle runs the engine: its peak
 * RSS is then the engine's and its driver's, not the TypeScript loader's.
 */
function bundleMasker(dir: string): string {
  const outfile = join(dir, "masker.js");
  buildSync({ entryPoints: [join(__dirname, "maskWorker.ts")], outfile, bundle: true, platform: "node", target: "node22", format: "cjs", logLevel: "silent" });
  return outfile;
}

async function masker(script: string, url: string, password: string | undefined, env: Record<string, string | undefined>): Promise<MaskerResult> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, BENCH_URL: url, MYSQL_PWD: password, MASKING_SALT: SALT, BENCH_RULES: RULES, ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`masker exited with ${code}`);
  return JSON.parse(out) as MaskerResult;
}

interface Load {
  mean: number;
  max: number;
}

/** One floor measurement on a fresh copy. */
interface FloorRun {
  ms: number;
  purgedMs: number;
  load: Load;
}

interface SizeResult {
  rows: number;
  /** The floor measured before and after the engine, so that load that changes meanwhile shows (and averages out). */
  floors: [FloorRun, FloorRun];
  engineLoad: Load;
  /** Means of the two floors. */
  floorMs: number;
  floorPurgedMs: number;
  maskingMs: number;
  engine: MaskerResult;
  enginePurgedMs: number;
}

async function floor(conn: Connection, rows: number, when: string): Promise<FloorRun> {
  await copy(conn, "dpbench_floor", rows);
  await conn.query("USE dpbench_floor");
  const meter = new LoadMeter();
  const ms = await timed(`${rows} rows, floor ${when}: one UPDATE of four columns`, () => conn.query(FLOOR));
  const purgedMs = ms + (await settle(conn));
  const load = meter.stop();
  await conn.query("USE dpbench_src");
  await conn.query("DROP DATABASE dpbench_floor");
  return { ms, purgedMs, load };
}

async function measure(conn: Connection, rows: number, script: string, dbUrl: (db: string) => string, password: string | undefined): Promise<SizeResult> {
  const before = await floor(conn, rows, "before the engine");

  await copy(conn, "dpbench_engine", rows);
  const engineMeter = new LoadMeter();
  const engine = await masker(script, dbUrl("dpbench_engine"), password, { BENCH_CONCURRENCY: arg("concurrency"), BENCH_CHUNK_SIZE: arg("chunk-size") });
  const enginePurgedMs = engine.ms + (await settle(conn));
  const engineLoad = engineMeter.stop();
  if (!engine.complete || !engine.verifyOk) throw new Error(`engine run incomplete or unverified: ${JSON.stringify(engine.failed)}`);
  const t = engine.timings;
  log(`${rows} rows, engine: ${(engine.ms / 1000).toFixed(2)} s (plan ${t.planMs} ms, fingerprint ${t.fingerprintMs} ms, chunks ${t.maskMs} ms, verify ${t.verifyMs} ms)`);
  await conn.query("DROP DATABASE dpbench_engine");
  const after = await floor(conn, rows, "after the engine");
  const floorMs = (before.ms + after.ms) / 2;
  const floorPurgedMs = (before.purgedMs + after.purgedMs) / 2;
  return { rows, floors: [before, after], engineLoad, floorMs, floorPurgedMs, maskingMs: engine.ms - t.verifyMs, engine, enginePurgedMs };
}

async function main(): Promise<void> {
  const sizes = (arg("rows") ?? "1000000,3000000").split(",").map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 10)) throw new Error("--rows takes sizes like 1000000,3000000");
  let server: MariaDb | undefined;
  let base = arg("url");
  let password = process.env.MYSQL_PWD;
  if (!base) {
    log("starting a private MariaDB (test harness)");
    server = await startMariaDb({ bufferPoolMb: 1024, logFileMb: 512, flushLogAtTrxCommit: 1 });
    base = server.url;
    password = server.password;
  }
  const u = new URL(base);
  const conn = await mysql.createConnection({
    host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: u.password ? decodeURIComponent(u.password) : password,
  });
  const dbUrl = (db: string) => `${u.protocol}//${u.username ? `${u.username}${u.password ? `:${u.password}` : ""}@` : ""}${u.host}/${db}`;
  const dbs = ["dpbench_src", "dpbench_floor", "dpbench_engine"];
  const buildDir = mkdtempSync(join(tmpdir(), "dpbench-"));
  const script = bundleMasker(buildDir);
  try {
    for (const db of dbs) await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    await conn.query("CREATE DATABASE dpbench_src");
    await timed(`generate ${Math.max(...sizes)} rows`, () => generate(conn, Math.max(...sizes)));
    const results: SizeResult[] = [];
    for (const rows of sizes) results.push(await measure(conn, rows, script, dbUrl, password));

    const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(10);
    const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    const us = (ms: number, rows: number) => `${((ms * 1000) / rows).toFixed(1)} us/row`;
    const label = (text: string) => text.padEnd(44);
    const loadOf = (l: Load) => `load avg ${l.mean.toFixed(1)} (max ${l.max.toFixed(1)})`;
    const lines = [
      "users: id, email UNIQUE, username, phone, birthday; masked with email, username, phone, date_year",
      `machine: ${cpus().length} CPUs; load avg = the 1-minute load average sampled every 5 s during each measurement`,
    ];
    for (const r of results) {
      const t = r.engine.timings;
      lines.push(
        `rows ${r.rows.toLocaleString("en-US")}:`,
        ...r.floors.map(
          (f, i) => `${label(`  floor   1 UPDATE, ${i === 0 ? "before" : "after"} the engine`)}${sec(f.ms)}   ${us(f.ms, r.rows)}   until purged ${sec(f.purgedMs)}   ${loadOf(f.load)}`,
        ),
        `${label("  floor   mean of the two")}${sec(r.floorMs)}   ${us(r.floorMs, r.rows)}   until purged ${sec(r.floorPurgedMs)}`,
        `${label("  engine  masking (all but verify)")}${sec(r.maskingMs)}   ${us(r.maskingMs, r.rows)}   (plan ${t.planMs} ms, fingerprint ${t.fingerprintMs} ms, chunks and index rebuild ${t.maskMs} ms; ${r.engine.chunks} chunks on ${r.engine.concurrency} connections)`,
        `${label("  engine  run() incl. verify")}${sec(r.engine.ms)}   ${us(r.engine.ms, r.rows)}   until purged ${sec(r.enginePurgedMs)}   (verify ${t.verifyMs} ms)   ${loadOf(r.engineLoad)}`,
        `  engine / floor: masking ${x(r.maskingMs, r.floorMs)}, run() ${x(r.engine.ms, r.floorMs)}, until purged ${x(r.enginePurgedMs, r.floorPurgedMs)}  (target <= 1.5x)`,
        `  masker peak RSS: ${(r.engine.maxRssKb / 1024).toFixed(0)} MB  (target < 150 MB)`,
      );
    }
    const first = results[0];
    const last = results[results.length - 1];
    if (first && last && last !== first) {
      const perRow = (ms: number, r: SizeResult) => ms / r.rows;
      lines.push(
        `linearity ${last.rows.toLocaleString("en-US")} vs ${first.rows.toLocaleString("en-US")} rows, time per row: engine masking ${x(perRow(last.maskingMs, last), perRow(first.maskingMs, first))}, ` +
          `run() ${x(perRow(last.engine.ms, last), perRow(first.engine.ms, first))}, floor ${x(perRow(last.floorMs, last), perRow(first.floorMs, first))}  (1.00x = linear)`,
      );
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    for (const db of dbs) await conn.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await conn.end();
    await server?.stop();
    rmSync(buildDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
