/** The deployed policies of a stack, from the platform program run under mocks with the stack's config (as `plan`). */
import { MOCK_ACCOUNT_ID, type RecordedResource, runUnderMocks } from "../../automation/plan/mockRuntime";
import { readStackConfig } from "../../automation/stackFiles";
import { PROJECT } from "../../contracts/naming";
import { type DeployedPolicies, collectPolicies } from "./collect";

/**
 * Principals the stack's config names that the stack does not create (analysts, key administrators): their
 * existence is the config's promise, so the static checks accept them in policies.
 */
export function externalPrincipalArns(config: Readonly<Record<string, string>>): string[] {
  return ["data-platform:analystPrincipalArns", "data-platform:keyAdministratorArns"].flatMap((key) => {
    const value = config[key];
    return value === undefined ? [] : (JSON.parse(value) as string[]);
  });
}

/** Policies of recorded resources, with the mocks' account and the stack's region. */
export function policiesOfRun(resources: readonly RecordedResource[], region: string): DeployedPolicies {
  return collectPolicies(resources, { accountId: MOCK_ACCOUNT_ID, region });
}

/**
 * Runs stacks/platform.ts under mocks for `stack` (config from `Pulumi.<stack>.yaml` in `dir`, default the current
 * directory) and collects its policies. Config overrides replace single keys (tests plant variations this way).
 */
export async function stackPolicies(stack: string, opts: { dir?: string; overrides?: Record<string, string> } = {}): Promise<{ policies: DeployedPolicies; resources: RecordedResource[]; externalPrincipalArns: string[] }> {
  const sc = readStackConfig(stack, opts.dir ?? process.cwd());
  const config = { ...sc.config, ...opts.overrides };
  const run = await runUnderMocks(
    // Imported after the mocks are installed: a top-level import would run the program without them.
    async () => (await import("../../stacks/platform")).default(),
    { project: PROJECT, stack, config, secretKeys: sc.secretKeys },
  );
  return { policies: policiesOfRun(run.resources, config["aws:region"] ?? "us-east-1"), resources: run.resources, externalPrincipalArns: externalPrincipalArns(config) };
}
