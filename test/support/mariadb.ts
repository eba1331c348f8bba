/**
 * A private, throwaway MariaDB server for tests and benchmarks: temp datadir, loopback only, a free port.
 * Debian's `mariadb-server` package provides the binaries; nothing here touches the system's own server.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";

const execFileAsync = promisify(execFile);

/** A running server. The account has every privilege; its password is separate from the URL, like MYSQL_PWD. */
export interface MariaDb {
  /** `mysql://user@127.0.0.1:port/` without a database and without the password. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Creates a fresh database named `<prefix>_<n>` and returns its URL (without the password). */
  createDatabase(prefix: string): Promise<string>;
  /** Opens an admin connection (dateStrings, multipleStatements) to a database, or to none. */
  connect(database?: string): Promise<mysql.Connection>;
  /** Kills the server and removes its temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Server tuning. Defaults suit tests: small buffers, relaxed flushing. */
export interface MariaDbOptions {
  /** InnoDB buffer pool in MiB. Default 64. */
  readonly bufferPoolMb?: number;
  /** InnoDB redo log size in MiB. Default 48. */
  readonly logFileMb?: number;
  /** innodb_flush_log_at_trx_commit. Default 2 (no fsync per commit); benchmarks pass 1, the server default. */
  readonly flushLogAtTrxCommit?: 0 | 1 | 2;
  /** How long to wait for the server to accept connections, in ms. Default 30000. */
  readonly startTimeoutMs?: number;
}

const USER = "dp_test";
const PASSWORD = "dp-test-password";

function findBinary(names: readonly string[], dirs: readonly string[]): string | undefined {
  for (const dir of dirs) for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

function binaries(): { server: string; installDb: string } {
  const dirs = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", ...(process.env.PATH ?? "").split(":")];
  const server = findBinary(["mariadbd"], dirs);
  const installDb = findBinary(["mariadb-install-db"], dirs);
  if (!server || !installDb) {
    throw new Error(
      "mariadbd or mariadb-install-db not found: the SQL tests need a local MariaDB. " +
        "Install the Debian package mariadb-server (apt-get install mariadb-server); .ci/run does this.",
    );
  }
  return { server, installDb };
}

/** Asks the kernel for a free loopback port. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no error log)";
  }
}

async function waitForServer(child: ChildProcess, port: number, errLog: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`mariadbd exited with code ${exited} during startup:\n${tail(errLog)}`);
    try {
      const conn = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1000 });
      await conn.end();
      return;
    } catch (err: unknown) {
      if (Date.now() - start > timeoutMs) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`mariadbd did not accept connections within ${timeoutMs} ms (${reason}):\n${tail(errLog)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a private MariaDB on 127.0.0.1 with a temp datadir and a free port. */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDb> {
  const { server, installDb } = binaries();
  const dir = mkdtempSync(join(tmpdir(), "dp-mariadb-"));
  const datadir = join(dir, "data");
  // A private tmpdir: servers started at the same time by other processes name their temp tables after a pid that
  // another pid namespace may reuse, and would otherwise collide in the shared /tmp.
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const errLog = join(dir, "error.log");
  let child: ChildProcess | undefined;
  const killNow = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    // The dying server may still create a file or two: retry instead of leaving the directory behind.
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  };
  // If the test process ends without running teardown (an uncaught error, `timeout`'s SIGTERM), the server must
  // not outlive it. SIGTERM is re-raised once the server is gone, so the process still ends the default way.
  const onSigterm = (): void => {
    killNow();
    process.kill(process.pid, "SIGTERM");
  };
  process.once("exit", killNow);
  process.once("SIGTERM", onSigterm);
  const forget = (): void => {
    process.removeListener("exit", killNow);
    process.removeListener("SIGTERM", onSigterm);
  };
  try {
    await execFileAsync(installDb, [
      "--no-defaults",
      `--datadir=${datadir}`,
      `--tmpdir=${tmp}`,
      "--auth-root-authentication-method=normal",
      "--user=root",
      "--skip-test-db",
    ]);
    const port = await freePort();
    child = spawn(
      server,
      [
        "--no-defaults",
        `--datadir=${datadir}`,
        `--tmpdir=${tmp}`,
        `--socket=${join(dir, "mariadb.sock")}`,
        `--pid-file=${join(dir, "mariadb.pid")}`,
        `--log-error=${errLog}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        "--skip-networking=0",
        "--user=root",
        "--skip-log-bin",
        "--skip-name-resolve",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
        `--innodb-buffer-pool-size=${options.bufferPoolMb ?? 64}M`,
        `--innodb-log-file-size=${options.logFileMb ?? 48}M`,
        `--innodb-flush-log-at-trx-commit=${options.flushLogAtTrxCommit ?? 2}`,
        "--max-connections=200",
        "--performance-schema=OFF",
      ],
      { stdio: "ignore" },
    );
    await waitForServer(child, port, errLog, options.startTimeoutMs ?? 30_000);
    const root = await mysql.createConnection({ host: "127.0.0.1", port, user: "root" });
    await root.query(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await root.query(`GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'%' WITH GRANT OPTION`);
    await root.end();
    let counter = 0;
    const connect = (database?: string) =>
      mysql.createConnection({
        host: "127.0.0.1",
        port,
        user: USER,
        password: PASSWORD,
        database,
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        multipleStatements: true,
      });
    return {
      url: `mysql://${USER}@127.0.0.1:${port}/`,
      host: "127.0.0.1",
      port,
      user: USER,
      password: PASSWORD,
      connect,
      async createDatabase(prefix: string) {
        counter += 1;
        const name = `${prefix}_${counter}`;
        const conn = await connect();
        try {
          await conn.query(`CREATE DATABASE \`${name.replace(/`/g, "``")}\``);
        } finally {
          await conn.end();
        }
        return `mysql://${USER}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
      },
      async stop() {
        // The data is disposable, so there is nothing to flush: kill, wait for the exit, remove the directory.
        const proc = child;
        if (proc && proc.exitCode === null && proc.signalCode === null) {
          await new Promise<void>((resolve) => {
            proc.once("exit", () => resolve());
            proc.kill("SIGKILL");
          });
        }
        forget();
        rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      },
    };
  } catch (err: unknown) {
    killNow();
    forget();
    throw err;
  }
}
