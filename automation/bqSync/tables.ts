/** Table lists per database, their validation and their diff: the pure core of `bq-sync`. */
import { BOOKKEEPING_PREFIX } from "../../sql/masking";
import { BIGQUERY_TABLE } from "../../stacks/bigqueryConfig";

/** Tables per database: `{ shop: ["orders", "users"] }`. */
export type TableList = Record<string, string[]>;

/**
 * MySQL's rule for an unquoted identifier as this project accepts it: letters, digits, `_` and `$`, at most 64
 * characters, not only digits. Anything else coming back from a source is treated as bad input.
 */
export const MYSQL_TABLE = /^(?![0-9]+$)[A-Za-z0-9_$]{1,64}$/;

/** What a source returned, split into names the transfers can load and names they cannot. */
export interface CheckedTables {
  readonly tables: TableList;
  /** `db.table` names that are valid MySQL but not loadable into BigQuery (`$` is its partition decorator). */
  readonly skipped: string[];
  /** `db.table` names that are not MySQL identifiers at all. */
  readonly invalid: string[];
  /** `db.table` names of the masking engine's bookkeeping (`_masking_*`): never data, never offered to BigQuery. */
  readonly bookkeeping: string[];
}

/**
 * Sorts each list, drops duplicates, and separates names BigQuery cannot take, names MySQL would not produce, and
 * the masking engine's bookkeeping tables (left behind in a masked database until `mask reset`).
 */
export function checkTableNames(found: TableList): CheckedTables {
  const tables: TableList = {};
  const skipped: string[] = [];
  const invalid: string[] = [];
  const bookkeeping = new Set<string>();
  for (const [db, names] of Object.entries(found)) {
    const ok = new Set<string>();
    for (const name of names) {
      if (!MYSQL_TABLE.test(name)) invalid.push(`${db}.${name}`);
      else if (name.startsWith(BOOKKEEPING_PREFIX)) bookkeeping.add(`${db}.${name}`);
      else if (!BIGQUERY_TABLE.test(name)) skipped.push(`${db}.${name}`);
      else ok.add(name);
    }
    tables[db] = [...ok].sort();
  }
  return { tables, skipped: skipped.sort(), invalid: invalid.sort(), bookkeeping: [...bookkeeping].sort() };
}

/** The difference between the configured list and the real one, per database. */
export interface TableDiff {
  /** In the real schema, not configured: a transfer would be created. */
  readonly added: TableList;
  /** Configured, gone from the real schema: its transfer would be deleted. */
  readonly removed: TableList;
  /** Tables in both. */
  readonly unchanged: number;
}

/**
 * Compares configured tables with the real ones, over the given databases only (the stack's exported databases);
 * configured databases outside that list are left alone.
 */
export function diffTables(configured: TableList, actual: TableList, databases: readonly string[]): TableDiff {
  const added: TableList = {};
  const removed: TableList = {};
  let unchanged = 0;
  for (const db of databases) {
    const have = new Set(configured[db] ?? []);
    const real = new Set(actual[db] ?? []);
    const plus = [...real].filter((t) => !have.has(t)).sort();
    const minus = [...have].filter((t) => !real.has(t)).sort();
    if (plus.length) added[db] = plus;
    if (minus.length) removed[db] = minus;
    unchanged += [...real].filter((t) => have.has(t)).length;
  }
  return { added, removed, unchanged };
}

/** True when the diff changes nothing. */
export function isEmptyDiff(diff: TableDiff): boolean {
  return Object.keys(diff.added).length === 0 && Object.keys(diff.removed).length === 0;
}

/**
 * The configured list after applying a diff: removed tables dropped, added ones appended in order, and databases left
 * without tables dropped (the schema wants at least one table per listed database).
 */
export function applyDiff(configured: TableList, diff: TableDiff): TableList {
  const next: TableList = {};
  const dbs = [...new Set([...Object.keys(configured), ...Object.keys(diff.added)])];
  for (const db of dbs) {
    const gone = new Set(diff.removed[db] ?? []);
    const list = [...(configured[db] ?? []).filter((t) => !gone.has(t)), ...(diff.added[db] ?? [])];
    if (list.length) next[db] = list;
  }
  return next;
}
