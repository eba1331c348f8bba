/**
 * Starter rules: for every column scan flags, the first strategy of its rule that fits the column (type, width,
 * NOT NULL, unique index), or `keep` with the reason a human must review it. The result is YAML a user edits and
 * commits as the rules file; every entry carries the rule that fired as a comment.
 */
import { stringify } from "yaml";
import type { Finding } from "./detect";
import { quoteIdent } from "./ident";
import type { SchemaInfo } from "./schema";
import { bindStrategy, enumMembers, type StrategyName } from "./strategies";

/** One suggested rule. */
export interface SuggestedRule {
  readonly table: string;
  readonly column: string;
  /** A strategy as the rules write it: `email`, `keep`. */
  readonly strategy: string;
  /** Why: the finding's reason, and for `keep` why nothing was suggested. */
  readonly reason: string;
  /** The scan rule that fired. */
  readonly rule: string;
}

/** The first of `candidates` that fits the column (and its unique index), or keep with the reason why none does. */
export function suggestStrategy(schema: SchemaInfo, finding: Finding): SuggestedRule {
  const base = { table: finding.table, column: finding.column, rule: finding.rule };
  const table = schema.tables.get(finding.table);
  const col = table?.columns.find((c) => c.name === finding.column);
  if (!table || !col) return { ...base, strategy: "keep", reason: `review: ${finding.reason} (column not found)` };
  if (finding.kind === "quasi") return { ...base, strategy: "keep", reason: `review: ${finding.reason}; mask it if it identifies people in your data` };
  if (col.generated) return { ...base, strategy: "keep", reason: `${finding.reason}; generated: recomputed from its masked sources` };
  const unique = table.uniqueIndexes.some((i) => i.expression || i.columns.includes(col.name));
  const candidates = [...finding.strategies, "hash", "redact", "nullify"];
  const members = enumMembers(col);
  for (const name of candidates) {
    if (table.primaryKey.includes(col.name)) break;
    const bound = bindStrategy({ name: name as StrategyName, text: name }, col, quoteIdent(col.name));
    if (typeof bound !== "string" && (!unique || bound.uniqueSafe)) return { ...base, strategy: name, reason: finding.reason };
  }
  if (members?.[0] !== undefined && !unique) return { ...base, strategy: `fixed:${members[0]}`, reason: finding.reason };
  return { ...base, strategy: "keep", reason: `review: ${finding.reason}; no strategy fits ${col.columnType}${unique ? " in a unique index" : ""}` };
}

/**
 * Starter rules as YAML: the existing rules (if any) plus one suggestion per finding, each with its reason and rule
 * as a comment. A `keep` that needs a human says "review:".
 */
export function starterRules(schema: SchemaInfo, findings: readonly Finding[], existing?: ReadonlyMap<string, ReadonlyMap<string, { text: string }>>): { yaml: string; rules: SuggestedRule[] } {
  const rules = findings.map((f) => suggestStrategy(schema, f));
  const tables = new Map<string, Map<string, { strategy: string; comment?: string }>>();
  for (const [table, cols] of existing ?? new Map()) {
    const m = new Map<string, { strategy: string; comment?: string }>();
    for (const [col, spec] of cols) m.set(col, { strategy: spec.text });
    tables.set(table, m);
  }
  for (const r of rules) {
    const m = tables.get(r.table) ?? new Map<string, { strategy: string; comment?: string }>();
    if (!m.has(r.column)) m.set(r.column, { strategy: r.strategy, comment: `${r.reason} [${r.rule}]` });
    tables.set(r.table, m);
  }
  const lines = ["# Masking rules: table → column → strategy (sql/README.md lists the strategies).", "tables:"];
  const key = (name: string) => stringify(name).trim();
  for (const [table, cols] of [...tables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`  ${key(table)}:`);
    for (const [col, { strategy, comment }] of cols) lines.push(`    ${key(col)}: ${stringify(strategy).trim()}${comment ? `  # ${comment.replace(/\n/g, " ")}` : ""}`);
  }
  return { yaml: `${lines.join("\n")}\n`, rules };
}
