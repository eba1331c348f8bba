/**
 * The real QaWorkspace: a thin adapter over the Automation API's LocalWorkspace. It needs the `pulumi` CLI on PATH
 * and a backend the user is logged into (`pulumi login s3://…`, `pulumi login file://…`, or Pulumi Cloud), so the
 * tests never run it: they exercise the commands through an in-memory QaWorkspace instead. Keep it free of logic.
 */
import path from "node:path";
import {
  ConcurrentUpdateError,
  LocalWorkspace,
  PulumiCommand,
  type OutputMap,
  type PulumiFn,
  Stack,
  StackAlreadyExistsError,
  StackNotFoundError as PulumiStackNotFoundError,
} from "@pulumi/pulumi/automation";
import {
  OperationCancelledError,
  type OperationOptions,
  type OutputValues,
  type PendingOperation,
  type QaStackInfo,
  type QaWorkspace,
  StackBusyError,
  StackExistsError,
  StackNotFoundError,
} from "./workspace";
import { UsageError } from "../errors";
import { secretsProviderProblem } from "./backend";

/** How to reach the backend and which program the clone stacks run. */
export interface PulumiWorkspaceOptions {
  /** Pulumi project of the clone stacks (contracts/qaStack.ts qaProjectName). */
  readonly projectName: string;
  /** The inline program (stacks/qaClone.ts). */
  readonly program: PulumiFn;
  /** `awskms://…`, `passphrase`, …; default: the backend's default provider. */
  readonly secretsProvider?: string;
  /** Platform stack whose config names the provider (for the error message). */
  readonly platformStack: string;
}

/**
 * Launcher that runs the real `pulumi` in a process group of its own (see the script): Ctrl-C in a terminal reaches
 * only the qa process, which cancels the update by sending pulumi one SIGINT, and never interrupts the cleanup's
 * destroy. `PulumiCommand.get({ root })` runs `<root>/bin/pulumi`.
 */
export const PULUMI_LAUNCHER_ROOT = path.join(__dirname, "pulumi-process-group");

/** Opens the project's LocalWorkspace (no stack is touched yet). */
export async function createPulumiWorkspace(options: PulumiWorkspaceOptions): Promise<QaWorkspace> {
  try {
    // No workDir: every process gets a fresh temp folder (sdk/nodejs/automation/localWorkspace.ts), so nothing may
    // depend on a folder another process wrote. The clone's config comes from its state (storedConfig), and the
    // secrets manager too: without PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER a folder without Pulumi.<stack>.yaml
    // falls back to the DIY backend's default, a passphrase, which fails non-interactively
    // (pkg/cmd/pulumi/stack/secrets.go GetSecretsManager in pulumi/pulumi).
    const pulumiCommand = await PulumiCommand.get({ root: PULUMI_LAUNCHER_ROOT });
    const ws = await LocalWorkspace.create({
      pulumiCommand,
      projectSettings: { name: options.projectName, runtime: "nodejs", description: "Masked, short-lived QA clones of Aurora" },
      program: options.program,
      secretsProvider: options.secretsProvider,
      envVars: { PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: "true" },
    });
    const problem = secretsProviderProblem((await ws.whoAmI()).url ?? "", options.secretsProvider, options.platformStack);
    if (problem) throw new UsageError(problem);
    return new PulumiWorkspace(ws);
  } catch (err) {
    if (/ENOENT|the pulumi CLI is not on PATH/.test(String(err instanceof Error ? err.message : err))) {
      throw new Error("the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/), then `pulumi login`", { cause: err });
    }
    throw err;
  }
}

/** Automation API errors as the seam's error classes. */
function translate(err: unknown): unknown {
  if (err instanceof StackAlreadyExistsError) return new StackExistsError(err.message, { cause: err });
  if (err instanceof PulumiStackNotFoundError) return new StackNotFoundError(err.message, { cause: err });
  if (err instanceof ConcurrentUpdateError) return new StackBusyError(err.message, { cause: err });
  return err;
}

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw translate(err);
  }
}

