/**
 * `qa recover <name>` (also `qa destroy <name> --force`): gets rid of a clone whose stack is stuck, typically after a
 * `qa create` was killed during `up` (a cancelled CI job, a timeout, a closed laptop). Such a stack keeps the lock the
 * dead process held, so every later update fails with "the stack is currently locked", and it records a pending
 * create, which no later update or destroy clears (pkg/backend/diy/lock.go and pkg/backend/snapshot.go in
 * pulumi/pulumi). Recover cancels the lock, drops the pending creates, destroys what the state knows and removes the
 * stack. Only run it when no other `qa` process is working on the clone: the lock it cancels is not checked for life.
 */
import { Progress } from "../../qa/progress";
import type { PendingOperation } from "../../qa/workspace";
import { UsageError } from "../../errors";
import { QA_TAGS } from "../../../contracts/qaStack";
import { type QaDeps, selectClone } from "./common";

/** What `qa recover` prints. */
export interface RecoveredClone {
  readonly name: string;
  readonly stack: string;
  /** Creates that were interrupted: AWS may have finished them, outside the state. */
  readonly clearedPendingCreates: readonly PendingOperation[];
  readonly destroyed: true;
  /** What the user should know about resources the state may not have known about; null when there are none. */
  readonly warning: string | null;
}

/**
 * Cancels the lock, clears pending creates, destroys and removes the stack. With `createdBy`, only a stack whose
 * `created-by` tag says so (a CI job recovering its own create, never a same-named clone of an earlier run).
 * @throws UsageError for a bad or unknown name; the engine's error when destroy itself fails
 */
export async function recoverClone(options: { readonly name: string; readonly createdBy?: string }, deps: QaDeps): Promise<RecoveredClone> {
  const { workspace } = deps;
  const stack = await selectClone(workspace, options.name);
  if (options.createdBy !== undefined) {
    const tag = (await workspace.getTags(stack))[QA_TAGS.createdBy];
    if (tag !== options.createdBy) {
      throw new UsageError(`clone ${options.name} was not created by ${options.createdBy} (created-by: ${tag ?? "none"}); left alone`);
    }
  }
  const progress = new Progress(deps.stderr, deps.clock, stack);
  progress.phase("cancelling any lock");
  await workspace.cancel(stack);
  const pendingCreates = (await workspace.pendingOperations(stack)).filter((p) => p.op === "creating");
  if (pendingCreates.length > 0) {
    progress.phase(`clearing ${pendingCreates.length} interrupted create(s)`);
    await workspace.clearPendingCreates(stack);
  }
  progress.phase("destroying");
  await workspace.destroy(stack, { onOutput: (text) => progress.output(text) });
  progress.phase("removing stack");
  await workspace.removeStack(stack);
  progress.done(`${options.name} recovered and destroyed`);
  const warning =
    pendingCreates.length === 0
      ? null
      : `interrupted create(s) of ${pendingCreates.map((p) => p.type).join(", ")}: if AWS finished them, they were never in the state. ` +
        `They carry the clone's tags, so the AWS-side reaper deletes them after their expiry; to delete them now, look for resources tagged stack=${stack}`;
  return { name: options.name, stack, clearedPendingCreates: pendingCreates, destroyed: true, warning };
}
