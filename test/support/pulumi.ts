/** Helpers for running Pulumi programs under mocks in tests. */
import { expect } from "chai";
import { type RecordedResource, runUnderMocks } from "../../automation/plan/mockRuntime";
import { readStackConfig } from "../../automation/stackFiles";
import { PROJECT } from "../../contracts/naming";

export { promiseOf } from "../../automation/plan/mockRuntime";

/** Repository root, where the Pulumi.<stack>.yaml files live. */
export const REPO_ROOT = `${__dirname}/../..`;

/** A stack's config file as a raw config map, with some keys replaced (a value of undefined removes the key). */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
  const config = { ...readStackConfig(stack, REPO_ROOT).config };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete config[key];
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** Runs stacks/platform.ts under mocks; imported inside, after the mocks are set (see STYLE.md). */
export async function runPlatform(stack: string, overrides: Record<string, unknown> = {}) {
  return runUnderMocks(
    async () => {
      const { default: platform } = await import("../../stacks/platform");
      return platform();
    },
    { project: PROJECT, stack, config: stackConfig(stack, overrides) },
  );
}

/** Runs any program under mocks with an empty config. */
export async function runProgram<T>(program: () => T | Promise<T>, config: Record<string, string> = { "aws:region": "ap-northeast-1" }) {
  return runUnderMocks(program, { project: PROJECT, stack: "test", config });
}

/** The recorded resources of a type. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The one recorded resource of a type and name; fails the test if absent. */
export function find(resources: readonly RecordedResource[], type: string, name?: string): RecordedResource {
  const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found, `${type} ${name ?? ""}`).to.have.length.greaterThan(0);
  return found[0];
}

/** Statements of a JSON policy document input. */
export function statements(policy: unknown): Array<Record<string, any>> {
  const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
  return (doc as { Statement: Array<Record<string, any>> }).Statement;
}

/**
 * Asserts that every custom resource has a component parent (none hangs off the stack directly). Providers are
 * configuration, not infrastructure: the platform's one explicit AWS provider sits at the top.
 */
export function expectAllParented(resources: readonly RecordedResource[]) {
  const components = new Set(resources.filter((r) => !r.custom).map((r) => r.urn));
  const orphans = resources.filter(
    (r) => r.custom && !r.type.startsWith("pulumi:providers:") && (r.parent === undefined || !components.has(r.parent)),
  );
  expect(orphans.map((r) => `${r.type} ${r.name}`)).to.deep.equal([]);
}
