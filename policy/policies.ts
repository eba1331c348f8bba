/**
 * CrossGuard adapters: the rules of policy/rules.ts as @pulumi/policy policies. Kept apart from policy/index.ts
 * because constructing a PolicyPack starts the analyzer server, which only the Pulumi CLI may do; tests import this.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { type PolicyResourceView, RESOURCE_RULES, providerDefaultTags, type ResourceRule, STACK_RULES, type StackRule } from "./rules";

/** A CrossGuard resource as the rules' view. */
export function viewOfResource(args: ResourceValidationArgs | PolicyResource): PolicyResourceView {
  const deps = "propertyDependencies" in args ? args.propertyDependencies : undefined;
  return {
    urn: args.urn,
    type: args.type,
    name: args.name,
    props: args.props,
    providerDefaultTags: providerDefaultTags(args.provider?.props),
    propertyDependencies: deps
      ? Object.fromEntries(Object.entries(deps).map(([k, rs]) => [k, rs.map((r) => r.urn)]))
      : undefined,
  };
}

function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      for (const message of rule.check(viewOfResource(args))) report(message);
    },
  };
}

function stackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      for (const v of rule.checkStack(args.resources.map(viewOfResource))) report(v.message, v.urn);
    },
  };
}

/** Every guardrail as a CrossGuard policy: the same rule functions the offline plan runs. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...RESOURCE_RULES.map(resourcePolicy),
  ...STACK_RULES.map(stackPolicy),
];
