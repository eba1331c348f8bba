/**
 * Runs the real Automation API adapter (automation/qa/pulumiWorkspace.ts) against the stand-in `pulumi` CLI in
 * test/support/fake-pulumi/ and a file:// backend in a temp folder. Every `workspace()` call is a LocalWorkspace of
 * its own, exactly like a separate `qa` process on another machine.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { qaProjectName } from "../../contracts/qaStack";
import type { QaDeps } from "../../automation/commands/qa/common";
import { createPulumiWorkspace } from "../../automation/qa/pulumiWorkspace";
import type { QaSettings } from "../../automation/qa/settings";
import type { QaWorkspace } from "../../automation/qa/workspace";
import { DiyBackend, SECRET_SIG, SECRET_SIG_KEY } from "./fake-pulumi/diyBackend";
import { FakeClock, FakeMasker } from "./fakeQa";
import { REPO_ROOT } from "./pulumi";

export const FAKE_PULUMI_DIR = path.resolve(REPO_ROOT, "test/support/fake-pulumi");
const PROGRAM = path.resolve(REPO_ROOT, "stacks/qaClone.ts");

/** A file:// backend plus the environment the stand-in CLI reads; `restore()` puts process.env back. */
export class FakePulumiWorld {
  readonly backend = mkdtempSync(path.join(tmpdir(), "fake-pulumi-backend-"));
  readonly log = path.join(this.backend, "calls.log");
  private readonly saved = new Map<string, string | undefined>();

  constructor(extraEnv: Record<string, string | undefined> = {}) {
    this.setEnv({
      PATH: `${FAKE_PULUMI_DIR}${path.delimiter}${process.env.PATH}`,
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      FAKE_PULUMI_PROGRAM: PROGRAM,
      FAKE_PULUMI_LOG: this.log,
      PULUMI_CONFIG_PASSPHRASE: undefined,
      PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
      ...extraEnv,
    });
  }

  /** Sets (or, with undefined, removes) environment variables until restore(). */
  setEnv(vars: Record<string, string | undefined>): void {
    for (const [k, v] of Object.entries(vars)) {
      if (!this.saved.has(k)) this.saved.set(k, process.env[k]);
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }

  /** A fresh LocalWorkspace, as a new process would open it. */
  workspace(settings: QaSettings): Promise<QaWorkspace> {
    return createPulumiWorkspace({
      projectName: qaProjectName(settings.environment),
      program: async () => (await import("../../stacks/qaClone")).default(),
      secretsProvider: settings.qa.secretsProvider,
    platformStack: settings.stack,
    });
  }

  /** Deps for one `qa` process: its own workspace, a fake masker and clock. */
  async deps(settings: QaSettings, clock: FakeClock, stderr: string[] = []): Promise<QaDeps> {
    return { workspace: await this.workspace(settings), masker: new FakeMasker(), clock: clock.now, stderr: (t) => stderr.push(t) };
  }

  /** The CLI invocations so far, one argv per entry. */
  calls(): string[][] {
    try {
      return readFileSync(this.log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]);
    } catch {
      return [];
    }
  }

  restore(): void {
    for (const [k, v] of this.saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(this.backend, { recursive: true, force: true });
  }
}

/**
 * Writes a stack into a file:// backend as an earlier `qa create` would have left it: checkpoint with a root stack
 * resource holding the outputs (`password` as a secret under an awskms:// manager), one cluster, and the tags file.
 */
export function seedDiyStack(
  backendRoot: string,
  project: string,
  stack: string,
  contents: { tags: Record<string, string>; outputs: Record<string, unknown> },
): void {
  const be = new DiyBackend(backendRoot, project, backendRoot);
  const outputs = Object.fromEntries(
    Object.entries(contents.outputs).map(([k, v]) => [k, k === "password" ? { [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(JSON.stringify(v)).toString("base64") } : v]),
  );
  be.saveDeployment(stack, {
    manifest: { time: "2025-03-01T09:00:00.000Z", version: "v3.211.0" },
    secrets_providers: { type: "cloud", state: { url: "awskms://alias/data-platform-stg-qa-state" } },
    resources: [
      { urn: `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`, type: "pulumi:pulumi:Stack", custom: false, outputs },
      { urn: `urn:pulumi:${stack}::${project}::aws:rds/cluster:Cluster::clone-cluster`, type: "aws:rds/cluster:Cluster", custom: true, inputs: {} },
    ],
  });
  be.saveTags(stack, contents.tags);
}
