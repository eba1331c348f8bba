/** `plan <stack>`: what `pulumi up` would create, computed offline by running the real program under mocks. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROJECT } from "../../contracts/naming";
import { UsageError } from "../errors";
import { checkGuardrails, mandatory } from "../plan/guardrails";
import { resolveOutputs, runUnderMocks } from "../plan/mockRuntime";
import { type Plan, buildPlan, renderPlan } from "../plan/render";
import { type PlanDiff, diffPlans, renderDiff } from "../plan/diff";
import { readStackConfig } from "../stackFiles";
import { PACKAGE_ROOT } from "../context";
import { DELIVERY_ROLES, roleArn } from "../../contracts/naming";
import { deployRequests, isAdministratorOnly } from "../../infra/delivery/deployer/requests";
import { externalPrincipalArns, permissionsSummary, policiesOfRun } from "../../policy/permissions";

export interface PlanOptions {
  readonly stack: string;
  /** Directory holding Pulumi.yaml and the stack files. Default: the current directory. */
  readonly dir?: string;
  /**
   * Module whose default export is the Pulumi program, relative to the current directory. Default: the platform
   * (stacks/platform.ts). Lets the plan and its guardrails run over another program, e.g. a test fixture.
   */
  readonly program?: string;
  /** Receives a line per phase (the CLI prints them on stderr with the time elapsed). */
  readonly progress?: (line: string) => void;
}

/** Mandatory guardrail violations. The plan has been printed by then; exit code 1 (see automation/main.ts). */
export class PolicyViolationError extends Error {
  override readonly name = "PolicyViolationError";
  constructor(readonly count: number) {
    super(`${count} mandatory guardrail violation${count === 1 ? "" : "s"} (listed under "Guardrails" in the plan)`);
  }
}

async function loadProgram(program: string | undefined): Promise<() => unknown> {
  // Imported after the mocks are installed: a top-level import would run the program without them.
  if (program === undefined) return (await import("../../stacks/platform")).default;
  const mod = (await import(path.resolve(program))) as { default?: unknown };
  if (typeof mod.default !== "function") throw new UsageError(`${program} has no default export that is a Pulumi program`);
  return mod.default as () => unknown;
}

/**
 * Runs the program under mocks with the stack's config and checks the guardrails over what it registered.
 * Throws ConfigError (exit 2) on bad config. Violations are part of the result; {@link assertNoMandatoryViolations}
 * turns them into a failure after the plan is shown.
 */
export async function plan(options: PlanOptions): Promise<Plan> {
  const sc = readStackConfig(options.stack, options.dir ?? process.cwd());
  const progress = options.progress ?? (() => undefined);
  progress(`running the program of stack ${options.stack} under mocks`);
  const run = await runUnderMocks(
    async () => (await loadProgram(options.program))(),
    { project: PROJECT, stack: options.stack, config: sc.config, secretKeys: sc.secretKeys },
  );
  const region = sc.config["aws:region"] ?? "(unset)";
  const policies = policiesOfRun(run.resources, region);
  const environment = sc.config["data-platform:environment"] ?? options.stack;
  // With a `github` block, every request pulumi up makes is evaluated against the stack's deploy role.
  const deployRole = roleArn(policies.partition, policies.accountId, environment, DELIVERY_ROLES.deploy);
  const deploy = policies.principals.has(deployRole)
    ? {
        requests: deployRequests(run.resources, run.invokes, { partition: policies.partition, region, accountId: policies.accountId, environment, principal: deployRole }),
        administratorOnly: (r: object) => isAdministratorOnly(r as Parameters<typeof isAdministratorOnly>[0]),
      }
    : undefined;
  progress(`${run.resources.length} resources registered; simulating their permissions and checking the guardrails`);
  const permissions = await permissionsSummary({
    policies,
    resources: run.resources,
    environment,
    externalPrincipalArns: externalPrincipalArns(sc.config),
    deploy,
  });
  return buildPlan({
    project: PROJECT,
    stack: options.stack,
    region,
    resources: run.resources,
    outputs: await resolveOutputs(run.result),
    violations: checkGuardrails(run.resources),
    permissions,
  });
}

