/** `scan`: which PII-looking columns the rules do not cover, and what the rules do cover; and starter rules. */
import type { MaskConnection } from "./connection";
import { withDatabase } from "./database";
import { DEFAULT_SAMPLE_ROWS, type Finding, findUncovered } from "./detect";
import { type ProgressCallback, reporter } from "./progress";
import { type Rules, parseRules } from "./rules";
import { type SuggestedRule, starterRules } from "./suggest";

/** A column with a rule. */
export interface Covered {
  readonly table: string;
  readonly column: string;
  /** The strategy as written, e.g. `email`, `keep`, `fixed:n/a`. */
  readonly strategy: string;
}

/** What scan prints with --json: exactly these two lists. */
export interface ScanReport {
  readonly uncovered: Finding[];
  readonly covered: Covered[];
}

/** Scan tuning. */
export interface ScanOptions {
  /** Rows sampled per table to judge values, spread over 10 windows of the key range. Default 500. */
  readonly sampleRows?: number;
  readonly onProgress?: ProgressCallback;
}

/**
 * Reads information_schema, validates the rules against it (RulesError on unknown tables, columns or unfit
 * strategies), and samples values. Needs no salt and writes nothing.
 */
export async function scan(connection: MaskConnection, rules: Rules, options: ScanOptions = {}): Promise<ScanReport> {
  const report = reporter(options.onProgress);
  return withDatabase(
    connection,
    rules,
    undefined,
    async ({ conn, schema }) => {
      report("scan", `scanning ${schema.tables.size} tables of ${schema.database}`);
      const uncovered = await findUncovered(conn, schema, rules, options.sampleRows ?? DEFAULT_SAMPLE_ROWS);
      const covered: Covered[] = [];
      for (const [table, columns] of rules.tables) {
        for (const [column, spec] of columns) covered.push({ table, column, strategy: spec.text });
      }
      report("scan", `${uncovered.length} uncovered, ${covered.length} covered`);
      return { uncovered, covered };
    },
    false,
  );
}

/** Starter rules: the YAML to write, each suggestion, and the findings they answer. */
export interface StarterRules {
  /** The rules file to write: existing rules kept, one suggestion added per uncovered column, with comments. */
  readonly yaml: string;
  readonly suggestions: readonly SuggestedRule[];
  readonly findings: readonly Finding[];
}

/**
 * Scans and suggests a strategy for every uncovered column, fitted to its type, width and unique indexes; `keep`
 * with "review:" where a human must decide (quasi-identifiers, nothing fits). Without `rules`, starts from none.
 * Writes nothing; the caller writes `yaml` where it wants.
 */
export async function suggestRules(connection: MaskConnection, rules?: Rules, options: ScanOptions = {}): Promise<StarterRules> {
  const base = rules ?? parseRules("tables: {}", "starter rules");
  const report = reporter(options.onProgress);
  return withDatabase(
    connection,
    base,
    undefined,
    async ({ conn, schema }) => {
      report("scan", `scanning ${schema.tables.size} tables of ${schema.database}`);
      const findings = await findUncovered(conn, schema, base, options.sampleRows ?? DEFAULT_SAMPLE_ROWS);
      const { yaml, rules: suggestions } = starterRules(schema, findings, base.tables);
      return { yaml, suggestions, findings };
    },
    false,
  );
}
