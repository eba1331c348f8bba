/**
 * Identifiers in SQL. Every table and column name the engine writes into a statement has first been matched
 * against information_schema (see plan.ts), and is then quoted here; values always travel as bound parameters.
 */

/**
 * Names the rules may use: any name MySQL and MariaDB accept quoted — 1 to 64 characters of the Basic Multilingual
 * Plane, no NUL or other control character, not ending in a space ("Schema Object Names" in the MySQL 8.0 Reference
 * Manual). So `e-mail`, `first name` and `氏名` are fine; every name must still match information_schema exactly
 * before it reaches SQL, and is then backtick-quoted.
 */
const IDENTIFIER = /^[^\u0000-\u001f\u007f\ud800-\udfff]{1,64}$/;

/** True when `name` is an identifier the rules may name. */
export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !name.endsWith(" ");
}

/** A name as written in the rules: `` `e-mail` `` (backticks, doubled inside) or plain `e-mail`. */
export function unquoteIdent(written: string): string {
  const quoted = /^`((?:[^`]|``)+)`$/.exec(written);
  return quoted?.[1] ? quoted[1].replace(/``/g, "`") : written;
}

/** Backtick-quotes an identifier, doubling any backtick inside it. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** Prefix of the engine's own bookkeeping tables; scan ignores them and the rules may not name them. */
export const BOOKKEEPING_PREFIX = "_masking_";
