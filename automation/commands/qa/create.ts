/**
 * `qa create <name>`: validate, create the stack `qa-<name>`, `up` the inline program, mask and verify, and only
 * then hand out the endpoint. Any failure after the stack exists (including Ctrl-C) destroys what was created and
 * removes the stack before the error surfaces: a clone whose masking failed is never handed out.
 *
 * Masking runs here in the orchestrator, right after `up`, rather than as a `local.Command` in the program:
 * - a failed masking must destroy the clone either way, and only the orchestrator can do that (a failed `up` leaves
 *   the half-built stack in place);
 * - the CLI can report masking and verification as their own phases, and cancel them on Ctrl-C;
 * - `qa extend` re-runs `up` to move the expiry tags, which must not re-run masking;
 * - the masking engine gets the password through its environment, not through a Pulumi resource's inputs or state;
 * - the tests drive it through the MaskingRunner seam with no Pulumi engine at all.
 */
import { AURORA_MAX_CLONES_PER_SOURCE, QA_TAGS, formatDuration, qaResourceTags, qaStackName } from "../../../contracts/qaStack";
import { type CloneSpec, cloneStackConfig } from "../../../stacks/qaClone";
import { UsageError } from "../../errors";
import { type MaskingReport, MaskingFailedError } from "../../qa/masking";
import { Progress, formatElapsed } from "../../qa/progress";
import type { QaSettings } from "../../qa/settings";
import { connectInstructions } from "../../qa/tunnel";
import { OperationCancelledError, StackBusyError, StackExistsError } from "../../qa/workspace";
import { CleanupFailedError, CloneExistsError, CreateCancelledError, type QaDeps, messageOf, requireCloneName, requireTtl, summarise } from "./common";

/** `qa create` flags as typed by the user. */
export interface CreateOptions {
  readonly name: string;
  readonly ttl?: string;
  readonly source?: string;
  readonly instanceClass?: string;
  readonly owner?: string;
  /** Recorded in the stack tag `created-by` (e.g. `run-<id>` in CI); `qa recover --created-by` checks it. */
  readonly createdBy?: string;
}

/** A create request that passed validation. */
export interface CreateRequest {
  readonly name: string;
  readonly stack: string;
  /** Milliseconds. */
  readonly ttl: number;
  readonly source: string;
  /**
   * The source is the published masked golden: the clone holds no PII from its first moment, so masking is
   * skipped. False for a raw source, which is masked and verified before the clone is handed out.
   */
  readonly fromGolden: boolean;
  readonly instanceClass: string;
  readonly owner: string;
  readonly createdBy?: string;
}

/** Masking that did not run because the clone's source is the masked golden. */
export interface GoldenMasking {
  readonly skipped: true;
  readonly reason: string;
  readonly golden: string;
}

/** What `qa create` prints. `password` is null unless --show-secrets. */
export interface CreatedClone {
  readonly name: string;
  readonly stack: string;
  readonly environment: string;
  readonly owner: string;
  readonly source: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly endpoint: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | null;
  readonly connect: { readonly via: string; readonly commands: readonly string[] };
  readonly masking: MaskingReport | GoldenMasking;
  /**
   * Accounts (`user@host`) that were given a random password and locked on this clone: every account of a raw source
   * but the master and the server's own. Empty for a clone of the golden, whose accounts were locked on the golden.
   */
  readonly lockedAccounts: readonly string[];
}

/** AWS tag values allow letters, digits, spaces and `_ . : / = + - @`. */
const OWNER = /^[\p{L}\p{N} _.:/=+\-@]{1,128}$/u;
const INSTANCE_CLASS = /^db\.[a-z0-9]+\.[a-z0-9]+$/;

/**
 * Checks the flags against config without touching any stack. With a golden enabled for the stack, the default
 * source is the published golden (`publishedGolden`, read from its SSM parameter by the caller); a configured raw
 * source can still be named with --source, and is then masked. @throws UsageError (exit 2)
 */
export function validateCreate(settings: QaSettings, options: CreateOptions, defaultOwner: string, publishedGolden?: string): CreateRequest {
  const { name, ttl, instanceClass, owner } = validateCreateFlags(settings, options, defaultOwner);
  const sources = settings.qa.sourceClusterIdentifiers;
  const golden = settings.golden ? publishedGolden : undefined;
  if (settings.golden && options.source === undefined && golden === undefined) {
    throw new UsageError(
      `no masked golden is published yet (${settings.golden.parameterName}); pass --source <${sources.join("|")}> to clone a raw source and mask it`,
    );
  }
  const source = options.source ?? golden ?? sources[0];
  const fromGolden = golden !== undefined && source === golden;
  if (!fromGolden && !sources.includes(source)) {
    const allowed = [...(golden ? [`${golden} (the published golden)`] : []), ...sources];
    throw new UsageError(`--source ${source} is not a configured clone source; allowed: ${allowed.join(", ")}`);
  }
  return { name, stack: qaStackName(name), ttl, source, fromGolden, instanceClass, owner, createdBy: options.createdBy };
}

