/**
 * What the engine knows about a database, read once from information_schema. Only information_schema tables and
 * columns present in both MySQL 8.0 and MariaDB 10.11 are relied on (CHECK_CONSTRAINTS.TABLE_NAME, MariaDB-only, is
 * read when present).
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { BOOKKEEPING_PREFIX } from "./ident";

/** How the engine treats a column's type. */
export type TypeClass = "text" | "binary" | "json" | "temporal" | "integer" | "decimal" | "other";

/** One column of a base table. */
export interface ColumnInfo {
  readonly table: string;
  readonly name: string;
  /** DATA_TYPE, lower case: varchar, int, json, … */
  readonly dataType: string;
  /** COLUMN_TYPE, lower case: `int(10) unsigned`, `varchar(255)`, … */
  readonly columnType: string;
  readonly typeClass: TypeClass;
  /** CHARACTER_MAXIMUM_LENGTH: characters for text, bytes for binary; null for other types. */
  readonly maxLength: number | null;
  readonly nullable: boolean;
  /** CHARACTER_SET_NAME, lower case, or null. */
  readonly charset: string | null;
  /** VIRTUAL or STORED generated column: the server computes it, nobody may write it. */
  readonly generated: boolean;
  readonly numericScale: number | null;
  /** NUMERIC_PRECISION: digits of an integer or DECIMAL column; null for other types. */
  readonly numericPrecision: number | null;
  /** COLLATION_NAME, lower case, or null for non-character columns. */
  readonly collation: string | null;
  /** `ON UPDATE CURRENT_TIMESTAMP`: the server would stamp it whenever masking changes the row. */
  readonly onUpdateNow: boolean;
  /** AUTO_INCREMENT: a surrogate key, never PII. */
  readonly autoIncrement: boolean;
}

/** A unique index (the primary key included, named PRIMARY). `expression` marks a functional index (MySQL 8). */
export interface UniqueIndex {
  readonly name: string;
  readonly columns: readonly string[];
  readonly expression: boolean;
}

/** A trigger on a table. */
export interface TriggerInfo {
  readonly name: string;
  /** INSERT, UPDATE or DELETE. */
  readonly event: string;
  readonly timing: string;
}

/** A base table. */
export interface TableInfo {
  readonly name: string;
  /** ENGINE, e.g. InnoDB. */
  readonly engine: string | null;
  /** TABLE_TYPE: BASE TABLE, or SYSTEM VERSIONED (MariaDB). */
  readonly tableType: string;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[];
  readonly uniqueIndexes: readonly UniqueIndex[];
  readonly triggers: readonly TriggerInfo[];
  readonly checks: readonly CheckConstraint[];
}

/** A foreign key from `schema.table(columns)` to `refSchema.refTable(refColumns)`; one side is this database. */
export interface ForeignKey {
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly refSchema: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
}

/** The introspected database. Bookkeeping tables (`_masking_*`) are left out. */
export interface SchemaInfo {
  readonly database: string;
  readonly tables: ReadonlyMap<string, TableInfo>;
  readonly views: ReadonlySet<string>;
  readonly foreignKeys: readonly ForeignKey[];
}

const TEXT = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext"]);
const BINARY = new Set(["varbinary", "tinyblob", "blob", "mediumblob", "longblob"]);
const TEMPORAL = new Set(["date", "datetime", "timestamp"]);
const INTEGER = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint"]);

function classify(dataType: string, json: boolean): TypeClass {
  if (json || dataType === "json") return "json";
  if (TEXT.has(dataType)) return "text";
  if (BINARY.has(dataType)) return "binary";
  if (TEMPORAL.has(dataType)) return "temporal";
  if (INTEGER.has(dataType)) return "integer";
  if (dataType === "decimal" || dataType === "numeric") return "decimal";
  return "other";
}

