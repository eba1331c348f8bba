/**
 * The masking strategies: for each, the SQL expression that masks a column, the shape verify checks, and which
 * columns it fits. Every expression is a function of the column's own value and the secret key only, never of the
 * row's key or position: the same input gives the same output in every table, so masked values still join.
 *
 * The key is a session variable set by `prepareSession` (session.ts): `@dpm_k` for masking, `@dpm_f` for verify's
 * fingerprints. Both are 32-byte binary strings derived from the salt in Node; the salt itself never reaches SQL.
 */
import { FIRST_NAMES, LAST_NAMES, STREETS, STREET_SUFFIXES } from "./dictionaries";
import type { ColumnInfo } from "./schema";

/** A bound parameter. */
export type SqlParam = string | number | Buffer | null;

/** A piece of SQL and the values for its `?` placeholders, in order. */
export interface Sql {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** Every strategy name the rules may use (`fixed` is written `fixed:<literal>`). */
export const STRATEGY_NAMES = [
  "email", "name", "first_name", "last_name", "username", "phone", "address", "postal_code",
  "hash", "redact", "nullify", "date_year", "keep", "fixed",
] as const;

/** A strategy name. */
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** A strategy as written in the rules: `email`, `keep`, `fixed:n/a`. */
export interface StrategySpec {
  readonly name: StrategyName;
  /** The literal of `fixed:<literal>`; absent otherwise. */
  readonly literal?: string;
  /** The text as written, for reports and the rules digest. */
  readonly text: string;
}

/** A strategy bound to one column, with everything the engine needs to mask and verify it. */
export interface ColumnMask {
  readonly column: ColumnInfo;
  readonly spec: StrategySpec;
  /** Right-hand side of `SET col = …`. */
  readonly set: Sql;
  /** True (non-zero) for a non-NULL value of the right shape. */
  readonly shape: Sql;
  /** The shape as a regular expression, when it is one. Hash-derived shapes use lowercase letters only. */
  readonly pattern: string | null;
  /** The column's current value as the bytes verify hashes: text in utf8mb4, dates as YYYY-MM-DD. */
  readonly canonical: string;
  /** For derived strategies, the same bytes for the masked value computed from the original; null otherwise. */
  readonly maskedCanonical: string | null;
  /** The output is derived from the input (not a constant): verify checks sampled rows got exactly it. */
  readonly derived: boolean;
  /** Outputs are hash-derived with at least 48 bits, so any sampled original found in the column is a leak. */
  readonly highEntropy: boolean;
  /**
   * Outputs carry at least 48 bits of a keyed hash, so distinct inputs stay distinct but for a negligible chance;
   * on a UNIQUE column the plan also computes every masked value and refuses on any duplicate (preflight.ts).
   */
  readonly uniqueSafe: boolean;
  /** The output never equals the input (by construction); verify checks sampled rows for it. */
  readonly excludesInput: boolean;
  /** True (non-zero) for a value masking leaves as it is: empty or whitespace only. Null for non-text columns. */
  readonly blank: string | null;
  /** Longest value written, in characters (blank values, kept as they are, aside); null when not text. */
  readonly width: number | null;
}

const NO_PARAMS: readonly SqlParam[] = [];

/** How a column's value enters a hash: text as utf8mb4 so equal text hashes equally whatever the charset. */
export function sourceBytes(col: ColumnInfo, ref: string): string {
  if (col.typeClass === "json") return `CAST(${ref} AS CHAR)`;
  if (col.typeClass !== "text") return ref;
  const cs = col.charset ?? "utf8mb4";
  return cs === "utf8mb4" || cs === "utf8mb3" || cs === "utf8" || cs === "ascii" ? ref : `CONVERT(${ref} USING utf8mb4)`;
}

/** Verify's keyed hash (64 hex characters) of a canonical value: `@dpm_f` keeps it apart from masked outputs. */
export function fingerprintOf(canonical: string): string {
  return `SHA2(CONCAT(@dpm_f, ${canonical}), 256)`;
}

/** 64 lowercase hex characters: HMAC-like SHA-256 of key, strategy tag and value. */
function digest(tag: string, source: string): string {
  return `SHA2(CONCAT(@dpm_k, '${tag}:', ${source}), 256)`;
}

/** An unsigned integer from `len` hex digits of a digest starting at 1-based `from`. */
function digits(hash: string, from: number, len: number): string {
  return `CAST(CONV(SUBSTRING(${hash}, ${from}, ${len}), 16, 10) AS UNSIGNED)`;
}

/**
 * One word of a list, chosen by 32 bits of a digest. With `exclude`, never that word: when it is in the list, the
 * choice is among the other words (FIELD compares with the column's collation, so `oscar` excludes `Oscar` too).
 */
function pick(hash: string, from: number, words: readonly string[], exclude: string | null = null): string {
  const list = words.map((w) => `'${w}'`).join(", ");
  const h = digits(hash, from, 8);
  const n = words.length;
  if (exclude === null) return `ELT(1 + ${h} MOD ${n}, ${list})`;
  const at = `FIELD(${exclude}, ${list})`;
  return `ELT(IF(${at} = 0, 1 + ${h} MOD ${n}, 1 + ${h} MOD ${n - 1} + (1 + ${h} MOD ${n - 1} >= ${at})), ${list})`;
}

const alternatives = (words: readonly string[]): string => `(${words.join("|")})`;
const longest = (words: readonly string[]): number => Math.max(...words.map((w) => w.length));

function regex(ref: string, col: ColumnInfo, pattern: string): Sql {
  // REGEXP needs character data on MySQL 8 (ICU); binary columns hold ASCII output here, so read them as utf8mb4.
  const subject = col.typeClass === "binary" ? `CONVERT(${ref} USING utf8mb4)` : ref;
  return { sql: `${subject} REGEXP ?`, params: [pattern] };
}

/** Character sets whose space, tab and line breaks are not single ASCII bytes. */
const WIDE_CHARSETS = new Set(["ucs2", "utf16", "utf16le", "utf32"]);

/**
 * Empty or whitespace only (space, tab, line breaks): such values carry no PII and stay as they are. Most values
 * start with a visible character, and their first byte settles it: only a value that is empty or starts with
 * whitespace pays for the three copies the full test makes (in every row of a masked column, that full test
 * costs more than the keyed hash). Charsets where whitespace is not a single ASCII byte always take the full test.
 */
export function blankTest(ref: string, col?: ColumnInfo): string {
  const full = `TRIM(REPLACE(REPLACE(REPLACE(${ref}, CHAR(9), ''), CHAR(10), ''), CHAR(13), '')) = ''`;
  if (col?.charset && WIDE_CHARSETS.has(col.charset)) return full;
  return `(LENGTH(${ref}) = 0 OR (ASCII(${ref}) IN (9, 10, 13, 32) AND ${full}))`;
}

/** Why a strategy does not fit a column, or undefined when it does. */
export type Fit = string | undefined;

const isChar = (col: ColumnInfo) => col.typeClass === "text" || col.typeClass === "binary";

/** Characters (text) or bytes (binary) a column holds; Infinity for the long types' practical purposes. */
function widthOf(col: ColumnInfo): number {
  return col.maxLength ?? Number.POSITIVE_INFINITY;
}

function needsText(col: ColumnInfo, strategy: string, width: number): Fit {
  if (!isChar(col)) return `${strategy} needs a character column, not ${col.columnType}`;
  if (widthOf(col) < width) return `${strategy} needs at least ${width} characters but the column is ${col.columnType}`;
  return undefined;
}

/** Integer digits a numeric column holds without overflow (one fewer than its precision), or 0. */
function numericDigits(col: ColumnInfo): number {
  if (col.typeClass === "integer") return Math.max(0, (col.numericPrecision ?? 0) - 1);
  if (col.typeClass === "decimal") return Math.max(0, (col.numericPrecision ?? 0) - (col.numericScale ?? 0) - 1);
  return 0;
}

/** Words of `words` no longer than `width`; a reason when fewer than 8 remain. */
function fittingWords(words: readonly string[], width: number, strategy: string, col: ColumnInfo): readonly string[] | string {
  const fit = words.filter((w) => w.length <= width);
  return fit.length >= 8 ? fit : `${strategy} needs at least ${[...words].map((w) => w.length).sort((a, b) => a - b)[7]} characters but the column is ${col.columnType}`;
}

/** Checks whether `spec` can mask `col`, and binds it. Returns a reason string when it cannot. */
export function bindStrategy(spec: StrategySpec, col: ColumnInfo, ref: string): ColumnMask | string {
  const source = sourceBytes(col, ref);
  const canonical = spec.name === "date_year" ? `DATE_FORMAT(${ref}, '%Y-%m-%d')` : source;
  const blank = isChar(col) ? blankTest(ref, col) : null;
  // NULL, empty and whitespace-only values stay as they are.
  const keepBlank = (expr: string): string => (blank ? `CASE WHEN ${ref} IS NULL OR ${blank} THEN ${ref} ELSE ${expr} END` : `IF(${ref} IS NULL, NULL, ${expr})`);
  // A low-entropy candidate that happens to equal the input is replaced by an alternative that cannot.
  const otherThanInput = (candidate: string, alternative: string): string => `IF(${candidate} = ${ref}, ${alternative}, ${candidate})`;
  const base = { column: col, spec, canonical, derived: true, highEntropy: false, uniqueSafe: false, excludesInput: true, blank, pattern: null, width: null };
  const shaped = (pattern: string) => {
    const test = regex(ref, col, pattern);
    return { shape: blank ? { sql: `(${blank} OR ${test.sql})`, params: test.params } : test, pattern };
  };
  const derived = (expr: string, canonicalOf: (set: string) => string = (set) => set) => {
    const set = keepBlank(expr);
    return { set: { sql: set, params: NO_PARAMS }, maskedCanonical: canonicalOf(set) };
  };
  const width = widthOf(col);
  switch (spec.name) {
    case "email": {
      // A 16-digit local part where it fits, down to 6 digits; the domain is reserved (RFC 2606).
      const local = Math.min(16, width - 12);
      const unfit = needsText(col, "email", 18);
      if (unfit) return unfit;
      return {
        ...base, highEntropy: local >= 12, uniqueSafe: local >= 12, width: local + 12,
        ...derived(`CONCAT(LEFT(${digest("email", source)}, ${local}), '@example.com')`),
        ...shaped(`^[0-9a-f]{${local}}@example[.]com$`),
      };
    }
    case "username": {
      const unfit = needsText(col, "username", 9);
      if (unfit) return unfit;
      // user_ and 16 digits where it fits; else u and as many digits as fit.
      const [prefix, n] = width >= 21 ? ["user_", 16] : ["u", Math.min(16, width - 1)];
      return {
        ...base, highEntropy: n >= 12, uniqueSafe: n >= 12, width: prefix.length + n,
        ...derived(`CONCAT('${prefix}', LEFT(${digest("username", source)}, ${n}))`),
        ...shaped(`^${prefix}[0-9a-f]{${n}}$`),
      };
    }
    case "phone": {
      const h = digest("phone", source);
      if (col.typeClass === "integer" || col.typeClass === "decimal") {
        // A number of n digits (no leading zero) in a numeric column: a BIGINT or DECIMAL phone number.
        const n = Math.min(15, numericDigits(col));
        if (n < 6) return `phone needs room for 6 digits but the column is ${col.columnType}`;
        const low = 10n ** BigInt(n - 1);
        const candidate = `(${low} + ${digits(h, 1, 15)} MOD ${9n * low})`;
        const alternative = `(${low} + (${digits(h, 1, 15)} + 1) MOD ${9n * low})`;
        const cast = col.typeClass === "integer" ? "UNSIGNED" : `DECIMAL(${col.numericPrecision ?? 65}, ${col.numericScale ?? 0})`;
        return {
          ...base, highEntropy: n >= 12, uniqueSafe: n >= 12,
          ...derived(n >= 12 ? candidate : otherThanInput(candidate, alternative), (set) => `CAST(${set} AS ${cast})`),
          shape: { sql: `(${ref} BETWEEN ${low} AND ${10n * low - 1n} AND ${ref} = FLOOR(${ref}))`, params: NO_PARAMS },
        };
      }
      // As many digits as the column holds, up to 15 (E.164); 60 bits of the digest feed them.
      const n = Math.min(15, width);
      const unfit = needsText(col, "phone", 6);
      if (unfit) return unfit;
      const mod = 10n ** BigInt(n);
      const candidate = `LPAD(${digits(h, 1, 15)} MOD ${mod}, ${n}, '0')`;
      const alternative = `LPAD((${digits(h, 1, 15)} + 1) MOD ${mod}, ${n}, '0')`;
      return {
        ...base, highEntropy: n >= 12, uniqueSafe: n >= 12, width: n,
        ...derived(n >= 12 ? candidate : otherThanInput(candidate, alternative)),
        ...shaped(`^[0-9]{${n}}$`),
      };
    }
    case "postal_code": {
      const unfit = needsText(col, "postal_code", 3);
      if (unfit) return unfit;
      const n = Math.min(5, width);
      const h = digits(digest("postal_code", source), 1, 8);
      const mod = 10 ** n;
      return {
        ...base, width: n,
        ...derived(otherThanInput(`LPAD(${h} MOD ${mod}, ${n}, '0')`, `LPAD((${h} + 1) MOD ${mod}, ${n}, '0')`)),
        ...shaped(`^[0-9]{${n}}$`),
      };
    }
    case "hash": {
      // A prefix of the hex digest as long as the column allows (up to 64), at least 8 digits.
      const n = Math.min(64, width);
      const unfit = needsText(col, "hash", 8);
      if (unfit) return unfit;
      return {
        ...base, highEntropy: n >= 12, uniqueSafe: n >= 12, width: n,
        ...derived(`LEFT(${digest("hash", source)}, ${n})`),
        ...shaped(`^[0-9a-f]{${n}}$`),
      };
    }
    case "first_name":
    case "last_name": {
      const unfit = needsText(col, spec.name, 1);
      if (unfit) return unfit;
      const words = fittingWords(spec.name === "first_name" ? FIRST_NAMES : LAST_NAMES, width, spec.name, col);
      if (typeof words === "string") return words;
      return {
        ...base, width: longest(words),
        ...derived(pick(digest(spec.name, source), 1, words, ref)),
        ...shaped(`^${alternatives(words)}$`),
      };
    }
    case "name": {
      const unfit = needsText(col, "name", 1);
      if (unfit) return unfit;
      // The widest split of the column between given and family name that leaves both lists 8 words or more.
      let best: [readonly string[], readonly string[]] | undefined;
      for (let first = 1; first < Math.min(width, 64); first += 1) {
        const f = FIRST_NAMES.filter((w) => w.length <= first);
        const l = LAST_NAMES.filter((w) => w.length <= width - 1 - first);
        if (f.length >= 8 && l.length >= 8 && (!best || f.length * l.length > best[0].length * best[1].length)) best = [f, l];
      }
      if (!best) return `name needs at least 8 characters but the column is ${col.columnType}`;
      const [firsts, lasts] = best;
      const h = digest("name", source);
      // The given name differs from the input's first word, so the output never equals the input.
      return {
        ...base, width: longest(firsts) + 1 + longest(lasts),
        ...derived(`CONCAT(${pick(h, 1, firsts, `SUBSTRING_INDEX(TRIM(${ref}), ' ', 1)`)}, ' ', ${pick(h, 9, lasts)})`),
        ...shaped(`^${alternatives(firsts)} ${alternatives(lasts)}$`),
      };
    }
    case "address": {
      const h = digest("address", source);
      const width = 4 + 1 + longest(STREETS) + 1 + longest(STREET_SUFFIXES);
      const street = `' ', ${pick(h, 9, STREETS)}, ' ', ${pick(h, 17, STREET_SUFFIXES)}`;
      const candidate = `CONCAT(1 + ${digits(h, 1, 8)} MOD 9999, ${street})`;
      const alternative = `CONCAT(1 + (${digits(h, 1, 8)} + 1) MOD 9999, ${street})`;
      return needsText(col, "address", width) ?? {
        ...base, width,
        ...derived(otherThanInput(candidate, alternative)),
        ...shaped(`^[1-9][0-9]{0,3} ${alternatives(STREETS)} ${alternatives(STREET_SUFFIXES)}$`),
      };
    }
    case "date_year": {
      if (col.typeClass !== "temporal") return `date_year needs a DATE, DATETIME or TIMESTAMP column, not ${col.columnType}`;
      // Keeps the year by design, so 1 January stays 1 January: not a self-map check candidate.
      const set = `DATE_FORMAT(${ref}, '%Y-01-01')`;
      return {
        ...base, excludesInput: false,
        set: { sql: set, params: NO_PARAMS },
        maskedCanonical: `DATE_FORMAT(${set}, '%Y-%m-%d')`,
        shape: { sql: `DATE_FORMAT(${ref}, '%m-%d %H:%i:%s') = '01-01 00:00:00'`, params: NO_PARAMS },
      };
    }
    case "redact": {
      // JSON columns must keep holding JSON: they get an empty object. Narrow columns get as many X as fit.
      if (col.typeClass === "json") {
        return {
          ...base, derived: false, excludesInput: false, maskedCanonical: null,
          set: { sql: `IF(${ref} IS NULL, NULL, '{}')`, params: NO_PARAMS },
          shape: { sql: `CAST(${ref} AS CHAR) = ?`, params: ["{}"] },
        };
      }
      const unfit = needsText(col, "redact", 1);
      if (unfit) return unfit;
      const text = width >= 10 ? "[REDACTED]" : "X".repeat(width);
      return {
        ...base, derived: false, excludesInput: false, maskedCanonical: null, width: text.length,
        set: { sql: keepBlank(`'${text}'`), params: NO_PARAMS },
        shape: { sql: `(${blank} OR ${ref} = ?)`, params: [text] },
      };
    }
    case "fixed": {
      const literal = spec.literal ?? "";
      if (col.typeClass === "json") return "fixed does not fit JSON columns: use redact (writes {}) or nullify";
      if (isChar(col) && width < literal.length) {
        return `fixed writes ${literal.length} characters but the column is ${col.columnType}`;
      }
      // Caught here rather than by strict mode halfway through a run.
      if ((col.typeClass === "integer" || col.typeClass === "decimal") && !/^-?\d+(\.\d+)?$/.test(literal)) {
        return `fixed:${literal} is not a number, but the column is ${col.columnType}`;
      }
      if (col.typeClass === "temporal" && !/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/.test(literal)) {
        return `fixed:${literal} is not a date (YYYY-MM-DD[ hh:mm:ss]), but the column is ${col.columnType}`;
      }
      const members = enumMembers(col);
      if (members && !(col.dataType === "set" ? literal.split(",").filter(Boolean) : [literal]).every((l) => members.includes(l))) {
        return `fixed:${literal} is not a member of ${col.columnType}`;
      }
      return {
        ...base, derived: false, excludesInput: false, maskedCanonical: null, width: isChar(col) ? [...literal].length : null,
        set: { sql: blank ? keepBlank("?") : `IF(${ref} IS NULL, NULL, ?)`, params: [literal] },
        shape: { sql: blank ? `(${blank} OR ${ref} = ?)` : `${ref} = ?`, params: [literal] },
      };
    }
    case "nullify":
      if (!col.nullable) return "nullify needs a nullable column, but the column is NOT NULL";
      return {
        ...base, derived: false, excludesInput: false, uniqueSafe: true, maskedCanonical: null,
        set: { sql: "NULL", params: NO_PARAMS },
        shape: { sql: "FALSE", params: NO_PARAMS },
      };
    case "keep":
      return "keep does not mask";
  }
}

/** The members of an ENUM or SET column (`enum('a','b')`), or null for other types. */
export function enumMembers(col: ColumnInfo): string[] | null {
  if (col.dataType !== "enum" && col.dataType !== "set") return null;
  const inner = /^(?:enum|set)\((.*)\)$/.exec(col.columnType)?.[1] ?? "";
  return [...inner.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] ?? "").replace(/''/g, "'"));
}

/** The strategies (other than keep and fixed) that fit a column, for errors that say what would. */
export function fittingStrategies(col: ColumnInfo, ref: string, unique = false): string[] {
  const fits: string[] = STRATEGY_NAMES.filter((name) => name !== "keep" && name !== "fixed").filter((name) => {
    const bound = bindStrategy({ name, text: name }, col, ref);
    return typeof bound !== "string" && (!unique || bound.uniqueSafe);
  });
  const members = enumMembers(col);
  if (members?.[0] !== undefined && !unique) fits.push(`fixed:${members[0]}`);
  return [...fits, "keep"];
}