/** Requests the deployed policies deny, or static findings in them. The plan has been printed; exit code 1. */
export class PermissionDenialError extends Error {
  override readonly name = "PermissionDenialError";
  constructor(readonly denied: number, readonly findings: number) {
    super(`${denied} denied request${denied === 1 ? "" : "s"} and ${findings} static finding${findings === 1 ? "" : "s"} (listed under "Permissions" in the plan)`);
  }
}

/**
 * @throws PolicyViolationError when the plan has a mandatory violation; PermissionDenialError when a simulated
 * request is denied or a deployed document has a static finding (both as mandatory as a guardrail).
 */
export function assertNoMandatoryViolations(result: Plan): void {
  const count = mandatory(result.violations).length;
  if (count > 0) throw new PolicyViolationError(count);
  const { denied, findings } = result.permissions;
  if (denied.length > 0 || findings.length > 0) throw new PermissionDenialError(denied.length, findings.length);
}

export { renderDiff, renderPlan };

/** A plan JSON file (`plan --json > plan.json`), checked to be one. */
function readPlanFile(file: string): Plan {
  let doc: Partial<Plan>;
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as Partial<Plan>;
  } catch (err) {
    throw new UsageError(`--diff ${file}: not a plan JSON file (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (!Array.isArray(doc.resources) || typeof doc.stack !== "string") throw new UsageError(`--diff ${file}: not a plan (make one with plan --json)`);
  return { ...doc, outputs: doc.outputs ?? {}, violations: doc.violations ?? [] } as Plan;
}

function git(dir: string, args: string[], input?: Buffer) {
  return spawnSync("git", ["-C", dir, ...args], { input, maxBuffer: 1 << 30 });
}

/**
 * The plan of the same stack at a git ref: the ref's tree (program and stack files) is extracted to a temporary
 * directory and planned there with this checkout's node_modules, in a child process.
 */
function planAtRef(ref: string, stack: string, dir: string, progress: (line: string) => void): Plan {
  const sha = git(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).stdout.toString().trim();
  if (!sha) throw new UsageError(`--diff ${ref}: neither a plan JSON file nor a git ref of ${dir}`);
  const prefix = git(dir, ["rev-parse", "--show-prefix"]).stdout.toString().trim();
  const tmp = mkdtempSync(path.join(tmpdir(), "plan-base-"));
  try {
    progress(`planning ${stack} at ${ref} (${sha.slice(0, 12)}) in a temporary checkout…`);
    const archive = git(dir, ["archive", "--format=tar", sha]);
    if (archive.status !== 0) throw new Error(`git archive ${sha} failed: ${archive.stderr.toString().trim()}`);
    const untar = spawnSync("tar", ["-x", "-C", tmp], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`extracting ${sha} failed: ${untar.stderr.toString().trim()}`);
    const root = path.join(tmp, prefix);
    if (!existsSync(path.join(root, "node_modules"))) symlinkSync(path.join(PACKAGE_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    const run = spawnSync(process.execPath, ["--import", "tsx", "automation/main.ts", "plan", stack, "--json"], {
      cwd: root,
      maxBuffer: 1 << 30,
      env: { ...process.env, INIT_CWD: root },
    });
    try {
      return JSON.parse(run.stdout.toString()) as Plan;
    } catch {
      throw new Error(`the plan of ${stack} at ${ref} failed (exit ${run.status}): ${run.stderr.toString().trim().split("\n").slice(-3).join(" ")}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Options of {@link planDiff}. */
export interface PlanDiffOptions extends PlanOptions {
  /** A plan JSON file, or a git ref whose tree is planned. */
  readonly base: string;
  /** Resolves a path the user typed (from the caller's directory). */
  readonly resolvePath?: (p: string) => string;
  readonly progress?: (line: string) => void;
}

/** What the current tree adds, removes and changes against a plan file or a git ref. */
export async function planDiff(options: PlanDiffOptions): Promise<PlanDiff> {
  const progress = options.progress ?? (() => undefined);
  const file = (options.resolvePath ?? path.resolve)(options.base);
  const before = existsSync(file) ? readPlanFile(file) : planAtRef(options.base, options.stack, options.dir ?? process.cwd(), progress);
  if (before.stack !== options.stack) throw new UsageError(`--diff ${options.base} is a plan of stack "${before.stack}", not "${options.stack}"`);
  progress(`planning ${options.stack} in the working tree…`);
  return diffPlans(before, await plan(options), options.base);
}
