/** What every qa command shares: injected dependencies, input validation, and how a stack reads as a clone. */
import { QA_TAGS, cloneNameProblem, formatDuration, parseDuration, parseInstant, parseQaStackName, qaStackName } from "../../../contracts/qaStack";
import { UsageError } from "../../errors";
import type { MaskingRunner } from "../../qa/masking";
import { type QaStackInfo, type QaWorkspace, StackNotFoundError } from "../../qa/workspace";

/** Injected into every qa command, so tests run them against an in-memory workspace, a fake masker and a fixed clock. */
export interface QaDeps {
  readonly workspace: QaWorkspace;
  readonly masker: MaskingRunner;
  readonly clock: () => Date;
  /** Progress and engine output (the CLI passes stderr). */
  readonly stderr: (text: string) => void;
}

/** A second create with the same name. Exit 1. */
export class CloneExistsError extends Error {
  override readonly name = "CloneExistsError";
}

/** Create was interrupted (Ctrl-C); what was created has been destroyed. Exit 1. */
export class CreateCancelledError extends Error {
  override readonly name = "CreateCancelledError";
}

/** A failed create could not clean up after itself. Exit 1; the message says what is left and how it goes away. */
export class CleanupFailedError extends Error {
  override readonly name = "CleanupFailedError";
}

/** The clone name, or a UsageError (exit 2). */
export function requireCloneName(name: string): string {
  const problem = cloneNameProblem(name);
  if (problem) throw new UsageError(problem);
  return name;
}

/** Selects a clone's stack; an unknown name is a usage error (exit 2). */
export async function selectClone(workspace: QaWorkspace, name: string): Promise<string> {
  const stack = qaStackName(requireCloneName(name));
  try {
    await workspace.selectStack(stack);
  } catch (err) {
    if (err instanceof StackNotFoundError) throw new UsageError(`no QA clone named ${name} (stack ${stack} does not exist); see "qa list"`);
    throw err;
  }
  return stack;
}

/** A TTL flag in milliseconds, at most `maxTtl`, or a UsageError (exit 2). */
export function requireTtl(text: string, maxTtl: number): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--ttl "${text}" must be a duration such as 90m, 4h or 3d`);
  if (ms > maxTtl) throw new UsageError(`--ttl ${text} is longer than the maximum of ${formatDuration(maxTtl)}`);
  return ms;
}

/** The stack name without an organisation or project qualifier (`org/qa-x` → `qa-x`). */
export function shortStackName(name: string): string {
  return name.split("/").pop() ?? name;
}

/** A clone's expiry: the stack tag, else the stack output (backends without stack tags still have outputs). */
export function cloneExpiry(info: QaStackInfo): Date | undefined {
  const output = info.outputs.expiresAt?.value;
  return parseInstant(info.tags[QA_TAGS.expiresAt]) ?? parseInstant(typeof output === "string" ? output : undefined);
}

/** One clone as `qa list` shows it. */
export interface CloneSummary {
  readonly name: string;
  readonly stack: string;
  readonly owner: string | null;
  readonly source: string | null;
  readonly createdAt: string | null;
  readonly expiresAt: string | null;
  /** creating, masking, ready; `expired` once past its expiry; `(updating)` while an update runs; `unreadable: …`. */
  readonly status: string;
  readonly endpoint: string | null;
}

/** The clone view of a stack, or undefined for a stack that is not `qa-<name>`. */
export function summarise(info: QaStackInfo, now: Date): CloneSummary | undefined {
  const stack = shortStackName(info.name);
  const name = parseQaStackName(stack);
  if (name === undefined) return undefined;
  const expires = cloneExpiry(info);
  const endpoint = info.outputs.endpoint?.value;
  let status = info.tags[QA_TAGS.status] ?? "unknown";
  if (expires && expires.getTime() <= now.getTime()) status = "expired";
  if (info.error !== undefined) status = `unreadable: ${info.error}`;
  if (info.updateInProgress) status = `${status} (updating)`;
  return {
    name,
    stack,
    owner: info.tags[QA_TAGS.owner] ?? null,
    source: info.tags[QA_TAGS.source] ?? null,
    createdAt: parseInstant(info.tags[QA_TAGS.createdAt])?.toISOString() ?? null,
    expiresAt: expires?.toISOString() ?? null,
    status,
    endpoint: typeof endpoint === "string" ? endpoint : null,
  };
}

/** Error text without a stack trace, for results that list failures. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
