/**
 * A stand-in for the `pulumi` CLI (v3.211) with a DIY file:// backend, for tests that drive the real Automation API
 * adapter (automation/qa/pulumiWorkspace.ts) in separate processes, as users and CI jobs do. What it models, and
 * where that is documented or implemented upstream:
 * - Config lives in the workspace folder's `Pulumi.<stack>.yaml`, never in the backend (`config set-all` writes it,
 *   `up` reads it; https://www.pulumi.com/docs/iac/concepts/config/). A LocalWorkspace without `workDir` gets a fresh
 *   `automation-*` temp folder (sdk/nodejs/automation/localWorkspace.ts), so another process sees none of it.
 * - Locks: an update, destroy, refresh, `stack init` or `stack rm` takes a lock file and deletes it when it ends
 *   (pkg/backend/diy/lock.go); a killed process leaves it, and every later one fails with "the stack is currently
 *   locked" until `pulumi cancel` deletes the lock files (pkg/backend/diy/backend.go CancelCurrentUpdate).
 * - Pending operations: the engine records an operation in the checkpoint before it starts it and clears it when it
 *   ends. Pending creates survive later updates and destroys (pkg/backend/snapshot.go: "these must require user
 *   intervention") until `refresh --clear-pending-creates` (pkg/cmd/pulumi/operations/refresh.go).
 * - `stack rm` refuses a stack that still has resources unless `--force` (pkg/backend/diy/backend.go RemoveStack).
 * - `stack ls` reads every checkpoint, and one unreadable checkpoint fails the whole listing (backend.go ListStacks).
 * - Secrets managers (pkg/cmd/pulumi/stack/secrets.go GetSecretsManager): the provider in the workspace's stack file;
 *   else, with PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER, the one recorded in the state; else the DIY default, a
 *   passphrase, which without PULUMI_CONFIG_PASSPHRASE(_FILE) fails non-interactively
 *   (pkg/secrets/passphrase/manager.go). `stack output --show-secrets` decrypts with the state's manager.
 * - Ctrl-C: the first SIGINT cancels after the step in flight and releases the lock; a second one terminates at once,
 *   leaving the lock and any pending operation (https://www.pulumi.com/docs/iac/cli/commands/pulumi_cancel/).
 * `up` runs the program named by FAKE_PULUMI_PROGRAM under the SDK's mocks (automation/plan/mockRuntime.ts) with
 * the workspace folder's config, standing in for the inline program the real CLI runs through `--client`.
 * Test hooks: FAKE_PULUMI_LOG (argv per line), FAKE_PULUMI_KILL_AT=`<op> <type>` (SIGKILL itself once that step is
 * pending), FAKE_PULUMI_STEP_MS (time per resource step), FAKE_PULUMI_KMS_DENIED (KMS refuses to decrypt),
 * FAKE_PULUMI_PGID_LOG (pid and process group of each invocation).
 */
import { createHash } from "node:crypto";
import type * as Pulumi from "@pulumi/pulumi";
import { appendFileSync, readFileSync } from "node:fs";
import { CliError, type Deployment, DiyBackend, type ProjectStack, SECRET_SIG, SECRET_SIG_KEY, type SecretsProviderState, type StateResource } from "./diyBackend";
import { emitEvents } from "./events";
import { processGroup } from "./processGroup";

const VALUE_FLAGS = new Set(["--stack", "-s", "--secrets-provider", "--event-log", "--client", "--exec-kind", "--page-size", "--page", "--color", "--message", "-m", "--parallel", "--plaintext", "--secret", "--cwd", "-C"]);

const argv = process.argv.slice(2);
if (process.env.FAKE_PULUMI_LOG) appendFileSync(process.env.FAKE_PULUMI_LOG, `${JSON.stringify(argv)}\n`);
if (process.env.FAKE_PULUMI_PGID_LOG) appendFileSync(process.env.FAKE_PULUMI_PGID_LOG, `${JSON.stringify({ pid: process.pid, pgrp: processGroup("self") })}\n`);
const words: string[] = [];
const flags = new Map<string, string[]>();
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a.startsWith("-")) {
    const [name, inline] = a.split(/=(.*)/s, 2);
    const value = inline ?? (VALUE_FLAGS.has(name) ? argv[++i] : "true");
    flags.set(name, [...(flags.get(name) ?? []), value]);
  } else words.push(a);
}
const flag = (name: string): string | undefined => flags.get(name)?.[0];
const has = (name: string): boolean => flags.has(name);
const env = process.env;
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
/** Stack names may be fully qualified (`organization/project/stack`). */
const stackArg = (): string => (flag("--stack") ?? flag("-s") ?? words[words.length - 1] ?? "").split("/").pop() ?? "";