/** The CLI's own error line, without the command line the Automation API puts first. */
function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n").find((l) => l.startsWith("error:"))?.slice("error: ".length) ?? text.split("\n")[0];
}

function outputValues(map: OutputMap, reveal: boolean): OutputValues {
  return Object.fromEntries(Object.entries(map).map(([k, o]) => [k, { value: o.secret && !reveal ? undefined : o.value, secret: o.secret }]));
}

class PulumiWorkspace implements QaWorkspace {
  constructor(private readonly ws: LocalWorkspace) {}

  createStack(stack: string): Promise<void> {
    return translated(async () => void (await Stack.create(stack, this.ws)));
  }

  selectStack(stack: string): Promise<void> {
    return translated(async () => void (await Stack.select(stack, this.ws)));
  }

  setConfig(stack: string, values: Readonly<Record<string, string>>): Promise<void> {
    const config = Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value, secret: false }]));
    return translated(() => this.ws.setAllConfig(stack, config));
  }

  async up(stack: string, options: OperationOptions = {}): Promise<OutputValues> {
    try {
      const s = await Stack.select(stack, this.ws);
      const result = await s.up({
        onOutput: options.onOutput,
        onEvent: (e) => {
          if (e.resourcePreEvent && !e.resourcePreEvent.planning) options.onResource?.({ type: e.resourcePreEvent.metadata.type, op: e.resourcePreEvent.metadata.op });
        },
        signal: options.signal,
      });
      return outputValues(result.outputs, true);
    } catch (err) {
      if (options.signal?.aborted) throw new OperationCancelledError("the update was cancelled", { cause: err });
      throw translate(err);
    }
  }

  destroy(stack: string, options: OperationOptions = {}): Promise<void> {
    return translated(async () => {
      const s = await Stack.select(stack, this.ws);
      await s.destroy({ onOutput: options.onOutput, signal: options.signal });
    });
  }

  removeStack(stack: string): Promise<void> {
    return translated(() => this.ws.removeStack(stack));
  }

  cancel(stack: string): Promise<void> {
    return translated(async () => (await Stack.select(stack, this.ws)).cancel());
  }

  pendingOperations(stack: string): Promise<PendingOperation[]> {
    return translated(async () => {
      // `stack export` prints the checkpoint's deployment (apitype.DeploymentV3), pending_operations included.
      const deployment = (await this.ws.exportStack(stack)).deployment as { pending_operations?: Array<{ resource: { urn: string; type: string }; type: string }> };
      return (deployment.pending_operations ?? []).map((p) => ({ urn: p.resource.urn, type: p.resource.type, op: p.type }));
    });
  }

  clearPendingCreates(stack: string): Promise<void> {
    return translated(async () => void (await (await Stack.select(stack, this.ws)).refresh({ clearPendingCreates: true })));
  }

  listStacks(): Promise<QaStackInfo[]> {
    return translated(async () => {
      const summaries = await this.ws.listStacks();
      // One stack whose tags or outputs cannot be read (a secrets manager this job cannot use, a damaged state)
      // must not hide the others.
      return Promise.all(
        summaries.map(async (s) => {
          const base = { name: s.name, updateInProgress: s.updateInProgress ?? false, lastUpdate: s.lastUpdate };
          try {
            return { ...base, tags: await this.ws.listTags(s.name), outputs: outputValues(await this.ws.stackOutputs(s.name), false) };
          } catch (err) {
            return { ...base, tags: {}, outputs: {}, error: firstLine(err) };
          }
        }),
      );
    });
  }

  outputs(stack: string): Promise<OutputValues> {
    return translated(async () => outputValues(await this.ws.stackOutputs(stack), true));
  }

  getTags(stack: string): Promise<Record<string, string>> {
    return translated(() => this.ws.listTags(stack));
  }

  setTags(stack: string, tags: Readonly<Record<string, string>>): Promise<void> {
    return translated(async () => {
      for (const [key, value] of Object.entries(tags)) await this.ws.setTag(stack, key, value);
    });
  }
}
