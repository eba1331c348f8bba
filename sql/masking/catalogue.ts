/**
 * The strategy catalogue: what each strategy writes, what it fits, and whether it may mask a UNIQUE column. The
 * `mask strategies` command prints it; sql/README.md has the same table.
 */
import type { StrategyName } from "./strategies";

/** One strategy, for people choosing one. */
export interface StrategyInfo {
  readonly name: StrategyName;
  /** What it writes, with an example. */
  readonly writes: string;
  /** Column types it fits, and the narrowest width. */
  readonly fits: string;
  /** May mask a UNIQUE column (the plan still computes every masked value and refuses on a duplicate). */
  readonly uniqueSafe: string;
  /** Derived from the value and the salt: equal inputs give equal outputs in every table, so they still join. */
  readonly deterministic: boolean;
}

/** Every strategy, in the order the rules documentation lists them. */
export const STRATEGY_CATALOGUE: readonly StrategyInfo[] = [
  { name: "email", writes: "16 hex digits @example.com (fewer digits in narrower columns): 3f2a…@example.com", fits: "character columns of 18+ characters", uniqueSafe: "yes with 12+ digits (24+ characters)", deterministic: true },
  { name: "username", writes: "user_ and 16 hex digits; u and fewer digits below 21 characters", fits: "character columns of 9+ characters", uniqueSafe: "yes with 12+ digits (13+ characters)", deterministic: true },
  { name: "name", writes: "a given and a family name from built-in lists, never the input's given name: Mia Tanaka", fits: "character columns of 8+ characters (shorter names in narrower columns)", uniqueSafe: "no", deterministic: true },
  { name: "first_name", writes: "a given name from a list of 64, never the input: Oscar", fits: "character columns of 3+ characters", uniqueSafe: "no", deterministic: true },
  { name: "last_name", writes: "a family name from a list of 64, never the input: Sato", fits: "character columns of 4+ characters", uniqueSafe: "no", deterministic: true },
  { name: "phone", writes: "digits only, as many as the column holds up to 15 (E.164); in integer and DECIMAL columns a number of that many digits", fits: "character columns of 6+ characters; integer/DECIMAL columns of 7+ digits", uniqueSafe: "yes with 12+ digits", deterministic: true },
  { name: "address", writes: "number, street and suffix from lists: 42 Maple Ave", fits: "character columns of 19+ characters", uniqueSafe: "no", deterministic: true },
  { name: "postal_code", writes: "5 digits (3 or 4 in narrower columns), never the input", fits: "character columns of 3+ characters", uniqueSafe: "no", deterministic: true },
  { name: "hash", writes: "a prefix of the keyed SHA-256 in hex, as long as the column allows (up to 64)", fits: "character columns of 8+ characters", uniqueSafe: "yes with 12+ characters", deterministic: true },
  { name: "date_year", writes: "1 January of the same year (keeps the year, drops month, day and time)", fits: "DATE, DATETIME, TIMESTAMP (refused where a TIMESTAMP would leave its range)", uniqueSafe: "no", deterministic: true },
  { name: "redact", writes: "[REDACTED] (X… in columns under 10 characters); {} in JSON columns", fits: "character and JSON columns", uniqueSafe: "no", deterministic: false },
  { name: "fixed", writes: "fixed:<literal> writes the literal", fits: "any column the literal fits (a member of an ENUM/SET, a number, a date)", uniqueSafe: "no", deterministic: false },
  { name: "nullify", writes: "NULL", fits: "nullable columns", uniqueSafe: "yes", deterministic: false },
  { name: "keep", writes: "nothing: the column is reviewed and holds no PII", fits: "any column", uniqueSafe: "yes", deterministic: true },
];