function passphrase(): string {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return env.PULUMI_CONFIG_PASSPHRASE;
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8");
  throw new CliError("passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables");
}
const saltOf = (phrase: string) => `v1:${createHash("sha256").update(phrase).digest("base64").slice(0, 16)}`;

/** Checks that a manager can work here: a passphrase must be known and right; KMS must allow the call. */
function usable(sm: SecretsProviderState): SecretsProviderState {
  if (sm.type === "passphrase" && saltOf(passphrase()) !== sm.state.salt) throw new CliError("incorrect passphrase");
  if (sm.type === "cloud" && env.FAKE_PULUMI_KMS_DENIED) throw new CliError(`secrets (code=PermissionDenied): AccessDeniedException: not authorized to use ${sm.state.url}`);
  return sm;
}

/** The secrets manager an update uses, and the stack file it leaves behind (secrets.go GetSecretsManager). */
function secretsManager(be: DiyBackend, stack: string): SecretsProviderState {
  const ps = be.projectStack(stack);
  if (ps.secretsprovider && ps.secretsprovider !== "passphrase" && ps.secretsprovider !== "default") {
    return usable({ type: "cloud", state: { url: ps.secretsprovider } });
  }
  if (ps.encryptionsalt) return usable({ type: "passphrase", state: { salt: ps.encryptionsalt } });
  const recorded = be.deployment(stack).secrets_providers;
  if (/^(1|true)$/i.test(env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER ?? "") && recorded) {
    be.saveProjectStack(stack, { ...ps, ...stackFileFields(recorded) });
    return usable(recorded);
  }
  // The DIY backend's default manager is a new passphrase manager (backend.go DefaultSecretManager).
  const sm: SecretsProviderState = { type: "passphrase", state: { salt: saltOf(passphrase()) } };
  be.saveProjectStack(stack, { ...ps, ...stackFileFields(sm) });
  return sm;
}

function stackFileFields(sm: SecretsProviderState): ProjectStack {
  return sm.type === "cloud" ? { secretsprovider: sm.state.url, encryptedkey: "ZmFrZS1kYXRhLWtleQ==" } : { encryptionsalt: sm.state.salt };
}

function encrypt(value: unknown): unknown {
  return { [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(JSON.stringify(value)).toString("base64") };
}
function decrypt(value: unknown, sm: SecretsProviderState | undefined): unknown {
  if (!sm) throw new CliError("the state holds secrets but no secrets manager");
  usable(sm);
  return JSON.parse(Buffer.from((value as { ciphertext: string }).ciphertext, "base64").toString());
}
const isSecret = (v: unknown) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;

const rootUrn = (be: DiyBackend, stack: string) => `urn:pulumi:${stack}::${be.project}::pulumi:pulumi:Stack::${be.project}-${stack}`;

/** Runs FAKE_PULUMI_PROGRAM under mocks with the workspace folder's config. */
async function runProgram(be: DiyBackend, stack: string) {
  if (!env.FAKE_PULUMI_PROGRAM) throw new CliError("FAKE_PULUMI_PROGRAM is not set: the stand-in CLI needs the program module to run");
  const config = be.projectStack(stack).config ?? {};
  // require, not import(): the launcher registers tsx for CommonJS only.
  const { runUnderMocks } = require("../../../automation/plan/mockRuntime") as typeof import("../../../automation/plan/mockRuntime");
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const mod = require(env.FAKE_PULUMI_PROGRAM) as { default: () => Promise<Record<string, unknown>> };
  // A program that throws ends the update with an error (and the deferred unlock), not a crashed CLI.
  const crashed = new Promise<never>((_, reject) => {
    process.once("uncaughtException", reject);
    process.once("unhandledRejection", reject);
  });
  const run = await Promise.race([runUnderMocks(() => mod.default(), { project: be.project, stack, config }), crashed]).catch((err: unknown) => {
    throw new CliError(`Running program failed with an unhandled exception:\n${err instanceof Error ? err.message : String(err)}`);
  });
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(run.result ?? {})) {
    const o = pulumi.output(value as Pulumi.Input<unknown>) as Pulumi.Output<unknown>;
    const v = await new Promise((resolve) => o.apply((x: unknown) => (resolve(x), x)));
    outputs[key] = (await pulumi.isSecret(o)) ? encrypt(v) : v;
  }
  return { resources: run.resources, outputs };
}

