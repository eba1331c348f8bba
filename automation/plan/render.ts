/** Turns a mocked run into the offline plan: text grouped by component, or one JSON document. */
import type { PermissionsSummary } from "../../policy/permissions/simulate";
import type { Violation } from "../../policy/rules";
import { describe } from "./describe";
import { MOCK_ACCOUNT_ID, type RecordedResource } from "./mockRuntime";

/** The plan as data; `--json` prints exactly this. */
export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly mockAccountId: string;
  readonly region: string;
  readonly summary: { resources: number; components: number; protected: number; byType: Record<string, number> };
  readonly resources: (RecordedResource & { details: string[] })[];
  readonly outputs: Record<string, unknown>;
  /** Guardrail violations (policy/rules.ts, the same rules as the CrossGuard pack); mandatory ones fail the plan. */
  readonly violations: Violation[];
  /** Requests simulated against the deployed policies and the static checks of every document; any denial fails the plan. */
  readonly permissions: PermissionsSummary;
}

export function buildPlan(args: {
  project: string;
  stack: string;
  region: string;
  resources: readonly RecordedResource[];
  outputs: Record<string, unknown>;
  violations: readonly Violation[];
  permissions: PermissionsSummary;
}): Plan {
  const byType: Record<string, number> = {};
  for (const r of args.resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    project: args.project,
    stack: args.stack,
    mockAccountId: MOCK_ACCOUNT_ID,
    region: args.region,
    summary: {
      resources: args.resources.filter((r) => r.custom).length,
      components: args.resources.filter((r) => !r.custom).length,
      protected: args.resources.filter((r) => r.custom && r.protect).length,
      byType,
    },
    resources: args.resources.map((r) => ({ ...r, details: describe(r) })),
    outputs: args.outputs,
    violations: [...args.violations],
    permissions: args.permissions,
  };
}

/**
 * Short type: `aws:s3/bucket:Bucket` → `s3.Bucket`, `gcp:bigquery/dataset:Dataset` → `bigquery.Dataset`,
 * `pulumi:providers:gcp` → `provider.gcp`; components keep their `platform:` token's class.
 */
export function shortType(type: string): string {
  const cloud = /^(?:aws|gcp):([^/]+)\/[^:]+:(.+)$/.exec(type);
  if (cloud) return `${cloud[1]}.${cloud[2]}`;
  const provider = /^pulumi:providers:(.+)$/.exec(type);
  if (provider) return `provider.${provider[1]}`;
  return type.split(":").pop() ?? type;
}

/** Detail lines longer than this wrap at list separators (`, `, ` | `, ` and `), with a hanging indent. */
export const WRAP_WIDTH = 160;

/** Wraps one line at list separators; a piece longer than the width (an ARN) is never cut. */
export function wrapLine(line: string, width = WRAP_WIDTH): string[] {
  if (line.length <= width) return [line];
  const indent = `${/^\s*/.exec(line)?.[0] ?? ""}    `;
  const pieces = line.split(/(?<=, | \| | and )/);
  const lines: string[] = [];
  let current = "";
  for (const piece of pieces) {
    if (current !== "" && current.length + piece.length > width) {
      lines.push(current.trimEnd());
      current = indent + piece;
    } else current += piece;
  }
  lines.push(current.trimEnd());
  return lines;
}

/**
 * Sections of the summary, in order, each a few lines ahead of the detail: resources by type, protected resources,
 * guardrails, permissions.
 */
export const SUMMARY_SECTIONS: Array<(plan: Plan) => string[]> = [renderCounts, renderProtected, renderViolations, (plan) => renderPermissions(plan.permissions)];

