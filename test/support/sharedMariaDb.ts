/**
 * One MariaDB per mocha run, shared by every SQL test file. It starts lazily on the first call, so a run without
 * SQL tests never pays for it; the root hook in rootHooks.ts stops it after the last test.
 */
import { type MariaDb, startMariaDb } from "./mariadb";

let shared: Promise<MariaDb> | undefined;

/** The run's shared server. Each test file should create its own databases with `createDatabase`. */
export function sharedMariaDb(): Promise<MariaDb> {
  shared ??= startMariaDb();
  return shared;
}

/** Stops the shared server if a test started it. */
export async function stopSharedMariaDb(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (pending) await (await pending).stop();
}
