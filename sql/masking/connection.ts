/**
 * Connection options for the engine: a mysql URL, an optional password, and/or a mysql2 config. Connection
 * failures become one-line MaskingUsageErrors (exit code 2) that never include the password.
 */
import mysql, { type Connection, type ConnectionOptions as Mysql2Options } from "mysql2/promise";
import { MaskingUsageError } from "./errors";

/** Where the database is. Fields of `url` override `config`; the password comes from the URL, else `password`. */
export interface ConnectionOptions {
  /** `mysql://user[:password]@host[:port]/database` (`mariadb://` is accepted too). */
  readonly url?: string;
  /** Password when the URL has none, e.g. from MYSQL_PWD or a secret. */
  readonly password?: string;
  /** A mysql2 connection config, e.g. with TLS settings. Needs `database` unless the URL names one. */
  readonly config?: Mysql2Options;
}

/** A URL string, or full connection options. */
export type MaskConnection = string | ConnectionOptions;

/** Connection settings ready for mysql2, with the database and a printable description. */
export interface ResolvedConnection {
  readonly config: Mysql2Options;
  readonly database: string;
  /** `mysql://user@host:port/db`, never with the password. */
  readonly display: string;
}

/** Turns connection options into a mysql2 config. Throws MaskingUsageError for a malformed URL or no database. */
export function resolveConnection(conn: MaskConnection): ResolvedConnection {
  const options: ConnectionOptions = typeof conn === "string" ? { url: conn } : conn;
  const config: Mysql2Options = { ...(options.config ?? {}) };
  if (options.url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (err: unknown) {
      throw new MaskingUsageError("invalid --url: expected mysql://user@host:port/database", { cause: err });
    }
    if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
      throw new MaskingUsageError(`invalid --url: unsupported scheme ${url.protocol} (expected mysql://)`);
    }
    config.host = url.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
    if (url.port) config.port = Number(url.port);
    if (url.username) config.user = decodeURIComponent(url.username);
    if (url.password) config.password = decodeURIComponent(url.password);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (database) config.database = database;
  }
  if (config.password === undefined && options.password !== undefined) config.password = options.password;
  if (!config.database) throw new MaskingUsageError("no database: name one in the URL, e.g. mysql://user@host:3306/shop");
  const display = `mysql://${config.user ?? ""}@${config.host ?? "localhost"}:${config.port ?? 3306}/${config.database}`;
  return {
    database: config.database,
    display,
    config: {
      connectTimeout: 10_000,
      ...config,
      // The engine relies on these: exact key values round-trip as strings, and one statement per call.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      multipleStatements: false,
    },
  };
}

/** Opens one connection. Any failure to connect is a MaskingUsageError naming the database, on one line. */
export async function openConnection(resolved: ResolvedConnection): Promise<Connection> {
  try {
    return await mysql.createConnection(resolved.config);
  } catch (err: unknown) {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e?.code === "string" ? e.code : undefined;
    const message = typeof e?.message === "string" ? e.message.split("\n")[0] : String(err);
    const reason = code && message && !message.includes(code) ? `${code}: ${message}` : message || code || "unknown error";
    throw new MaskingUsageError(`cannot connect to ${resolved.display}: ${reason}`, { cause: err });
  }
}
