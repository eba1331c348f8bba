/**
 * Verify: proves a masked database is masked, from the database alone plus the salt.
 *
 *   progress     the recorded run used these rules and this salt, and every chunk is done
 *   fingerprint  originals were fingerprinted before masking
 *   rows         no table gained or lost rows
 *   shape        every non-NULL value of a masked column has its strategy's shape
 *   survivors    no sampled original value (from any masked column) occurs in a hash-derived masked column
 *   samples      sampled rows hold exactly the value masking derives from their original
 *   self_map     no sampled row of a strategy that never returns its input still holds its original
 *   foreign_key  no row lost its parent through a masked key column
 *
 * Low-entropy strategies (names, postal codes, years) can legitimately output a value that was an original
 * elsewhere, so for them "survivors" would raise false alarms; the per-row "samples" check proves them instead.
 */
import { createHash } from "node:crypto";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { type RunState, T, existingBookkeeping, readChunks, readState, rowsBefore } from "./bookkeeping";
import { quoteIdent } from "./ident";
import { type KeyTuple, keyInPredicate, keyList, keyOfRow, rangePredicate } from "./keys";
import { MaskingUsageError } from "./errors";
import type { ForeignKeyCheck, MaskPlan, TablePlan } from "./plan";
import type { MaskConnection } from "./connection";
import { withDatabase } from "./database";
import { type ProgressCallback, reporter } from "./progress";
import type { Rules } from "./rules";
import { type MaskKeys, deriveKeys } from "./session";
import { type Sql, type SqlParam, fingerprintOf } from "./strategies";

/** Name of a verify check. */
export type CheckName = "progress" | "fingerprint" | "rows" | "shape" | "survivors" | "samples" | "self_map" | "foreign_key";

/** One check's outcome. `detail` holds counts, never values. */
export interface VerifyCheck {
  readonly check: CheckName;
  readonly table?: string;
  readonly column?: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Every check done so far; `ok` only when verify is complete and all passed. */
export interface VerifyReport {
  readonly ok: boolean;
  /** False when a time budget or an abort stopped verify early: call again with `resume`. */
  readonly complete: boolean;
  readonly database: string;
  readonly checks: readonly VerifyCheck[];
  /** Units of work done and planned: one per check group, table scan, sample check and foreign key. */
  readonly progress: { readonly unitsDone: number; readonly unitsTotal: number };
  /** Pass this back as `verify({ resume })` to continue; null once complete. */
  readonly resume: VerifyResume | null;
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
 * One scan of a key range for every count. With `fullScan` false (fingerprint.ts explains when that is sound), the
 * survivor lookup runs only on values that fail their shape, instead of hashing every value.
 */
async function tableCounts(conn: Connection, tp: TablePlan, withFingerprint: boolean, fullScan: boolean, range: Sql): Promise<Record<string, number>> {
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
  const row = await one(conn, `SELECT ${select.join(", ")} FROM ${quoteIdent(tp.table.name)} WHERE ${range.sql}`, [...params, ...(range.params as SqlParam[])]);
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v ?? 0)]));
}

