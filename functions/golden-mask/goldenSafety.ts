/**
 * What makes a golden safe to hand out besides masked columns: every schema is either masked or knowingly skipped,
 * and no account but the master can log in with the source's credentials. Both run on the golden (never on the
 * source) before its first slice masks anything.
 */
import type { Connection, RowDataPacket } from "mysql2/promise";

export { RESERVED_ACCOUNTS, lockOtherAccounts } from "../../sql/accounts";

/**
 * Schemas the server owns. MySQL 8.0 (Aurora MySQL 3): mysql, information_schema, performance_schema, sys
 * (MySQL 8.0 Reference Manual, "The mysql System Schema" and "The sys Schema"). Aurora adds none visible to users.
 */
export const SYSTEM_SCHEMAS: readonly string[] = ["mysql", "information_schema", "performance_schema", "sys"];

/** The golden holds a schema that is neither masked nor knowingly skipped. Not worth retrying. */
export class GoldenSchemaError extends Error {
  override readonly name = "GoldenSchemaError";
}

/**
 * Fails closed when the server holds a non-system schema that is neither in `databases` (masked) nor in `skip`
 * (named in config as holding no personal data): a schema nobody decided about could hold PII.
 */
export async function checkSchemas(conn: Connection, databases: readonly string[], skip: readonly string[]): Promise<{ schemas: string[] }> {
  const [rows] = await conn.query<RowDataPacket[]>("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME");
  const schemas = rows.map((r) => String(r.name));
  const known = new Set([...SYSTEM_SCHEMAS, ...databases, ...skip].map((s) => s.toLowerCase()));
  const unknown = schemas.filter((s) => !known.has(s.toLowerCase()));
  if (unknown.length > 0) {
    throw new GoldenSchemaError(
      `the golden holds schema(s) ${unknown.join(", ")} that are neither masked (databases) nor skipped (golden.skipSchemas); ` +
        "add each to one of them. Nothing was masked or published",
    );
  }
  const missing = databases.filter((d) => !schemas.some((s) => s.toLowerCase() === d.toLowerCase()));
  if (missing.length > 0) throw new GoldenSchemaError(`the golden has no schema ${missing.join(", ")} (config databases); nothing was masked or published`);
  return { schemas };
}
