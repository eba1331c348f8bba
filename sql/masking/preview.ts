/**
 * `preview` (a dry run) and `reset`. Preview shows what `run` would do without writing anything: the plan-time
 * problems, how many values of each column would change, and a few rows before and after. Those rows are real
 * values, for the person who asked on a database they may read; they are returned, never logged. Reset removes the
 * engine's bookkeeping once a run is complete and verified.
 */
import type { RowDataPacket } from "mysql2/promise";
import { T, existingBookkeeping, recordDone } from "./bookkeeping";
import type { MaskConnection } from "./connection";
import { withDatabase } from "./database";
import { MaskingUsageError } from "./errors";
import { quoteIdent } from "./ident";
import { keyList } from "./keys";
import { type PreflightProblem, preflight } from "./preflight";
import type { Rules } from "./rules";
import { deriveKeys } from "./session";
import type { SqlParam } from "./strategies";
import { type VerifyReport, verifyPlan } from "./verify";

/** Options of `preview`. */
export interface PreviewOptions {
  readonly connection: MaskConnection;
  readonly rules: Rules;
  /** The salt the run would use: masked values depend on it. */
  readonly salt: string | undefined;
  /** Rows shown per table, before and after. Default 3. */
  readonly sampleRows?: number;
}

/** What run would do to one table. */
export interface TablePreview {
  readonly table: string;
  readonly rows: number;
  /** Per masked column: non-NULL values that would change (blank values stay as they are). */
  readonly columns: readonly { readonly column: string; readonly strategy: string; readonly wouldChange: number }[];
  /** The first rows by key: the masked columns' values now and as run would write them. */
  readonly samples: readonly { readonly before: Record<string, unknown>; readonly after: Record<string, unknown> }[];
}

/** The dry run's result: `ok` when run would start (no plan-time problem). */
export interface PreviewReport {
  readonly ok: boolean;
  readonly database: string;
  readonly problems: readonly PreflightProblem[];
  readonly tables: readonly TablePreview[];
}

/** Shows what `run` would change, and refuses nothing: problems are reported. Writes nothing. */
export async function preview(options: PreviewOptions): Promise<PreviewReport> {
  const keys = deriveKeys(options.salt);
  const show = Math.max(0, Math.trunc(options.sampleRows ?? 3));
  return withDatabase(options.connection, options.rules, keys, async ({ conn, plan }) => {
    const problems = await preflight(conn, plan);
    const tables: TablePreview[] = [];
    for (const tp of plan.tables) {
      const params: SqlParam[] = [];
      const changes = tp.masks.map((m, i) => {
        params.push(...m.set.params);
        return `SUM(CASE WHEN NOT ((${m.set.sql}) <=> ${quoteIdent(m.column.name)}) THEN 1 ELSE 0 END) AS c${i}`;
      });
      const [counted] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n, ${changes.join(", ")} FROM ${quoteIdent(tp.table.name)}`, params);
      const c = counted[0] ?? {};
      const sampleParams: SqlParam[] = [];
      const cols = tp.masks.flatMap((m, i) => {
        sampleParams.push(...m.set.params);
        return [`${quoteIdent(m.column.name)} AS b${i}`, `(${m.set.sql}) AS a${i}`];
      });
      const order = tp.key ? `ORDER BY ${keyList(tp.key)}` : "";
      const [rows] = await conn.query<RowDataPacket[]>(`SELECT ${cols.join(", ")} FROM ${quoteIdent(tp.table.name)} ${order} LIMIT ${show}`, sampleParams);
      tables.push({
        table: tp.table.name,
        rows: Number(c.n ?? 0),
        columns: tp.masks.map((m, i) => ({ column: m.column.name, strategy: m.spec.text, wouldChange: Number(c[`c${i}`] ?? 0) })),
        samples: rows.map((r) => ({
          before: Object.fromEntries(tp.masks.map((m, i) => [m.column.name, r[`b${i}`]])),
          after: Object.fromEntries(tp.masks.map((m, i) => [m.column.name, r[`a${i}`]])),
        })),
      });
    }
    return { ok: problems.length === 0, database: plan.database, problems, tables };
  });
}

/** Options of `reset`. */
export interface ResetOptions {
  readonly connection: MaskConnection;
  readonly rules: Rules;
  readonly salt: string | undefined;
}

/** What reset removed, and the verify that allowed it. */
export interface ResetReport {
  readonly database: string;
  readonly dropped: readonly string[];
  readonly verify: VerifyReport;
}

/**
 * Drops the run's `_masking_*` tables once the recorded run is complete and verify passes; refuses
 * (MaskingUsageError) otherwise, since they are what lets an interrupted run resume without masking anything twice.
 * It keeps one, DONE_TABLE (`_masking_done`): the tables the run masked (names, rules digest, time; no values). A
 * later `run` on the same database refuses those tables, whatever their strategies.
 */
export async function reset(options: ResetOptions): Promise<ResetReport> {
  const keys = deriveKeys(options.salt);
  return withDatabase(options.connection, options.rules, keys, async ({ conn, plan }) => {
    const verified = await verifyPlan(conn, plan, keys);
    if (!verified.ok) {
      const failed = verified.checks.filter((c) => !c.ok).map((c) => [c.check, c.table, c.column].filter(Boolean).join(":"));
      throw new MaskingUsageError(`reset refused: ${plan.database} does not pass verify (${failed.join(", ")}); its bookkeeping is kept so the run can finish`);
    }
    // The record of what was masked is written before anything is dropped: a reset killed in between leaves a
    // complete run (which only verifies) and the record, never a database that looks unmasked.
    await recordDone(conn, plan.tables.map((tp) => tp.table.name), plan.digest);
    const present = await existingBookkeeping(conn, plan.database);
    const dropped = Object.values(T).filter((t) => present.has(t));
    for (const t of dropped) await conn.query(`DROP TABLE ${quoteIdent(t)}`);
    return { database: plan.database, dropped, verify: verified };
  });
}
