/** `qa extend` and `qa destroy`: move a clone's expiry, or throw it away. */
import { QA_TAGS, formatDuration, parseInstant } from "../../../contracts/qaStack";
import { CLONE_CONFIG_OUTPUT, CLONE_EXPIRES_KEY } from "../../../stacks/qaClone";
import { UsageError } from "../../errors";
import { Progress } from "../../qa/progress";
import type { QaSettings } from "../../qa/settings";
import type { QaWorkspace } from "../../qa/workspace";
import { type QaDeps, requireTtl, selectClone } from "./common";

/**
 * The config a clone was last deployed with, from its stack's state. This process's workspace folder holds no config
 * for a stack another process created, and `up` without it would fail (or, worse, build a different clone).
 */
export async function storedConfig(workspace: QaWorkspace, stack: string): Promise<Record<string, string>> {
  const stored = (await workspace.outputs(stack))[CLONE_CONFIG_OUTPUT]?.value;
  if (typeof stored !== "object" || stored === null || Object.values(stored).some((v) => typeof v !== "string")) {
    throw new Error(`stack ${stack} does not hold its config (output ${CLONE_CONFIG_OUTPUT}); it was created by an older "qa create": destroy and re-create it`);
  }
  return stored as Record<string, string>;
}

/** What `qa extend` prints. */
export interface ExtendedClone {
  readonly name: string;
  readonly previousExpiresAt: string | null;
  readonly expiresAt: string;
  /** The latest expiry `extend` can ever set: creation + maxTtl. */
  readonly maxExpiresAt: string;
}

/**
 * Sets the expiry to now + ttl, never later than creation + maxTtl. Runs `up`, so the AWS tags the safety-net
 * reaper reads move too, then updates the stack tag.
 * @throws UsageError for a bad name or TTL, an unknown clone, or a TTL past the maximum
 */
export async function extendClone(settings: QaSettings, options: { readonly name: string; readonly ttl: string }, deps: QaDeps): Promise<ExtendedClone> {
  const ttl = requireTtl(options.ttl, settings.qa.maxTtl);
  const stack = await selectClone(deps.workspace, options.name);
  const tags = await deps.workspace.getTags(stack);
  const createdAt = parseInstant(tags[QA_TAGS.createdAt]);
  if (!createdAt) throw new Error(`stack ${stack} has no ${QA_TAGS.createdAt} tag; it was not made by "qa create"`);
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + ttl);
  const maxExpiresAt = new Date(createdAt.getTime() + settings.qa.maxTtl);
  if (expiresAt > maxExpiresAt) {
    throw new UsageError(
      `--ttl ${options.ttl} would keep ${options.name} until ${expiresAt.toISOString()}, past its maximum of ${formatDuration(settings.qa.maxTtl)} after creation (${maxExpiresAt.toISOString()})`,
    );
  }
  const progress = new Progress(deps.stderr, deps.clock, stack);
  progress.phase("updating expiry tags");
  await deps.workspace.setConfig(stack, { ...(await storedConfig(deps.workspace, stack)), [CLONE_EXPIRES_KEY]: expiresAt.toISOString() });
  await deps.workspace.up(stack, { onOutput: (text) => progress.output(text) });
  await deps.workspace.setTags(stack, { [QA_TAGS.expiresAt]: expiresAt.toISOString() });
  progress.done(`${options.name} now expires at ${expiresAt.toISOString()}`);
  return { name: options.name, previousExpiresAt: parseInstant(tags[QA_TAGS.expiresAt])?.toISOString() ?? null, expiresAt: expiresAt.toISOString(), maxExpiresAt: maxExpiresAt.toISOString() };
}

/** Destroys a clone's resources, then removes its stack. @throws UsageError for an unknown clone */
export async function destroyClone(options: { readonly name: string }, deps: QaDeps): Promise<{ readonly name: string; readonly destroyed: true }> {
  const stack = await selectClone(deps.workspace, options.name);
  const progress = new Progress(deps.stderr, deps.clock, stack);
  progress.phase("destroying");
  await deps.workspace.destroy(stack, { onOutput: (text) => progress.output(text) });
  progress.phase("removing stack");
  await deps.workspace.removeStack(stack);
  progress.done(`${options.name} destroyed`);
  return { name: options.name, destroyed: true };
}
