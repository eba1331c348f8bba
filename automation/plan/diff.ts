/**
 * `plan --diff`: what one offline plan adds, removes and changes against another, resource by resource (by URN) and
 * property by property; policy documents are compared statement by statement, as a reviewer reads IAM.
 */
import { summariseStatements } from "./describe";
import type { Plan } from "./render";
import { shortType } from "./render";

/** One changed property: its path in the resource's inputs, the value before and after (undefined = absent). */
export interface PropertyChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** How a policy document changed, statement by statement (`Sid: Allow … on …`). */
export interface PolicyChange {
  readonly path: string;
  readonly added: string[];
  readonly removed: string[];
}

/** One resource that differs. */
export interface ResourceDiff {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly change: "add" | "remove" | "update";
  /** For updates: changed properties other than policy documents. */
  readonly properties: PropertyChange[];
  /** For updates: changed policy documents; for adds and removes, every statement of each document. */
  readonly policies: PolicyChange[];
  /** `protect` changed (updates), or the resource is protected (adds, removes). */
  readonly protect?: boolean;
}

/** The diff as data; `plan --diff --json` prints exactly this. */
export interface PlanDiff {
  readonly stack: string;
  /** What the current plan is compared against: a plan file or a git ref. */
  readonly base: string;
  readonly summary: { readonly add: number; readonly remove: number; readonly update: number; readonly unchanged: number };
  readonly resources: ResourceDiff[];
  readonly outputs: PropertyChange[];
  readonly violations: { readonly before: number; readonly after: number };
}

type Json = unknown;

/** A string holding a JSON policy document (anything with a Statement list), parsed; else undefined. */
function policyDocument(value: Json): { Statement: unknown[] } | undefined {
  let doc: unknown = value;
  if (typeof value === "string") {
    if (!value.includes("Statement")) return undefined;
    try {
      doc = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof doc === "object" && doc !== null && Array.isArray((doc as { Statement?: unknown }).Statement)) return doc as { Statement: unknown[] };
  return undefined;
}

const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/** Walks two input trees; policy documents become statement diffs, everything else leaf changes. */
function diffValues(before: Json, after: Json, path: string, props: PropertyChange[], policies: PolicyChange[]): void {
  if (same(before, after)) return;
  const pb = policyDocument(before);
  const pa = policyDocument(after);
  if (pb || pa) {
    const b = pb ? summariseStatements(pb) : [];
    const a = pa ? summariseStatements(pa) : [];
    const added = a.filter((s) => !b.includes(s));
    const removed = b.filter((s) => !a.includes(s));
    if (added.length > 0 || removed.length > 0) policies.push({ path, added, removed });
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      diffValues(before[key], after[key], path ? `${path}.${key}` : key, props, policies);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => diffValues(b, after[i], `${path}[${i}]`, props, policies));
    return;
  }
  props.push({ path, ...(before !== undefined && { before }), ...(after !== undefined && { after }) });
}

/** Every policy document in a resource's inputs, as all-added (or all-removed) statements. */
function policiesOf(inputs: Json, path = ""): PolicyChange[] {
  const doc = policyDocument(inputs);
  if (doc) return [{ path, added: summariseStatements(doc), removed: [] }];
  if (isObject(inputs)) return Object.entries(inputs).flatMap(([k, v]) => policiesOf(v, path ? `${path}.${k}` : k));
  if (Array.isArray(inputs)) return inputs.flatMap((v, i) => policiesOf(v, `${path}[${i}]`));
  return [];
}

/** Compares two plans of the same program; `base` names where `before` came from. */
export function diffPlans(before: Plan, after: Plan, base: string): PlanDiff {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  const now = new Map(after.resources.map((r) => [r.urn, r]));
  const resources: ResourceDiff[] = [];
  let unchanged = 0;
  for (const r of after.resources) {
    if (!r.custom) continue;
    const o = old.get(r.urn);
    if (!o) {
      resources.push({ urn: r.urn, type: r.type, name: r.name, change: "add", properties: [], policies: policiesOf(r.inputs), ...(r.protect && { protect: true }) });
      continue;
    }
    const properties: PropertyChange[] = [];
    const policies: PolicyChange[] = [];
    diffValues(o.inputs, r.inputs, "", properties, policies);
    if (properties.length === 0 && policies.length === 0 && o.protect === r.protect) {
      unchanged++;
      continue;
    }
    resources.push({ urn: r.urn, type: r.type, name: r.name, change: "update", properties, policies, ...(o.protect !== r.protect && { protect: r.protect }) });
  }
  for (const o of before.resources) {
    if (!o.custom || now.has(o.urn)) continue;
    const removedPolicies = policiesOf(o.inputs).map((p) => ({ path: p.path, added: [], removed: p.added }));
    resources.push({ urn: o.urn, type: o.type, name: o.name, change: "remove", properties: [], policies: removedPolicies, ...(o.protect && { protect: true }) });
  }
  const outputs: PropertyChange[] = [];
  diffValues(before.outputs, after.outputs, "", outputs, []);
  const count = (c: ResourceDiff["change"]) => resources.filter((r) => r.change === c).length;
  return {
    stack: after.stack,
    base,
    summary: { add: count("add"), remove: count("remove"), update: count("update"), unchanged },
    resources,
    outputs,
    violations: { before: before.violations.length, after: after.violations.length },
  };
}

/** A value on one line, cut at 100 characters. */
function show(v: unknown): string {
  if (v === undefined) return "(absent)";
  const text = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}

/** The diff for people (and for the pull-request comment): `+`, `-` and `~` as in `pulumi preview`. */
export function renderDiff(d: PlanDiff): string {
  const s = d.summary;
  const out = [`Plan diff for stack "${d.stack}" against ${d.base}: ${s.add} to add, ${s.update} to change, ${s.remove} to remove, ${s.unchanged} unchanged.`];
  if (d.violations.before !== d.violations.after) out.push(`Guardrail violations: ${d.violations.before} → ${d.violations.after}.`);
  const sign = { add: "+", remove: "-", update: "~" } as const;
  for (const r of d.resources) {
    const protect = r.protect === undefined ? "" : r.change === "update" ? `  [protect → ${r.protect}]` : "  [protected]";
    out.push("", `${sign[r.change]} ${shortType(r.type)} "${r.name}"${protect}`);
    for (const p of r.properties) {
      if (p.before === undefined) out.push(`    + ${p.path}: ${show(p.after)}`);
      else if (p.after === undefined) out.push(`    - ${p.path}: ${show(p.before)}`);
      else out.push(`    ~ ${p.path}: ${show(p.before)} → ${show(p.after)}`);
    }
    for (const p of r.policies) {
      out.push(`    ${p.path || "policy"}:`);
      for (const st of p.removed) out.push(`      - ${st}`);
      for (const st of p.added) out.push(`      + ${st}`);
    }
  }
  if (d.outputs.length > 0) {
    out.push("", "Stack outputs:");
    for (const p of d.outputs) out.push(`  ${p.before === undefined ? "+" : p.after === undefined ? "-" : "~"} ${p.path}: ${show(p.before)} → ${show(p.after)}`);
  }
  return out.join("\n");
}
