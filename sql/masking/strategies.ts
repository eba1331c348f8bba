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
  /** Outputs stay distinct for distinct inputs (up to a negligible hash-collision chance). */
  readonly uniqueSafe: boolean;
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

/** One word of a list, chosen by 32 bits of a digest. */
function pick(hash: string, from: number, words: readonly string[]): string {
  return `ELT(1 + ${digits(hash, from, 8)} MOD ${words.length}, ${words.map((w) => `'${w}'`).join(", ")})`;
}

const alternatives = (words: readonly string[]): string => `(${words.join("|")})`;
const longest = (words: readonly string[]): number => Math.max(...words.map((w) => w.length));

function regex(ref: string, col: ColumnInfo, pattern: string): Sql {
  // REGEXP needs character data on MySQL 8 (ICU); binary columns hold ASCII output here, so read them as utf8mb4.
  const subject = col.typeClass === "binary" ? `CONVERT(${ref} USING utf8mb4)` : ref;
  return { sql: `${subject} REGEXP ?`, params: [pattern] };
}

/** Why a strategy does not fit a column, or undefined when it does. */
export type Fit = string | undefined;

function needsText(col: ColumnInfo, strategy: string, width: number): Fit {
  if (col.typeClass !== "text" && col.typeClass !== "binary") return `${strategy} needs a character column, not ${col.columnType}`;
  if (col.maxLength !== null && col.maxLength < width) {
    return `${strategy} writes ${width} characters but the column is ${col.columnType}`;
  }
  return undefined;
}