let interrupts = 0;
const pause = () => new Promise((resolve) => setTimeout(resolve, Number(env.FAKE_PULUMI_STEP_MS ?? 0)));

/** `up` and `destroy`: lock, step through resources recording pending operations, unlock. */
async function deploy(be: DiyBackend, stack: string, kind: "update" | "destroy"): Promise<void> {
  be.requireStack(stack);
  const unlock = be.lock(stack);
  const events: unknown[] = [];
  try {
    const sm = secretsManager(be, stack);
    const latest: Deployment = be.deployment(stack);
    const pending = latest.pending_operations ?? [];
    if (pending.length > 0) {
      process.stderr.write(`warning: Attempting to deploy or update resources with ${pending.length} pending operations from previous deployment.\n`);
    }
    process.stdout.write(`${kind === "update" ? "Updating" : "Destroying"} (${stack})\n`);
    const wanted = kind === "update" ? await runProgram(be, stack) : { resources: [], outputs: {} };
    const state = new Map(latest.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => [r.urn, r]));
    const steps: Array<{ op: "create" | "update" | "delete"; resource: StateResource }> = [];
    for (const r of wanted.resources) {
      const next: StateResource = { urn: r.urn, type: r.type, custom: r.custom, inputs: r.inputs };
      const prev = state.get(r.urn);
      if (!prev) steps.push({ op: "create", resource: next });
      else if (JSON.stringify(prev.inputs) !== JSON.stringify(next.inputs)) steps.push({ op: "update", resource: next });
      state.delete(r.urn);
    }
    for (const r of [...state.values()].reverse()) steps.push({ op: "delete", resource: r });

    const resources = new Map(latest.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => [r.urn, r]));
    const save = (ops = pending) => {
      const root: StateResource = { urn: rootUrn(be, stack), type: "pulumi:pulumi:Stack", custom: false, outputs: kind === "update" ? wanted.outputs : {} };
      const list = [...resources.values()];
      be.saveDeployment(stack, {
        manifest: { time: new Date().toISOString(), version: "v3.211.0" },
        secrets_providers: sm,
        resources: list.length > 0 || kind === "update" ? [root, ...list] : [],
        pending_operations: ops,
      });
    };
    // Pending creates from earlier runs are carried over; other pending operations are not (snapshot.go).
    const carried = pending.filter((p) => p.type === "creating");
    for (const step of steps) {
      if (interrupts > 0) throw new CliError("update canceled");
      if (step.resource.custom) {
        events.push({ resourcePreEvent: { metadata: { op: step.op, urn: step.resource.urn, type: step.resource.type, provider: "" }, planning: false } });
        save([...carried, { resource: { urn: step.resource.urn, type: step.resource.type }, type: `${step.op === "create" ? "creat" : step.op === "update" ? "updat" : "delet"}ing` }]);
        if (env.FAKE_PULUMI_KILL_AT === `${step.op} ${step.resource.type}`) process.kill(process.pid, "SIGKILL");
        await pause();
        process.stdout.write(`    ${step.op === "create" ? "+" : step.op === "delete" ? "-" : "~"}  ${step.resource.type} ${step.op}d\n`);
      }
      if (step.op === "delete") resources.delete(step.resource.urn);
      else resources.set(step.resource.urn, step.resource);
    }
    save(carried);
    process.stdout.write(`Resources: ${steps.length} changed\n`);
  } finally {
    await emitEvents(flag("--event-log"), events);
    unlock();
  }
}

