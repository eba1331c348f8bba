/**
 * Column names that suggest PII, in English (snake_case, camelCase) and Japanese. Each rule has an id that scan
 * reports with its flag, what the column probably holds, and the strategies that would mask it, best first.
 */

/** Direct PII is masked; a quasi-identifier (gender, hire date) identifies people in combination: a human reviews it. */
export type FindingKind = "pii" | "quasi";

/** One naming rule. */
export interface NameRule {
  /** Reported as `name:<id>`. */
  readonly id: string;
  readonly kind: FindingKind;
  /** What the column probably holds: "an email address". */
  readonly holds: string;
  /** Strategies that would mask it, best first; the first that fits the column is suggested. Empty for quasi. */
  readonly strategies: readonly string[];
  /** Numeric columns are flagged only by rules that say they may be numeric (a BIGINT phone, a DECIMAL card). */
  readonly numeric: boolean;
  readonly test: (tokens: readonly string[], compact: string, raw: string) => boolean;
}

/** Lower-case words of a name: snake_case, kebab-case, spaces and camelCase split; any script's letters kept. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, "$1_$2")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

const has = (raw: string, ...parts: string[]) => parts.some((p) => raw.includes(p));
const word = (tokens: readonly string[], ...words: string[]) => tokens.some((t) => words.includes(t));

/** Every rule, most specific first: the first that matches a column names it. */
export const NAME_RULES: readonly NameRule[] = [
  { id: "email", kind: "pii", holds: "an email address", strategies: ["email", "hash", "redact"], numeric: false,
    test: (_t, c, r) => c.includes("mail") || has(r, "メール", "ﾒｰﾙ") },
  { id: "username", kind: "pii", holds: "a user name", strategies: ["username", "hash"], numeric: false,
    test: (t, c) => ["username", "loginname", "loginid", "nickname", "screenname"].some((w) => c.includes(w)) || (t.length === 1 && word(t, "login", "nick", "handle")) },
  { id: "first_name", kind: "pii", holds: "a given name", strategies: ["first_name", "name", "redact"], numeric: false,
    test: (_t, c, r) => c.includes("firstname") || c.includes("givenname") || c.includes("forename") || has(r, "名前（名）") || r === "名" || r === "メイ" },
  { id: "last_name", kind: "pii", holds: "a family name", strategies: ["last_name", "name", "redact"], numeric: false,
    test: (_t, c, r) => c.includes("lastname") || c.includes("surname") || c.includes("familyname") || r === "姓" || r === "セイ" },
  { id: "name", kind: "pii", holds: "a person's name", strategies: ["name", "redact"], numeric: false,
    test: (t, c, r) => t.includes("name") || c.endsWith("name") || has(r, "氏名", "名前", "姓名", "フリガナ", "ふりがな", "カナ", "かな") },
  { id: "phone", kind: "pii", holds: "a phone number", strategies: ["phone", "hash", "redact"], numeric: true,
    test: (t, c, r) => c.includes("phone") || c.includes("mobile") || word(t, "tel", "fax", "cell", "msisdn") || has(r, "電話", "携帯", "ＴＥＬ", "ファックス") },
  { id: "postal_code", kind: "pii", holds: "a postal code", strategies: ["postal_code", "redact"], numeric: true,
    test: (t, c, r) => c.includes("postal") || c.includes("postcode") || word(t, "zip", "zipcode") || has(r, "郵便番号", "〒") },
  { id: "address", kind: "pii", holds: "a postal address", strategies: ["address", "redact", "nullify"], numeric: false,
    test: (t, c, r) => c.includes("address") || c.includes("street") || t.some((w) => /^(addr\d*|line\d|city)$/.test(w)) || has(r, "住所", "番地", "所在地") },
  { id: "birth", kind: "pii", holds: "a date of birth", strategies: ["date_year", "nullify"], numeric: false,
    test: (t, c, r) => c.includes("birth") || word(t, "dob") || has(r, "生年月日", "誕生日") },
  { id: "credential", kind: "pii", holds: "a credential", strategies: ["hash", "redact", "nullify"], numeric: false,
    test: (t, c, r) => c.includes("passw") || c.includes("token") || c.includes("apikey") || word(t, "pwd", "secret", "salt", "otp") || has(r, "パスワード", "暗証") },
  { id: "ip", kind: "pii", holds: "an IP address", strategies: ["hash", "redact", "nullify"], numeric: true,
    test: (t) => word(t, "ip", "ipv4", "ipv6", "ipaddr") },
  { id: "identity", kind: "pii", holds: "an identity or payment number", strategies: ["hash", "phone", "redact", "nullify"], numeric: true,
    test: (t, c, r) => c.includes("creditcard") || c.includes("cardnumber") || c.includes("cardno") || word(t, "ssn", "passport", "iban", "taxid", "pan") ||
      has(r, "カード番号", "マイナンバー", "個人番号", "口座", "免許証", "パスポート", "保険証") },
  { id: "location", kind: "pii", holds: "a location", strategies: ["nullify", "redact"], numeric: true,
    test: (t) => word(t, "lat", "lng", "lon", "latitude", "longitude", "geo") },
  { id: "free_text", kind: "pii", holds: "free text that may hold PII", strategies: ["redact", "nullify"], numeric: false,
    test: (t, _c, r) => word(t, "memo", "note", "notes", "comment", "comments", "message", "bio", "remarks") || has(r, "備考", "メモ", "コメント") },
  { id: "gender", kind: "quasi", holds: "gender, a quasi-identifier", strategies: [], numeric: true,
    test: (t, _c, r) => word(t, "gender", "sex") || has(r, "性別") },
  { id: "hire_date", kind: "quasi", holds: "a hire date, a quasi-identifier", strategies: [], numeric: false,
    test: (_t, c, r) => c.includes("hiredate") || c.includes("hiredon") || c.includes("joindate") || c.includes("joinedon") || has(r, "入社") },
  { id: "age", kind: "quasi", holds: "an age, a quasi-identifier", strategies: [], numeric: true,
    test: (t, _c, r) => word(t, "age") || has(r, "年齢") },
  { id: "nationality", kind: "quasi", holds: "a nationality or ethnicity, a quasi-identifier", strategies: [], numeric: false,
    test: (t, _c, r) => word(t, "nationality", "ethnicity", "race", "religion", "citizenship") || has(r, "国籍") },
];

/** The first rule a column name matches, or undefined. */
export function nameRule(column: string): NameRule | undefined {
  const tokens = nameTokens(column);
  const compact = tokens.join("");
  return NAME_RULES.find((rule) => rule.test(tokens, compact, column));
}

/** Why a column's name suggests PII, or undefined. */
export function nameReason(column: string): string | undefined {
  const rule = nameRule(column);
  return rule ? `name suggests ${rule.holds}` : undefined;
}
