/**
 * The files a Pulumi DIY backend (`pulumi login file://…`) and a workspace folder hold, as the real CLI lays them
 * out, for the stand-in `pulumi` CLI in ./cli.ts. Sources (pulumi/pulumi):
 * - pkg/backend/diy/store.go: a stack's checkpoint is `.pulumi/stacks/<project>/<stack>.json`;
 * - pkg/backend/diy/stack_tags.go: its tags are `<stack>.pulumi-tags` beside it (`{version: 1, tags}`, since v3.211.0);
 * - pkg/backend/diy/lock.go: an update writes `.pulumi/locks/organization/<project>/<stack>/<uuid>.json` and deletes
 *   it in a deferred Unlock, so a killed process leaves it behind;
 * - sdk/nodejs/automation/localWorkspace.ts: every command runs with the workspace folder as its working directory,
 *   and config lives there, in `Pulumi.<stack>.yaml` (https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/).
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";

/** How the SDK marks a secret value in state (pulumi/sdk/nodejs/runtime/rpc.ts). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secrets manager as the state records it (`secrets_providers` of the deployment). */
export interface SecretsProviderState {
  /** `passphrase` or `cloud` (awskms://, gcpkms://, …). */
  readonly type: "passphrase" | "cloud";
  readonly state: { readonly url?: string; readonly salt?: string };
}

/** One resource in a checkpoint. */
export interface StateResource {
  urn: string;
  type: string;
  custom: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** An operation the engine began and had not finished when the checkpoint was last written. */
export interface PendingOperation {
  resource: { urn: string; type: string };
  type: "creating" | "updating" | "deleting";
}

/** The deployment part of a checkpoint (apitype.DeploymentV3, trimmed to what the fake uses). */
export interface Deployment {
  manifest: { time: string; version: string };
  secrets_providers?: SecretsProviderState;
  resources: StateResource[];
  pending_operations?: PendingOperation[];
}

/** `Pulumi.<stack>.yaml` in the workspace folder (workspace.ProjectStack). */
export interface ProjectStack {
  secretsprovider?: string;
  encryptedkey?: string;
  encryptionsalt?: string;
  config?: Record<string, string>;
}

/** A CLI failure: message to stderr, exit code 255 like the real CLI. */
export class CliError extends Error {
  override readonly name = "CliError";
}

/** One project's stacks in a file:// backend, seen from one workspace folder. */
export class DiyBackend {
  constructor(
    /** Backend root (the path of the file:// URL). */
    readonly root: string,
    readonly project: string,
    /** Workspace folder: the working directory the Automation API gives every command. */
    readonly workDir: string,
  ) {}

  /** Opens the backend named by PULUMI_BACKEND_URL for the project in `workDir`/Pulumi.yaml. */
  static open(env: NodeJS.ProcessEnv, workDir: string): DiyBackend {
    const url = env.PULUMI_BACKEND_URL ?? "";
    if (!url.startsWith("file://")) throw new CliError(`the stand-in pulumi CLI models only file:// backends, not "${url}"`);
    const projectFile = path.join(workDir, "Pulumi.yaml");
    if (!existsSync(projectFile)) throw new CliError(`no Pulumi.yaml project file found (searching upwards from ${workDir})`);
    const project = (parse(readFileSync(projectFile, "utf8")) as { name: string }).name;
    return new DiyBackend(url.slice("file://".length), project, workDir);
  }

  private stacksDir(): string {
    return path.join(this.root, ".pulumi", "stacks", this.project);
  }
  private checkpointPath(stack: string): string {
    return path.join(this.stacksDir(), `${stack}.json`);
  }
  private tagsPath(stack: string): string {
    return path.join(this.stacksDir(), `${stack}.pulumi-tags`);
  }
  private lockDir(stack: string): string {
    return path.join(this.root, ".pulumi", "locks", "organization", this.project, stack);
  }
  private settingsPath(stack: string): string {
    return path.join(this.workDir, `Pulumi.${stack}.yaml`);
  }

