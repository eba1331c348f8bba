/**
 * The `mask` part of the command table: scan (and --write a starter rules file), validate, run, verify, reset,
 * strategies. Each action calls a plain function of automation/commands/mask.ts and hands its result to
 * {@link CommandOutput}; automation/main.ts prints it and owns the exit code.
 */
import path from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { ProgressEvent } from "../sql/masking";
import {
  DEFAULT_RULES,
  maskReset,
  maskRun,
  maskScan,
  maskScanWrite,
  maskStrategies,
  maskValidate,
  maskVerify,
  maskedByRules,
  renderReset,
  renderRun,
  renderScan,
  renderStarter,
  renderStrategies,
  renderValidate,
  renderVerify,
  runSummary,
} from "./commands/mask";
import { parseConfig } from "../stacks/config";
import { PACKAGE_ROOT, projectDir, userPath } from "./context";
import { readStackConfig } from "./stackFiles";
import { CheckFailedError, InterruptedError, NotConfirmedError } from "./errors";
import type { CommandOutput, Io } from "./output";
import { progressLine } from "./progress";

/** Options every `mask` subcommand that reads a database takes. */
interface MaskCliOptions {
  url: string;
  rules?: string;
  stack?: string;
  configDir?: string;
  json?: boolean;
}

/**
 * The rules a stack masks with: its golden's `maskingRules`, else its QA clones' (both default to sql/masking.yaml).
 * Stack files name rules relative to the program, as `pulumi up` bundles them (stacks/config.ts).
 */
export function stackMaskingRules(stack: string, dir: string): string {
  const cfg = parseConfig(readStackConfig(stack, dir).config);
  const file = cfg.golden?.maskingRules ?? (cfg.qa?.enabled ? cfg.qa.maskingRules : undefined) ?? DEFAULT_RULES;
  return path.resolve(PACKAGE_ROOT, file);
}