/** Checks whether `spec` can mask `col`, and binds it. Returns a reason string when it cannot. */
export function bindStrategy(spec: StrategySpec, col: ColumnInfo, ref: string): ColumnMask | string {
  const source = sourceBytes(col, ref);
  const canonical = spec.name === "date_year" ? `DATE_FORMAT(${ref}, '%Y-%m-%d')` : source;
  const notNull = (expr: string): string => `IF(${ref} IS NULL, NULL, ${expr})`;
  const base = { column: col, spec, canonical, derived: true, highEntropy: false, uniqueSafe: false, pattern: null };
  const shaped = (pattern: string) => ({ shape: regex(ref, col, pattern), pattern });
  // Derived strategies write ASCII text, which hashes the same as the column will read back; dates are reformatted.
  const derived = (set: string) => ({ set: { sql: set, params: NO_PARAMS }, maskedCanonical: spec.name === "date_year" ? `DATE_FORMAT(${set}, '%Y-%m-%d')` : set });
  switch (spec.name) {
    case "email": {
      const h = digest("email", source);
      return needsText(col, "email", 28) ?? {
        ...base, highEntropy: true, uniqueSafe: true,
        ...derived(notNull(`CONCAT(LEFT(${h}, 16), '@example.com')`)),
        ...shaped("^[0-9a-f]{16}@example[.]com$"),
      };
    }
    case "username": {
      const h = digest("username", source);
      return needsText(col, "username", 21) ?? {
        ...base, highEntropy: true, uniqueSafe: true,
        ...derived(notNull(`CONCAT('user_', LEFT(${h}, 16))`)),
        ...shaped("^user_[0-9a-f]{16}$"),
      };
    }
    case "phone": {
      // As many digits as the column holds, up to 15 (E.164); 60 bits of the digest feed them.
      const n = Math.min(15, col.maxLength ?? 15);
      const unfit = needsText(col, "phone", Math.max(n, 8));
      if (unfit) return unfit;
      const h = digest("phone", source);
      return {
        ...base, highEntropy: n >= 12, uniqueSafe: n >= 12,
        ...derived(notNull(`LPAD(${digits(h, 1, 15)} MOD ${10n ** BigInt(n)}, ${n}, '0')`)),
        ...shaped(`^[0-9]{${n}}$`),
      };
    }
    case "postal_code": {
      const h = digest("postal_code", source);
      return needsText(col, "postal_code", 5) ?? {
        ...base,
        ...derived(notNull(`LPAD(${digits(h, 1, 8)} MOD 100000, 5, '0')`)),
        ...shaped("^[0-9]{5}$"),
      };
    }
    case "hash": {
      // A prefix of the hex digest as long as the column allows, at least 16 digits (64 bits) to stay unique.
      const n = Math.min(64, col.maxLength ?? 64);
      const unfit = needsText(col, "hash", Math.max(n, 16));
      if (unfit) return unfit;
      return {
        ...base, highEntropy: true, uniqueSafe: true,
        ...derived(notNull(`LEFT(${digest("hash", source)}, ${n})`)),
        ...shaped(`^[0-9a-f]{${n}}$`),
      };
    }
    case "first_name":
    case "last_name": {
      const words = spec.name === "first_name" ? FIRST_NAMES : LAST_NAMES;
      return needsText(col, spec.name, longest(words)) ?? {
        ...base,
        ...derived(notNull(pick(digest(spec.name, source), 1, words))),
        ...shaped(`^${alternatives(words)}$`),
      };
    }
    case "name": {
      const h = digest("name", source);
      return needsText(col, "name", longest(FIRST_NAMES) + 1 + longest(LAST_NAMES)) ?? {
        ...base,
        ...derived(notNull(`CONCAT(${pick(h, 1, FIRST_NAMES)}, ' ', ${pick(h, 9, LAST_NAMES)})`)),
        ...shaped(`^${alternatives(FIRST_NAMES)} ${alternatives(LAST_NAMES)}$`),
      };
    }
    case "address": {
      const h = digest("address", source);
      const width = 4 + 1 + longest(STREETS) + 1 + longest(STREET_SUFFIXES);
      const expr = `CONCAT(1 + ${digits(h, 1, 8)} MOD 9999, ' ', ${pick(h, 9, STREETS)}, ' ', ${pick(h, 17, STREET_SUFFIXES)})`;
      return needsText(col, "address", width) ?? {
        ...base,
        ...derived(notNull(expr)),
        ...shaped(`^[1-9][0-9]{0,3} ${alternatives(STREETS)} ${alternatives(STREET_SUFFIXES)}$`),
      };
    }
    case "date_year": {
      if (col.typeClass !== "temporal") return `date_year needs a DATE, DATETIME or TIMESTAMP column, not ${col.columnType}`;
      return {
        ...base,
        ...derived(`DATE_FORMAT(${ref}, '%Y-01-01')`),
        shape: { sql: `DATE_FORMAT(${ref}, '%m-%d %H:%i:%s') = '01-01 00:00:00'`, params: NO_PARAMS },
      };
    }
    case "redact": {
      // JSON columns must keep holding JSON: they get an empty object.
      const text = col.typeClass === "json" ? "{}" : "[REDACTED]";
      const unfit = col.typeClass === "json" ? undefined : needsText(col, "redact", text.length);
      if (unfit) return unfit;
      const subject = col.typeClass === "json" ? `CAST(${ref} AS CHAR)` : ref;
      return {
        ...base, derived: false, maskedCanonical: null,
        set: { sql: notNull(`'${text}'`), params: NO_PARAMS },
        shape: { sql: `${subject} = ?`, params: [text] },
      };
    }
    case "fixed": {
      const literal = spec.literal ?? "";
      if (col.typeClass === "json") return "fixed does not fit JSON columns: use redact (writes {}) or nullify";
      if ((col.typeClass === "text" || col.typeClass === "binary") && col.maxLength !== null && col.maxLength < literal.length) {
        return `fixed writes ${literal.length} characters but the column is ${col.columnType}`;
      }
      // Caught here rather than by strict mode halfway through a run.
      if ((col.typeClass === "integer" || col.typeClass === "decimal") && !/^-?\d+(\.\d+)?$/.test(literal)) {
        return `fixed:${literal} is not a number, but the column is ${col.columnType}`;
      }
      if (col.typeClass === "temporal" && !/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/.test(literal)) {
        return `fixed:${literal} is not a date (YYYY-MM-DD[ hh:mm:ss]), but the column is ${col.columnType}`;
      }
      return {
        ...base, derived: false, maskedCanonical: null,
        set: { sql: `IF(${ref} IS NULL, NULL, ?)`, params: [literal] },
        shape: { sql: `${ref} = ?`, params: [literal] },
      };
    }
    case "nullify":
      if (!col.nullable) return "nullify needs a nullable column, but the column is NOT NULL";
      return {
        ...base, derived: false, uniqueSafe: true, maskedCanonical: null,
        set: { sql: "NULL", params: NO_PARAMS },
        shape: { sql: "FALSE", params: NO_PARAMS },
      };
    case "keep":
      return "keep does not mask";
  }
}
