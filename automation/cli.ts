/**
 * The command table. Each command is a plain async function in automation/commands/; this file only wires
 * arguments to them and hands their results to {@link CommandOutput}. automation/main.ts prints the result (text,
 * or one JSON document with --json) and owns the exit code.
 *
 * One dialect for every command: `--stack` (else $DATA_PLATFORM_STACK, else stg; `plan` and `ci stack-facts` also
 * take it as their argument), `--config-dir` (else the nearest Pulumi.yaml at or above the caller's directory),
 * `--json`, paths resolved from the caller's directory, progress on stderr.
 */
import { Command, Option } from "commander";
import { type TableSource, bqSync, defaultSources, renderBqSync } from "./commands/bqSync";
import { cloneSummaryFromFile, renderFacts, stackFacts } from "./commands/ci";
import { assertNoMandatoryViolations, plan, planDiff, renderDiff, renderPlan } from "./commands/plan";
import { requireCloneName, requireTtl } from "./commands/qa/common";
import { createClone, validateCreate, validateCreateFlags } from "./commands/qa/create";
import { destroyClone, extendClone } from "./commands/qa/lifecycle";
import { listClones, renderCloneTable } from "./commands/qa/list";
import { ReapIncompleteError, reapClones } from "./commands/qa/reap";
import { defaultOwner, publishedGoldenFor, realConnectRunner, realDeps, renderCreated, renderReap } from "./commands/qa/runtime";
import { recoverClone } from "./commands/qa/recover";
import { clonePassword, cloneStatus, connectClone, connectionString, renderStatus, resetClone } from "./commands/qa/access";
import { defaultDoctorClients, doctor, doctorConfig, renderDoctor } from "./commands/doctor";
import { projectDir, resolveStack, userPath } from "./context";
import { addMaskCommands } from "./cliMask";
import { CheckFailedError, InterruptedError } from "./errors";
import { CommandOutput, type Io } from "./output";
import { withInterrupts } from "./qa/interrupt";
import { loadQaSettings } from "./qa/settings";

export type { Io } from "./output";

/** This package's version, for `--version`. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require("../package.json") as { version: string }).version;

/** Options of every command that reads a stack. */
interface StackFlags {
  stack?: string;
  configDir?: string;
  json?: boolean;
}

/** `--stack`, `--config-dir` and `--json`, with the same words everywhere. */
function withStack(cmd: Command): Command {
  return cmd
    .addOption(new Option("--stack <stack>", "stack: a Pulumi.<stack>.yaml in the project directory (default $DATA_PLATFORM_STACK, else stg)"))
    .addOption(new Option("--config-dir <dir>", "directory holding Pulumi.yaml and the stack files (default: the nearest one at or above the current directory)"))
    .addOption(new Option("--json", "print one JSON document on stdout (progress stays on stderr)"));
}

/** The stack and project directory a command's flags name. */
function stackOf(flags: StackFlags, positional?: string): { stack: string; dir: string } {
  return { stack: resolveStack(flags.stack, positional), dir: projectDir(flags.configDir) };
}

/**
 * Builds the `data-platform` command line; each action hands its result to `out`. Commander's own exits are turned
 * into thrown errors by main.ts. `env` supplies MYSQL_PWD (database password) and MASKING_SALT (masking secret),
 * which never appear as flags.
 */
