/** In-memory stand-ins for the QA seams: a Pulumi workspace, a masking runner and a clock. */
import { QA_TAGS } from "../../contracts/qaStack";
import { type MaskTarget, MaskingFailedError, type MaskingOptions, type MaskingReport, type MaskingRunner } from "../../automation/qa/masking";
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
} from "../../automation/qa/workspace";
import { CLONE_CONFIG_OUTPUT, CLONE_EXPIRES_KEY, parseCloneStackConfig, storedCloneConfig } from "../../stacks/qaClone";
import type { QaDeps } from "../../automation/commands/qa/common";

/** A stack as the backend keeps it: no config (that lives in each workspace folder). */
interface FakeStack {
  tags: Record<string, string>;
  outputs: Record<string, { value: unknown; secret: boolean }>;
  /** Cloud resources the stack holds (by type). */
  resources: string[];
  updateInProgress: boolean;
  /** A lock file a killed `up` left behind (pkg/backend/diy/lock.go: the unlock is deferred, so it never ran). */
  staleLock?: boolean;
  /** Operations the state records as begun and never finished. */
  pending?: PendingOperation[];
  /** Set when the stack's tags/outputs cannot be read (listStacks reports it as `error`). */
  unreadable?: string;
}

/** Runs before `up` returns; may throw, wait for the signal, or record resources. */
export type UpHook = (stack: string, options: OperationOptions, fake: InMemoryWorkspace) => Promise<void>;

/**
 * A QaWorkspace that keeps stacks in a Map (the backend) and records every call. Like the real CLI, config lives in
 * the workspace folder (`Pulumi.<stack>.yaml`, https://www.pulumi.com/docs/iac/concepts/config/), which is per
 * process: `anotherProcess()` shares the backend but starts with an empty folder, as a LocalWorkspace without workDir
 * does (sdk/nodejs/automation/localWorkspace.ts).
 */
export class InMemoryWorkspace implements QaWorkspace {
  /** This process's workspace folder: config by stack. */
  readonly folder = new Map<string, Record<string, string>>();
  /** `"<method> <stack>"` per call, in order. */
  readonly calls: string[] = [];
  upHook?: UpHook;
  destroyError?: Error;
  /** Runs at the start of every destroy (lets a test press Ctrl-C again during cleanup). */
  onDestroy?: () => void;

  constructor(readonly stacks = new Map<string, FakeStack>()) {}

  /** The same backend seen from a new process (empty workspace folder). */
  anotherProcess(): InMemoryWorkspace {
    const other = new InMemoryWorkspace(this.stacks);
    other.upHook = this.upHook;
    return other;
  }

  private get(stack: string): FakeStack {
    const s = this.stacks.get(stack);
    if (!s) throw new StackNotFoundError(`stack ${stack} not found`);
    return s;
  }

  /** Fails like the DIY backend when a lock is held (lock.go checkForLock). */
  private unlocked(stack: string): FakeStack {
    const s = this.get(stack);
    if (s.staleLock || s.updateInProgress) {
      throw new StackBusyError("the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.");
    }
    return s;
  }

  /**
   * What a `qa create` killed while its cluster was being created leaves: the lock, a pending create of the cluster,
   * and the resources created before it.
   */
  leaveKilledCreate(stack: string, clusterUrn = `urn:pulumi:${stack}::qa::aws:rds/cluster:Cluster::clone-cluster`): void {
    const s = this.get(stack);
    s.staleLock = true;
    s.resources = ["aws:ec2/securityGroup:SecurityGroup"];
    s.pending = [{ urn: clusterUrn, type: "aws:rds/cluster:Cluster", op: "creating" }];
  }

