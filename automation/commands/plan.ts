/** `plan <stack>`: what `pulumi up` would create, computed offline by running the real program under mocks. */
import { PROJECT } from "../../contracts/naming";
import { type Plan, buildPlan, renderPlan } from "../plan/render";
import { resolveOutputs, runUnderMocks } from "../plan/mockRuntime";
import { readStackConfig } from "../stackFiles";

export interface PlanOptions {
  readonly stack: string;
  /** Directory holding Pulumi.yaml and the stack files. Default: the current directory. */
  readonly dir?: string;
}

/** Runs stacks/platform.ts under mocks with the stack's config. Throws ConfigError (exit 2) on bad config. */
export async function plan(options: PlanOptions): Promise<Plan> {
  const sc = readStackConfig(options.stack, options.dir ?? process.cwd());
  const run = await runUnderMocks(
    async () => {
      // Imported after the mocks are installed: a top-level import would run the program without them.
      const { default: platform } = await import("../../stacks/platform");
      return platform();
    },
    { project: PROJECT, stack: options.stack, config: sc.config, secretKeys: sc.secretKeys },
  );
  return buildPlan({
    project: PROJECT,
    stack: options.stack,
    region: sc.config["aws:region"] ?? "(unset)",
    resources: run.resources,
    outputs: await resolveOutputs(run.result),
  });
}

export { renderPlan };
