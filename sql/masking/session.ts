/**
 * The secret side of a session: keys derived from the salt, and the session settings every engine connection uses.
 */
import { createHmac } from "node:crypto";
import type { Connection } from "mysql2/promise";
import { MaskingUsageError } from "./errors";

/** Shortest salt accepted, in characters: the salt is all that keeps hashed PII from being guessed back. */
export const MIN_SALT_LENGTH = 16;

/** Keys derived from the salt. The salt itself is never sent to the database. */
export interface MaskKeys {
  /** Keys the masking digests (`@dpm_k`). */
  readonly mask: Buffer;
  /** Keys verify's fingerprints of original values (`@dpm_f`), so they cannot be compared with masked output. */
  readonly fingerprint: Buffer;
  /** Identifies the salt in bookkeeping, so that a resumed run cannot switch salts halfway. */
  readonly id: string;
}

/** Derives the keys (HMAC-SHA256 of fixed labels). Throws MaskingUsageError for a missing or short salt. */
export function deriveKeys(salt: string | undefined): MaskKeys {
  if (salt === undefined || salt === "") {
    throw new MaskingUsageError("no masking salt: set MASKING_SALT (a secret of at least 16 characters); it is never stored in the rules");
  }
  if (salt.length < MIN_SALT_LENGTH) {
    throw new MaskingUsageError(`masking salt too short: use at least ${MIN_SALT_LENGTH} characters`);
  }
  const derive = (label: string) => createHmac("sha256", salt).update(`data-platform/masking/v1/${label}`).digest();
  return { mask: derive("mask"), fingerprint: derive("fingerprint"), id: derive("key-id").toString("hex") };
}

/**
 * Prepares a connection for masking: keys in session variables, strict mode so that nothing is silently
 * truncated, and foreign_key_checks off so that a parent and a child column masked with the same strategy may
 * pass through an inconsistent state between their chunks (and so that ON UPDATE CASCADE never masks a child
 * value a second time). plan.ts only admits foreign keys whose two sides use the same strategy.
 */
export async function prepareSession(conn: Connection, keys: MaskKeys | undefined, forMasking: boolean): Promise<void> {
  if (keys) await conn.query("SET @dpm_k = UNHEX(?), @dpm_f = UNHEX(?)", [keys.mask.toString("hex"), keys.fingerprint.toString("hex")]);
  await conn.query("SET SESSION sql_mode = TRIM(BOTH ',' FROM CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'))");
  if (forMasking) await conn.query("SET SESSION foreign_key_checks = 0");
}
