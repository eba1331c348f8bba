/**
 * Entry point of every command line in this repo (the `data-platform` and `qa` bins, `npm run plan|mask|qa|bq-sync`).
 * The only place that prints a command's result and calls process.exit, with the codes in automation/errors.ts:
 * 0 success, 1 a check failed (a plan with a mandatory guardrail violation: the plan ran, and what it found must not
 * be deployed) or an operation failed, 2 usage or config error, 130 interrupted.
 */
import { createInterface } from "node:readline";
import { CommanderError } from "commander";
import { buildCli, longOptionNames } from "./cli";
import { npmJson, npmSwallowedOptions } from "./context";
import { InterruptedError, UsageError, exitCodeFor } from "./errors";
import { CommandOutput, type Io } from "./output";

/**
 * Questions for a person, when there is one: stdin and stderr both terminals. The question goes to stderr, so stdout
 * stays one document; Ctrl-C while asked interrupts (exit 130) and the end of input answers no.
 */
function terminalAsk(): Io["ask"] {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) =>
    new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        f();
        rl.close();
      };
      rl.on("SIGINT", () => settle(() => reject(new InterruptedError("interrupted before anything was written"))));
      rl.on("close", () => settle(() => resolve("")));
      rl.question(question, (answer) => settle(() => resolve(answer)));
    });
}

async function main(argv: string[]): Promise<number> {
  const io: Io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t), ask: terminalAsk() };
  const out = new CommandOutput();
  const program = buildCli(io, out);
  const verbose = argv.includes("--verbose");
  const json = argv.slice(2).includes("--json") || npmJson();
  try {
    const swallowed = npmSwallowedOptions(longOptionNames(program));
    if (swallowed.length > 0) {
      throw new UsageError(
        `npm took ${swallowed.join(", ")} as its own option${swallowed.length === 1 ? "" : "s"}: put -- before the command's options ` +
          `(npm run ${process.env.npm_lifecycle_event} -- …), or run the bin (npx data-platform …)`,
      );
    }
    await program.parseAsync(argv);
    io.stdout(out.success(json));
    return 0;
  } catch (err) {
    const code = exitCodeFor(err);
    if (err instanceof CommanderError && code === 0) return code; // --help, --version: already printed
    io.stdout(out.failure(json, err));
    // Commander has already printed its own message on stderr.
    if (!(err instanceof CommanderError)) io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
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
