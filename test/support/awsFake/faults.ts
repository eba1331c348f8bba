import { mockClient } from "aws-sdk-client-mock";

/**
 * Faults a test plants in a fake: the next N calls of one operation fail with a given error (a throttle, an outage,
 * an access denial), whatever the fake's state. Shared by every service fake.
 */

/** One planted fault: which operation, which error, how many more times; `when` narrows it to some inputs. */
interface Fault {
  readonly operation: string;
  readonly error: () => Error;
  remaining: number;
  readonly when?: (input: Record<string, unknown>) => boolean;
}

export class Faults {
  private readonly planted: Fault[] = [];

  /**
   * The next `times` calls of `operation` (e.g. "CreateDBClusterSnapshot"; `Infinity` for every call) throw
   * `error()`. `when` restricts the fault to calls whose input it accepts.
   */
  fail(operation: string, error: () => Error, times = 1, when?: (input: Record<string, unknown>) => boolean): void {
    this.planted.push({ operation, error, remaining: times, when });
  }

  /** Throws the first matching planted fault, and counts it down. */
  check(operation: string, input: Record<string, unknown>): void {
    const fault = this.planted.find((f) => f.operation === operation && f.remaining > 0 && (f.when?.(input) ?? true));
    if (!fault) return;
    fault.remaining -= 1;
    throw fault.error();
  }

  clear(): void {
    this.planted.length = 0;
  }
}

/** What a fake records of each call, for assertions: the operation and its input. */
export interface CallRecord {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** A command class as the SDK exports it, and the fake method that answers it. */
export type Route = readonly [command: abstract new (...args: never[]) => { readonly input: unknown }, operation: string, answer: (input: any) => unknown];

/**
 * Answers `send(command)` from a route table: planted faults first, then the fake. An operation without a route
 * throws, so code that starts calling something new fails loudly instead of receiving `undefined`.
 */
export function dispatcher(service: string, routes: readonly Route[], faults: Faults, calls: CallRecord[]) {
  return async (command: { readonly input: unknown }) => {
    const route = routes.find(([ctor]) => command instanceof ctor);
    const input = (command.input ?? {}) as Record<string, unknown>;
    if (!route) throw new Error(`${service} fake: ${command.constructor.name} is not modelled`);
    const [, operation, answer] = route;
    calls.push({ operation, input: structuredClone(input) });
    faults.check(operation, input);
    return { $metadata: { httpStatusCode: 200 }, ...((await answer(input)) as object) };
  };
}

/** The mocked `send` of one SDK client class, and how to give it back. */
export interface SendStub {
  readonly send: { callsFake(fn: (command: never) => unknown): unknown };
  restore(): void;
}

/**
 * Takes over `send` of an SDK client class. Other test files stub the same classes with aws-sdk-client-mock at load
 * time and reset them in `beforeEach`; replacing their stub would detach it, so an existing stub is borrowed and
 * only reset afterwards, and a fresh one is installed and removed otherwise.
 */
export function stubSend(client: { prototype: object }): SendStub {
  const existing = (client.prototype as { send?: unknown }).send as { callsFake?: unknown; reset?: () => void; restore?: unknown } | undefined;
  if (existing && typeof existing.callsFake === "function" && typeof existing.reset === "function" && typeof existing.restore === "function") {
    const borrowed = existing as unknown as SendStub["send"] & { reset(): void };
    return { send: borrowed, restore: () => borrowed.reset() };
  }
  const mock = mockClient(client as never) as unknown as SendStub["send"] & { send: SendStub["send"]; restore(): void };
  return { send: mock.send, restore: () => mock.restore() };
}
