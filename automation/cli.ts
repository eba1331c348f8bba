/**
 * The command table. Each command is a plain async function in automation/commands/; this file only wires
 * arguments to them and prints their results. automation/main.ts owns the exit code.
 */
import { Command, Option } from "commander";
import { type TableSource, bqSync, defaultSources, renderBqSync } from "./commands/bqSync";
import { plan, renderPlan } from "./commands/plan";

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
    .action(async (stack: string, opts: { json?: boolean }) => {
      const result = await plan({ stack });
      io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderPlan(result)}\n`);
    });

  program
    .command("bq-sync")
    .description("compare the stack's BigQuery table list with the real schema; --write updates Pulumi.<stack>.yaml")
    .requiredOption("--stack <stack>", "stack name: a Pulumi.<stack>.yaml with a data-platform:bigquery block")
    .addOption(new Option("--from <source>", "where the real table list comes from").choices(["catalog", "database"]).default("catalog"))
    .option("--url <url>", "mysql://user@host[:port] for --from database; password from MYSQL_PWD or the URL")
    .option("--write", "update data-platform:bigquery.tables in Pulumi.<stack>.yaml, keeping its comments")
    .addOption(new Option("--json", "print the result as one JSON document"))
    .action(async (opts: { stack: string; from: TableSource; url?: string; write?: boolean; json?: boolean }) => {
      const result = await bqSync(
        { stack: opts.stack, from: opts.from, url: opts.url, write: opts.write, progress: (l) => io.stderr(`${l}\n`) },
        defaultSources(),
      );
      io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderBqSync(result)}\n`);
    });

  return program;
}