/** The flags that need no lookup (name, TTL, instance class, owner), checked before any AWS call. @throws UsageError */
export function validateCreateFlags(
  settings: QaSettings,
  options: CreateOptions,
  defaultOwner: string,
): { name: string; ttl: number; instanceClass: string; owner: string } {
  const name = requireCloneName(options.name);
  const ttl = options.ttl === undefined ? settings.qa.defaultTtl : requireTtl(options.ttl, settings.qa.maxTtl);
  const instanceClass = options.instanceClass ?? settings.qa.instanceClass;
  if (!INSTANCE_CLASS.test(instanceClass)) throw new UsageError(`--instance-class "${instanceClass}" is not an RDS instance class such as db.r6g.large`);
  const owner = options.owner ?? defaultOwner;
  if (!OWNER.test(owner)) throw new UsageError(`--owner "${owner}" must be 1-128 letters, digits, spaces or _ . : / = + - @`);
  return { name, ttl, instanceClass, owner };
}

/** Refuses a name that is taken and a source whose clone cap is reached. @throws CloneExistsError, UsageError */
async function checkRoom(settings: QaSettings, request: CreateRequest, deps: QaDeps): Promise<void> {
  const now = deps.clock();
  const clones = (await deps.workspace.listStacks()).map((s) => summarise(s, now)).filter((c) => c !== undefined);
  if (clones.some((c) => c.stack === request.stack)) {
    throw new CloneExistsError(`clone ${request.name} already exists (stack ${request.stack}); pick another name or run "qa destroy ${request.name}"`);
  }
  const cap = Math.min(settings.qa.maxClonesPerSource, AURORA_MAX_CLONES_PER_SOURCE);
  const fromSource = clones.filter((c) => c.source === request.source);
  if (fromSource.length >= cap) {
    throw new UsageError(
      `${request.source} already has ${fromSource.length} QA clones (the cap is ${cap}): ${fromSource.map((c) => c.name).join(", ")}; destroy one first`,
    );
  }
}

function stringOutput(outputs: Record<string, { value: unknown }>, key: string): string {
  const v = outputs[key]?.value;
  if (typeof v !== "string" || v === "") throw new Error(`stack output ${key} is missing`);
  return v;
}

/** Phase names for the resource steps worth naming. */
const RESOURCE_PHASES: Record<string, string> = {
  "aws:rds/cluster:Cluster": "creating cluster",
  "aws:rds/clusterInstance:ClusterInstance": "creating instance",
};

/**
 * Creates, masks and hands out one clone.
 * @param signal aborting it (Ctrl-C) cancels the update or the masking, destroys what exists and removes the stack.
 * @throws CloneExistsError, MaskingFailedError, CreateCancelledError, CleanupFailedError, UsageError (cap)
 */
