/**
 * The `database` source of `bq-sync`: base tables from `information_schema.TABLES` over a MySQL URL, with mysql2.
 * The SQL is built by a pure function with bound parameters; the connection part is a thin wrapper around it.
 */
import mysql from "mysql2/promise";
import { UsageError } from "../errors";
import type { TableList } from "./tables";

/** The query for the base tables (no views) of some schemas; the schema names are bound, never pasted in. */
export function informationSchemaQuery(databases: readonly string[]): { sql: string; values: string[] } {
  if (databases.length === 0) throw new RangeError("name at least one database");
  const placeholders = databases.map(() => "?").join(", ");
  return {
    sql:
      "SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name FROM information_schema.TABLES " +
      `WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (${placeholders}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    values: [...databases],
  };
}

/** Rows of that query as a table list (every requested database present, possibly empty). */
export function rowsToTables(rows: readonly { table_schema: string; table_name: string }[], databases: readonly string[]): TableList {
  const tables: TableList = Object.fromEntries(databases.map((d) => [d, [] as string[]]));
  for (const r of rows) tables[r.table_schema]?.push(r.table_name);
  return tables;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** A MySQL URL without its password, for messages. */
export function redactUrl(url: URL): string {
  return `mysql://${url.username ? `${decodeURIComponent(url.username)}@` : ""}${url.host}`;
}

/**
 * mysql2 options from `mysql://user[:password]@host[:port][?ssl=true|false]`. The password comes from the URL, else
 * from MYSQL_PWD (the precedence of every command here, and of the mysql client: the command line before the
 * environment). TLS is on except for loopback hosts unless `ssl` says
 * otherwise; for RDS, add its CA bundle with NODE_EXTRA_CA_CERTS.
 * @throws UsageError for anything that is not such a URL.
 */
export function connectionOptions(raw: string, env: NodeJS.ProcessEnv): { options: mysql.ConnectionOptions; display: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError("--url is not a URL; expected mysql://user@host[:port]");
  }
  if (url.protocol !== "mysql:") throw new UsageError(`--url must start with mysql://, got ${url.protocol}//`);
  if (!url.hostname) throw new UsageError("--url has no host; expected mysql://user@host[:port]");
  const port = url.port ? Number(url.port) : 3306;
  const sslParam = url.searchParams.get("ssl");
  if (sslParam !== null && sslParam !== "true" && sslParam !== "false") throw new UsageError("--url ssl= must be true or false");
  const tls = sslParam === null ? !LOOPBACK.has(url.hostname) : sslParam === "true";
  const password = url.password ? decodeURIComponent(url.password) : env.MYSQL_PWD;
  return {
    options: {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password,
      connectTimeout: 10_000,
      ...(tls && { ssl: { rejectUnauthorized: true } }),
    },
    display: redactUrl(url),
  };
}

/** The database source: connects, runs {@link informationSchemaQuery}, disconnects. Connection failures are UsageErrors. */
export async function readDatabaseTables(args: { url: string; databases: readonly string[]; env: NodeJS.ProcessEnv }): Promise<TableList> {
  const { options, display } = connectionOptions(args.url, args.env);
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection(options);
  } catch (err) {
    throw new UsageError(`cannot connect to ${display}: ${describeError(err)}`, { cause: err });
  }
  try {
    const { sql, values } = informationSchemaQuery(args.databases);
    const [rows] = await conn.execute<(mysql.RowDataPacket & { table_schema: string; table_name: string })[]>(sql, values);
    return rowsToTables(rows, args.databases);
  } catch (err) {
    throw new UsageError(`cannot read information_schema on ${display}: ${describeError(err)}`, { cause: err });
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** `CODE: message` of a driver error, without anything from the URL (the driver never sees the URL itself). */
function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
