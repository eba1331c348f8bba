/**
 * Finds columns that look like PII: by name (names.ts), and by sampled values (values.ts). Values are sampled in
 * windows spread over the whole key range, read whole (up to MAX_VALUE_BYTES each) and judged in Node; they never
 * leave this module: a finding carries counts and the rule that fired, never a value.
 *
 * Integer surrogate keys (primary-key, foreign-key and AUTO_INCREMENT columns, and integers named `id` or `…_id`)
 * are never flagged, whatever their name says (`address_id` is a number, not an address).
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteIdent } from "./ident";
import { isIntegerKey, keyList, rangePredicate } from "./keys";
import { type FindingKind, type NameRule, NAME_RULES, nameRule, nameTokens } from "./names";
import type { Rules } from "./rules";
import type { ColumnInfo, SchemaInfo, TableInfo } from "./schema";
import { chooseKey } from "./keys";
import { type ValueSign, jsonLeaves, numberSigns, textSigns } from "./values";

export { nameReason } from "./names";

/** A PII-looking column the rules do not cover. */
export interface Finding {
  readonly table: string;
  readonly column: string;
  /** Why, for people: "name suggests an email address", "sampled values contain email addresses (3 of 500)". */
  readonly reason: string;
  /** The rule that fired: `name:email`, `value:phone_in_text`, `json-key:phone`, … */
  readonly rule: string;
  /** `pii` to mask; `quasi` (gender, hire date, age) for a human to review, then mask or keep. */
  readonly kind: FindingKind;
  /** Strategies that would mask it, best first (empty for quasi-identifiers). */
  readonly strategies: readonly string[];
}

/** Rows sampled per table when looking at values. */
export const DEFAULT_SAMPLE_ROWS = 500;
/** Windows the sample is spread over, evenly across the key range. */
export const SAMPLE_WINDOWS = 10;
/** Longest prefix of a value read (bytes); values are judged whole up to this size. */
export const MAX_VALUE_BYTES = 1 << 20;

const SIGNS: Record<ValueSign, { holds: string; rule: string; strategies: readonly string[] }> = {
  email: { holds: "contain email addresses", rule: "email", strategies: ["email", "redact"] },
  phone: { holds: "look like phone numbers", rule: "phone", strategies: ["phone", "redact"] },
  phone_in_text: { holds: "contain phone numbers in text", rule: "phone_in_text", strategies: ["redact", "nullify"] },
  card: { holds: "contain card-like numbers (Luhn)", rule: "card", strategies: ["hash", "phone", "redact", "nullify"] },
  phone_number: { holds: "are phone-like numbers (10 to 15 digits)", rule: "phone_number", strategies: ["phone", "nullify"] },
};

/** True for an integer surrogate key: never PII, whatever its name. */
export function isSurrogateKey(table: TableInfo, col: ColumnInfo, fkColumns: ReadonlySet<string>): boolean {
  if (col.typeClass !== "integer") return false;
  const tokens = nameTokens(col.name);
  return col.autoIncrement || table.primaryKey.includes(col.name) || fkColumns.has(`${table.name}.${col.name}`) || tokens[tokens.length - 1] === "id";
}

function byName(col: ColumnInfo, rule: NameRule | undefined): Finding | undefined {
  if (!rule) return undefined;
  // A number is flagged by name only where the rule allows numbers, and only if it can hold 5 digits (not a TINYINT).
  if ((col.typeClass === "integer" || col.typeClass === "decimal") && (!rule.numeric || (col.numericPrecision ?? 0) < 5)) return undefined;
  return { table: col.table, column: col.name, reason: `name suggests ${rule.holds}`, rule: `name:${rule.id}`, kind: rule.kind, strategies: rule.strategies };
}

type Window = { where: string; params: unknown[]; order: string; limit: number };

/**
 * Where the sample windows lie: evenly spread over the table's rows (by key), or one window without a key. A dense
 * integer key is cut by arithmetic into ten adjacent ranges, each read from its start through the index; any
 * other key is walked to ten row offsets.
 */
