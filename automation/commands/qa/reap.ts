/**
 * `qa reap [--dry-run]`: destroys every clone past its expiry. Meant for a schedule (CI); the AWS-side reaper
 * (functions/qa-reaper) is the second line for when this one does not run or the state backend is lost.
 */
import { Progress } from "../../qa/progress";
import type { QaStackInfo } from "../../qa/workspace";
import { type CloneSummary, type QaDeps, cloneExpiry, messageOf, summarise } from "./common";

/** Which clones reap would destroy, and which it leaves alone and why. */
export interface ReapSelection {
  readonly expired: CloneSummary[];
  readonly kept: CloneSummary[];
  /** Clone stacks whose expiry cannot be read: never destroyed blindly. */
  readonly unreadable: Array<{ readonly clone: CloneSummary; readonly reason: string }>;
}

/** Splits the project's stacks into expired, kept and unreadable clones. Other stacks are ignored. */
export function selectExpired(stacks: readonly QaStackInfo[], now: Date): ReapSelection {
  const selection: ReapSelection = { expired: [], kept: [], unreadable: [] };
  for (const info of stacks) {
    const clone = summarise(info, now);
    if (!clone) continue;
    const expires = cloneExpiry(info);
    if (info.error !== undefined) selection.unreadable.push({ clone, reason: info.error });
    else if (!expires) selection.unreadable.push({ clone, reason: "no readable expiry" });
    else if (expires.getTime() <= now.getTime()) selection.expired.push(clone);
    else selection.kept.push(clone);
  }
  return selection;
}

/** What `qa reap` prints. */
export interface ReapResult {
  readonly dryRun: boolean;
  /** Destroyed (or, with --dry-run, would be). */
  readonly reaped: string[];
  readonly failed: Array<{ readonly name: string; readonly error: string }>;
  readonly kept: string[];
  /** Left alone, with the reason; `qa recover <name>` deals with a stack that is stuck. */
  readonly unreadable: Array<{ readonly name: string; readonly reason: string }>;
}

/** Reaping finished but some clones could not be destroyed. Exit 1, after the result is printed. */
export class ReapIncompleteError extends Error {
  override readonly name = "ReapIncompleteError";
}

/** Destroys and removes every expired clone, one at a time; one failure does not stop the others. */
export async function reapClones(options: { readonly dryRun?: boolean }, deps: QaDeps): Promise<ReapResult> {
  const selection = selectExpired(await deps.workspace.listStacks(), deps.clock());
  const result: ReapResult = {
    dryRun: options.dryRun === true,
    reaped: [],
    failed: [],
    kept: selection.kept.map((c) => c.name),
    unreadable: selection.unreadable.map((u) => ({ name: u.clone.name, reason: u.reason })),
  };
  for (const clone of selection.expired) {
    if (result.dryRun) {
      result.reaped.push(clone.name);
      continue;
    }
    const progress = new Progress(deps.stderr, deps.clock, clone.stack);
    try {
      progress.phase(`destroying (expired ${clone.expiresAt})`);
      await deps.workspace.destroy(clone.stack, { onOutput: (text) => progress.output(text) });
      await deps.workspace.removeStack(clone.stack);
      progress.done("reaped");
      result.reaped.push(clone.name);
    } catch (err) {
      progress.fail(messageOf(err));
      result.failed.push({ name: clone.name, error: messageOf(err) });
    }
  }
  return result;
}
