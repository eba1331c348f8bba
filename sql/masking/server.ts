/**
 * What differs between the servers the engine supports, behind one switch: MySQL 8.0 (Aurora MySQL 3, the real
 * target) and MariaDB 10.11 (what the tests run). Everything else the engine writes is SQL both accept (sql/README.md
 * has the table per feature).
 *
 * - Binary log. MySQL 8.0 enables it by default, with full row images (MySQL 8.0 Reference Manual, "The Binary
 *   Log": "binary logging is enabled by default"; binlog_row_image default `full`), so every value masked in place
 *   would be kept, before and after, in the binlog. Aurora MySQL turns it on through the cluster parameter
 *   `binlog_format` ("Configuring Aurora MySQL binary logging"). MariaDB has it off by default. Either way the engine
 *   refuses to mask while the session would log, unless it may switch logging off for its own sessions:
 *   `SET SESSION sql_log_bin = 0` is a restricted operation (MySQL: SYSTEM_VARIABLES_ADMIN or
 *   SESSION_VARIABLES_ADMIN, "SET sql_log_bin Statement"; MariaDB: SUPER or BINLOG ADMIN, "SET SQL_LOG_BIN").
 * - REGEXP. MySQL 8.0 runs ICU with `regexp_time_limit` (ER_REGEXP_TIME_OUT); MariaDB runs PCRE2. The engine uses
 *   REGEXP only on masked outputs and anchored, bounded shapes; scan matches values in Node (values.ts).
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { MaskingUsageError } from "./errors";

/** Which server family. */
export type ServerKind = "mysql" | "mariadb";

/** What the engine needs to know about a server. */
export interface ServerProfile {
  readonly kind: ServerKind;
  /** VERSION(), e.g. `8.0.39` or `10.11.6-MariaDB`. */
  readonly version: string;
  /** REGEXP engine: ICU (with a time limit) on MySQL 8.0, PCRE2 on MariaDB. */
  readonly regexp: "icu" | "pcre2";
  /** The binary log is on unless configured off. */
  readonly binlogByDefault: boolean;
  /** What a user grants so the engine may switch the binary log off for its own sessions. */
  readonly sessionBinlogPrivilege: string;
}

/** The profile for a VERSION() string (and @@version_comment, which names MariaDB on some builds). */
export function serverProfile(version: string, versionComment = ""): ServerProfile {
  const mariadb = /mariadb/i.test(version) || /mariadb/i.test(versionComment);
  return mariadb
    ? { kind: "mariadb", version, regexp: "pcre2", binlogByDefault: false, sessionBinlogPrivilege: "SUPER or BINLOG ADMIN" }
    : { kind: "mysql", version, regexp: "icu", binlogByDefault: true, sessionBinlogPrivilege: "SYSTEM_VARIABLES_ADMIN or SESSION_VARIABLES_ADMIN" };
}

/** The binary-log settings that matter, as the session sees them. */
export interface BinlogState {
  /** @@log_bin: the server writes a binary log. */
  readonly logBin: boolean;
  /** @@session.sql_log_bin: this session's changes go into it. */
  readonly sessionLogs: boolean;
}

/** What to do about the binary log before masking on a session. */
export type BinlogAction = "none" | "disable-for-session";

/** Decides: nothing to do, or switch it off for the session (which may be refused, see `guardBinlog`). */
export function binlogAction(state: BinlogState): BinlogAction {
  return state.logBin && state.sessionLogs ? "disable-for-session" : "none";
}

/** The refusal when the binary log would record originals and the session may not switch it off. */
export function binlogRefusal(profile: ServerProfile): string {
  const where =
    profile.kind === "mysql"
      ? "on Aurora MySQL set the cluster parameter binlog_format to OFF in the golden's (or clone's) cluster parameter group and reboot; on MySQL start the server with --skip-log-bin (or --disable-log-bin)"
      : "start MariaDB without --log-bin";
  return (
    "masking refused: the binary log is on and would keep every original value masked in place (row images hold the " +
    `before and after of each row). Either grant the masking user ${profile.sessionBinlogPrivilege} so it can run ` +
    `SET SESSION sql_log_bin = 0, or turn binary logging off for the database being masked: ${where}`
  );
}

async function readBinlog(conn: Connection): Promise<BinlogState> {
  const [rows] = await conn.query<RowDataPacket[]>("SELECT @@GLOBAL.log_bin AS log_bin, @@SESSION.sql_log_bin AS sql_log_bin");
  const r = rows[0] ?? {};
  return { logBin: Number(r.log_bin) === 1, sessionLogs: Number(r.sql_log_bin) === 1 };
}

/** Reads the server's profile. */
export async function readProfile(conn: Connection): Promise<ServerProfile> {
  const [rows] = await conn.query<RowDataPacket[]>("SELECT VERSION() AS v, @@version_comment AS c");
  return serverProfile(String(rows[0]?.v ?? ""), String(rows[0]?.c ?? ""));
}

/**
 * Makes sure nothing this session masks reaches the binary log: switches it off for the session where the user may,
 * and throws MaskingUsageError (before anything is written) where it may not.
 */
export async function guardBinlog(conn: Connection, profile: ServerProfile): Promise<void> {
  if (binlogAction(await readBinlog(conn)) === "none") return;
  try {
    await conn.query("SET SESSION sql_log_bin = 0");
  } catch (err: unknown) {
    throw new MaskingUsageError(binlogRefusal(profile), { cause: err });
  }
  if (binlogAction(await readBinlog(conn)) !== "none") throw new MaskingUsageError(binlogRefusal(profile));
}
