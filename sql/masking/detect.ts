/**
 * Finds columns that look like PII: by name, and by sampled values. Values are matched inside the database
 * (REGEXP in an aggregate); only counts come back, never a value.
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteIdent } from "./ident";
import type { Rules } from "./rules";
import type { ColumnInfo, SchemaInfo, TableInfo } from "./schema";

/** A PII-looking column the rules do not cover. */
export interface Finding {
  readonly table: string;
  readonly column: string;
  readonly reason: string;
}

/** Rows sampled per table when looking at values. */
export const DEFAULT_SAMPLE_ROWS = 500;

/** Email anywhere in the text (free text and JSON count). Written for both ICU (MySQL) and PCRE (MariaDB). */
export const EMAIL_PATTERN = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}";
/** A whole value that reads as a phone number: +digits, or digit groups with separators, ending in 4 digits. */
export const PHONE_PATTERN = "^([+][0-9][0-9 ().-]{6,18}|[(]?[0-9]{2,5}[)]?[ .-][0-9 .-]{2,12})[0-9]{4}$";

const words = (name: string): string[] =>
  name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

const NAME_RULES: ReadonlyArray<readonly [string, (tokens: string[], compact: string) => boolean]> = [
  ["an email address", (_, c) => c.includes("mail")],
  ["a person's name", (t, c) => t.includes("name") || c.endsWith("name")],
  ["a phone number", (t, c) => c.includes("phone") || c.includes("mobile") || t.some((w) => ["tel", "fax", "cell"].includes(w))],
  ["a postal address", (t, c) => c.includes("address") || c.includes("street") || t.some((w) => /^(addr\d*|line\d|city)$/.test(w))],
  ["a postal code", (t, c) => c.includes("postal") || c.includes("postcode") || t.some((w) => w === "zip" || w === "zipcode")],
  ["a date of birth", (t, c) => c.includes("birth") || t.includes("dob")],
  ["a credential", (t, c) => c.includes("passw") || c.includes("token") || c.includes("apikey") || t.some((w) => ["pwd", "secret", "salt"].includes(w))],
  ["an IP address", (t) => t.some((w) => ["ip", "ipv4", "ipv6", "ipaddr"].includes(w))],
  ["an identity or payment number", (t, c) => c.includes("creditcard") || c.includes("cardnumber") || t.some((w) => ["ssn", "passport", "iban", "taxid"].includes(w))],
  ["a location", (t) => t.some((w) => ["lat", "lng", "latitude", "longitude", "geo"].includes(w))],
  ["free text that may hold PII", (t) => t.some((w) => ["memo", "note", "notes", "comment", "comments", "message", "bio"].includes(w))],
];

/** Why a column's name suggests PII, or undefined. */
export function nameReason(column: string): string | undefined {
  const tokens = words(column);
  const compact = tokens.join("");
  const hit = NAME_RULES.find(([, test]) => test(tokens, compact));
  return hit ? `name suggests ${hit[0]}` : undefined;
}

/** Samples the first `sampleRows` rows of a table; returns a reason per text/JSON column whose values look like PII. */
async function valueReasons(conn: Connection, table: TableInfo, columns: readonly ColumnInfo[], sampleRows: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (columns.length === 0) return out;
  const inner = columns
    .map((c, i) => `LEFT(${c.typeClass === "json" ? `CAST(${quoteIdent(c.name)} AS CHAR)` : quoteIdent(c.name)}, 2000) AS v${i}`)
    .join(", ");
  const outer = columns.map((_, i) => `COUNT(s.v${i}) AS n${i}, SUM(s.v${i} REGEXP ?) AS e${i}, SUM(s.v${i} REGEXP ?) AS p${i}`).join(", ");
  const params = columns.flatMap(() => [EMAIL_PATTERN, PHONE_PATTERN]);
  const [result] = await conn.query<RowDataPacket[]>(
    `SELECT ${outer} FROM (SELECT ${inner} FROM ${quoteIdent(table.name)} LIMIT ${Math.trunc(sampleRows)}) s`,
    params,
  );
  const row = result[0] ?? {};
  columns.forEach((c, i) => {
    const n = Number(row[`n${i}`] ?? 0);
    const emails = Number(row[`e${i}`] ?? 0);
    const phones = Number(row[`p${i}`] ?? 0);
    if (emails > 0) out.set(c.name, `sampled values contain email addresses (${emails} of ${n})`);
    else if (n > 0 && phones / n >= 0.2) out.set(c.name, `sampled values look like phone numbers (${phones} of ${n})`);
  });
  return out;
}

/** Every column that looks like PII and has no rule, in table and column order. */
export async function findUncovered(conn: Connection, schema: SchemaInfo, rules: Rules, sampleRows = DEFAULT_SAMPLE_ROWS): Promise<Finding[]> {
  const findings: Finding[] = [];
  const names = [...schema.tables.keys()].sort();
  for (const name of names) {
    const table = schema.tables.get(name);
    if (!table) continue;
    const covered = rules.tables.get(name);
    const open = table.columns.filter((c) => !covered?.has(c.name));
    const byName = new Map(open.map((c) => [c.name, nameReason(c.name)]));
    const sampled = open.filter((c) => !byName.get(c.name) && (c.typeClass === "text" || c.typeClass === "json"));
    const byValue = await valueReasons(conn, table, sampled, sampleRows);
    for (const c of open) {
      const reason = byName.get(c.name) ?? byValue.get(c.name);
      if (!reason) continue;
      const generated = c.generated ? " (generated column: mark it keep once its sources are masked)" : "";
      findings.push({ table: name, column: c.name, reason: reason + generated });
    }
  }
  return findings;
}
