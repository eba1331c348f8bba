/**
 * The engine's durable state, kept in `_masking_*` tables of the masked database itself, so that a run survives
 * SIGKILL and so that verify can run later on its own. Nothing here holds a plaintext value: originals appear only
 * as keyed hashes (HMAC-like, with a key derived from the secret salt), next to primary-key values.
 *
 *   _masking_state         one row: rules digest, salt id, phase (planned → masking → complete), survivor mode
 *   _masking_chunks        the chunk plan: key range per chunk, and `done`, set in the chunk's own transaction
 *   _masking_tables        row counts before masking
 *   _masking_fingerprints  keyed hashes of sampled original values
 *   _masking_indexes       secondary indexes dropped for masking, with the statement that rebuilds each (indexes.ts)
 *   _masking_samples       per sampled row and column, the keyed hash of the value masking must produce, and of
 *                          the original where the strategy promises never to return it
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { BOOKKEEPING_PREFIX, quoteIdent } from "./ident";
import type { KeyTuple } from "./keys";

/** Bookkeeping table names. */
export const T = {
  state: `${BOOKKEEPING_PREFIX}state`,
  chunks: `${BOOKKEEPING_PREFIX}chunks`,
  tables: `${BOOKKEEPING_PREFIX}tables`,
  fingerprints: `${BOOKKEEPING_PREFIX}fingerprints`,
  samples: `${BOOKKEEPING_PREFIX}samples`,
  indexes: `${BOOKKEEPING_PREFIX}indexes`,
} as const;

/**
 * What `reset` leaves behind when it drops the rest: one row per table a verified run masked, with the rules
 * digest and the time, and no value. A later run refuses those tables, so a database whose bookkeeping was reset
 * is never masked twice, whatever the strategies (word lists and dates give no masked-looking shape to detect).
 */
export const DONE_TABLE = `${BOOKKEEPING_PREFIX}done`;

/** Records the tables of a verified run in DONE_TABLE (created if missing). */
export async function recordDone(conn: Connection, tables: readonly string[], rulesDigest: string): Promise<void> {
  await conn.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(DONE_TABLE)} (
     table_name ${NAME} PRIMARY KEY, rules_digest CHAR(64) NOT NULL, masked_at DATETIME(3) NOT NULL) ENGINE=InnoDB`);
  if (tables.length === 0) return;
  await conn.query(
    `INSERT INTO ${quoteIdent(DONE_TABLE)} (table_name, rules_digest, masked_at) VALUES ${tables.map(() => "(?, ?, CURRENT_TIMESTAMP(3))").join(", ")}
       ON DUPLICATE KEY UPDATE rules_digest = VALUES(rules_digest), masked_at = VALUES(masked_at)`,
    tables.flatMap((t) => [t, rulesDigest]),
  );
}

/** Tables DONE_TABLE records as masked, with when (empty when there is no such table). */
export async function doneTables(conn: Connection, database: string): Promise<Map<string, string>> {
  const [exists] = await conn.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
    [database, DONE_TABLE],
  );
  if (Number(exists[0]?.n ?? 0) === 0) return new Map();
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT table_name, masked_at FROM ${quoteIdent(DONE_TABLE)}`);
  return new Map(rows.map((r) => [String(r.table_name), String(r.masked_at)]));
}

/** Where a run stands. */
export type Phase = "planned" | "masking" | "complete";

/** The `_masking_state` row. */
export interface RunState {
  readonly rulesDigest: string;
  readonly keyId: string;
  readonly phase: Phase;
  /**
   * Some fingerprinted original already has the shape of a hash-derived strategy, so verify must look for
   * survivors among well-shaped values too (fingerprint.ts explains). True until the fingerprint says otherwise.
   */
  readonly fullSurvivorScan: boolean;
}

/** One chunk of the plan. `lo`/`hi` are key bounds (lo inclusive, hi exclusive); null is open. */
export interface Chunk {
  readonly table: string;
  readonly chunkNo: number;
  readonly lo: KeyTuple | null;
  readonly hi: KeyTuple | null;
}

const NAME = "VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL";

const DDL = [
  `CREATE TABLE IF NOT EXISTS ${quoteIdent(T.state)} (
     id TINYINT UNSIGNED NOT NULL PRIMARY KEY, rules_digest CHAR(64) NOT NULL, key_id CHAR(64) NOT NULL,
     phase VARCHAR(16) NOT NULL, full_survivor_scan TINYINT NOT NULL DEFAULT 1,
     started_at DATETIME(3) NOT NULL, finished_at DATETIME(3) NULL) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ${quoteIdent(T.chunks)} (
     table_name ${NAME}, chunk_no INT UNSIGNED NOT NULL, lo_key TEXT NULL, hi_key TEXT NULL,
     done TINYINT NOT NULL DEFAULT 0, rows_changed BIGINT UNSIGNED NULL, finished_at DATETIME(3) NULL,
     PRIMARY KEY (table_name, chunk_no)) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ${quoteIdent(T.tables)} (
     table_name ${NAME} PRIMARY KEY, rows_before BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ${quoteIdent(T.fingerprints)} (h BINARY(32) NOT NULL PRIMARY KEY) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ${quoteIdent(T.samples)} (
     table_name ${NAME}, column_name ${NAME}, sample_no INT UNSIGNED NOT NULL, row_key TEXT NOT NULL,
     expected BINARY(32) NOT NULL, original BINARY(32) NULL, PRIMARY KEY (table_name, column_name, sample_no)) ENGINE=InnoDB`,
];