export async function createClone(
  settings: QaSettings,
  request: CreateRequest,
  deps: QaDeps,
  options: { readonly signal?: AbortSignal; readonly showSecrets?: boolean } = {},
): Promise<CreatedClone> {
  const { workspace } = deps;
  const { stack, name } = request;
  const signal = options.signal;
  const progress = new Progress(deps.stderr, deps.clock, stack);
  const checkAbort = () => {
    if (signal?.aborted) throw new OperationCancelledError("cancelled");
  };

  checkAbort();
  await checkRoom(settings, request, deps);
  checkAbort();
  try {
    await workspace.createStack(stack);
  } catch (err) {
    // Somebody else's stack: never clean it up.
    if (err instanceof StackExistsError) throw new CloneExistsError(`clone ${name} already exists (stack ${stack})`, { cause: err });
    throw err;
  }

  const createdAt = deps.clock();
  const expiresAt = new Date(createdAt.getTime() + request.ttl);
  const tags = qaResourceTags({ environment: settings.environment, cloneName: name, owner: request.owner, source: request.source, createdAt, expiresAt });
  try {
    progress.phase("creating stack");
    await workspace.setTags(stack, { ...tags, [QA_TAGS.status]: "creating", ...(request.createdBy ? { [QA_TAGS.createdBy]: request.createdBy } : {}) });
    const spec: CloneSpec = {
      environment: settings.environment,
      cloneName: name,
      owner: request.owner,
      sourceClusterIdentifier: request.source,
      instanceClass: request.instanceClass,
      vpcId: settings.qa.vpcId,
      subnetIds: [...settings.qa.subnetIds],
      allowedCidrs: [...settings.qa.allowedCidrs],
      allowedSecurityGroupIds: [...settings.qa.allowedSecurityGroupIds],
      createdAt: createdAt.toISOString(),
    };
    await workspace.setConfig(stack, { "aws:region": settings.region, ...cloneStackConfig(spec, expiresAt) });
    checkAbort();

    const outputs = await workspace.up(stack, {
      onOutput: (text) => progress.output(text),
      onResource: (step) => {
        const phase = RESOURCE_PHASES[step.type];
        if (phase && step.op === "create") progress.phase(phase);
      },
      signal,
    });
    checkAbort();
    const endpoint = stringOutput(outputs, "endpoint");
    const user = stringOutput(outputs, "user");
    const password = stringOutput(outputs, "password");
    const port = Number(outputs.port?.value ?? 3306);

    let masking: MaskingReport | GoldenMasking;
    // Accounts other than the master given a random password and locked on this clone; a golden's were on the golden.
    let lockedAccounts: string[] = [];
    if (request.fromGolden) {
      // The golden was masked and verified before it was published, and a copy-on-write clone holds exactly its
      // data: there is nothing to mask, and masked values would be masked again.
      const reason = `source ${request.source} is the published masked golden (masked and verified before it was published)`;
      progress.phase(`masking skipped: ${reason}`);
      masking = { skipped: true, reason, golden: request.source };
      await workspace.setTags(stack, { [QA_TAGS.masking]: `golden:${request.source}`, [QA_TAGS.status]: "ready" });
    } else {
      await workspace.setTags(stack, { [QA_TAGS.masking]: "engine", [QA_TAGS.status]: "masking" });
      // First of all: the clone answers to the source's application passwords until they are changed.
      progress.phase("locking the source's application accounts");
      lockedAccounts = (await deps.masker.lockAccounts({ host: endpoint, port, user, password, databases: settings.databases }, { onOutput: (text) => progress.output(text) })).locked;
      checkAbort();
      progress.phase("masking");
      masking = await deps.masker.run(
        { host: endpoint, port, user, password, databases: settings.databases },
        { onPhase: (phase, database) => progress.phase(`${phase} ${database}`), onOutput: (text) => progress.output(text), signal },
      );
      checkAbort();
      await workspace.setTags(stack, { [QA_TAGS.status]: "ready" });
    }
    progress.done(
      `clone ${name} is ready, ${request.fromGolden ? `cloned from the masked golden ${request.source}` : "masked and verified"}; it expires at ${expiresAt.toISOString()}`,
    );

    return {
      name,
      stack,
      environment: settings.environment,
      owner: request.owner,
      source: request.source,
      createdAt: createdAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
      endpoint,
      port,
      user,
      password: options.showSecrets ? password : null,
      connect: { via: settings.qa.connect.via, commands: connectInstructions(settings.qa.connect, { host: endpoint, port }, user, settings.region) },
      masking,
      lockedAccounts,
    };
  } catch (err) {
    const cancelled = signal?.aborted === true;
    progress.fail(cancelled ? "cancelled" : messageOf(err));
    const cleanupProblem = await cleanUp(stack, deps, progress);
    if (cleanupProblem !== undefined) {
      throw new CleanupFailedError(
        `${cancelled ? "create cancelled" : messageOf(err)}; cleanup failed too (${cleanupProblem}): clone ${name} may still exist. ` +
          `Run "qa destroy ${name}"; otherwise the AWS-side reaper deletes it ${formatDuration(settings.qa.reaperGracePeriod)} after ${expiresAt.toISOString()}`,
        { cause: err },
      );
    }
    const gone = `clone ${name} was destroyed and stack ${stack} removed`;
    if (cancelled) throw new CreateCancelledError(`create cancelled; ${gone}`, { cause: err });
    if (err instanceof MaskingFailedError) throw new MaskingFailedError(`${err.message}; ${gone}, never handed out`, { cause: err });
    if (err instanceof StackBusyError) throw new StackBusyError(`stack ${stack} is locked by another update; ${gone}`, { cause: err });
    throw new Error(`create failed: ${messageOf(err)}; ${gone}`, { cause: err });
  }
}

/** Destroys and removes a stack this create made. Returns the problem, or undefined when it is gone. */
async function cleanUp(stack: string, deps: QaDeps, progress: Progress): Promise<string | undefined> {
  progress.phase("destroying what was created");
  const started = deps.clock().getTime();
  try {
    // No signal: a second Ctrl-C must not interrupt the cleanup (the CLI ignores it while this runs).
    await deps.workspace.destroy(stack, { onOutput: (text) => progress.output(text) });
    await deps.workspace.removeStack(stack);
    progress.done(`cleaned up in ${formatElapsed(deps.clock().getTime() - started)}`);
    return undefined;
  } catch (err) {
    progress.fail(messageOf(err));
    return messageOf(err);
  }
}