async function sampleWindows(conn: Connection, table: TableInfo, sampleRows: number): Promise<Window[]> {
  const key = chooseKey(table, new Set());
  const from = quoteIdent(table.name);
  if (!key) return [{ where: "TRUE", params: [], order: "", limit: sampleRows }];
  const cols = keyList(key);
  const integer = isIntegerKey(key);
  const [counted] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n${integer ? `, MIN(${cols}) AS lo, MAX(${cols}) AS hi` : ""} FROM ${from}`);
  const n = Number(counted[0]?.n ?? 0);
  const per = Math.max(1, Math.ceil(sampleRows / SAMPLE_WINDOWS));
  if (n <= sampleRows) return [{ where: "TRUE", params: [], order: `ORDER BY ${cols}`, limit: sampleRows }];
  const order = `ORDER BY ${cols}`;
  if (integer) {
    const lo = BigInt(String(counted[0]?.lo));
    const span = BigInt(String(counted[0]?.hi)) - lo + 1n;
    // Sparse keys (the chunk planner's test) would leave windows empty: walk them like any other key.
    if (span <= 4n * BigInt(n)) {
      const start = (i: number) => [(lo + (span * BigInt(i)) / BigInt(SAMPLE_WINDOWS)).toString()];
      return Array.from({ length: SAMPLE_WINDOWS }, (_, i) => {
        const range = rangePredicate(key, i === 0 ? null : start(i), i === SAMPLE_WINDOWS - 1 ? null : start(i + 1));
        return { where: range.sql, params: [...range.params], order, limit: per };
      });
    }
  }
  const out: Window[] = [];
  for (let i = 0; i < SAMPLE_WINDOWS; i += 1) {
    const offset = Math.floor((i * n) / SAMPLE_WINDOWS);
    const [start] = await conn.query<RowDataPacket[]>(`SELECT ${cols} FROM ${from} ORDER BY ${cols} LIMIT 1 OFFSET ${offset}`);
    const row = start[0];
    if (!row) continue;
    const range = rangePredicate(key, key.columns.map((c) => (Buffer.isBuffer(row[c.name]) ? (row[c.name] as Buffer).toString("hex") : String(row[c.name]))), null);
    out.push({ where: range.sql, params: [...range.params], order, limit: per });
  }
  return out;
}

interface Tally {
  n: number;
  signs: Map<string, number>;
}

const bump = (t: Tally, sign: string) => t.signs.set(sign, (t.signs.get(sign) ?? 0) + 1);

function judge(col: ColumnInfo, value: unknown, tally: Tally): void {
  if (value === null || value === undefined) return;
  tally.n += 1;
  if (col.typeClass === "integer" || col.typeClass === "decimal") {
    for (const s of numberSigns(String(value))) bump(tally, s);
    return;
  }
  const text = Buffer.isBuffer(value) ? value.toString("utf8") : typeof value === "string" ? value : JSON.stringify(value);
  if (col.typeClass === "json") {
    const leaves = jsonLeaves(text);
    const seen = new Set<string>();
    for (const k of leaves.keys) {
      const rule = nameRule(k);
      if (rule && rule.kind === "pii") seen.add(`json-key:${rule.id}`);
    }
    // A phone number that is a whole JSON string is a phone inside the document: one is enough.
    for (const s of leaves.strings) for (const sign of textSigns(s)) seen.add(sign === "phone" ? "phone_in_text" : sign);
    for (const s of leaves.numbers) for (const sign of numberSigns(s)) seen.add(sign);
    for (const s of seen) bump(tally, s);
    return;
  }
  for (const s of textSigns(text)) bump(tally, s);
  for (const s of numberSigns(text.trim())) if (s === "card") bump(tally, s);
}

/** The strongest sign in a column's tally, as a finding; thresholds keep one odd value from flagging a column. */
function verdict(col: ColumnInfo, tally: Tally): Finding | undefined {
  const of = (sign: string) => tally.signs.get(sign) ?? 0;
  const finding = (rule: string, reason: string, strategies: readonly string[]): Finding => ({
    table: col.table, column: col.name, reason: `sampled values ${reason}`, rule, kind: "pii", strategies,
  });
  for (const [sign, info] of Object.entries(SIGNS) as Array<[ValueSign, (typeof SIGNS)[ValueSign]]>) {
    const hits = of(sign);
    // Emails, card numbers and phone numbers in text count from the first one; whole-value phones need a fifth, and
    // card numbers in a numeric column half (one number in ten passes Luhn by chance).
    const numeric = col.typeClass === "integer" || col.typeClass === "decimal";
    const share = sign === "phone" || sign === "phone_number" ? 0.2 : sign === "card" && numeric ? 0.5 : 0;
    const enough = share === 0 ? hits > 0 : tally.n > 0 && hits / tally.n >= share;
    if (enough) return finding(`value:${info.rule}`, `${info.holds} (${hits} of ${tally.n})`, info.strategies);
  }
  const jsonKey = [...tally.signs.keys()].find((s) => s.startsWith("json-key:"));
  if (jsonKey) {
    const rule = NAME_RULES.find((r) => `json-key:${r.id}` === jsonKey);
    return finding(jsonKey, `are JSON documents with keys that suggest ${rule?.holds ?? "PII"} (${of(jsonKey)} of ${tally.n})`, ["redact", "nullify"]);
  }
  return undefined;
}

/** Samples a table across its key range; returns a finding per column whose values look like PII. */
async function valueFindings(conn: Connection, table: TableInfo, columns: readonly ColumnInfo[], sampleRows: number): Promise<Map<string, Finding>> {
  const out = new Map<string, Finding>();
  if (columns.length === 0) return out;
  const select = columns
    .map((c, i) => {
      const ref = c.typeClass === "json" ? `CAST(${quoteIdent(c.name)} AS CHAR)` : quoteIdent(c.name);
      return c.typeClass === "integer" || c.typeClass === "decimal" ? `${ref} AS v${i}` : `SUBSTRING(${ref}, 1, ${MAX_VALUE_BYTES}) AS v${i}`;
    })
    .join(", ");
  const tallies = columns.map((): Tally => ({ n: 0, signs: new Map() }));
  for (const w of await sampleWindows(conn, table, sampleRows)) {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT ${select} FROM ${quoteIdent(table.name)} WHERE ${w.where} ${w.order} LIMIT ${w.limit}`, w.params);
    for (const row of rows) columns.forEach((c, i) => judge(c, row[`v${i}`], tallies[i] as Tally));
  }
  columns.forEach((c, i) => {
    const found = verdict(c, tallies[i] as Tally);
    if (found) out.set(c.name, found);
  });
  return out;
}

