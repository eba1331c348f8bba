/** Progress reporting: the engine never writes to the console; callers inject a callback. */

/** The phase a call is in. */
export type MaskPhase = "scan" | "plan" | "fingerprint" | "mask" | "verify";

/** One progress event. Messages name tables and counts, never values or secrets. */
export interface ProgressEvent {
  readonly phase: MaskPhase;
  readonly message: string;
  /** Milliseconds since the call started. */
  readonly elapsedMs: number;
  readonly table?: string;
  readonly chunksDone?: number;
  readonly chunksTotal?: number;
}

/** Receives progress events, e.g. to print them to stderr or send them to a structured logger. */
export type ProgressCallback = (event: ProgressEvent) => void;

/** A function that stamps events with the elapsed time and hands them to `callback` (if any). */
export function reporter(callback: ProgressCallback | undefined, start = Date.now()) {
  return (phase: MaskPhase, message: string, extra: Omit<ProgressEvent, "phase" | "message" | "elapsedMs"> = {}): void => {
    callback?.({ phase, message, elapsedMs: Date.now() - start, ...extra });
  };
}