/** Tables verify will check, for its progress; unknown while the rules file cannot be read (the command then says why). */
function verifyTables(rulesPath: string): number | undefined {
  try {
    return maskedByRules(rulesPath).tables;
  } catch {
    return undefined;
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("expected 0 or a positive integer");
  return n;
}

/**
 * Adds `mask …` to the program. `env` supplies MYSQL_PWD (used when the URL carries no password) and MASKING_SALT,
 * which never appear as flags.
 */
export function addMaskCommands(program: Command, io: Io, out: CommandOutput, env: NodeJS.ProcessEnv): void {
  const mask = program.command("mask").description("mask PII in a MySQL or MariaDB database: scan, validate, run, verify, reset");
  const maskCommand = (name: string, description: string, rulesHelp = `masking rules file (default: ${DEFAULT_RULES} in the project directory)`) =>
    mask
      .command(name)
      .description(description)
      .requiredOption("--url <url>", "mysql://user@host:port/database (password from the URL, else MYSQL_PWD)")
      .option("--rules <path>", rulesHelp)
      .addOption(new Option("--stack <stack>", "use the rules this stack masks with (golden.maskingRules, else qa.maskingRules; default $DATA_PLATFORM_STACK when set)"))
      .addOption(new Option("--config-dir <dir>", "directory holding Pulumi.yaml and the stack files (default: the nearest one at or above the current directory)"))
      .addOption(new Option("--json", "print the report as one JSON document"));
  // --rules wins; else a stack named by --stack or $DATA_PLATFORM_STACK gives its rules; else the project's default.
  const rulesOf = (o: MaskCliOptions): string => {
    if (o.rules !== undefined) return userPath(o.rules);
    const stack = o.stack ?? (env.DATA_PLATFORM_STACK || undefined);
    return stack !== undefined ? stackMaskingRules(stack, projectDir(o.configDir)) : path.join(projectDir(o.configDir), DEFAULT_RULES);
  };
  const common = (o: MaskCliOptions) => {
    const rules = rulesOf(o);
    const progress = progressLine("mask", io.stderr, Date.now, { verifyTables: verifyTables(rules) });
    return { url: o.url, rules, password: env.MYSQL_PWD, onProgress: (e: ProgressEvent) => progress(e) };
  };

  maskCommand("scan", "list PII-looking columns the rules do not cover (exit 1 when there are any); --write a starter rules file")
    .option("--write <file>", "write a starter rules file: a strategy fitted to each flagged column, keep with the reason for the rest")
    .action(async (o: MaskCliOptions & { write?: string }) => {
      if (o.write !== undefined) {
        // A newcomer's database has nothing in common with the example rules: start from none unless --rules or --stack says.
        const report = await maskScanWrite({ ...common(o), rules: o.rules === undefined && o.stack === undefined ? undefined : rulesOf(o), write: userPath(o.write) });
        out.set(report, renderStarter(report));
        return;
      }
      const options = common(o);
      const report = await maskScan(options);
      out.set(report, renderScan(report));
      if (report.uncovered.length > 0) throw new CheckFailedError(`${report.uncovered.length} PII-looking columns are not covered by ${options.rules}`);
    });

  maskCommand("validate", "show what run would change, with sample rows before → after (salt from MASKING_SALT); writes nothing")
    .option("--rows <n>", "sample rows shown per table (default 3; 0 shows none)", nonNegativeInt)
    .action(async (o: MaskCliOptions & { rows?: number }) => {
      const report = await maskValidate({ ...common(o), salt: env.MASKING_SALT, sampleRows: o.rows });
      out.set(report, renderValidate(report));
      if (!report.ok) {
        throw new CheckFailedError(`run would refuse: ${report.uncovered.length} uncovered PII-looking columns, ${report.problems.length} plan-time problems`);
      }
    });

  maskCommand("run", "mask every covered column in place (salt from MASKING_SALT), then verify; asks first in a terminal")
    .option("--yes", "do not ask for confirmation")
    .option("--concurrency <n>", "parallel connections (default: what the server can take, 1 to 4)", positiveInt)
    .option("--chunk-size <n>", "rows per chunk (default 10000)", positiveInt)
    .action(async (o: MaskCliOptions & { yes?: boolean; concurrency?: number; chunkSize?: number }) => {
      const options = common(o);
      // In a terminal, a person confirms an in-place rewrite; scripts and jobs (no terminal) pass --yes or run as is.
      if (!o.yes && io.ask) {
        const answer = await io.ask(`mask run rewrites ${runSummary(options)} in place; masked values cannot be turned back. Continue? [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) throw new NotConfirmedError("not confirmed: nothing was written");
      }
      // Ctrl-C stops new chunks; chunks in flight commit, and a later run resumes.
      const interrupt = new AbortController();
      const onSigint = () => interrupt.abort();
      process.once("SIGINT", onSigint);
      process.once("SIGTERM", onSigint);
      try {
        const report = await maskRun({ ...options, salt: env.MASKING_SALT, concurrency: o.concurrency, chunkSize: o.chunkSize, signal: interrupt.signal });
        out.set(report, renderRun(report));
        if (!report.complete) {
          const why = `with ${report.chunksRemaining} chunks left: run again to resume`;
          throw interrupt.signal.aborted ? new InterruptedError(`interrupted ${why}`) : new CheckFailedError(`stopped ${why}`);
        }
        if (report.verify && !report.verify.ok) throw new CheckFailedError("masked, but verification failed");
      } finally {
        process.removeListener("SIGINT", onSigint);
        process.removeListener("SIGTERM", onSigint);
      }
    });

  maskCommand("verify", "prove a masked database holds no fingerprinted original and every value has its shape").action(async (o: MaskCliOptions) => {
    const report = await maskVerify({ ...common(o), salt: env.MASKING_SALT });
    out.set(report, renderVerify(report));
    if (!report.ok) throw new CheckFailedError("verification failed");
  });

  maskCommand("reset", "remove the engine's _masking_* bookkeeping once the run is complete and passes verify").action(async (o: MaskCliOptions) => {
    const report = await maskReset({ ...common(o), salt: env.MASKING_SALT });
    out.set(report, renderReset(report));
  });

  mask
    .command("strategies")
    .description("list every masking strategy, what it writes and what it fits")
    .addOption(new Option("--json", "print the list as one JSON document"))
    .action(() => {
      const list = maskStrategies();
      out.set(list, renderStrategies(list));
    });
}
