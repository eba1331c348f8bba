/**
 * The command table. Each command is a plain async function in automation/commands/; this file only wires
 * arguments to them and prints their results. automation/main.ts owns the exit code.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { cloneSummaryFromFile, renderFacts, stackFacts } from "./commands/ci";
import { assertNoMandatoryViolations, plan, renderPlan } from "./commands/plan";
import { requireCloneName, requireTtl } from "./commands/qa/common";
import { createClone, validateCreate, validateCreateFlags } from "./commands/qa/create";
import { destroyClone, extendClone } from "./commands/qa/lifecycle";
import { listClones, renderCloneTable } from "./commands/qa/list";
import { ReapIncompleteError, reapClones } from "./commands/qa/reap";
import { recoverClone } from "./commands/qa/recover";
import { clonePassword, cloneStatus, connectClone, connectionString, renderStatus, resetClone } from "./commands/qa/access";
import { REPO_ROOT, defaultOwner, defaultStack, publishedGoldenFor, realConnectRunner, realDeps, renderCreated, renderReap } from "./commands/qa/runtime";
import { withInterrupts } from "./qa/interrupt";
import { loadQaSettings } from "./qa/settings";
import { type TableSource, bqSync, defaultSources, renderBqSync } from "./commands/bqSync";
import type { ProgressEvent } from "../sql/masking";
import { DEFAULT_RULES, maskRun, maskScan, maskVerify, renderRun, renderScan, renderVerify } from "./commands/mask";
import { CheckFailedError } from "./errors";
import { defaultDoctorClients, doctor, doctorConfig, renderDoctor } from "./commands/doctor";

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

  program
    .command("doctor")
    .description("read-only check of a deployed stack in the real account: export, tables, Athena, alarms, golden, QA clones, BigQuery")
    .argument("<stack>", "stack name: a Pulumi.<stack>.yaml must exist (stg, prod)")
    .addOption(new Option("--json", "print the report as one JSON document"))
    .action(async (stack: string, opts: { json?: boolean }) => {
      const cfg = doctorConfig(stack);
      const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
      const identity = await new STSClient({ region: cfg.region }).send(new GetCallerIdentityCommand({}));
      io.stderr(`checking stack ${stack} in account ${identity.Account} (${cfg.region}) as ${identity.Arn}\n`);
      const report = await doctor(
        { stack, accountId: identity.Account!, googleAccessToken: env.GOOGLE_OAUTH_ACCESS_TOKEN },
        defaultDoctorClients(cfg.region),
      );
      io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderDoctor(report)}\n`);
      if (report.summary.fail > 0) throw new CheckFailedError(`${report.summary.fail} check(s) failed`);
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

  addQaCommands(program, io);
  return program;
}

interface QaFlags {
  stack: string;
  configDir: string;
  json?: boolean;
}

/** `qa create|list|status|password|connect|extend|reset|destroy|recover|reap`: every argument is validated before the Automation API is loaded. */
function addQaCommands(program: Command, io: Io): void {
  const qa = program
    .command("qa")
    .description("masked, short-lived, isolated Aurora clones (Pulumi Automation API; any backend you are logged into)");
  const withCommon = (cmd: Command) =>
    cmd
      .addOption(new Option("--stack <stack>", "platform stack whose data-platform:qa config applies ($DATA_PLATFORM_STACK)").default(defaultStack()))
      .addOption(new Option("--config-dir <dir>", "directory holding Pulumi.<stack>.yaml").default(REPO_ROOT))
      .addOption(new Option("--json", "print one JSON document on stdout (progress stays on stderr)"));

  /** Prints a result (or, with --json, an error document too); main.ts turns the error into the exit code. */
  const emit = async <T>(flags: QaFlags, work: () => Promise<T>, render: (result: T) => string): Promise<T> => {
    let result: T;
    try {
      result = await work();
    } catch (err) {
      if (flags.json) {
        const e = err instanceof Error ? { name: err.name, message: err.message } : { name: "Error", message: String(err) };
        io.stdout(`${JSON.stringify({ error: e }, null, 2)}\n`);
      }
      throw err;
    }
    io.stdout(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${render(result)}\n`);
    return result;
  };

  withCommon(qa.command("create"))
    .description("create a masked clone: up, mask, verify, then print how to connect")
    .argument("<name>", "clone name: a-z, 0-9 and single hyphens, at most 24 characters; the stack is qa-<name>")
    .option("--ttl <duration>", "time to live, e.g. 90m, 4h, 3d (default and maximum from config)")
    .option("--source <cluster>", "source cluster (one of the configured sources; default the first)")
    .option("--instance-class <class>", "instance class (default from config)")
    .option("--owner <owner>", "owner tag ($QA_OWNER, else your login name)")
    .option("--show-secrets", "print the clone's password")
    .option("--created-by <id>", "recorded as the stack tag created-by (CI passes its run), for `qa recover --created-by`")
    .action(async (name: string, o: QaFlags & { ttl?: string; source?: string; instanceClass?: string; owner?: string; showSecrets?: boolean; createdBy?: string }) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(
        o,
        async () => {
          const flags = { name, ttl: o.ttl, source: o.source, instanceClass: o.instanceClass, owner: o.owner, createdBy: o.createdBy };
          // Flags first, so a typo never waits on AWS. The published golden is the default source when the stack has
          // one; a configured raw --source needs no AWS call (and is masked).
          validateCreateFlags(settings, flags, defaultOwner());
          const raw = o.source !== undefined && settings.qa.sourceClusterIdentifiers.includes(o.source);
          const request = validateCreate(settings, flags, defaultOwner(), raw ? undefined : await publishedGoldenFor(settings));
          const deps = await realDeps(settings, io.stderr);
          return withInterrupts(process, io.stderr, (signal) => createClone(settings, request, deps, { signal, showSecrets: o.showSecrets }));
        },
        (c) => renderCreated(c),
      );
    });

  withCommon(qa.command("list"))
    .description("list clones: name, owner, created, expires, status, endpoint")
    .action(async (o: QaFlags) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(o, async () => ({ stack: o.stack, clones: await listClones(await realDeps(settings, io.stderr)) }), (r) => renderCloneTable(r.clones));
    });

  withCommon(qa.command("extend"))
    .description("move a clone's expiry to now + ttl, never past the maximum after its creation")
    .argument("<name>", "clone name")
    .requiredOption("--ttl <duration>", "new time to live from now, e.g. 8h")
    .action(async (name: string, o: QaFlags & { ttl: string }) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(
        o,
        async () => {
          requireCloneName(name);
          requireTtl(o.ttl, settings.qa.maxTtl);
          return extendClone(settings, { name, ttl: o.ttl }, await realDeps(settings, io.stderr));
        },
        (r) => `${r.name} now expires at ${r.expiresAt} (at most ${r.maxExpiresAt})`,
      );
    });

  withCommon(qa.command("destroy"))
    .description("destroy a clone, then remove its stack")
    .argument("<name>", "clone name")
    .option("--force", "as `qa recover`: cancel a stale lock and clear interrupted creates first")
    .action(async (name: string, o: QaFlags & { force?: boolean }) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(
        o,
        async () => {
          requireCloneName(name);
          const deps = await realDeps(settings, io.stderr);
          return o.force ? recoverClone({ name }, deps) : destroyClone({ name }, deps);
        },
        (r) => ("warning" in r && r.warning ? `${r.name} destroyed\nwarning: ${r.warning}` : `${r.name} destroyed`),
      );
    });

  withCommon(qa.command("recover"))
    .description("destroy a stuck clone (e.g. after a killed create): cancel its stale lock, clear interrupted creates, destroy, remove the stack")
    .argument("<name>", "clone name")
    .option("--created-by <id>", "only if the stack's created-by tag is <id> (as `qa create --created-by` set it)")
    .action(async (name: string, o: QaFlags & { createdBy?: string }) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(
        o,
        async () => {
          requireCloneName(name);
          return recoverClone({ name, createdBy: o.createdBy }, await realDeps(settings, io.stderr));
        },
        (r) => (r.warning ? `${r.name} recovered and destroyed\nwarning: ${r.warning}` : `${r.name} recovered and destroyed`),
      );
    });

  withCommon(qa.command("status"))
    .description("one clone in detail: status, owner, source, expiry, endpoint, interrupted operations (never the password)")
    .argument("<name>", "clone name")
    .action(async (name: string, o: QaFlags) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(o, async () => cloneStatus({ name }, await realDeps(settings, io.stderr)), renderStatus);
    });

  withCommon(qa.command("password"))
    .description("print a clone's admin password")
    .argument("<name>", "clone name")
    .action(async (name: string, o: QaFlags) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(o, async () => clonePassword({ name }, await realDeps(settings, io.stderr)), (r) => r.password);
    });

  withCommon(qa.command("connect"))
    .description("open the tunnel to a clone and start the mysql client on it (--print: print a connection string instead)")
    .argument("<name>", "clone name")
    .option("--print", "print the tunnel command and a mysql:// URL instead of connecting")
    .option("--show-secrets", "with --print, put the password in the URL")
    .action(async (name: string, o: QaFlags & { print?: boolean; showSecrets?: boolean }) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      if (o.print || o.json) {
        await emit(
          o,
          async () => connectionString(settings, { name, showSecrets: o.showSecrets }, await realDeps(settings, io.stderr)),
          (r) => [`# tunnel (leave it running):`, r.tunnel, `# then:`, r.url].join("\n"),
        );
        return;
      }
      requireCloneName(name);
      const code = await connectClone(settings, { name }, await realDeps(settings, io.stderr), realConnectRunner());
      if (code !== 0) throw new CheckFailedError(`mysql exited with ${code}`);
    });

  withCommon(qa.command("reset"))
    .description("destroy a clone and create it again, same name, endpoint and expiry, from the newest masked golden")
    .argument("<name>", "clone name")
    .action(async (name: string, o: QaFlags) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      await emit(
        o,
        async () => {
          requireCloneName(name);
          return resetClone(settings, { name }, await realDeps(settings, io.stderr), await publishedGoldenFor(settings));
        },
        (r) => `${r.name} now holds ${r.source} (was ${r.previousSource}); endpoint ${r.endpoint}; expires ${r.expiresAt}`,
      );
    });

  withCommon(qa.command("reap"))
    .description("destroy every clone past its expiry (run it on a schedule)")
    .option("--dry-run", "only list what would be destroyed")
    .action(async (o: QaFlags & { dryRun?: boolean }) => {
      const settings = loadQaSettings(o.stack, o.configDir);
      const result = await emit(o, async () => reapClones({ dryRun: o.dryRun }, await realDeps(settings, io.stderr)), renderReap);
      if (result.failed.length > 0) {
        throw new ReapIncompleteError(`${result.failed.length} expired clone(s) could not be destroyed: ${result.failed.map((f) => f.name).join(", ")}`);
      }
    });
}
