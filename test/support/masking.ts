/** Helpers for masking tests: fixture databases on the shared MariaDB, table snapshots, the CLI as a child. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { Connection, RowDataPacket } from "mysql2/promise";
import type { ConnectionOptions } from "../../sql/masking";
import { ECOMMERCE_TABLES, createEcommerce } from "../fixtures/ecommerce";
import { sharedMariaDb } from "./sharedMariaDb";

/** The salt every masking test uses unless it tests salts. */
export const TEST_SALT = "test-salt-0123456789";

/** A database of the shared server, with an admin connection for the test's own reads and writes. */
export interface TestDatabase {
  readonly name: string;
  /** URL without the password. */
  readonly url: string;
  readonly password: string;
  /** What the engine takes: URL plus password. */
  readonly connection: ConnectionOptions;
  readonly admin: Connection;
}

/** Creates an empty database. */
export async function emptyDatabase(prefix: string): Promise<TestDatabase> {
  const server = await sharedMariaDb();
  const url = await server.createDatabase(prefix);
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = await server.connect(name);
  return { name, url, password: server.password, connection: { url, password: server.password }, admin };
}

/** Creates a database holding the e-commerce fixture. */
export async function ecommerceDatabase(prefix: string, users = 600): Promise<TestDatabase> {
  const db = await emptyDatabase(prefix);
  await createEcommerce(db.admin, users);
  return db;
}

/** Every row of a table, ordered by all its columns, for exact comparisons. */
export async function tableRows(conn: Connection, table: string): Promise<RowDataPacket[]> {
  const [cols] = await conn.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    [table],
  );
  const order = Array.from({ length: Number(cols[0]?.n ?? 1) }, (_, i) => i + 1).join(", ");
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT * FROM \`${table}\` ORDER BY ${order}`);
  return rows;
}

/** All fixture tables, for comparing two databases. */
export async function snapshot(conn: Connection): Promise<Record<string, RowDataPacket[]>> {
  const out: Record<string, RowDataPacket[]> = {};
  for (const t of ECOMMERCE_TABLES) out[t] = await tableRows(conn, t);
  return out;
}

/** One column's values. */
export async function columnValues(conn: Connection, table: string, column: string): Promise<unknown[]> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT \`${column}\` AS v FROM \`${table}\``);
  return rows.map((r) => r.v);
}

/** A single number from a query. */
export async function count(conn: Connection, sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, params);
  return Number(Object.values(rows[0] ?? {})[0]);
}

const REPO_ROOT = join(__dirname, "..", "..");

/** A running CLI child: its process, and a promise of its exit code and output. */
export interface CliRun {
  readonly child: ChildProcess;
  readonly result: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Output so far. */
  stderr(): string;
}

/**
 * Starts `npm run mask -- <args>` the way a user would (tsx on automation/main.ts), with extra environment. Node
 * runs with tsx as a loader rather than through the tsx binary, so the child is the masker itself: a SIGKILL
 * reaches it, not a wrapper process.
 */
export function cli(args: readonly string[], env: Record<string, string | undefined> = {}): CliRun {
  const merged: Record<string, string | undefined> = { ...process.env, MASKING_SALT: undefined, MYSQL_PWD: undefined, NO_COLOR: "1", ...env };
  const childEnv = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "automation/main.ts"), "mask", ...args], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, result, stderr: () => stderr };
}

/** Waits until `test` holds, polling every 25 ms, or fails after `timeoutMs`. */
export async function waitFor(test: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
