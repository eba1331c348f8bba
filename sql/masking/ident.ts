/**
 * Identifiers in SQL. Every table and column name the engine writes into a statement has first been matched
 * against information_schema (see plan.ts), and is then quoted here; values always travel as bound parameters.
 */

/**
 * Names the rules may use: what MySQL and MariaDB accept unquoted (ASCII letters, digits, `$`, `_`, and
 * U+0080..U+FFFF), 1 to 64 characters. Anything else ("users; drop", "a`b", spaces) is an invalid identifier.
 */
const IDENTIFIER = /^[0-9A-Za-z$_\u0080-\uFFFF]{1,64}$/;

/** True when `name` is an identifier the rules may name. */
export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** Backtick-quotes an identifier, doubling any backtick inside it. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** Prefix of the engine's own bookkeeping tables; scan ignores them and the rules may not name them. */
export const BOOKKEEPING_PREFIX = "_masking_";
