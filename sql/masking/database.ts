/** Opening a database for one engine call: connect, prepare the session, read the schema, fit the rules. */
import type { Connection } from "mysql2/promise";
import { type MaskConnection, type ResolvedConnection, openConnection, resolveConnection } from "./connection";
import { type MaskPlan, buildPlan } from "./plan";
import type { Rules } from "./rules";
import { type SchemaInfo, introspect } from "./schema";
import { type MaskKeys, prepareSession } from "./session";

/** An open connection with the database's schema and the rules fitted to it. */
export interface OpenDatabase {
  readonly conn: Connection;
  readonly resolved: ResolvedConnection;
  readonly schema: SchemaInfo;
  readonly plan: MaskPlan;
}

/** Runs `fn` on a freshly opened, prepared connection and always closes it. */
export async function withDatabase<R>(
  connection: MaskConnection,
  rules: Rules,
  keys: MaskKeys | undefined,
  fn: (db: OpenDatabase) => Promise<R>,
  tableChecks = true,
): Promise<R> {
  const resolved = resolveConnection(connection);
  const conn = await openConnection(resolved);
  try {
    await prepareSession(conn, keys, false);
    const schema = await introspect(conn, resolved.database);
    const plan = buildPlan(rules, schema, tableChecks);
    return await fn({ conn, resolved, schema, plan });
  } finally {
    await conn.end().catch(() => undefined);
  }
}
