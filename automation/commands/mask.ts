/**
 * `mask scan|run|verify`: the masking engine (sql/masking) on the command line. Each command is a plain async
 * function over the library; the renderers turn its report into text for people.
 */
import {
  type ProgressCallback,
  type RunReport,
  type ScanReport,
  type VerifyReport,
  loadRules,
  run,
  scan,
  verify,
} from "../../sql/masking";

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
