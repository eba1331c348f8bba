/**
 * The seam between the QA clone commands and Pulumi. The commands only ever talk to a `QaWorkspace`; the real one is
 * a thin adapter over the Automation API's LocalWorkspace (./pulumiWorkspace.ts), and the tests use an in-memory one.
 * Every stack named here belongs to one Pulumi project: one environment's QA clones (contracts/qaStack.ts).
 */

/** A stack output: its value, and whether Pulumi keeps it as a secret. */
export interface OutputValue {
  readonly value: unknown;
  readonly secret: boolean;
}

/** Stack outputs by name. */
export type OutputValues = Readonly<Record<string, OutputValue>>;

/** One stack as `qa list` and `qa reap` see it. */
export interface QaStackInfo {
  readonly name: string;
  /** An update (or destroy) is running on it right now. */
  readonly updateInProgress: boolean;
  /** ISO 8601 instant of the last update, when the backend reports it. */
  readonly lastUpdate?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Outputs; secret values are not revealed here (value undefined). */
  readonly outputs: OutputValues;
  /** Why its tags or outputs could not be read (then both are empty): listed, never acted on blindly. */
  readonly error?: string;
}

/** An operation the engine started and never finished (its process was killed): the state does not know the result. */
export interface PendingOperation {
  readonly urn: string;
  readonly type: string;
  /** `creating`, `updating`, `deleting`. */
  readonly op: string;
}

/** A resource operation the engine has started: lets the CLI name the phase (creating cluster, instance). */
export interface ResourceStep {
  /** Pulumi type token, e.g. `aws:rds/cluster:Cluster`. */
  readonly type: string;
  /** `create`, `update`, `delete`, `same`, … */
  readonly op: string;
}

/** Callbacks and cancellation for `up` and `destroy`. */
export interface OperationOptions {
  /** The engine's progress text, line by line as it arrives; the CLI sends it to stderr. */
  readonly onOutput?: (text: string) => void;
  readonly onResource?: (step: ResourceStep) => void;
  /** Aborting asks the engine to cancel gracefully: it finishes in-flight operations and records them. */
  readonly signal?: AbortSignal;
}

/** The stack exists already (a second `create` with the same name). */
export class StackExistsError extends Error {
  override readonly name = "StackExistsError";
}

/** No such stack. */
export class StackNotFoundError extends Error {
  override readonly name = "StackNotFoundError";
}

/** Another update holds the stack's lock. */
export class StackBusyError extends Error {
  override readonly name = "StackBusyError";
}

/** An `up` that stopped because it was cancelled. */
export class OperationCancelledError extends Error {
  override readonly name = "OperationCancelledError";
}

/** What the QA commands need from Pulumi. Implementations translate their errors into the classes above. */
export interface QaWorkspace {
  /** Creates an empty stack. @throws StackExistsError */
  createStack(stack: string): Promise<void>;
  /** Checks that a stack exists and makes it the target of later calls. @throws StackNotFoundError */
  selectStack(stack: string): Promise<void>;
  /** Sets config values (`namespace:key` → plain string). */
  setConfig(stack: string, values: Readonly<Record<string, string>>): Promise<void>;
  /** Runs the inline program. @throws StackBusyError, OperationCancelledError, or the engine's error */
  up(stack: string, options?: OperationOptions): Promise<OutputValues>;
  /** Deletes every resource of the stack. @throws StackBusyError or the engine's error */
  destroy(stack: string, options?: OperationOptions): Promise<void>;
  /** Removes an empty stack from the backend. */
  removeStack(stack: string): Promise<void>;
  /** Deletes the stack's lock (`pulumi cancel`), also one that a killed process left behind. */
  cancel(stack: string): Promise<void>;
  /** Operations the state records as started and never finished. */
  pendingOperations(stack: string): Promise<PendingOperation[]>;
  /** Drops pending creates from the state (`pulumi refresh --clear-pending-creates`). */
  clearPendingCreates(stack: string): Promise<void>;
  /** Every stack of the project, with tags and (non-secret) outputs; one that cannot be read carries `error`. */
  listStacks(): Promise<QaStackInfo[]>;
  /** Outputs of one stack, secrets revealed. */
  outputs(stack: string): Promise<OutputValues>;
  getTags(stack: string): Promise<Record<string, string>>;
  /** Sets (adds or overwrites) the given tags; other tags are kept. */
  setTags(stack: string, tags: Readonly<Record<string, string>>): Promise<void>;
}
