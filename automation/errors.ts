/** Errors the CLI entry point maps to exit codes: usage and config problems exit 2, everything else 1. */

/** Bad arguments, a missing file, an unknown stack: the user can fix it. Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A check ran and found problems (uncovered PII, a failed verification, an interrupted run). Exit code 1. */
export class CheckFailedError extends Error {
  override readonly name = "CheckFailedError";
}