/** The rows, shape and survivors checks of a table from its summed counts. */
function tableChecks(tp: TablePlan, row: Readonly<Record<string, number>>, withFingerprint: boolean, fullScan: boolean, before: number | undefined): VerifyCheck[] {
  const table = tp.table.name;
  const total = row.total ?? 0;
  const checks: VerifyCheck[] = [];
  if (before !== undefined) {
    checks.push({ check: "rows", table, ok: total === before, detail: `${total} rows now, ${before} before masking` });
  }
  tp.masks.forEach((m, i) => {
    const column = m.column.name;
    const bad = row[`bad${i}`] ?? 0;
    checks.push({ check: "shape", table, column, ok: bad === 0, detail: `${bad} of ${total} values do not have the shape of ${m.spec.text}` });
    if (withFingerprint && m.highEntropy) {
      const hits = row[`hit${i}`] ?? 0;
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
    `SELECT column_name, row_key, LOWER(HEX(expected)) AS expected, LOWER(HEX(original)) AS original FROM ${quoteIdent(T.samples)} WHERE table_name = ?`,
    [tp.table.name],
  );
  const expected = new Map<string, Map<string, string>>(); // row key → column → hash
  const originals = new Map<string, Map<string, string>>();
  for (const s of stored) {
    const byColumn = expected.get(String(s.row_key)) ?? new Map<string, string>();
    byColumn.set(String(s.column_name), String(s.expected));
    expected.set(String(s.row_key), byColumn);
    if (s.original === null || s.original === undefined) continue;
    const before = originals.get(String(s.row_key)) ?? new Map<string, string>();
    before.set(String(s.column_name), String(s.original));
    originals.set(String(s.row_key), before);
  }
  const mismatches = new Map<string, number>(derived.map((m) => [m.column.name, 0]));
  const selfMaps = new Map<string, number>(derived.map((m) => [m.column.name, 0]));
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
        if (String(row[`h${j}`]) === originals.get(rowKey)?.get(m.column.name)) selfMaps.set(m.column.name, (selfMaps.get(m.column.name) ?? 0) + 1);
      });
    }
  }
  const missing = rowKeys.filter((k) => !seen.has(k)).length;
  return derived.flatMap((m): VerifyCheck[] => {
    const bad = mismatches.get(m.column.name) ?? 0;
    const n = checked.get(m.column.name) ?? 0;
    const ok = bad === 0 && missing === 0;
    const detail = `${n - bad} of ${n} sampled rows hold the masked value` + (missing ? `; ${missing} sampled rows are missing` : "");
    const out: VerifyCheck[] = [{ check: "samples", table: tp.table.name, column: m.column.name, ok, detail }];
    if (m.excludesInput) {
      const same = selfMaps.get(m.column.name) ?? 0;
      out.push({ check: "self_map", table: tp.table.name, column: m.column.name, ok: same === 0, detail: `${same} of ${n} sampled rows still hold their original value` });
    }
    return out;
  });
}

/** Child rows of one key range (of the child table) whose masked key has no parent. */
async function orphans(conn: Connection, { fk }: ForeignKeyCheck, range: Sql): Promise<number> {
  const joined = fk.columns.map((c, i) => `p.${quoteIdent(fk.refColumns[i] ?? "")} = c.${quoteIdent(c)}`).join(" AND ");
  const present = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(" AND ");
  // The range names the child's key columns unqualified: in the outer WHERE only the child is in scope.
  const row = await one(
    conn,
    `SELECT COUNT(*) AS n FROM ${quoteIdent(fk.schema)}.${quoteIdent(fk.table)} c WHERE (${range.sql}) AND ${present}
        AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(fk.refSchema)}.${quoteIdent(fk.refTable)} p WHERE ${joined})`,
    range.params,
  );
  return Number(row.n ?? 0);
}

function foreignKeyCheck({ fk }: ForeignKeyCheck, found: number): VerifyCheck {
  return { check: "foreign_key", table: fk.table, column: fk.columns.join(","), ok: found === 0, detail: `${fk.name}: ${found} rows without a parent in ${fk.refTable}` };
}

/**
 * Where a time-budgeted verify stopped: hand it back to `verify({ resume })` to continue. Plain JSON (counts and
 * check results, never values), so a state machine can carry it between calls.
 */
