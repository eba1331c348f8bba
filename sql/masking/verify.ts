/**
 * Verify: proves a masked database is masked, from the database alone plus the salt.
 *
 *   progress     the recorded run used these rules and this salt, and every chunk is done
 *   fingerprint  originals were fingerprinted before masking
 *   rows         no table gained or lost rows
 *   shape        every non-NULL value of a masked column has its strategy's shape
 *   survivors    no sampled original value (from any masked column) occurs in a hash-derived masked column
 *   samples      sampled rows hold exactly the value masking derives from their original
 *   foreign_key  no row lost its parent through a masked key column
 *
 * Low-entropy strategies (names, postal codes, years) can legitimately output a value that was an original
 * elsewhere, so for them "survivors" would raise false alarms; the per-row "samples" check proves them instead.
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { type RunState, T, existingBookkeeping, readChunks, readState, rowsBefore } from "./bookkeeping";
import { quoteIdent } from "./ident";
import { type KeyTuple, keyInPredicate, keyList, keyOfRow } from "./keys";
import type { ForeignKeyCheck, MaskPlan, TablePlan } from "./plan";
import type { MaskConnection } from "./connection";
import { withDatabase } from "./database";
import { type ProgressCallback, reporter } from "./progress";
import type { Rules } from "./rules";
import { type MaskKeys, deriveKeys } from "./session";
import { type SqlParam, fingerprintOf } from "./strategies";

/** Name of a verify check. */
export type CheckName = "progress" | "fingerprint" | "rows" | "shape" | "survivors" | "samples" | "foreign_key";

/** One check's outcome. `detail` holds counts, never values. */
export interface VerifyCheck {
  readonly check: CheckName;
  readonly table?: string;
  readonly column?: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Every check; `ok` only when all passed. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly database: string;
  readonly checks: readonly VerifyCheck[];
}

async function one(conn: Connection, sql: string, params: readonly SqlParam[] = []): Promise<RowDataPacket> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, params as SqlParam[]);
  return rows[0] ?? {};
}

async function progressChecks(conn: Connection, plan: MaskPlan, keys: MaskKeys, state: RunState | null, present: Set<string>): Promise<VerifyCheck[]> {
  if (!state || !present.has(T.chunks)) return [{ check: "progress", ok: false, detail: "no masking run is recorded in this database" }];
  if (state.rulesDigest !== plan.digest) return [{ check: "progress", ok: false, detail: "the recorded run used different rules" }];
  if (state.keyId !== keys.id) return [{ check: "progress", ok: false, detail: "the recorded run used a different salt" }];
  const pending = (await readChunks(conn, true)).length;
  const total = (await readChunks(conn, false)).length;
  const ok = state.phase === "complete" && pending === 0;
  return [{ check: "progress", ok, detail: ok ? `${total} chunks done` : `run not complete: ${total - pending} of ${total} chunks done` }];
}

/**
 * One scan of the table for every count. With `fullScan` false (fingerprint.ts explains when that is sound), the
 * survivor lookup runs only on values that fail their shape, instead of hashing every value.
 */
async function tableChecks(
  conn: Connection,
  tp: TablePlan,
  withFingerprint: boolean,
  fullScan: boolean,
  before: number | undefined,
): Promise<VerifyCheck[]> {
  const table = tp.table.name;
  const select: string[] = ["COUNT(*) AS total"];
  const params: SqlParam[] = [];
  tp.masks.forEach((m, i) => {
    const ref = quoteIdent(m.column.name);
    select.push(`SUM(CASE WHEN ${ref} IS NOT NULL AND NOT (${m.shape.sql}) THEN 1 ELSE 0 END) AS bad${i}`);
    params.push(...m.shape.params);
    if (withFingerprint && m.highEntropy) {
      const misshapen = fullScan ? "" : `NOT (${m.shape.sql}) AND `;
      select.push(`SUM(CASE WHEN ${ref} IS NOT NULL AND ${misshapen}UNHEX(${fingerprintOf(m.canonical)}) IN (SELECT h FROM ${quoteIdent(T.fingerprints)}) THEN 1 ELSE 0 END) AS hit${i}`);
      if (!fullScan) params.push(...m.shape.params);
    }
  });
  const row = await one(conn, `SELECT ${select.join(", ")} FROM ${quoteIdent(table)}`, params);
  const total = Number(row.total ?? 0);
  const checks: VerifyCheck[] = [];
  if (before !== undefined) {
    checks.push({ check: "rows", table, ok: total === before, detail: `${total} rows now, ${before} before masking` });
  }
  tp.masks.forEach((m, i) => {
    const column = m.column.name;
    const bad = Number(row[`bad${i}`] ?? 0);
    checks.push({ check: "shape", table, column, ok: bad === 0, detail: `${bad} of ${total} values do not have the shape of ${m.spec.text}` });
    if (withFingerprint && m.highEntropy) {
      const hits = Number(row[`hit${i}`] ?? 0);
      const how = fullScan ? "every value hashed" : "no sampled original has this shape, so only misshapen values were hashed";
      checks.push({ check: "survivors", table, column, ok: hits === 0, detail: `${hits} values equal a fingerprinted original (${how})` });
    }
  });
  return checks;
}

