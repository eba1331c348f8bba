/** `plan <stack>`: what `pulumi up` would create, computed offline by running the real program under mocks. */
import path from "node:path";
import { PROJECT } from "../../contracts/naming";
import { UsageError } from "../errors";
import { checkGuardrails, mandatory } from "../plan/guardrails";
import { resolveOutputs, runUnderMocks } from "../plan/mockRuntime";
import { type Plan, buildPlan, renderPlan } from "../plan/render";
import { readStackConfig } from "../stackFiles";
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

export { renderPlan };