export function buildCli(io: Io, out: CommandOutput, env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command("data-platform")
    .description("Aurora MySQL data platform: offline plan, masking engine, QA clones, BigQuery sync")
    .version(VERSION, "--version", "print the version")
    .option("--verbose", "show stack traces on errors")
    .addHelpText("after", "\nExit codes: 0 success, 1 a check failed or an operation failed, 2 usage or config error, 130 interrupted.")
    // Commander would call process.exit itself; instead it throws, and main.ts picks the exit code.
    // Set before the subcommands are added, so that they inherit it.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  withStack(program.command("plan"))
    .description("show offline what `pulumi up` would create for a stack (runs the real program under mocks)")
    .argument("[stack]", "stack name, the same as --stack")
    .addOption(new Option("--program <module>", "module whose default export is the program (default: stacks/platform.ts)"))
    .addOption(new Option("--diff <base>", "show what changes against a plan JSON file or a git ref (e.g. origin/main)"))
    .action(async (positional: string | undefined, opts: StackFlags & { program?: string; diff?: string }) => {
      const { stack, dir } = stackOf(opts, positional);
      const program = opts.program === undefined ? undefined : userPath(opts.program);
      if (opts.diff !== undefined) {
        const diff = await planDiff({ stack, dir, program, base: opts.diff, resolvePath: (p) => userPath(p), progress: (l) => io.stderr(`${l}\n`) });
        out.set(diff, renderDiff(diff));
        return;
      }
      const result = await plan({ stack, dir, program });
      out.set(result, renderPlan(result));
      // The whole plan is printed first, so the violations are read in context; then the command fails (exit 1).
      assertNoMandatoryViolations(result);
    });

  // A command as well as the flag: npx and npm take a bare --version as their own (`npx data-platform --version`
  // prints npm's version).
  program
    .command("version")
    .description("print the version, as --version does")
    .addOption(new Option("--json", "print {version} as one JSON document"))
    .action(() => out.set({ version: VERSION }, VERSION));

  addMaskCommands(program, io, out, env);

  withStack(program.command("bq-sync"))
    .description("compare the stack's BigQuery table list with the real schema; --write updates Pulumi.<stack>.yaml")
    .addOption(new Option("--from <source>", "where the real table list comes from").choices(["catalog", "database"]).default("catalog"))
    .option("--url <url>", "mysql://user@host[:port] for --from database (password from the URL, else MYSQL_PWD)")
    .option("--write", "update data-platform:bigquery.tables in Pulumi.<stack>.yaml, keeping its comments")
    .action(async (opts: StackFlags & { from: TableSource; url?: string; write?: boolean }) => {
      const { stack, dir } = stackOf(opts);
      const result = await bqSync({ stack, dir, from: opts.from, url: opts.url, write: opts.write, progress: (l) => io.stderr(`${l}\n`) }, defaultSources(env));
      out.set(result, renderBqSync(result));
    });

  withStack(program.command("doctor"))
    .description("read-only check of a deployed stack in the real account: export, tables, Athena, alarms, golden, QA clones, BigQuery")
    .argument("[stack]", "stack name, the same as --stack")
    .action(async (positional: string | undefined, opts: StackFlags) => {
      const { stack, dir } = stackOf(opts, positional);
      const cfg = doctorConfig(stack, dir);
      const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
      const identity = await new STSClient({ region: cfg.region }).send(new GetCallerIdentityCommand({}));
      io.stderr(`checking stack ${stack} in account ${identity.Account} (${cfg.region}) as ${identity.Arn}\n`);
      const report = await doctor({ stack, dir, accountId: identity.Account ?? "", googleAccessToken: env.GOOGLE_OAUTH_ACCESS_TOKEN }, defaultDoctorClients(cfg.region));
      out.set(report, renderDoctor(report));
      if (report.summary.fail > 0) throw new CheckFailedError(`${report.summary.fail} check(s) failed`);
    });

  const ci = program.command("ci").description("helpers for the GitHub workflows (.github/workflows)");
  withStack(ci.command("stack-facts"))
    .description("print region, environment and whether BigQuery is on, as key=value lines for $GITHUB_OUTPUT")
    .argument("[stack]", "stack name, the same as --stack")
    .action((positional: string | undefined, opts: StackFlags) => {
      const { stack, dir } = stackOf(opts, positional);
      const facts = stackFacts(stack, dir);
      out.set(facts, renderFacts(facts));
    });
  ci.command("clone-summary")
    .description("render `qa create --json` output as a job summary, without any password")
    .argument("<file>", "file holding the QA CLI's JSON output")
    .requiredOption("--name <name>", "clone name")
    .addOption(new Option("--json", "print {markdown} as one JSON document"))
    .action((file: string, opts: { name: string }) => {
      const markdown = cloneSummaryFromFile(userPath(file), opts.name);
      out.set({ markdown }, markdown);
    });

  addQaCommands(program, io, out);
  return program;
}

