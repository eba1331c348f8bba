/** Simulates every request of a stack, code-side and service-side, against the policies the program deploys. */
import type { RecordedResource } from "../../automation/plan/mockRuntime";
import { type CommandRecording, type UnrecordedFunction, codeRequests } from "./codeRequests";
import type { DeployedPolicies } from "./collect";
import { type Decision, evaluateRequests } from "./evaluate";
import { serviceRequests } from "./serviceRequests";

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