/** The human-readable plan, like `pulumi preview`: the summary first, then every resource, then the outputs. */
export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  const children = new Map<string | undefined, Plan["resources"]>();
  for (const r of plan.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const urns = new Set(plan.resources.map((r) => r.urn));
  const roots = plan.resources.filter((r) => r.parent === undefined || !urns.has(r.parent));

  out.push(`Offline plan for ${plan.project} stack "${plan.stack}" (mocked: no cloud calls, account ${plan.mockAccountId}, region ${plan.region})`);
  out.push("");
  for (const section of SUMMARY_SECTIONS) out.push(...section(plan));
  out.push("Resources:", "");

  const walk = (r: Plan["resources"][number], depth: number) => {
    const pad = "  ".repeat(depth);
    const tag = r.custom ? "+" : "▸";
    const flags = r.protect && r.custom ? "  [protected]" : "";
    out.push(`${pad}${tag} ${shortType(r.type)} "${r.name}"${flags}`);
    for (const line of r.details) out.push(...wrapLine(`${pad}    ${line}`));
    for (const child of children.get(r.urn) ?? []) walk(child, depth + 1);
  };
  for (const r of roots) {
    walk(r, 0);
    out.push("");
  }

  const outputs = Object.entries(plan.outputs);
  if (outputs.length > 0) {
    out.push("Stack outputs:");
    for (const [k, v] of outputs) out.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return out.join("\n");
}

/** The totals and the resources per type, most numerous first. */
function renderCounts(plan: Plan): string[] {
  const s = plan.summary;
  const custom = Object.entries(s.byType).filter(([type]) => plan.resources.some((r) => r.custom && r.type === type));
  custom.sort(([a, n], [b, m]) => m - n || shortType(a).localeCompare(shortType(b)));
  const width = Math.max(...custom.map(([t]) => shortType(t).length));
  return [
    `${s.resources} resources in ${s.components} components would be created; ${s.protected} protected.`,
    "By type:",
    ...custom.map(([t, n]) => `  ${shortType(t).padEnd(width)}  ${n}`),
    "",
  ];
}

/** Protected resources by name: `pulumi destroy` and replacements stop at these. */
function renderProtected(plan: Plan): string[] {
  const protectedOnes = plan.resources.filter((r) => r.custom && r.protect);
  if (protectedOnes.length === 0) return ["Protected: none.", ""];
  return ["Protected (pulumi refuses to delete or replace them):", ...protectedOnes.map((r) => `  ${shortType(r.type)} "${r.name}"`), ""];
}

/** The Permissions section: figures, then each denial with its reason and each static finding. */
export function renderPermissions(p: PermissionsSummary): string[] {
  const out = [
    `Permissions: ${p.simulated} requests simulated, ${p.allowed} allowed, ${p.denied.length} denied; ` +
      `${p.documents} policy documents checked, ${p.findings.length} finding${p.findings.length === 1 ? "" : "s"}`,
  ];
  if (p.deployRequests > 0) {
    out.push(`  (${p.deployRequests} of them the deploy role's; ${p.heldForAdministrator} held for an administrator: denied explicitly, as designed)`);
  }
  if (!p.codeRequestsIncluded) {
    out.push("  (the code's own SDK requests are not among them: npm test simulates those from the handler tests' recordings)");
  }
  for (const d of p.denied) out.push(`  ✗ denied: ${d.origin}: ${d.principal} ${d.action} on ${d.resource}: ${d.reason}`);
  for (const f of p.findings) out.push(`  ✗ ${f}`);
  out.push("");
  return out;
}

/** The guardrails section: one line per violation, under the resource's type and name. */
function renderViolations(plan: Plan): string[] {
  if (plan.violations.length === 0) return ["Guardrails: every policy passed.", ""];
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const out = [`Guardrails: ${plan.violations.length} violation${plan.violations.length === 1 ? "" : "s"}`];
  for (const v of plan.violations) {
    const r = byUrn.get(v.urn);
    const where = r ? `${shortType(r.type)} "${r.name}"` : v.urn;
    out.push(`  ✗ [${v.enforcementLevel}] ${v.policy}: ${where}: ${v.message}`);
  }
  out.push("");
  return out;
}
