/**
 * Masking a fresh clone before anyone is handed it. The orchestrator calls a `MaskingRunner` right after `up`; the
 * real one runs the masking engine's own CLI as a child process:
 *
 *   tsx automation/main.ts mask run --url mysql://<user>@127.0.0.1:<port>/<db> --rules <rules> --json --yes
 *
 * with the password in MYSQL_PWD and the salt in MASKING_SALT (never in argv, where `ps` would show them), through a
 * tunnel to the clone's private endpoint. `mask run` verifies its own work: exit 0 = masked and verified, 2 = usage
 * error or PII the rules do not cover, 1 = failure.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { lockOtherAccountsAt } from "../../sql/accounts";
import { type ConnectPath, type RemoteEndpoint, type Tunnel, freeLocalPort, openTunnel, tunnelCommand } from "./tunnel";

/** The clone to mask, as `up` reported it. */
export interface MaskTarget extends RemoteEndpoint {
  readonly user: string;
  readonly password: string;
  /** Databases to mask, one `mask run` each. */
  readonly databases: readonly string[];
}

/** Steps the CLI shows while masking. */
export type MaskingPhase = "masking" | "verifying";

export interface MaskingOptions {
  readonly onPhase?: (phase: MaskingPhase, database: string) => void;
  /** The engine's progress text (stderr). */
  readonly onOutput?: (text: string) => void;
  /** Stops the engine (SIGTERM). */
  readonly signal?: AbortSignal;
}

/** What `mask run --json` reported, per database. */
export interface MaskingReport {
  readonly databases: ReadonlyArray<{ readonly database: string; readonly report: unknown }>;
}

/** Masks and verifies a clone, or throws MaskingFailedError. */
export interface MaskingRunner {
  /**
   * Gives every account but the master and the server's own a random password and locks it (sql/accounts), so the
   * source's application credentials do not open the clone. `qa create` runs it on a clone of a raw source before
   * masking; a clone of the golden inherits the golden's locked accounts.
   */
  lockAccounts(target: MaskTarget, options?: Pick<MaskingOptions, "onOutput">): Promise<{ readonly locked: string[] }>;
  run(target: MaskTarget, options?: MaskingOptions): Promise<MaskingReport>;
}

/** Masking or its verification failed: the clone must not be handed out. */
export class MaskingFailedError extends Error {
  override readonly name = "MaskingFailedError";
}

/** Where the real runner finds the engine and how it reaches the clone. */
export interface CliMaskingRunnerOptions {
  /** Repository root: automation/main.ts and the rules path are relative to it. */
  readonly repoRoot: string;
  /** Masking rules, relative to repoRoot (config `qa.maskingRules`). */
  readonly rulesPath: string;
  /** Salt for deterministic masking (MASKING_SALT). */
  readonly salt: string;
  readonly connect: ConnectPath;
  readonly region: string;
}

/** The argv of one `mask run` (no secrets in it). */
export function maskCommandArgs(repoRoot: string, rulesPath: string, user: string, localPort: number, database: string): string[] {
  const url = `mysql://${encodeURIComponent(user)}@127.0.0.1:${localPort}/${encodeURIComponent(database)}`;
  return [
    "--import",
    pathToFileURL(require.resolve("tsx")).href,
    path.join(repoRoot, "automation/main.ts"),
    "mask",
    "run",
    "--url",
    url,
    "--rules",
    path.resolve(repoRoot, rulesPath),
    "--json",
    // The clone was made to be masked; no one is there to confirm.
    "--yes",
  ];
}

const MASK_EXIT_MEANING: Record<number, string> = { 1: "failed", 2: "refused: usage error or PII the rules do not cover" };

/** Runs the masking engine's CLI through a tunnel. Used by `qa create`; not exercised by the tests (needs AWS). */
export class CliMaskingRunner implements MaskingRunner {
  constructor(private readonly options: CliMaskingRunnerOptions) {}

  async lockAccounts(target: MaskTarget, options: Pick<MaskingOptions, "onOutput"> = {}): Promise<{ readonly locked: string[] }> {
    const localPort = await freeLocalPort();
    const tunnel = await openTunnel(tunnelCommand(this.options.connect, target, localPort, this.options.region), localPort, { onOutput: options.onOutput });
    try {
      // Through the tunnel's local end; the clone's certificate names its endpoint, not 127.0.0.1, and the tunnel
      // (SSM or SSH) already encrypts the hop, as for the masking engine's own connection.
      return await lockOtherAccountsAt({ host: "127.0.0.1", port: localPort, user: target.user, password: target.password });
    } finally {
      await tunnel.close();
    }
  }

  async run(target: MaskTarget, options: MaskingOptions = {}): Promise<MaskingReport> {
    const localPort = await freeLocalPort();
    const tunnel: Tunnel = await openTunnel(tunnelCommand(this.options.connect, target, localPort, this.options.region), localPort, {
      onOutput: options.onOutput,
    });
    try {
      const databases = [];
      for (const database of target.databases) {
        databases.push({ database, report: await this.runOne(target, localPort, database, options) });
      }
      return { databases };
    } finally {
      await tunnel.close();
    }
  }

  private runOne(target: MaskTarget, localPort: number, database: string, options: MaskingOptions): Promise<unknown> {
    const { repoRoot, rulesPath, salt } = this.options;
    return runMaskingEngine({ repoRoot, rulesPath, salt, user: target.user, password: target.password, localPort, database }, options);
  }
}

/**
 * One `mask run` against a database reachable on 127.0.0.1:<localPort> (the tunnel's local end), secrets in the
 * environment only. Resolves with the engine's JSON report; rejects with MaskingFailedError on any non-zero exit.
 */
export function runMaskingEngine(
  run: {
    readonly repoRoot: string;
    readonly rulesPath: string;
    readonly salt: string;
    readonly user: string;
    readonly password: string;
    readonly localPort: number;
    readonly database: string;
  },
  options: MaskingOptions = {},
): Promise<unknown> {
  const { database } = run;
  const args = maskCommandArgs(run.repoRoot, run.rulesPath, run.user, run.localPort, database);
  options.onPhase?.("masking", database);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: run.repoRoot,
      env: { ...process.env, MYSQL_PWD: run.password, MASKING_SALT: run.salt },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let lastLine = "";
    let verifying = false;
    const abort = () => child.kill("SIGTERM");
    options.signal?.addEventListener("abort", abort, { once: true });
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      options.onOutput?.(text);
      lastLine = text.trim().split("\n").pop() ?? lastLine;
      // `mask run` verifies after masking; its progress says so, which is the only signal we get of the switch.
      if (!verifying && /verif/i.test(text)) {
        verifying = true;
        options.onPhase?.("verifying", database);
      }
    });
    child.once("error", (err) => reject(new MaskingFailedError(`could not start the masking engine: ${err.message}`, { cause: err })));
    child.once("close", (code, signal) => {
      options.signal?.removeEventListener("abort", abort);
      if (code === 0) {
        try {
          return resolve(JSON.parse(stdout));
        } catch {
          return resolve({ output: stdout.trim() });
        }
      }
      const meaning = code === null ? `stopped by ${signal}` : (MASK_EXIT_MEANING[code] ?? `exited ${code}`);
      reject(new MaskingFailedError(`masking ${database} ${meaning}${lastLine ? `: ${lastLine}` : ""}`));
    });
  });
}