async function sampleChecks(conn: Connection, tp: TablePlan): Promise<VerifyCheck[]> {
  const key = tp.key;
  const derived = tp.masks.filter((m) => m.derived && m.maskedCanonical);
  if (!key || derived.length === 0) return [];
  const [stored] = await conn.query<RowDataPacket[]>(
    `SELECT column_name, row_key, LOWER(HEX(expected)) AS expected FROM ${quoteIdent(T.samples)} WHERE table_name = ?`,
    [tp.table.name],
  );
  const expected = new Map<string, Map<string, string>>(); // row key → column → hash
  for (const s of stored) {
    const byColumn = expected.get(String(s.row_key)) ?? new Map<string, string>();
    byColumn.set(String(s.column_name), String(s.expected));
    expected.set(String(s.row_key), byColumn);
  }
  const mismatches = new Map<string, number>(derived.map((m) => [m.column.name, 0]));
  const checked = new Map<string, number>(derived.map((m) => [m.column.name, 0]));
  const rowKeys = [...expected.keys()];
  const seen = new Set<string>();
  for (let i = 0; i < rowKeys.length; i += 200) {
    const batch = rowKeys.slice(i, i + 200).map((k) => JSON.parse(k) as KeyTuple);
    const where = keyInPredicate(key, batch);
    const hashes = derived.map((m, j) => `${fingerprintOf(m.canonical)} AS h${j}`).join(", ");
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT ${keyList(key)}, ${hashes} FROM ${quoteIdent(tp.table.name)} WHERE ${where.sql}`, where.params as SqlParam[]);
    for (const row of rows) {
      const rowKey = JSON.stringify(keyOfRow(key, row));
      seen.add(rowKey);
      derived.forEach((m, j) => {
        const want = expected.get(rowKey)?.get(m.column.name);
        if (want === undefined) return;
        checked.set(m.column.name, (checked.get(m.column.name) ?? 0) + 1);
        if (String(row[`h${j}`]) !== want) mismatches.set(m.column.name, (mismatches.get(m.column.name) ?? 0) + 1);
      });
    }
  }
  const missing = rowKeys.filter((k) => !seen.has(k)).length;
  return derived.map((m) => {
    const bad = mismatches.get(m.column.name) ?? 0;
    const n = checked.get(m.column.name) ?? 0;
    const ok = bad === 0 && missing === 0;
    const detail = `${n - bad} of ${n} sampled rows hold the masked value` + (missing ? `; ${missing} sampled rows are missing` : "");
    return { check: "samples", table: tp.table.name, column: m.column.name, ok, detail };
  });
}

async function foreignKeyCheck(conn: Connection, { fk }: ForeignKeyCheck): Promise<VerifyCheck> {
  const joined = fk.columns.map((c, i) => `p.${quoteIdent(fk.refColumns[i] ?? "")} = c.${quoteIdent(c)}`).join(" AND ");
  const present = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(" AND ");
  const row = await one(
    conn,
    `SELECT COUNT(*) AS n FROM ${quoteIdent(fk.schema)}.${quoteIdent(fk.table)} c WHERE ${present}
        AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(fk.refSchema)}.${quoteIdent(fk.refTable)} p WHERE ${joined})`,
  );
  const orphans = Number(row.n ?? 0);
  return { check: "foreign_key", table: fk.table, column: fk.columns.join(","), ok: orphans === 0, detail: `${fk.name}: ${orphans} rows without a parent in ${fk.refTable}` };
}

/** Runs every check on a connection prepared with the keys (`prepareSession`). */
export async function verifyPlan(conn: Connection, plan: MaskPlan, keys: MaskKeys, onTable?: (table: string) => void): Promise<VerifyReport> {
  const present = await existingBookkeeping(conn, plan.database);
  const state = present.has(T.state) ? await readState(conn) : null;
  const checks: VerifyCheck[] = await progressChecks(conn, plan, keys, state, present);
  let fingerprints = 0;
  if (present.has(T.fingerprints)) fingerprints = Number((await one(conn, `SELECT COUNT(*) AS n FROM ${quoteIdent(T.fingerprints)}`)).n ?? 0);
  const counts = present.has(T.tables) ? await rowsBefore(conn) : new Map<string, number>();
  const anyRows = [...counts.values()].some((n) => n > 0);
  checks.push({
    check: "fingerprint",
    ok: fingerprints > 0 || (present.has(T.fingerprints) && !anyRows),
    detail: present.has(T.fingerprints) ? `${fingerprints} original values fingerprinted` : "no fingerprint was taken",
  });
  for (const tp of plan.tables) {
    onTable?.(tp.table.name);
    checks.push(...(await tableChecks(conn, tp, fingerprints > 0, state?.fullSurvivorScan !== false, counts.get(tp.table.name))));
    if (present.has(T.samples)) checks.push(...(await sampleChecks(conn, tp)));
  }
  for (const fk of plan.foreignKeys) checks.push(await foreignKeyCheck(conn, fk));
  return { ok: checks.every((c) => c.ok), database: plan.database, checks };
}

/** Options of `verify`. */
export interface VerifyOptions {
  readonly connection: MaskConnection;
  readonly rules: Rules;
  /** The salt the run used: fingerprints and the recorded run are keyed with it. */
  readonly salt: string | undefined;
  readonly onProgress?: ProgressCallback;
}

/** Verifies a masked database on its own (run also calls this when it completes). Never throws for a failed check. */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const report = reporter(options.onProgress);
  const keys = deriveKeys(options.salt);
  return withDatabase(options.connection, options.rules, keys, ({ conn, plan }) =>
    verifyPlan(conn, plan, keys, (table) => report("verify", `checking ${table}`, { table })),
  );
}
