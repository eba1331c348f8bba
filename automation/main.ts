/**
 * Entry point of every command line in this repo (`npm run plan|mask|qa|bq-sync|doctor`, and the `qa` bin).
 * The only place that calls process.exit: 0 success, 2 usage or config error, 1 anything else (including a plan
 * with a mandatory guardrail violation: the plan ran, and what it found must not be deployed).
 */
import { CommanderError } from "commander";
import { MaskingUsageError } from "../sql/masking";
import { ConfigError } from "../stacks/config";
import { buildCli } from "./cli";
import { UsageError } from "./errors";

/** Exit code for an error: 2 when the user can fix their input, 1 otherwise. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof MaskingUsageError) return 2;
  // Commander reports help and --version as errors with exit code 0; everything else it raises is a usage error.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof Error && err.name === "UsageError") return 2;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
  const program = buildCli(io);
  const verbose = argv.includes("--verbose");
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const code = exitCodeFor(err);
    if (err instanceof CommanderError) return code; // commander already printed its message
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`error: ${message}\n`);
    if (verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return code;
  }
}

/**
 * Exits once stdout and stderr have drained: writes to a pipe are queued, and process.exit drops what is still
 * queued (a `plan --json` longer than the 64 KiB pipe buffer came out cut short). Write callbacks run in order, so
 * an empty write's callback runs after everything written before it.
 */
function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

main(process.argv).then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
    exitAfterFlush(1);
  },
);
