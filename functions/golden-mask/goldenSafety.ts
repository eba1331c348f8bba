/**
 * What makes a golden safe to hand out besides masked columns: every schema is either masked or knowingly skipped,
 * and no account but the master can log in with the source's credentials. Both run on the golden (never on the
 * source) before its first slice masks anything.
 */
import { randomBytes } from "node:crypto";
import type { Connection, RowDataPacket } from "mysql2/promise";

/**
 * Schemas the server owns. MySQL 8.0 (Aurora MySQL 3): mysql, information_schema, performance_schema, sys
 * (MySQL 8.0 Reference Manual, "The mysql System Schema" and "The sys Schema"). Aurora adds none visible to users.
 */
export const SYSTEM_SCHEMAS: readonly string[] = ["mysql", "information_schema", "performance_schema", "sys"];

/**
 * Accounts that are not the application's: the server's own (MySQL 8.0 Reference Manual, "Reserved Accounts":
 * mysql.sys, mysql.session, mysql.infoschema; MariaDB's mariadb.sys) and the RDS management accounts (rdsadmin,
 * rdsrepladmin; Aurora User Guide, "Master user account privileges"), which the master may not alter anyway.
 */
export const RESERVED_ACCOUNTS: readonly string[] = ["mysql.sys", "mysql.session", "mysql.infoschema", "mariadb.sys", "rdsadmin", "rdsrepladmin"];

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

/**
 * Gives every account except the master and the reserved ones a new random password nobody knows, and locks it,
 * so the source's application credentials do not open the golden (or any clone of it). Roles and accounts that are
 * already locked cannot log in and are left alone. Returns the accounts changed (names only; passwords are never
 * kept, logged or returned).
 */
export async function lockOtherAccounts(conn: Connection, master: string): Promise<{ locked: string[] }> {
  const [rows] = await conn.query<RowDataPacket[]>("SELECT * FROM mysql.user");
  const locked: string[] = [];
  for (const row of rows) {
    const user = String(row.User ?? row.user ?? "");
    const host = String(row.Host ?? row.host ?? "");
    // MariaDB lists roles in mysql.user (is_role); MySQL 8 roles are locked accounts (MySQL 8.0 Reference Manual,
    // "Using Roles": CREATE ROLE creates a locked account).
    const isRole = String(row.is_role ?? "N").toUpperCase() === "Y";
    const isLocked = String(row.account_locked ?? "N").toUpperCase() === "Y";
    if (user === "" || user === master || RESERVED_ACCOUNTS.includes(user) || isRole || isLocked) continue;
    const password = randomBytes(24).toString("base64url");
    await conn.query("ALTER USER ?@? IDENTIFIED BY ? ACCOUNT LOCK", [user, host, password]);
    locked.push(`${user}@${host}`);
  }
  return { locked };
}
