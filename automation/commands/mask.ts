/**
 * `mask scan|validate|run|verify|reset|strategies`: the masking engine (sql/masking) on the command line. Each
 * command is a plain async function over the library; the renderers turn its report into text for people.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  DONE_TABLE,
  type PreviewReport,
  type ProgressCallback,
  type ResetReport,
  type RunReport,
  STRATEGY_CATALOGUE,
  type ScanReport,
  type StrategyInfo,
  type SuggestedRule,
  type VerifyReport,
  loadRules,
  preview,
  reset,
  run,
  scan,
  suggestRules,
  verify,
} from "../../sql/masking";
import { UsageError } from "../errors";

/** Options shared by the three commands. */
export interface MaskOptions {
  /** `mysql://user@host:port/db`; a password in it wins over `password`. */
  readonly url: string;
  /** Rules file. Default sql/masking.yaml. */
  readonly rules?: string;
  /** Password when the URL has none (the CLI passes MYSQL_PWD). */
  readonly password?: string;
  readonly onProgress?: ProgressCallback;
}

/** Options of `mask run` and `mask verify`. */
export interface MaskRunOptions extends MaskOptions {
  /** The secret salt (the CLI passes MASKING_SALT). */
  readonly salt?: string;
  readonly concurrency?: number;
  readonly chunkSize?: number;
  /** Aborting (Ctrl-C) stops new chunks; the run can be resumed. */
  readonly signal?: AbortSignal;
}

/** Default rules file, relative to the working directory (the repo root under `npm run`). */
export const DEFAULT_RULES = "sql/masking.yaml";

const connectionOf = (o: MaskOptions) => ({ url: o.url, password: o.password });

/** Lists PII-looking columns the rules do not cover. */
export async function maskScan(options: MaskOptions): Promise<ScanReport> {
  return scan(connectionOf(options), loadRules(options.rules ?? DEFAULT_RULES), { onProgress: options.onProgress });
}

/** Options of `mask scan --write`. */
export interface MaskStarterOptions extends Omit<MaskOptions, "rules"> {
  /** Rules to start from (kept as they are); without it, the starter file holds only suggestions. */
  readonly rules?: string;
  /** Where the starter rules file goes; an existing file is only rewritten when it is `rules` itself. */
  readonly write: string;
}

/** What `mask scan --write` wrote. */
export interface StarterReport {
  readonly written: string;
  /** One per column the scan flagged: the suggested strategy, or keep with the reason a person must decide. */
  readonly suggestions: readonly SuggestedRule[];
}

/**
 * Scans and writes a starter rules file: a strategy fitted to each flagged column's type and width, `keep` with the
 * reason for the ones a person must decide, every entry commented with the scan rule that flagged it.
 * @throws UsageError when `write` exists and is not the rules file being extended.
 */
export async function maskScanWrite(options: MaskStarterOptions): Promise<StarterReport> {
  const target = path.resolve(options.write);
  const extending = options.rules !== undefined && path.resolve(options.rules) === target;
  if (existsSync(target) && !extending) {
    throw new UsageError(`${target} exists: pass it as --rules too to add suggestions to it, or choose another file`);
  }
  const base = options.rules === undefined ? undefined : loadRules(options.rules);
  const starter = await suggestRules(connectionOf(options), base, { onProgress: options.onProgress });
  writeFileSync(target, starter.yaml);
  return { written: target, suggestions: starter.suggestions };
}

/** What `mask validate` found: the dry run, and the PII-looking columns a run would refuse for. */
export interface ValidateReport extends PreviewReport {
  readonly uncovered: ScanReport["uncovered"];
}

/** Shows what `mask run` would change, with a few rows before and after, and writes nothing. */
export async function maskValidate(options: MaskRunOptions & { readonly sampleRows?: number }): Promise<ValidateReport> {
  const rules = loadRules(options.rules ?? DEFAULT_RULES);
  const connection = connectionOf(options);
  const scanned = await scan(connection, rules, { onProgress: options.onProgress });
  const dry = await preview({ connection, rules, salt: options.salt, sampleRows: options.sampleRows });
  return { ...dry, ok: dry.ok && scanned.uncovered.length === 0, uncovered: scanned.uncovered };
}

/** Removes the engine's bookkeeping from a database whose run is complete and passes verify. */
export async function maskReset(options: MaskRunOptions): Promise<ResetReport> {
  return reset({ connection: connectionOf(options), rules: loadRules(options.rules ?? DEFAULT_RULES), salt: options.salt });
}

/** Every strategy and what it writes. */
export function maskStrategies(): { strategies: readonly StrategyInfo[] } {
  return { strategies: STRATEGY_CATALOGUE };
}

/** Columns the rules mask (every strategy but keep), and the tables they are in. */
export function maskedByRules(rulesPath: string): { columns: number; tables: number } {
  let columns = 0;
  let tables = 0;
  for (const cols of loadRules(rulesPath).tables.values()) {
    const masked = [...cols.values()].filter((s) => s.name !== "keep").length;
    columns += masked;
    if (masked > 0) tables += 1;
  }
  return { columns, tables };
}

/** What a run would rewrite, in words, for the confirmation question: database and columns per the rules. */
export function runSummary(options: MaskOptions): string {
  const { columns, tables } = maskedByRules(options.rules ?? DEFAULT_RULES);
  const url = new URL(options.url);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  return `${columns} column${columns === 1 ? "" : "s"} of ${tables} table${tables === 1 ? "" : "s"} in database ${database} on ${url.host}`;
}