  exists(stack: string): boolean {
    return existsSync(this.checkpointPath(stack));
  }

  /** @throws CliError "no stack named … found" (the Automation API maps it to StackNotFoundError). */
  requireStack(stack: string): void {
    if (!this.exists(stack)) throw new CliError(`no stack named '${stack}' found`);
  }

  stackNames(): string[] {
    if (!existsSync(this.stacksDir())) return [];
    return readdirSync(this.stacksDir())
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -".json".length))
      .sort();
  }

  /** The latest deployment. An unparsable checkpoint throws, as the DIY backend's getCheckpoint does. */
  deployment(stack: string): Deployment {
    const text = readFileSync(this.checkpointPath(stack), "utf8");
    let doc: { checkpoint?: { latest?: Deployment } };
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new CliError(`could not read checkpoint of stack '${stack}': ${(err as Error).message}`);
    }
    return doc.checkpoint?.latest ?? { manifest: { time: new Date(0).toISOString(), version: "" }, resources: [] };
  }

  saveDeployment(stack: string, latest: Deployment | undefined): void {
    mkdirSync(this.stacksDir(), { recursive: true });
    const doc = { version: 3, checkpoint: { stack: `organization/${this.project}/${stack}`, ...(latest ? { latest } : {}) } };
    writeFileSync(this.checkpointPath(stack), `${JSON.stringify(doc, null, 2)}\n`);
  }

  removeStackFiles(stack: string): void {
    rmSync(this.checkpointPath(stack), { force: true });
    rmSync(this.tagsPath(stack), { force: true });
  }

  tags(stack: string): Record<string, string> {
    if (!existsSync(this.tagsPath(stack))) return {};
    return (JSON.parse(readFileSync(this.tagsPath(stack), "utf8")) as { tags: Record<string, string> }).tags ?? {};
  }

  saveTags(stack: string, tags: Record<string, string>): void {
    writeFileSync(this.tagsPath(stack), JSON.stringify({ version: 1, tags }));
  }

  /** Lock files other processes hold. */
  locks(stack: string): Array<{ file: string; pid: number; hostname: string; username: string; timestamp: string }> {
    const dir = this.lockDir(stack);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).map((f) => ({ file: path.join(dir, f), ...JSON.parse(readFileSync(path.join(dir, f), "utf8")) }));
  }

  /** Takes the stack's lock, or fails with the DIY backend's message (lock.go checkForLock). Returns the release. */
  lock(stack: string): () => void {
    const held = this.locks(stack);
    if (held.length > 0) {
      throw new CliError(
        `the stack is currently locked by ${held.length} lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.` +
          held.map((l) => `\n  file://${l.file}: created by ${l.username}@${l.hostname} (pid ${l.pid}) at ${l.timestamp}`).join(""),
      );
    }
    mkdirSync(this.lockDir(stack), { recursive: true });
    const file = path.join(this.lockDir(stack), `${randomUUID()}.json`);
    writeFileSync(file, JSON.stringify({ pid: process.pid, username: userInfo().username, hostname: hostname(), timestamp: new Date().toISOString() }));
    return () => rmSync(file, { force: true });
  }

  /** `pulumi cancel` on a DIY backend deletes every lock file of the stack (backend.go CancelCurrentUpdate). */
  cancel(stack: string): void {
    for (const l of this.locks(stack)) rmSync(l.file, { force: true });
  }

  projectStack(stack: string): ProjectStack {
    const file = this.settingsPath(stack);
    return existsSync(file) ? ((parse(readFileSync(file, "utf8")) as ProjectStack | null) ?? {}) : {};
  }

  saveProjectStack(stack: string, ps: ProjectStack): void {
    writeFileSync(this.settingsPath(stack), stringify(ps));
  }

  removeProjectStack(stack: string): void {
    rmSync(this.settingsPath(stack), { force: true });
  }
}