async function rows(conn: Connection, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [result] = await conn.query<RowDataPacket[]>(sql, params);
  return result;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A CHECK constraint: the server refuses a row for which `clause` is false. */
export interface CheckConstraint {
  readonly name: string;
  readonly clause: string;
}

/**
 * CHECK constraints per table. MariaDB's CHECK_CONSTRAINTS names the table (constraint names are per table there);
 * MySQL 8.0's does not, and TABLE_CONSTRAINTS (CONSTRAINT_TYPE 'CHECK') says which table each belongs to
 * (MySQL 8.0 Reference Manual, "The INFORMATION_SCHEMA CHECK_CONSTRAINTS Table").
 */
async function checkConstraints(conn: Connection, db: string): Promise<Map<string, CheckConstraint[]>> {
  const out = new Map<string, CheckConstraint[]>();
  let found: RowDataPacket[];
  try {
    found = await rows(conn, "SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?", [db]);
  } catch {
    return out; // servers older than CHECK constraints enforce none
  }
  if (found.length > 0 && !("TABLE_NAME" in (found[0] ?? {}))) {
    found = await rows(
      conn,
      `SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS cc
         JOIN information_schema.TABLE_CONSTRAINTS tc ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA
          AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
        WHERE cc.CONSTRAINT_SCHEMA = ?`,
      [db],
    );
  }
  for (const r of found) {
    const list = out.get(String(r.TABLE_NAME)) ?? [];
    list.push({ name: String(r.CONSTRAINT_NAME), clause: String(r.CHECK_CLAUSE ?? "") });
    out.set(String(r.TABLE_NAME), list);
  }
  return out;
}

/** MariaDB stores a JSON column as LONGTEXT with a `json_valid(col)` check; MySQL reports DATA_TYPE json. */
function mariaDbJsonColumns(checks: ReadonlyMap<string, readonly CheckConstraint[]>): Set<string> {
  const found = new Set<string>();
  for (const [table, list] of checks) {
    for (const c of list) {
      const match = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(c.clause.trim());
      const column = match?.[1]?.replace(/``/g, "`");
      if (column) found.add(`${table}.${column}`);
    }
  }
  return found;
}

/** Reads tables, views, columns, keys, unique indexes, triggers and foreign keys of `database`. */
export async function introspect(conn: Connection, database: string): Promise<SchemaInfo> {
  const checks = await checkConstraints(conn, database);
  const json = mariaDbJsonColumns(checks);
  const tableRows = await rows(
    conn,
    "SELECT TABLE_NAME AS t, TABLE_TYPE AS type, ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
    [database],
  );
  const columnRows = await rows(
    conn,
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS dt, COLUMN_TYPE AS ct, CHARACTER_MAXIMUM_LENGTH AS len,
            IS_NULLABLE AS nullable, CHARACTER_SET_NAME AS cs, EXTRA AS extra, NUMERIC_SCALE AS scale,
            NUMERIC_PRECISION AS prec, COLLATION_NAME AS coll
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const indexRows = await rows(
    conn,
    `SELECT TABLE_NAME AS t, INDEX_NAME AS i, COLUMN_NAME AS c FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [database],
  );
  const triggerRows = await rows(
    conn,
    `SELECT TRIGGER_NAME AS n, EVENT_MANIPULATION AS e, ACTION_TIMING AS ti, EVENT_OBJECT_TABLE AS t
       FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ?`,
    [database],
  );
  const fkRows = await rows(
    conn,
    `SELECT CONSTRAINT_NAME AS n, TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c,
            REFERENCED_TABLE_SCHEMA AS rs, REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE (TABLE_SCHEMA = ? OR REFERENCED_TABLE_SCHEMA = ?) AND REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
    [database, database],
  );

  const views = new Set<string>();
  const shells = new Map<string, { engine: string | null; type: string }>();
  for (const r of tableRows) {
    const name = String(r.t);
    if (name.startsWith(BOOKKEEPING_PREFIX)) continue;
    const type = String(r.type).toUpperCase();
    if (type === "VIEW" || type === "SYSTEM VIEW") views.add(name);
    else if (type === "BASE TABLE" || type === "SYSTEM VERSIONED") shells.set(name, { engine: r.engine === null ? null : String(r.engine), type });
  }
  const columns = new Map<string, ColumnInfo[]>();
  for (const r of columnRows) {
    const table = String(r.t);
    if (!shells.has(table)) continue;
    const name = String(r.c);
    const dataType = String(r.dt).toLowerCase();
    const extra = String(r.extra ?? "").toUpperCase();
    const list = columns.get(table) ?? [];
    list.push({
      table,
      name,
      dataType,
      columnType: String(r.ct).toLowerCase(),
      typeClass: classify(dataType, json.has(`${table}.${name}`)),
      maxLength: num(r.len),
      nullable: String(r.nullable).toUpperCase() === "YES",
      charset: r.cs === null || r.cs === undefined ? null : String(r.cs).toLowerCase(),
      generated: extra.includes("VIRTUAL GENERATED") || extra.includes("STORED GENERATED") || extra.includes("PERSISTENT"),
      numericScale: num(r.scale),
      numericPrecision: num(r.prec),
      collation: r.coll === null || r.coll === undefined ? null : String(r.coll).toLowerCase(),
      onUpdateNow: /ON UPDATE CURRENT_TIMESTAMP/.test(extra),
      autoIncrement: extra.includes("AUTO_INCREMENT"),
    });
    columns.set(table, list);
  }
  const uniques = new Map<string, Map<string, { columns: string[]; expression: boolean }>>();
  for (const r of indexRows) {
    const byName = uniques.get(String(r.t)) ?? new Map<string, { columns: string[]; expression: boolean }>();
    const index = byName.get(String(r.i)) ?? { columns: [], expression: false };
    if (r.c === null) index.expression = true;
    else index.columns.push(String(r.c));
    byName.set(String(r.i), index);
    uniques.set(String(r.t), byName);
  }
  const triggers = new Map<string, TriggerInfo[]>();
  for (const r of triggerRows) {
    const list = triggers.get(String(r.t)) ?? [];
    list.push({ name: String(r.n), event: String(r.e).toUpperCase(), timing: String(r.ti).toUpperCase() });
    triggers.set(String(r.t), list);
  }
  const fks = new Map<string, ForeignKey & { columns: string[]; refColumns: string[] }>();
  for (const r of fkRows) {
    const id = `${r.s}\u0000${r.t}\u0000${r.n}`;
    const fk = fks.get(id) ?? {
      name: String(r.n), schema: String(r.s), table: String(r.t), columns: [], refSchema: String(r.rs), refTable: String(r.rt), refColumns: [],
    };
    fk.columns.push(String(r.c));
    fk.refColumns.push(String(r.rc));
    fks.set(id, fk);
  }

  const tables = new Map<string, TableInfo>();
  for (const [name, shell] of shells) {
    const indexes = [...(uniques.get(name) ?? new Map()).entries()].map(([index, v]) => ({ name: index, ...v }));
    tables.set(name, {
      name,
      engine: shell.engine,
      tableType: shell.type,
      columns: columns.get(name) ?? [],
      primaryKey: indexes.find((i) => i.name === "PRIMARY")?.columns ?? [],
      uniqueIndexes: indexes,
      triggers: triggers.get(name) ?? [],
      checks: checks.get(name) ?? [],
    });
  }
  return { database, tables, views, foreignKeys: [...fks.values()] };
}