/**
 * Runs an interruptible operation: Ctrl-C (or SIGTERM) aborts it, it cleans up after itself, and the error it then
 * ends with becomes an InterruptedError (exit 130).
 */
function interruptible<T>(io: Io, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withInterrupts(process, io.stderr, async (signal) => {
    try {
      return await work(signal);
    } catch (err) {
      if (!signal.aborted) throw err;
      throw new InterruptedError(`interrupted: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  });
}

/** `qa create|list|status|password|connect|extend|reset|destroy|recover|reap`: every argument is validated before the Automation API is loaded. */
function addQaCommands(program: Command, io: Io, out: CommandOutput): void {
  const qa = program
    .command("qa")
    .description("masked, short-lived, isolated Aurora clones (Pulumi Automation API; any backend you are logged into)");
  const settingsOf = (o: StackFlags) => {
    const { stack, dir } = stackOf(o);
    return loadQaSettings(stack, dir);
  };

  withStack(qa.command("create"))
    .description("create a masked clone: up, mask, verify, then print how to connect")
    .argument("<name>", "clone name: a-z, 0-9 and single hyphens, at most 24 characters; the stack is qa-<name>")
    .option("--ttl <duration>", "time to live, e.g. 90m, 4h, 3d (default and maximum from config)")
    .option("--source <cluster>", "source cluster (one of the configured sources; default the first)")
    .option("--instance-class <class>", "instance class (default from config)")
    .option("--owner <owner>", "owner tag ($QA_OWNER, else your login name)")
    .option("--show-secrets", "print the clone's password")
    .option("--created-by <id>", "recorded as the stack tag created-by (CI passes its run), for `qa recover --created-by`")
    .action(async (name: string, o: StackFlags & { ttl?: string; source?: string; instanceClass?: string; owner?: string; showSecrets?: boolean; createdBy?: string }) => {
      const settings = settingsOf(o);
      const flags = { name, ttl: o.ttl, source: o.source, instanceClass: o.instanceClass, owner: o.owner, createdBy: o.createdBy };
      // Flags first, so a typo never waits on AWS. The published golden is the default source when the stack has
      // one; a configured raw --source needs no AWS call (and is masked).
      validateCreateFlags(settings, flags, defaultOwner());
      const raw = o.source !== undefined && settings.qa.sourceClusterIdentifiers.includes(o.source);
      const request = validateCreate(settings, flags, defaultOwner(), raw ? undefined : await publishedGoldenFor(settings));
      const deps = await realDeps(settings, io.stderr);
      const created = await interruptible(io, (signal) => createClone(settings, request, deps, { signal, showSecrets: o.showSecrets }));
      out.set(created, renderCreated(created));
    });

  withStack(qa.command("list"))
    .description("list clones: name, owner, created, expires, status, endpoint")
    .action(async (o: StackFlags) => {
      const settings = settingsOf(o);
      const clones = await listClones(await realDeps(settings, io.stderr));
      out.set({ stack: settings.stack, clones }, renderCloneTable(clones));
    });

  withStack(qa.command("extend"))
    .description("move a clone's expiry to now + ttl, never past the maximum after its creation")
    .argument("<name>", "clone name")
    .requiredOption("--ttl <duration>", "new time to live from now, e.g. 8h")
    .action(async (name: string, o: StackFlags & { ttl: string }) => {
      const settings = settingsOf(o);
      requireCloneName(name);
      requireTtl(o.ttl, settings.qa.maxTtl);
      const r = await extendClone(settings, { name, ttl: o.ttl }, await realDeps(settings, io.stderr));
      out.set(r, `${r.name} now expires at ${r.expiresAt} (at most ${r.maxExpiresAt})`);
    });

  withStack(qa.command("destroy"))
    .description("destroy a clone, then remove its stack")
    .argument("<name>", "clone name")
    .option("--force", "as `qa recover`: cancel a stale lock and clear interrupted creates first")
    .action(async (name: string, o: StackFlags & { force?: boolean }) => {
      const settings = settingsOf(o);
      requireCloneName(name);
      const deps = await realDeps(settings, io.stderr);
      const r = o.force ? await recoverClone({ name }, deps) : await destroyClone({ name }, deps);
      out.set(r, "warning" in r && r.warning ? `${r.name} destroyed\nwarning: ${r.warning}` : `${r.name} destroyed`);
    });

  withStack(qa.command("recover"))
    .description("destroy a stuck clone (e.g. after a killed create): cancel its stale lock, clear interrupted creates, destroy, remove the stack")
    .argument("<name>", "clone name")
    .option("--created-by <id>", "only if the stack's created-by tag is <id> (as `qa create --created-by` set it)")
    .action(async (name: string, o: StackFlags & { createdBy?: string }) => {
      const settings = settingsOf(o);
      requireCloneName(name);
      const r = await recoverClone({ name, createdBy: o.createdBy }, await realDeps(settings, io.stderr));
      out.set(r, r.warning ? `${r.name} recovered and destroyed\nwarning: ${r.warning}` : `${r.name} recovered and destroyed`);
    });

  withStack(qa.command("status"))
    .description("one clone in detail: status, owner, source, expiry, endpoint, interrupted operations (never the password)")
    .argument("<name>", "clone name")
    .action(async (name: string, o: StackFlags) => {
      const settings = settingsOf(o);
      const r = await cloneStatus({ name }, await realDeps(settings, io.stderr));
      out.set(r, renderStatus(r));
    });

  withStack(qa.command("password"))
    .description("print a clone's admin password")
    .argument("<name>", "clone name")
    .action(async (name: string, o: StackFlags) => {
      const settings = settingsOf(o);
      const r = await clonePassword({ name }, await realDeps(settings, io.stderr));
      out.set(r, r.password);
    });

  withStack(qa.command("connect"))
    .description("open the tunnel to a clone and start the mysql client on it (--print: print a connection string instead)")
    .argument("<name>", "clone name")
    .option("--print", "print the tunnel command and a mysql:// URL instead of connecting")
    .option("--show-secrets", "with --print, put the password in the URL")
    .action(async (name: string, o: StackFlags & { print?: boolean; showSecrets?: boolean }) => {
      const settings = settingsOf(o);
      if (o.print || o.json) {
        const r = await connectionString(settings, { name, showSecrets: o.showSecrets }, await realDeps(settings, io.stderr));
        out.set(r, [`# tunnel (leave it running):`, r.tunnel, `# then:`, r.url].join("\n"));
        return;
      }
      requireCloneName(name);
      const code = await connectClone(settings, { name }, await realDeps(settings, io.stderr), realConnectRunner());
      if (code !== 0) throw new CheckFailedError(`mysql exited with ${code}`);
    });

  withStack(qa.command("reset"))
    .description("destroy a clone and create it again, same name, endpoint and expiry, from the newest masked golden")
    .argument("<name>", "clone name")
    .action(async (name: string, o: StackFlags) => {
      const settings = settingsOf(o);
      requireCloneName(name);
      const r = await resetClone(settings, { name }, await realDeps(settings, io.stderr), await publishedGoldenFor(settings));
      out.set(r, `${r.name} now holds ${r.source} (was ${r.previousSource}); endpoint ${r.endpoint}; expires ${r.expiresAt}`);
    });

  withStack(qa.command("reap"))
    .description("destroy every clone past its expiry (run it on a schedule)")
    .option("--dry-run", "only list what would be destroyed")
    .action(async (o: StackFlags & { dryRun?: boolean }) => {
      const settings = settingsOf(o);
      const result = await reapClones({ dryRun: o.dryRun }, await realDeps(settings, io.stderr));
      out.set(result, renderReap(result));
      if (result.failed.length > 0) {
        throw new ReapIncompleteError(`${result.failed.length} expired clone(s) could not be destroyed: ${result.failed.map((f) => f.name).join(", ")}`);
      }
    });
}

/** Every long option name of a command tree (`ttl`, `chunk-size`, …), for spotting options npm swallowed. */
export function longOptionNames(cmd: Command): string[] {
  const own = cmd.options.map((o) => o.long?.replace(/^--/, "")).filter((n): n is string => n !== undefined);
  return [...own, ...cmd.commands.flatMap((c) => longOptionNames(c))];
}
