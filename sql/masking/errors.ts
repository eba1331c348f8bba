/** Errors of the masking engine. The CLI maps MaskingUsageError (and RulesError) to exit code 2, the rest to 1. */

/** Input the user can fix: a bad URL, an unreachable database, a missing salt, uncovered PII, an unsupported table. */
export class MaskingUsageError extends Error {
  override readonly name: string = "MaskingUsageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The rules file is unreadable or invalid, or names tables, columns or strategies that do not fit the database. */
export class RulesError extends MaskingUsageError {
  override readonly name: string = "RulesError";
}

/** The database failed during a run (a chunk, a lock, bookkeeping). Exit code 1; the run can be resumed. */
export class MaskingError extends Error {
  override readonly name: string = "MaskingError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A server error's message without the quoted literals: MySQL and MariaDB quote row values in messages such as
 * "Duplicate entry '…' for key", and this project never prints row values.
 */
export function describeSqlError(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const e = err as { code?: unknown; errno?: unknown; sqlMessage?: unknown; message?: unknown };
    const text = typeof e.sqlMessage === "string" ? e.sqlMessage : typeof e.message === "string" ? e.message : "";
    const redacted = text.replace(/'(?:[^'\\]|\\.)*'/g, "'…'");
    const code = typeof e.code === "string" ? e.code : "error";
    return typeof e.errno === "number" ? `${code} (${e.errno}): ${redacted}` : `${code}: ${redacted}`;
  }
  return String(err);
}
