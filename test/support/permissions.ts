/** The deployed policies of stg and prod, computed once per test run (each run of the program takes seconds). */
import type { RecordedResource } from "../../automation/plan/mockRuntime";
import type { DeployedPolicies } from "../../policy/permissions";
import { REPO_ROOT } from "./pulumi";

const cache = new Map<string, Promise<{ policies: DeployedPolicies; resources: RecordedResource[]; externalPrincipalArns: string[] }>>();

/** The platform program's policies for a stack file of this repository. */
export function deployedStack(stack: "stg" | "prod"): Promise<{ policies: DeployedPolicies; resources: RecordedResource[]; externalPrincipalArns: string[] }> {
  let run = cache.get(stack);
  if (!run) {
    // Imported lazily: the module under test is loaded after the test file (STYLE.md, Tests).
    run = import("../../policy/permissions").then((m) => m.stackPolicies(stack, { dir: REPO_ROOT }));
    cache.set(stack, run);
  }
  return run;
}
