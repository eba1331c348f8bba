/**
 * `npm run bench:mask [-- --url mysql://user@host:port/ --rows N --concurrency N --chunk-size N]`
 *
 * Masks a generated users table (email UNIQUE, username, phone, birthday) three ways, each on its own copy of the
 * same rows, and prints rows/s:
 *   floor   one bare UPDATE of the four columns with exactly the engine's expressions: no chunks, no bookkeeping
 *   seed    seed 000's way: one `UPDATE … SET c = replace(c, c, concat('dummy_mask_', id))` per column
 *   engine  `run` in a child process (chunks, parallel connections, fingerprint, then verify), with its peak RSS
 * Each variant starts on a quiet server (InnoDB purge caught up), and is timed twice: until its statements return,
 * and until InnoDB has purged what they left behind; a single huge UPDATE defers all its purge work past its own
 * end, while chunks pay theirs as they go.
 * Without --url it starts a private MariaDB with the test harness (1 GiB buffer pool, fsync at every commit).
 * With --url the account needs CREATE and DROP: it works in databases named dpbench_*, dropped at the end.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import mysql, { type Connection, type RowDataPacket } from "mysql2/promise";
import { introspect } from "../sql/masking/schema";
import { buildPlan } from "../sql/masking/plan";
import { chunkUpdate } from "../sql/masking/chunks";
import { parseRules } from "../sql/masking";
import { deriveKeys, prepareSession } from "../sql/masking/session";
import { type MariaDb, startMariaDb } from "../test/support/mariadb";

const SALT = "bench-salt-not-a-secret-0123456789";
const RULES = "tables:\n  users:\n    email: email\n    username: username\n    phone: phone\n    birthday: date_year\n";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

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

async function copy(conn: Connection, db: string): Promise<void> {
  await conn.query(`CREATE DATABASE ${db}`);
  await conn.query(`CREATE TABLE ${db}.users LIKE dpbench_src.users`);
  await conn.query(`INSERT INTO ${db}.users SELECT * FROM dpbench_src.users`);
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

async function masker(url: string, password: string | undefined, env: Record<string, string | undefined>): Promise<MaskerResult> {
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "maskWorker.ts")], {
    env: { ...process.env, BENCH_URL: url, MYSQL_PWD: password, MASKING_SALT: SALT, BENCH_RULES: RULES, ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`masker exited with ${code}`);
  return JSON.parse(out) as MaskerResult;
}

async function main(): Promise<void> {
  const rows = Number(arg("rows") ?? 1_000_000);
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
  try {
    for (const db of ["dpbench_src", "dpbench_floor", "dpbench_seed", "dpbench_engine"]) await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    await conn.query("CREATE DATABASE dpbench_src");
    await timed(`generate ${rows} rows`, () => generate(conn, rows));

    await copy(conn, "dpbench_floor");
    const keys = deriveKeys(SALT);
    await conn.query("USE dpbench_floor");
    await prepareSession(conn, keys, true);
    const plan = buildPlan(parseRules(RULES, "bench"), await introspect(conn, "dpbench_floor"));
    const tp = plan.tables[0];
    if (!tp) throw new Error("bench plan is empty");
    const floor = chunkUpdate(tp, { lo: null, hi: null });
    const floorMs = await timed("floor: one UPDATE of four columns", () => conn.query(floor.sql, floor.params));
    const floorPurged = floorMs + (await settle(conn));

    await copy(conn, "dpbench_seed");
    await conn.query("USE dpbench_seed");
    const seedMs = await timed("seed style: one UPDATE per column", async () => {
      for (const c of ["email", "username", "phone"]) await conn.query(`UPDATE users SET ${c} = replace(${c}, ${c}, concat('dummy_mask_', id))`);
      await conn.query("UPDATE users SET birthday = replace(birthday, birthday, concat('1970-01-', LPAD(1 + id % 28, 2, '0')))");
    });
    const seedPurged = seedMs + (await settle(conn));

    await copy(conn, "dpbench_engine");
    const env = { BENCH_CONCURRENCY: arg("concurrency"), BENCH_CHUNK_SIZE: arg("chunk-size") };
    const engine = await masker(dbUrl("dpbench_engine"), password, env);
    const enginePurged = engine.ms + (await settle(conn));
    if (!engine.complete || !engine.verifyOk) throw new Error(`engine run incomplete or unverified: ${JSON.stringify(engine.failed)}`);
    const maskingMs = engine.timings.planMs + engine.timings.fingerprintMs + engine.timings.maskMs;
    const t = engine.timings;
    log(`engine: ${(engine.ms / 1000).toFixed(2)} s (plan ${t.planMs} ms, fingerprint ${t.fingerprintMs} ms, chunks ${t.maskMs} ms, verify ${t.verifyMs} ms)`);

    const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);
    const rate = (ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString("en-US")} rows/s`.padStart(15);
    const row = (label: string, ms: number, purged?: number) =>
      `${label.padEnd(44)}${sec(ms)} ${rate(ms)}${purged === undefined ? "" : `   ${sec(purged)} ${rate(purged)}`}`;
    const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    const lines = [
      `rows: ${rows.toLocaleString("en-US")} (users: id, email UNIQUE, username, phone, birthday)`,
      `${"".padEnd(44)}${"statements".padEnd(27)}until purged`,
      row("floor   1 UPDATE, the engine's expressions", floorMs, floorPurged),
      row("seed    4 UPDATEs, replace()/concat()", seedMs, seedPurged),
      row("engine  masking: plan, fingerprint, chunks", maskingMs),
      row(`engine  run() incl. verify (${(engine.timings.verifyMs / 1000).toFixed(2)} s)`, engine.ms, enginePurged),
      `engine: ${engine.chunks} chunks on ${engine.concurrency} connections`,
      `engine / floor: masking ${x(maskingMs, floorMs)}, run() ${x(engine.ms, floorMs)}, until purged ${x(enginePurged, floorPurged)}  (target <= 1.5x)`,
      `seed / engine:  masking ${x(seedMs, maskingMs)}, run() ${x(seedMs, engine.ms)}, until purged ${x(seedPurged, enginePurged)}  (target >= 3x)`,
      `masker peak RSS: ${(engine.maxRssKb / 1024).toFixed(0)} MB  (target < 200 MB)`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    for (const db of ["dpbench_src", "dpbench_floor", "dpbench_seed", "dpbench_engine"]) await conn.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await conn.end();
    await server?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
