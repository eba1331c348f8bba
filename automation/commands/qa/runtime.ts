/**
 * Wiring of the qa commands to the real world, used by automation/cli.ts only: settings from Pulumi.<stack>.yaml,
 * the Automation API workspace, the masking engine's CLI, stdout/stderr. The commands themselves never see these.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import path from "node:path";
import { qaProjectName } from "../../../contracts/qaStack";
import { CliMaskingRunner } from "../../qa/masking";
import type { QaSettings } from "../../qa/settings";
import { freeLocalPort, openTunnel } from "../../qa/tunnel";
import type { ConnectRunner } from "./access";
import type { QaDeps } from "./common";
import type { CreatedClone } from "./create";
import type { ReapResult } from "./reap";

/** Repository root: the inline program, the masking engine and the stack files live here. */
export const REPO_ROOT = path.resolve(__dirname, "../../..");

/** Owner tag when --owner is not given: $QA_OWNER, else the login name. */
export function defaultOwner(): string {
  if (process.env.QA_OWNER) return process.env.QA_OWNER;
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** The real dependencies. The Automation API is loaded only here, after every argument has been validated. */
export async function realDeps(settings: QaSettings, stderr: (text: string) => void): Promise<QaDeps> {
  const { createPulumiWorkspace } = await import("../../qa/pulumiWorkspace");
  const workspace = await createPulumiWorkspace({
    projectName: qaProjectName(settings.environment),
    program: async () => (await import("../../../stacks/qaClone")).default(),
    secretsProvider: settings.qa.secretsProvider,
    platformStack: settings.stack,
  });
  let salt = process.env.MASKING_SALT;
  if (!salt) {
    // Random per clone: masked values then differ between clones, which is safe; set MASKING_SALT to make them stable.
    salt = randomBytes(32).toString("hex");
  }
  const masker = new CliMaskingRunner({ repoRoot: REPO_ROOT, rulesPath: settings.qa.maskingRules, salt, connect: settings.qa.connect, region: settings.region });
  return { workspace, masker, clock: () => new Date(), stderr };
}

/** `qa connect` with real processes: the tunnel from ../../qa/tunnel, `mysql` attached to the terminal. */
export function realConnectRunner(): ConnectRunner {
  return {
    freePort: freeLocalPort,
    openTunnel: (line, port) => openTunnel(line, port),
    runClient: (line, env) =>
      new Promise((resolve, reject) => {
        const child = spawn(line.command, [...line.args], { stdio: "inherit", env: { ...process.env, ...env } });
        // Ctrl-C belongs to the mysql client (it cancels the running query); this process waits for it to exit.
        const ignore = () => undefined;
        process.on("SIGINT", ignore);
        child.once("error", (err) => {
          process.off("SIGINT", ignore);
          reject(new Error(`could not start ${line.command}: ${err.message} (install the MySQL client)`, { cause: err }));
        });
        child.once("exit", (code, signal) => {
          process.off("SIGINT", ignore);
          resolve(code ?? (signal ? 128 : 1));
        });
      }),
  };
}

/** Human-readable `qa create` result (the password only when it was asked for). */
export function renderCreated(c: CreatedClone): string {
  const secretHint = `hidden; pass --show-secrets, or run: qa password ${c.name}`;
  const how =
    "skipped" in c.masking
      ? `cloned from the masked golden ${c.masking.golden}; masking skipped`
      : `masked and verified; ${c.lockedAccounts.length} account(s) of the source locked with new passwords`;
  return [
    `clone ${c.name} is ready: ${how}`,
    `  endpoint  ${c.endpoint}:${c.port}`,
    `  user      ${c.user}`,
    `  password  ${c.password ?? secretHint}`,
    `  expires   ${c.expiresAt}  (qa extend ${c.name} --ttl 8h; qa destroy ${c.name})`,
    `connect (${c.connect.via}):`,
    ...c.connect.commands.map((l) => `  ${l}`),
  ].join("\n");
}

/**
 * The published golden for a stack with a golden, read from its SSM parameter (undefined otherwise). Only called
 * after the flags are valid, so a usage error never waits on AWS.
 */
export async function publishedGoldenFor(settings: QaSettings): Promise<string | undefined> {
  if (!settings.golden) return undefined;
  const { SSMClient } = await import("@aws-sdk/client-ssm");
  const { readPublishedGolden } = await import("../../qa/golden");
  return readPublishedGolden(new SSMClient({ region: settings.region }), settings.environment, settings.golden.parameterName);
}

/** Human-readable `qa reap` result. */
export function renderReap(r: ReapResult): string {
  const verb = r.dryRun ? "would reap" : "reaped";
  const lines = [`${verb}: ${r.reaped.join(", ") || "none"}`, `kept: ${r.kept.join(", ") || "none"}`];
  for (const u of r.unreadable) lines.push(`left alone: ${u.name}: ${u.reason} (see "qa status ${u.name}"; "qa recover ${u.name}" destroys it)`);
  for (const f of r.failed) lines.push(`FAILED ${f.name}: ${f.error}`);
  return lines.join("\n");
}
