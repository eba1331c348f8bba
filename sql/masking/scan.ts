/** `scan`: which PII-looking columns the rules do not cover, and what the rules do cover. */
import type { MaskConnection } from "./connection";
import { withDatabase } from "./database";
import { DEFAULT_SAMPLE_ROWS, type Finding, findUncovered } from "./detect";
import { type ProgressCallback, reporter } from "./progress";
import type { Rules } from "./rules";

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
  /** Rows sampled per table to judge values. Default 500. */
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
