/** Simulates every request of a stack, code-side and service-side, against the policies the program deploys. */
import type { RecordedResource } from "../../automation/plan/mockRuntime";
import { type CommandRecording, type UnrecordedFunction, codeRequests } from "./codeRequests";
import type { DeployedPolicies } from "./collect";
import { type Decision, type IamRequest, evaluateRequests } from "./evaluate";
import { serviceRequests } from "./serviceRequests";
import { checkDeployedDocuments, formatFinding } from "./staticChecks";

/** The result of simulating one stack. */
export interface SimulationReport {
  /** Every request with its verdict: the code's first, then the services'. */
  readonly decisions: Decision[];
  readonly simulated: number;
  readonly allowed: number;
  /** Denied or invalid requests, each with its reason. */
  readonly denied: Decision[];
  /** Deployed functions whose code's requests no recording covers (their requests are not in `decisions`). */
  readonly unrecorded: UnrecordedFunction[];
}

/** Simulates a stack's requests: those `recordings` hold for its functions, and those AWS services make. */
export async function simulateStack(args: {
  readonly policies: DeployedPolicies;
  readonly resources: readonly RecordedResource[];
  readonly environment: string;
  readonly recordings: ReadonlyMap<string, CommandRecording>;
}): Promise<SimulationReport> {
  const code = codeRequests(args.recordings, args.resources, args.policies, args.environment);
  const decisions = await evaluateRequests(args.policies, [...code.requests, ...serviceRequests(args.resources, args.policies)]);
  const denied = decisions.filter((d) => !d.allowed);
  return { decisions, simulated: decisions.length, allowed: decisions.length - denied.length, denied, unrecorded: code.unrecorded };
}

/** One denied request, as the plan prints it. */
export interface DenialLine {
  readonly origin: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly reason: string;
}

/** What the plan's Permissions section shows; any denial or finding fails the plan. */
export interface PermissionsSummary {
  /**
   * Requests evaluated: what AWS services make on the program's behalf, the deploy role's (when given), plus the
   * code's when recordings are given.
   */
  readonly simulated: number;
  /** Of `simulated`, the deploy role's requests for `pulumi up`, refresh and destroy. */
  readonly deployRequests: number;
  /**
   * Deploy-role requests only an administrator may make, each denied explicitly as designed (changes to the delivery
   * roles and the deploy role's own policies); one that is allowed counts as a denial-worthy defect in `denied`.
   */
  readonly heldForAdministrator: number;
  readonly allowed: number;
  readonly denied: DenialLine[];
  /** Static findings over every deployed document (staticChecks.ts), one line each. */
  readonly findings: string[];
  /** Documents the static checks read. */
  readonly documents: number;
  /** Whether the code's own SDK requests were part of `simulated` (they come from the handler tests' recordings). */
  readonly codeRequestsIncluded: boolean;
}

/**
 * The Permissions summary of a mocked run: every service-side request (and, with `recordings`, every recorded
 * request of the code) evaluated against the deployed policies, and the static checks of every document.
 */
export async function permissionsSummary(args: {
  readonly policies: DeployedPolicies;
  readonly resources: readonly RecordedResource[];
  readonly environment: string;
  readonly externalPrincipalArns?: readonly string[];
  readonly recordings?: ReadonlyMap<string, CommandRecording>;
  /** The deploy role's requests (infra/delivery/deployer/requests.ts), and which of them only an administrator may make. */
  readonly deploy?: { readonly requests: readonly IamRequest[]; readonly administratorOnly: (r: IamRequest) => boolean };
}): Promise<PermissionsSummary> {
  const requests = args.recordings ? codeRequests(args.recordings, args.resources, args.policies, args.environment).requests : [];
  const deploy = args.deploy?.requests ?? [];
  const decisions = await evaluateRequests(args.policies, [...requests, ...serviceRequests(args.resources, args.policies), ...deploy]);
  const heldBack = (d: Decision) => deploy.includes(d.request) && args.deploy!.administratorOnly(d.request);
  const failed = decisions.filter((d) =>
    heldBack(d) ? d.result !== "ExplicitlyDenied" : !d.allowed,
  );
  const denied = failed.map(({ request: r, reason, allowed }) => ({
    origin: r.origin ?? r.principal,
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    reason: allowed ? "allowed, but only an administrator may make this request: it must be denied explicitly" : reason,
  }));
  const findings = await checkDeployedDocuments(args.policies, { externalPrincipalArns: args.externalPrincipalArns });
  const held = decisions.filter((d) => heldBack(d) && d.result === "ExplicitlyDenied").length;
  return {
    simulated: decisions.length,
    deployRequests: deploy.length,
    heldForAdministrator: held,
    allowed: decisions.length - denied.length - held,
    denied,
    findings: findings.map(formatFinding),
    documents: args.policies.documents.length,
    codeRequestsIncluded: args.recordings !== undefined,
  };
}
