/**
 * Making a copy of the source safe to hand out: no account but the master can log in with the source's credentials.
 * Used on the masked golden (functions/golden-mask) and on every QA clone of a raw source (`qa create --source`).
 */
import { randomBytes } from "node:crypto";
import mysql, { type Connection, type ConnectionOptions, type RowDataPacket } from "mysql2/promise";

/**
 * Accounts that are not the application's: the server's own (MySQL 8.0 Reference Manual, "Reserved Accounts":
 * mysql.sys, mysql.session, mysql.infoschema; MariaDB's mariadb.sys) and the RDS management accounts (rdsadmin,
 * rdsrepladmin; Aurora User Guide, "Master user account privileges"), which the master may not alter anyway.
 */
export const RESERVED_ACCOUNTS: readonly string[] = ["mysql.sys", "mysql.session", "mysql.infoschema", "mariadb.sys", "rdsadmin", "rdsrepladmin"];

/**
 * Gives every account except the master and the reserved ones a new random password nobody knows, and locks it,
 * so the source's application credentials do not open the copy. Roles and accounts that are already locked cannot
 * log in and are left alone. Returns the accounts changed (names only; passwords are never kept, logged or
 * returned). User and host are bound parameters, never pasted into the statement.
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

/** Connects as the master (`options.user`) and locks every other account ({@link lockOtherAccounts}). */
export async function lockOtherAccountsAt(options: ConnectionOptions & { readonly user: string }): Promise<{ locked: string[] }> {
  const conn = await mysql.createConnection(options);
  try {
    return await lockOtherAccounts(conn, options.user);
  } finally {
    await conn.end();
  }
}
