/**
 * The offline plan's runner of the guardrails: the same rule functions as the CrossGuard pack (policy/rules.ts),
 * over the resources the mocked program registered.
 */
import { type PolicyResourceView, type Violation, evaluate, providerDefaultTags } from "../../policy/rules";
import type { RecordedResource } from "./mockRuntime";

/** Recorded custom resources as the rules see them, each with its provider's default tags. */
export function policyViews(resources: readonly RecordedResource[]): PolicyResourceView[] {
  const providers = new Map(resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]));
  return resources
    .filter((r) => r.custom)
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      props: r.inputs,
      id: r.id,
      // A resource on a default provider (none recorded) gets no default tags: the platform's provider is explicit.
      providerDefaultTags: r.provider ? providerDefaultTags(providers.get(r.provider)?.inputs) : undefined,
    }));
}

/** Every guardrail violation of a mocked run. */
export function checkGuardrails(resources: readonly RecordedResource[]): Violation[] {
  return evaluate(policyViews(resources));
}

/** Mandatory violations: the plan fails on any of these. */
export function mandatory(violations: readonly Violation[]): Violation[] {
  return violations.filter((v) => v.enforcementLevel === "mandatory");
}
