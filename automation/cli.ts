/**
 * The command table. Each command is a plain async function in automation/commands/; this file only wires
 * arguments to them and prints their results. automation/main.ts owns the exit code.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { ProgressEvent } from "../sql/masking";
import { DEFAULT_RULES, maskRun, maskScan, maskVerify, renderRun, renderScan, renderVerify } from "./commands/mask";
import { plan, renderPlan } from "./commands/plan";
import { CheckFailedError } from "./errors";

/** Where a command's human-readable progress goes: stderr, so that stdout carries only results (`--json`). */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/** Options every `mask` subcommand takes. */
interface MaskCliOptions {
  url: string;
  rules: string;
  json?: boolean;
  concurrency?: number;
  chunkSize?: number;
}

/**
 * Builds the `data-platform` command line. Commander's own exits are turned into thrown errors by main.ts.
 * `env` supplies MYSQL_PWD (database password) and MASKING_SALT (masking secret), which never appear as flags.
 */
export function buildCli(io: Io, env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command("data-platform")
    .description("Aurora MySQL data platform: offline plan, masking engine, QA clones, BigQuery sync")
    .option("--verbose", "show stack traces on errors")
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command("plan")
    .description("show offline what `pulumi up` would create for a stack (runs the real program under mocks)")
    .argument("<stack>", "stack name: a Pulumi.<stack>.yaml must exist (stg, prod)")
    .addOption(new Option("--json", "print the plan as one JSON document"))
    .action(async (stack: string, opts: { json?: boolean }) => {
      const result = await plan({ stack });
      io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderPlan(result)}\n`);
    });

  const mask = program.command("mask").description("mask PII in a MySQL or MariaDB database: scan, run, verify");
  const maskCommand = (name: string, description: string) =>
    mask
      .command(name)
      .description(description)
      .requiredOption("--url <url>", "mysql://user@host:port/database (password from the URL or MYSQL_PWD)")
      .option("--rules <path>", "masking rules file", DEFAULT_RULES)
      .addOption(new Option("--json", "print the report as one JSON document"));
  const started = Date.now();
  const progress = (e: ProgressEvent) => io.stderr(`[mask ${((Date.now() - started) / 1000).toFixed(1)}s] ${e.phase}: ${e.message}\n`);
  const common = (o: MaskCliOptions) => ({ url: o.url, rules: o.rules, password: env.MYSQL_PWD, onProgress: progress });
  const print = (json: boolean | undefined, report: unknown, text: string) => io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : `${text}\n`);

  maskCommand("scan", "list PII-looking columns the rules do not cover (exit 1 when there are any)").action(async (o: MaskCliOptions) => {
    const report = await maskScan(common(o));
    print(o.json, report, renderScan(report));
    if (report.uncovered.length > 0) throw new CheckFailedError(`${report.uncovered.length} PII-looking columns are not covered by ${o.rules}`);
  });

  maskCommand("run", "mask every covered column (salt from MASKING_SALT), then verify")
    .option("--concurrency <n>", "parallel connections (default: what the server can take, 1 to 4)", positiveInt)
    .option("--chunk-size <n>", "rows per chunk (default 10000)", positiveInt)
    .action(async (o: MaskCliOptions) => {
      // Ctrl-C stops new chunks; chunks in flight commit, and a later run resumes.
      const interrupt = new AbortController();
      const onSigint = () => interrupt.abort();
      process.once("SIGINT", onSigint);
      try {
        const report = await maskRun({ ...common(o), salt: env.MASKING_SALT, concurrency: o.concurrency, chunkSize: o.chunkSize, signal: interrupt.signal });
        print(o.json, report, renderRun(report));
        if (!report.complete) throw new CheckFailedError(`interrupted with ${report.chunksRemaining} chunks left: run again to resume`);
        if (report.verify && !report.verify.ok) throw new CheckFailedError("masked, but verification failed");
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });

  maskCommand("verify", "prove a masked database holds no fingerprinted original and every value has its shape").action(
    async (o: MaskCliOptions) => {
      const report = await maskVerify({ ...common(o), salt: env.MASKING_SALT });
      print(o.json, report, renderVerify(report));
      if (!report.ok) throw new CheckFailedError("verification failed");
    },
  );

  return program;
}
