/**
 * Ctrl-C for long QA operations: the first SIGINT (or SIGTERM) aborts the operation, which then cleans up after
 * itself; later ones only say that cleanup is still running, so the process cannot die halfway through it.
 */

/** The part of `process` this needs; tests pass an EventEmitter. */
export interface SignalSource {
  on(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/** Runs `work` with an AbortSignal tied to SIGINT/SIGTERM; the handlers are removed when it settles. */
export async function withInterrupts<T>(source: SignalSource, stderr: (text: string) => void, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted) {
      stderr("\ninterrupted: cancelling, then destroying whatever was created; this can take several minutes\n");
      controller.abort();
    } else {
      stderr("still cleaning up; stopping now would leave a clone behind (the AWS-side reaper would delete it after its expiry)\n");
    }
  };
  source.on("SIGINT", onSignal);
  source.on("SIGTERM", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    source.off("SIGINT", onSignal);
    source.off("SIGTERM", onSignal);
  }
}