async function main(): Promise<void> {
  const cmd = words.slice(0, 2).join(" ");
  if (words[0] === "version") return void process.stdout.write("v3.211.0\n");
  const be = DiyBackend.open(env, process.cwd());
  if (words[0] === "whoami") return print({ user: "fake", url: env.PULUMI_BACKEND_URL });
  const stack = stackArg();
  switch (words[0] === "stack" && words[1] === "tag" ? `stack tag ${words[2]}` : words[0] === "stack" || words[0] === "config" ? cmd : words[0]) {
    case "stack init": {
      if (be.exists(stack)) throw new CliError(`stack '${stack}' already exists`);
      const provider = flag("--secrets-provider");
      const sm: SecretsProviderState =
        provider && provider !== "passphrase" && provider !== "default" ? { type: "cloud", state: { url: provider } } : { type: "passphrase", state: { salt: saltOf(passphrase()) } };
      be.saveDeployment(stack, undefined);
      be.saveProjectStack(stack, { ...be.projectStack(stack), ...stackFileFields(sm) });
      return;
    }
    case "stack select":
      return be.requireStack(stack);
    case "stack ls":
      return print(
        be.stackNames().map((name) => {
          const d = be.deployment(name);
          return { name, current: false, lastUpdate: d.manifest.time, resourceCount: d.resources.length };
        }),
      );
    case "stack rm": {
      be.requireStack(stack);
      const unlock = be.lock(stack);
      try {
        if (!has("--force") && be.deployment(stack).resources.some((r) => r.type !== "pulumi:pulumi:Stack")) {
          throw new CliError(`'${stack}' still has resources; removal rejected. Possible actions:\n- Run \`pulumi destroy\` to delete the resources, then run \`pulumi stack rm\`\n- Run \`pulumi stack rm --force\` to override this error`);
        }
        be.removeStackFiles(stack);
        if (!has("--preserve-config")) be.removeProjectStack(stack);
      } finally {
        unlock();
      }
      return;
    }
    case "stack tag ls":
      be.requireStack(stack);
      return print(be.tags(stack));
    case "stack tag get":
      be.requireStack(stack);
      return void process.stdout.write(`${be.tags(stack)[words[3]] ?? ""}\n`);
    case "stack tag set":
      be.requireStack(stack);
      return be.saveTags(stack, { ...be.tags(stack), [words[3]]: words[4] });
    case "stack output": {
      be.requireStack(stack);
      const d = be.deployment(stack);
      const outputs = d.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
      const show = has("--show-secrets");
      return print(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, isSecret(v) ? (show ? decrypt(v, d.secrets_providers) : "[secret]") : v])));
    }
    case "stack export":
      be.requireStack(stack);
      return print({ version: 3, deployment: be.deployment(stack) });
    case "stack history":
      be.requireStack(stack);
      return print([{ version: 1, kind: "update", startTime: be.deployment(stack).manifest.time, endTime: be.deployment(stack).manifest.time, result: "succeeded", message: "", environment: {}, config: {} }]);
    case "config set-all": {
      be.requireStack(stack);
      const ps = be.projectStack(stack);
      if ((flags.get("--secret") ?? []).length > 0) secretsManager(be, stack);
      const config = { ...(ps.config ?? {}) };
      for (const kv of [...(flags.get("--plaintext") ?? []), ...(flags.get("--secret") ?? [])]) {
        const [k, v] = kv.split(/=(.*)/s, 2);
        config[k] = v;
      }
      return be.saveProjectStack(stack, { ...be.projectStack(stack), config });
    }
    case "up":
      return deploy(be, stack, "update");
    case "destroy":
      return deploy(be, stack, "destroy");
    case "cancel":
      be.requireStack(stack);
      be.cancel(stack);
      return void process.stdout.write(`The currently running update for '${stack}' has been canceled!\n`);
    case "refresh": {
      be.requireStack(stack);
      const unlock = be.lock(stack);
      try {
        const d = be.deployment(stack);
        // Non-interactively, only --clear-pending-creates drops pending creates; other pending operations are resolved.
        d.pending_operations = has("--clear-pending-creates") ? [] : (d.pending_operations ?? []).filter((p) => p.type === "creating");
        be.saveDeployment(stack, d);
      } finally {
        unlock();
      }
      return;
    }
    default:
      throw new CliError(`the stand-in pulumi CLI does not model: pulumi ${argv.join(" ")}`);
  }
}

process.on("SIGINT", () => {
  interrupts += 1;
  // A second interrupt terminates at once, before any deferred unlock runs.
  if (interrupts > 1) process.exit(255);
});
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(255);
  },
);