/** Creates the bookkeeping tables if they are missing. */
export async function ensureBookkeeping(conn: Connection): Promise<void> {
  for (const ddl of DDL) await conn.query(ddl);
}

/** Which bookkeeping tables exist (verify may run on a database that was never masked). */
export async function existingBookkeeping(conn: Connection, database: string): Promise<Set<string>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${Object.values(T).map(() => "?").join(", ")})`,
    [database, ...Object.values(T)],
  );
  return new Set(rows.map((r) => String(r.t)));
}

/** The state row, or null before the first plan was committed. */
export async function readState(conn: Connection): Promise<RunState | null> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT rules_digest, key_id, phase, full_survivor_scan FROM ${quoteIdent(T.state)} WHERE id = 1`);
  const r = rows[0];
  if (!r) return null;
  return { rulesDigest: String(r.rules_digest), keyId: String(r.key_id), phase: String(r.phase) as Phase, fullSurvivorScan: Number(r.full_survivor_scan) !== 0 };
}

/** Records whether verify needs the full survivor scan. */
export async function setSurvivorScan(conn: Connection, full: boolean): Promise<void> {
  await conn.query(`UPDATE ${quoteIdent(T.state)} SET full_survivor_scan = ? WHERE id = 1`, [full ? 1 : 0]);
}

/** Moves the run to another phase. */
export async function setPhase(conn: Connection, phase: Phase): Promise<void> {
  const finished = phase === "complete" ? "CURRENT_TIMESTAMP(3)" : "NULL";
  await conn.query(`UPDATE ${quoteIdent(T.state)} SET phase = ?, finished_at = ${finished} WHERE id = 1`, [phase]);
}

/** Commits the plan in one transaction: state row, chunks and row counts appear together or not at all. */
export async function commitPlan(
  conn: Connection,
  state: Pick<RunState, "rulesDigest" | "keyId">,
  chunks: readonly Chunk[],
  rowCounts: ReadonlyMap<string, number>,
): Promise<void> {
  await conn.beginTransaction();
  try {
    // Leftovers can only come from a plan that never committed its state row; clear them.
    for (const table of [T.chunks, T.tables, T.fingerprints, T.samples]) await conn.query(`DELETE FROM ${quoteIdent(table)}`);
    for (let i = 0; i < chunks.length; i += 500) {
      const batch = chunks.slice(i, i + 500);
      await conn.query(
        `INSERT INTO ${quoteIdent(T.chunks)} (table_name, chunk_no, lo_key, hi_key) VALUES ${batch.map(() => "(?, ?, ?, ?)").join(", ")}`,
        batch.flatMap((c) => [c.table, c.chunkNo, c.lo && JSON.stringify(c.lo), c.hi && JSON.stringify(c.hi)]),
      );
    }
    for (const [table, rows] of rowCounts) {
      await conn.query(`INSERT INTO ${quoteIdent(T.tables)} (table_name, rows_before) VALUES (?, ?)`, [table, rows]);
    }
    await conn.query(
      `INSERT INTO ${quoteIdent(T.state)} (id, rules_digest, key_id, phase, started_at) VALUES (1, ?, ?, 'planned', CURRENT_TIMESTAMP(3))`,
      [state.rulesDigest, state.keyId],
    );
    await conn.commit();
  } catch (err: unknown) {
    await conn.rollback();
    throw err;
  }
}

const parseKey = (v: unknown): KeyTuple | null => (v === null || v === undefined ? null : (JSON.parse(String(v)) as string[]));

/** Chunks, optionally only those not yet done, in table and chunk order. */
export async function readChunks(conn: Connection, pendingOnly: boolean): Promise<Chunk[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT table_name, chunk_no, lo_key, hi_key FROM ${quoteIdent(T.chunks)} ${pendingOnly ? "WHERE done = 0" : ""} ORDER BY table_name, chunk_no`,
  );
  return rows.map((r) => ({ table: String(r.table_name), chunkNo: Number(r.chunk_no), lo: parseKey(r.lo_key), hi: parseKey(r.hi_key) }));
}

/** Per table: chunks planned, chunks done, rows changed so far. */
export async function chunkTotals(conn: Connection): Promise<Map<string, { chunks: number; done: number; rowsChanged: number }>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT table_name, COUNT(*) AS chunks, SUM(done) AS done, SUM(COALESCE(rows_changed, 0)) AS changed FROM ${quoteIdent(T.chunks)} GROUP BY table_name`,
  );
  return new Map(rows.map((r) => [String(r.table_name), { chunks: Number(r.chunks), done: Number(r.done), rowsChanged: Number(r.changed) }]));
}

/** Row counts recorded before masking. */
export async function rowsBefore(conn: Connection): Promise<Map<string, number>> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT table_name, rows_before FROM ${quoteIdent(T.tables)}`);
  return new Map(rows.map((r) => [String(r.table_name), Number(r.rows_before)]));
}