/** Masks the database, then verifies it. */
export async function maskRun(options: MaskRunOptions): Promise<RunReport> {
  return run({
    connection: connectionOf(options),
    rules: loadRules(options.rules ?? DEFAULT_RULES),
    salt: options.salt,
    concurrency: options.concurrency,
    chunkSize: options.chunkSize,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** Verifies a masked database. */
export async function maskVerify(options: MaskRunOptions): Promise<VerifyReport> {
  return verify({ connection: connectionOf(options), rules: loadRules(options.rules ?? DEFAULT_RULES), salt: options.salt, onProgress: options.onProgress });
}

/** Scan report for people. */
export function renderScan(report: ScanReport): string {
  const lines: string[] = [];
  if (report.uncovered.length === 0) lines.push("No uncovered PII-looking columns.");
  else {
    lines.push(`Uncovered PII-looking columns (${report.uncovered.length}): add a strategy, or keep once reviewed`);
    for (const f of report.uncovered) lines.push(`  ${f.table}.${f.column}  ${f.reason}`);
  }
  const kept = report.covered.filter((c) => c.strategy === "keep").length;
  lines.push(`Covered: ${report.covered.length} columns (${report.covered.length - kept} masked, ${kept} keep).`);
  return lines.join("\n");
}

/** Verify report for people: a summary line and every failed check. */
export function renderVerify(report: VerifyReport): string {
  const failed = report.checks.filter((c) => !c.ok);
  const head = !report.complete
    ? `verify ${report.database}: incomplete, ${report.progress.unitsDone} of ${report.progress.unitsTotal} steps done, ${failed.length} checks failed so far`
    : failed.length === 0
    ? `verify ${report.database}: ok, ${report.checks.length} checks passed`
    : `verify ${report.database}: FAILED, ${failed.length} of ${report.checks.length} checks failed`;
  const where = (c: (typeof failed)[number]) => [c.table, c.column].filter(Boolean).join(".");
  return [head, ...failed.map((c) => `  ${c.check}${where(c) ? ` ${where(c)}` : ""}: ${c.detail}`)].join("\n");
}

/** Run report for people. */
export function renderRun(report: RunReport): string {
  const chunks = report.tables.reduce((n, t) => n + t.chunks, 0);
  const lines = [
    `mask ${report.database}: ${report.complete ? "complete" : "incomplete"}, ${report.tables.length} tables, ` +
      `${chunks} chunks (${report.chunksThisCall} this call${report.resumed ? ", resumed" : ""}), ${report.timings.totalMs} ms`,
  ];
  for (const t of report.tables) {
    lines.push(`  ${t.table}: ${t.columns.length} columns, ${t.chunksDone}/${t.chunks} chunks, ${t.rowsChanged} rows changed`);
  }
  if (report.verify) lines.push(renderVerify(report.verify));
  return lines.join("\n");
}

/** `mask scan --write` for people: the file, and each suggestion with its reason. */
export function renderStarter(report: StarterReport): string {
  const keep = report.suggestions.filter((s) => s.strategy === "keep").length;
  const lines = [
    `Wrote ${report.written}: ${report.suggestions.length} flagged column${report.suggestions.length === 1 ? "" : "s"}, ` +
      `${report.suggestions.length - keep} with a suggested strategy, ${keep} keep.`,
  ];
  for (const s of report.suggestions) lines.push(`  ${s.table}.${s.column}: ${s.strategy}  (${s.reason})`);
  lines.push("Review it (every \"review:\" keep needs a decision), then: mask validate --rules <file>");
  return lines.join("\n");
}

/** `mask validate` for people: per table what would change, sample rows before → after, and what run would refuse. */
export function renderValidate(report: ValidateReport): string {
  const changes = report.tables.reduce((n, t) => n + t.columns.reduce((m, c) => m + c.wouldChange, 0), 0);
  const lines = [
    `validate ${report.database}: ${report.ok ? "ok" : "run would refuse"}; run would change ${changes} values in ` +
      `${report.tables.length} tables (nothing was written)`,
  ];
  for (const t of report.tables) {
    lines.push(`  ${t.table} (${t.rows} rows)`);
    for (const c of t.columns) lines.push(`    ${c.column}: ${c.strategy}, ${c.wouldChange} values would change`);
    for (const sample of t.samples) {
      const cells = Object.keys(sample.before).map((col) => `${col} ${show(sample.before[col])} → ${show(sample.after[col])}`);
      lines.push(`    row: ${cells.join("; ")}`);
    }
  }
  for (const f of report.uncovered) lines.push(`  uncovered: ${f.table}.${f.column} (${f.reason})`);
  for (const p of report.problems) lines.push(`  problem: ${p.table} (${p.kind}): ${p.detail}`);
  return lines.join("\n");
}

/** A sample value on one line: strings quoted, long ones cut. */
function show(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `mask reset` for people. */
export function renderReset(report: ResetReport): string {
  const removed = report.dropped.length === 0 ? "no bookkeeping tables to remove" : `removed ${report.dropped.join(", ")}`;
  return `reset ${report.database}: verified; ${removed}; kept ${DONE_TABLE}, the record of the masked tables, so they are never masked twice`;
}

/** `mask strategies` for people: one block per strategy. */
export function renderStrategies(list: { strategies: readonly StrategyInfo[] }): string {
  return list.strategies
    .map((s) => [`${s.name}`, `  writes: ${s.writes}`, `  fits: ${s.fits}`, `  unique columns: ${s.uniqueSafe}`, `  deterministic: ${s.deterministic ? "yes" : "no"}`].join("\n"))
    .join("\n");
}