export interface VerifyResume {
  readonly version: 1;
  /** Identifies the rules and salt it was made with; a token from another run is refused. */
  readonly run: string;
  /** Next unit of work (see `unitsTotal`), and next key range within it. */
  readonly unit: number;
  readonly range: number;
  readonly unitsTotal: number;
  /** Decided by the first unit: a fingerprint exists, and survivors must be looked for among well-shaped values. */
  readonly fingerprinted: boolean;
  readonly fullScan: boolean;
  /** Checks finished so far. */
  readonly checks: readonly VerifyCheck[];
  /** Running counts of the table scan in progress. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Key ranges merged into one verify step: 10 chunks of the run (100,000 rows at the default chunk size). */
export const VERIFY_CHUNKS_PER_STEP = 10;

/** One unit of verify's work: a whole check, or a table scan split into key ranges. */
type Unit =
  | { readonly kind: "head" }
  | { readonly kind: "scan"; readonly tp: TablePlan }
  | { readonly kind: "samples"; readonly tp: TablePlan }
  | { readonly kind: "fk"; readonly fk: ForeignKeyCheck };

function unitsOf(plan: MaskPlan): Unit[] {
  return [
    { kind: "head" },
    ...plan.tables.flatMap((tp): Unit[] => [{ kind: "scan", tp }, { kind: "samples", tp }]),
    ...plan.foreignKeys.map((fk): Unit => ({ kind: "fk", fk })),
  ];
}

function runId(plan: MaskPlan, keys: MaskKeys): string {
  return createHash("sha256").update(`${plan.digest}\u0000${keys.id}`).digest("hex").slice(0, 32);
}

/** The table's key ranges, each spanning up to VERIFY_CHUNKS_PER_STEP chunks of the run; one open range without. */
async function rangesOf(conn: Connection, tp: TablePlan, present: Set<string>): Promise<Array<{ lo: KeyTuple | null; hi: KeyTuple | null }>> {
  if (!tp.key || !present.has(T.chunks)) return [{ lo: null, hi: null }];
  const chunks = (await readChunks(conn, false)).filter((c) => c.table === tp.table.name);
  if (chunks.length === 0) return [{ lo: null, hi: null }];
  const out: Array<{ lo: KeyTuple | null; hi: KeyTuple | null }> = [];
  for (let i = 0; i < chunks.length; i += VERIFY_CHUNKS_PER_STEP) {
    const group = chunks.slice(i, i + VERIFY_CHUNKS_PER_STEP);
    out.push({ lo: i === 0 ? null : (group[0]?.lo ?? null), hi: i + VERIFY_CHUNKS_PER_STEP >= chunks.length ? null : (group[group.length - 1]?.hi ?? null) });
  }
  return out;
}

interface StepContext {
  readonly conn: Connection;
  readonly plan: MaskPlan;
  readonly keys: MaskKeys;
  readonly present: Set<string>;
  readonly onTable?: (table: string) => void;
}

/** Does one step (a unit, or one key range of a table scan) and returns the token after it. */
async function verifyStep(ctx: StepContext, units: readonly Unit[], at: VerifyResume): Promise<VerifyResume> {
  const { conn, plan, keys, present } = ctx;
  const unit = units[at.unit];
  const next = (extra: Partial<VerifyResume>): VerifyResume => ({ ...at, unit: at.unit + 1, range: 0, counts: {}, ...extra });
  if (!unit) return at;
  switch (unit.kind) {
    case "head": {
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
      return next({ checks: [...at.checks, ...checks], fingerprinted: fingerprints > 0, fullScan: state?.fullSurvivorScan !== false });
    }
    case "scan": {
      if (at.range === 0) ctx.onTable?.(unit.tp.table.name);
      const ranges = await rangesOf(conn, unit.tp, present);
      const range = ranges[at.range] ?? { lo: null, hi: null };
      const counts = await tableCounts(conn, unit.tp, at.fingerprinted, at.fullScan, rangePredicate(unit.tp.key, range.lo, range.hi));
      const sum: Record<string, number> = { ...at.counts };
      for (const [k, v] of Object.entries(counts)) sum[k] = (sum[k] ?? 0) + v;
      if (at.range + 1 < ranges.length) return { ...at, range: at.range + 1, counts: sum };
      const before = present.has(T.tables) ? (await rowsBefore(conn)).get(unit.tp.table.name) : undefined;
      return next({ checks: [...at.checks, ...tableChecks(unit.tp, sum, at.fingerprinted, at.fullScan, before)] });
    }
    case "samples":
      return next({ checks: [...at.checks, ...(present.has(T.samples) ? await sampleChecks(conn, unit.tp) : [])] });
    case "fk": {
      // Split into the child table's key ranges, like a table scan (plan.ts puts both sides of the key in the plan).
      const child = unit.fk.fk.schema === plan.database ? plan.tables.find((tp) => tp.table.name === unit.fk.fk.table) : undefined;
      const ranges = child ? await rangesOf(conn, child, present) : [{ lo: null, hi: null }];
      const range = ranges[at.range] ?? { lo: null, hi: null };
      const sum = (at.counts.orphans ?? 0) + (await orphans(conn, unit.fk, rangePredicate(child?.key ?? null, range.lo, range.hi)));
      if (at.range + 1 < ranges.length) return { ...at, range: at.range + 1, counts: { orphans: sum } };
      return next({ checks: [...at.checks, foreignKeyCheck(unit.fk, sum)] });
    }
  }
}

/** Options of one verify pass over an open connection. */
interface VerifyPassOptions {
  readonly resume?: VerifyResume;
  /** Checked before each step; at least one step runs per call, so repeated calls always make progress. */
  readonly shouldStop?: () => boolean;
  readonly onTable?: (table: string) => void;
}

/**
 * Runs verify's steps on a connection prepared with the keys (`prepareSession`) until they are all done or
 * `shouldStop` says so. Throws MaskingUsageError for a resume token of another run.
 */
export async function verifyPlan(conn: Connection, plan: MaskPlan, keys: MaskKeys, options: VerifyPassOptions = {}): Promise<VerifyReport> {
  const present = await existingBookkeeping(conn, plan.database);
  const units = unitsOf(plan);
  const id = runId(plan, keys);
  let at: VerifyResume = options.resume ?? { version: 1, run: id, unit: 0, range: 0, unitsTotal: units.length, fingerprinted: false, fullScan: true, checks: [], counts: {} };
  if (at.version !== 1 || at.run !== id || at.unitsTotal !== units.length) {
    throw new MaskingUsageError("the verify resume token belongs to another run (other rules or another salt): start verify afresh");
  }
  const ctx: StepContext = { conn, plan, keys, present, onTable: options.onTable };
  let steps = 0;
  while (at.unit < units.length && (steps === 0 || options.shouldStop?.() !== true)) {
    at = await verifyStep(ctx, units, at);
    steps += 1;
  }
  const complete = at.unit >= units.length;
  return {
    ok: complete && at.checks.every((c) => c.ok),
    complete,
    database: plan.database,
    checks: at.checks,
    progress: { unitsDone: at.unit, unitsTotal: units.length },
    resume: complete ? null : at,
  };
}

/** Options of `verify`. */
export interface VerifyOptions {
  readonly connection: MaskConnection;
  readonly rules: Rules;
  /** The salt the run used: fingerprints and the recorded run are keyed with it. */
  readonly salt: string | undefined;
  readonly onProgress?: ProgressCallback;
  /** Milliseconds after which no new step starts (a step is one check, or up to 10 chunks' rows of one table scan or foreign key). */
  readonly timeBudgetMs?: number;
  /** Like timeBudgetMs, as epoch milliseconds. */
  readonly deadlineMs?: number;
  /** Aborting stops new steps from starting, like a deadline. */
  readonly signal?: AbortSignal;
  /** The `resume` of an earlier call's report: continue where it stopped. */
  readonly resume?: VerifyResume;
}

/**
 * Verifies a masked database on its own (run also calls this when it completes). Never throws for a failed check.
 * With a time budget it may stop early: then `complete` is false and `resume` continues it in the next call.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const report = reporter(options.onProgress, started);
  const keys = deriveKeys(options.salt);
  const deadline = Math.min(options.deadlineMs ?? Infinity, options.timeBudgetMs === undefined ? Infinity : started + options.timeBudgetMs);
  return withDatabase(options.connection, options.rules, keys, ({ conn, plan }) =>
    verifyPlan(conn, plan, keys, {
      resume: options.resume,
      shouldStop: () => options.signal?.aborted === true || Date.now() >= deadline,
      onTable: (table) => report("verify", `checking ${table}`, { table }),
    }),
  );
}