const SAMPLED = new Set(["text", "binary", "json", "integer", "decimal"]);

/** Every column that looks like PII and has no rule, in table and column order. */
export async function findUncovered(conn: Connection, schema: SchemaInfo, rules: Rules, sampleRows = DEFAULT_SAMPLE_ROWS): Promise<Finding[]> {
  const findings: Finding[] = [];
  const fkColumns = new Set(schema.foreignKeys.filter((f) => f.schema === schema.database).flatMap((f) => f.columns.map((c) => `${f.table}.${c}`)));
  for (const name of [...schema.tables.keys()].sort()) {
    const table = schema.tables.get(name);
    if (!table) continue;
    const covered = rules.tables.get(name);
    const open = table.columns.filter((c) => !covered?.has(c.name) && !isSurrogateKey(table, c, fkColumns));
    const named = new Map(open.map((c) => [c.name, byName(c, nameRule(c.name))]));
    const sampled = open.filter((c) => named.get(c.name)?.kind !== "pii" && SAMPLED.has(c.typeClass) && !c.generated);
    const valued = await valueFindings(conn, table, sampled, sampleRows);
    for (const c of open) {
      const found = valued.get(c.name) ?? named.get(c.name);
      if (!found) continue;
      const generated = c.generated ? " (generated column: mark it keep once its sources are masked)" : "";
      findings.push({ ...found, reason: found.reason + generated });
    }
  }
  return findings;
}
