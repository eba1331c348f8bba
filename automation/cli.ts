/**
 * The command table. Each command is a plain async function in automation/commands/; this file only wires
 * arguments to them and prints their results. automation/main.ts owns the exit code.
 */
import { Command, Option } from "commander";
import { cloneSummaryFromFile, renderFacts, stackFacts } from "./commands/ci";
import { assertNoMandatoryViolations, plan, renderPlan } from "./commands/plan";

/** Where a command's human-readable progress goes: stderr, so that stdout carries only results (`--json`). */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Builds the `data-platform` command line. Commander's own exits are turned into thrown errors by main.ts. */
export function buildCli(io: Io): Command {
  const program = new Command("data-platform")
    .description("Aurora MySQL data platform: offline plan, masking engine, QA clones, BigQuery sync")
    .option("--verbose", "show stack traces on errors")
    // Commander would call process.exit itself; instead it throws, and main.ts picks the exit code.
    // Set before the subcommands are added, so that they inherit it.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command("plan")
    .description("show offline what `pulumi up` would create for a stack (runs the real program under mocks)")
    .argument("<stack>", "stack name: a Pulumi.<stack>.yaml must exist (stg, prod)")
    .addOption(new Option("--json", "print the plan as one JSON document"))
    .addOption(new Option("--program <module>", "module whose default export is the program (default: stacks/platform.ts)"))
    .action(async (stack: string, opts: { json?: boolean; program?: string }) => {
      const result = await plan({ stack, program: opts.program });
      io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderPlan(result)}\n`);
      // The whole plan is printed first, so the violations are read in context; then the command fails (exit 1).
      assertNoMandatoryViolations(result);
    });

  const ci = program.command("ci").description("helpers for the GitHub workflows (.github/workflows)");
  ci.command("stack-facts")
    .description("print region, environment and whether BigQuery is on, as key=value lines for $GITHUB_OUTPUT")
    .argument("<stack>", "stack name")
    .action((stack: string) => {
      io.stdout(`${renderFacts(stackFacts(stack))}\n`);
    });
  ci.command("clone-summary")
    .description("render `qa create --json` output as a job summary, without any password")
    .argument("<file>", "file holding the QA CLI's JSON output")
    .requiredOption("--name <name>", "clone name")
    .action((file: string, opts: { name: string }) => {
      io.stdout(cloneSummaryFromFile(file, opts.name));
    });

  return program;
}
