/**
 * Errors the command line maps to exit codes, and the exit codes themselves. Every command uses the same four:
 * 0 success, 1 a check failed or something broke, 2 a usage or config error (the user can fix the input),
 * 130 interrupted (Ctrl-C, or SIGTERM), as a shell reports a process ended by SIGINT (128 + 2).
 */
import { CommanderError } from "commander";
import { MaskingUsageError } from "../sql/masking";
import { ConfigError } from "../stacks/config";

/** The exit codes of every command (README, "Command line"). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Bad arguments, a missing file, an unknown stack: the user can fix it. Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A check ran and found problems (uncovered PII, a failed verification, a guardrail violation). Exit code 1. */
export class CheckFailedError extends Error {
  override readonly name = "CheckFailedError";
}

/** A person was asked to confirm a change and did not; nothing was changed. Exit code 1. */
export class NotConfirmedError extends Error {
  override readonly name = "NotConfirmedError";
}

/** The user interrupted the command (Ctrl-C or SIGTERM); whatever cleanup it does has run. Exit code 130. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
}

/** Exit code for an error: 2 when the user can fix their input, 130 for an interrupt, 1 otherwise. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof InterruptedError) return EXIT.interrupted;
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof MaskingUsageError) return EXIT.usage;
  // Commander reports help and --version as errors with exit code 0; everything else it raises is a usage error.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof Error && (err.name === "UsageError" || err.name === "ConfigError")) return EXIT.usage;
  return EXIT.failed;
}

/** The `error` member of a `--json` document: what failed, in words, with the exit code the process ends with. */
export interface ErrorDocument {
  readonly name: string;
  readonly message: string;
  readonly exitCode: number;
  /** Config problems, one per key path (ConfigError). */
  readonly problems?: readonly string[];
}

/** The JSON form of any error a command throws; never includes a stack trace. */
export function errorDocument(err: unknown): ErrorDocument {
  const exitCode = exitCodeFor(err);
  if (err instanceof ConfigError) return { name: err.name, message: err.message.split("\n")[0], exitCode, problems: err.problems };
  if (err instanceof CommanderError) return { name: "UsageError", message: err.message.replace(/^error: /, ""), exitCode };
  if (err instanceof Error) return { name: err.name, message: err.message, exitCode };
  return { name: "Error", message: String(err), exitCode };
}