  /** Adds an existing stack, e.g. another user's clone. */
  seed(stack: string, tags: Record<string, string>, outputs: Record<string, unknown> = {}, resources = ["aws:rds/cluster:Cluster"]): void {
    this.stacks.set(stack, {
      tags: { ...tags },
      outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, secret: k === "password" }])),
      resources: [...resources],
      updateInProgress: false,
    });
  }

  async createStack(stack: string): Promise<void> {
    this.calls.push(`createStack ${stack}`);
    if (this.stacks.has(stack)) throw new StackExistsError(`stack '${stack}' already exists`);
    this.stacks.set(stack, { tags: {}, outputs: {}, resources: [], updateInProgress: false });
  }

  async selectStack(stack: string): Promise<void> {
    this.calls.push(`selectStack ${stack}`);
    this.get(stack);
  }

  async setConfig(stack: string, values: Readonly<Record<string, string>>): Promise<void> {
    this.calls.push(`setConfig ${stack}`);
    this.get(stack);
    this.folder.set(stack, { ...this.folder.get(stack), ...values });
  }

  /** Behaves like the inline program: a cluster and an instance, outputs from this folder's config (which it needs). */
  async up(stack: string, options: OperationOptions = {}): Promise<OutputValues> {
    this.calls.push(`up ${stack}`);
    const s = this.unlocked(stack);
    s.updateInProgress = true;
    try {
      for (const type of ["aws:ec2/securityGroup:SecurityGroup", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"]) {
        if (options.signal?.aborted) throw new OperationCancelledError("the update was cancelled");
        if (!s.resources.includes(type)) {
          options.onResource?.({ type, op: "create" });
          s.resources.push(type);
        }
      }
      options.onOutput?.(`Updating (${stack})\n`);
      await this.upHook?.(stack, options, this);
      if (options.signal?.aborted) throw new OperationCancelledError("the update was cancelled");
      const config = this.folder.get(stack) ?? {};
      const { spec } = parseCloneStackConfig(config);
      const id = `data-platform-${spec.environment}-${stack}`;
      s.outputs = {
        endpoint: { value: `${id}.cluster-fake.ap-northeast-1.rds.amazonaws.com`, secret: false },
        port: { value: 3306, secret: false },
        user: { value: "admin", secret: false },
        password: { value: "fake-Secret-pw#1", secret: true },
        expiresAt: { value: config[CLONE_EXPIRES_KEY], secret: false },
        [CLONE_CONFIG_OUTPUT]: { value: storedCloneConfig(config), secret: false },
      };
      return s.outputs;
    } finally {
      s.updateInProgress = false;
    }
  }

  async destroy(stack: string, options: OperationOptions = {}): Promise<void> {
    this.calls.push(`destroy ${stack}`);
    this.onDestroy?.();
    if (this.destroyError) throw this.destroyError;
    const s = this.unlocked(stack);
    // Pending creates survive a destroy (pkg/backend/snapshot.go); other pending operations are settled by it.
    s.pending = (s.pending ?? []).filter((p) => p.op === "creating");
    options.onOutput?.(`Destroying (${stack})\n`);
    s.resources = [];
    s.outputs = {};
  }

  async removeStack(stack: string): Promise<void> {
    this.calls.push(`removeStack ${stack}`);
    const s = this.unlocked(stack);
    if (s.resources.length > 0) throw new Error(`stack ${stack} still has resources`);
    this.stacks.delete(stack);
    this.folder.delete(stack);
  }

  async cancel(stack: string): Promise<void> {
    this.calls.push(`cancel ${stack}`);
    this.get(stack).staleLock = false;
  }

  async pendingOperations(stack: string): Promise<PendingOperation[]> {
    return [...(this.get(stack).pending ?? [])];
  }

  async clearPendingCreates(stack: string): Promise<void> {
    this.calls.push(`clearPendingCreates ${stack}`);
    const s = this.unlocked(stack);
    s.pending = (s.pending ?? []).filter((p) => p.op !== "creating");
  }

  async listStacks(): Promise<QaStackInfo[]> {
    this.calls.push("listStacks");
    return [...this.stacks.entries()].map(([name, s]) =>
      s.unreadable
        ? { name, updateInProgress: false, tags: {}, outputs: {}, error: s.unreadable }
        : {
            name,
            updateInProgress: s.updateInProgress,
            tags: { ...s.tags },
            outputs: Object.fromEntries(Object.entries(s.outputs).map(([k, o]) => [k, { value: o.secret ? undefined : o.value, secret: o.secret }])),
          },
    );
  }

  async outputs(stack: string): Promise<OutputValues> {
    return { ...this.get(stack).outputs };
  }

  async getTags(stack: string): Promise<Record<string, string>> {
    return { ...this.get(stack).tags };
  }

  async setTags(stack: string, tags: Readonly<Record<string, string>>): Promise<void> {
    this.calls.push(`setTags ${stack} ${Object.keys(tags).includes(QA_TAGS.status) ? `status=${tags[QA_TAGS.status]}` : Object.keys(tags).join(",")}`);
    Object.assign(this.get(stack).tags, tags);
  }
}

/** A masking runner that records its targets and succeeds, fails, or waits for the abort signal. */
export class FakeMasker implements MaskingRunner {
  readonly targets: MaskTarget[] = [];
  /** What the runner was asked to do, in order: `lock <host>` and `mask <host>`. */
  readonly steps: string[] = [];
  /** Accounts the fake reports it locked. */
  accounts: string[] = ["shop_app@%", "reporting@10.0.%"];

  async lockAccounts(target: MaskTarget): Promise<{ readonly locked: string[] }> {
    this.steps.push(`lock ${target.host}`);
    return { locked: [...this.accounts] };
  }

  behaviour: "succeed" | "fail" | "wait-for-abort" = "succeed";
  /** Called once masking has started (lets a test press Ctrl-C mid-masking). */
  onStart?: () => void;

  async run(target: MaskTarget, options: MaskingOptions = {}): Promise<MaskingReport> {
    this.targets.push(target);
    this.steps.push(`mask ${target.host}`);
    options.onPhase?.("masking", target.databases[0]);
    this.onStart?.();
    if (this.behaviour === "fail") throw new MaskingFailedError("masking shop refused: usage error or PII the rules do not cover: users.phone has no rule");
    if (this.behaviour === "wait-for-abort") {
      await new Promise<void>((resolve) => {
        if (options.signal?.aborted) return resolve();
        options.signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      throw new Error("masking stopped by SIGTERM");
    }
    options.onPhase?.("verifying", target.databases[0]);
    return { databases: target.databases.map((database) => ({ database, report: { tables: 4, verified: true } })) };
  }
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** A clock that stands still until moved. */
export class FakeClock {
  constructor(public current: Date) {}
  readonly now = (): Date => new Date(this.current.getTime());
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Deps wired to fakes; stderr is collected. */
export function fakeDeps(start = new Date("2025-03-01T09:00:00.000Z")) {
  const workspace = new InMemoryWorkspace();
  const masker = new FakeMasker();
  const clock = new FakeClock(start);
  const stderr: string[] = [];
  const deps: QaDeps = { workspace, masker, clock: clock.now, stderr: (t) => stderr.push(t) };
  return { deps, workspace, masker, clock, stderr };
}
