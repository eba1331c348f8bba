/**
 * Secondary indexes over masked columns are dropped before a table's chunks and rebuilt after them. Masked values
 * are keyed hashes: they land at random places of an index, and maintaining it row by row is most of the cost of an
 * in-place rewrite; a rebuild sorts once. Uniqueness is not lost meanwhile: the plan has already computed every
 * masked value of every unique index and refused on a duplicate (preflight.ts), and the rebuild checks it again.
 *
 * Only plain B-tree indexes are dropped: every part a column (prefix lengths kept), ascending, no comment, and not
 * needed by a foreign key (an index a foreign key uses cannot be dropped). Their definitions are written to
 * `_masking_indexes` before the drop, in the same order, so a run killed at any point rebuilds them when it resumes.
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { T } from "./bookkeeping";
import { quoteIdent } from "./ident";
import type { MaskPlan, TablePlan } from "./plan";

/** Bookkeeping table of the indexes dropped for masking, with the statement that rebuilds each. */
const INDEX_TABLE = T.indexes;

const DDL = `CREATE TABLE IF NOT EXISTS ${quoteIdent(INDEX_TABLE)} (
  table_name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  index_name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  rebuild TEXT NOT NULL, PRIMARY KEY (table_name, index_name)) ENGINE=InnoDB`;

interface IndexPart {
  column: string | null;
  subPart: number | null;
  descending: boolean;
}

/** The secondary indexes of a table that contain a masked column and may be dropped, with their ADD clauses. */
async function droppable(conn: Connection, plan: MaskPlan, tp: TablePlan): Promise<Array<{ name: string; add: string }>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [plan.database, tp.table.name],
  );
  const byName = new Map<string, { unique: boolean; type: string; comment: string; parts: IndexPart[] }>();
  for (const r of rows) {
    const ix = byName.get(String(r.INDEX_NAME)) ?? { unique: Number(r.NON_UNIQUE) === 0, type: String(r.INDEX_TYPE), comment: String(r.INDEX_COMMENT ?? ""), parts: [] };
    ix.parts.push({ column: r.COLUMN_NAME === null ? null : String(r.COLUMN_NAME), subPart: r.SUB_PART === null ? null : Number(r.SUB_PART), descending: r.COLLATION === "D" });
    byName.set(String(r.INDEX_NAME), ix);
  }
  const masked = new Set(tp.masks.map((m) => m.column.name));
  // Columns a foreign key of this table uses, or another table's foreign key refers to: their indexes stay.
  const fkColumns = new Set(
    plan.foreignKeys.flatMap(({ fk }) => [
      ...(fk.table === tp.table.name ? fk.columns : []),
      ...(fk.refTable === tp.table.name ? fk.refColumns : []),
    ]),
  );
  const out: Array<{ name: string; add: string }> = [];
  for (const [name, ix] of byName) {
    const plain = ix.type === "BTREE" && ix.comment === "" && ix.parts.every((p) => p.column !== null && !p.descending);
    if (!plain || !ix.parts.some((p) => masked.has(p.column ?? "")) || ix.parts.some((p) => fkColumns.has(p.column ?? ""))) continue;
    const cols = ix.parts.map((p) => `${quoteIdent(p.column ?? "")}${p.subPart === null ? "" : `(${p.subPart})`}`).join(", ");
    out.push({ name, add: `ADD ${ix.unique ? "UNIQUE " : ""}INDEX ${quoteIdent(name)} (${cols})` });
  }
  return out;
}

async function existing(conn: Connection, database: string, table: string): Promise<Set<string>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
    [database, table],
  );
  return new Set(rows.map((r) => String(r.n)));
}

/**
 * Before a table's chunks: records, then drops, its droppable indexes, unless `mayDrop` says their rebuild would not
 * fit (they are then kept and maintained row by row). Tables that already have records (a resumed run) only finish
 * dropping what is recorded.
 */
export async function dropIndexes(
  conn: Connection,
  plan: MaskPlan,
  tables: readonly TablePlan[],
  mayDrop: (table: string, indexes: number) => boolean = () => true,
): Promise<{ dropped: string[]; kept: string[] }> {
  await conn.query(DDL);
  const dropped: string[] = [];
  const kept: string[] = [];
  for (const tp of tables) {
    const from = quoteIdent(tp.table.name);
    const [recorded] = await conn.query<RowDataPacket[]>(`SELECT index_name FROM ${quoteIdent(INDEX_TABLE)} WHERE table_name = ?`, [tp.table.name]);
    let names = recorded.map((r) => String(r.index_name));
    if (names.length === 0) {
      const found = await droppable(conn, plan, tp);
      if (found.length === 0) continue;
      if (!mayDrop(tp.table.name, found.length)) {
        kept.push(...found.map((f) => `${tp.table.name}.${f.name}`));
        continue;
      }
      await conn.query(
        `INSERT INTO ${quoteIdent(INDEX_TABLE)} (table_name, index_name, rebuild) VALUES ${found.map(() => "(?, ?, ?)").join(", ")}`,
        found.flatMap((f) => [tp.table.name, f.name, f.add]),
      );
      names = found.map((f) => f.name);
    }
    const present = await existing(conn, plan.database, tp.table.name);
    const drop = names.filter((n) => present.has(n));
    if (drop.length > 0) await conn.query(`ALTER TABLE ${from} ${drop.map((n) => `DROP INDEX ${quoteIdent(n)}`).join(", ")}`);
    dropped.push(...drop.map((n) => `${tp.table.name}.${n}`));
  }
  return { dropped, kept };
}

/**
 * After a table's last chunk: rebuilds its recorded indexes one ALTER each, forgetting each record once its index
 * exists, so that a call stopped (or killed) between two indexes resumes with the next. Before each index it asks
 * `mayStart` (the caller's time budget); it stops at the first no. Returns the indexes rebuilt.
 */
export async function rebuildIndexes(
  conn: Connection,
  database: string,
  tables: readonly string[],
  mayStart: (table: string) => boolean = () => true,
): Promise<string[]> {
  await conn.query(DDL);
  const rebuilt: string[] = [];
  for (const table of tables) {
    const [recorded] = await conn.query<RowDataPacket[]>(`SELECT index_name, rebuild FROM ${quoteIdent(INDEX_TABLE)} WHERE table_name = ? ORDER BY index_name`, [table]);
    const present = await existing(conn, database, table);
    for (const r of recorded) {
      const name = String(r.index_name);
      if (!present.has(name)) {
        if (!mayStart(table)) return rebuilt;
        await conn.query(`ALTER TABLE ${quoteIdent(table)} ${String(r.rebuild)}`);
        rebuilt.push(`${table}.${name}`);
      }
      await conn.query(`DELETE FROM ${quoteIdent(INDEX_TABLE)} WHERE table_name = ? AND index_name = ?`, [table, name]);
    }
  }
  return rebuilt;
}

/** Tables with indexes still to rebuild. */
export async function pendingRebuilds(conn: Connection): Promise<string[]> {
  await conn.query(DDL);
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT DISTINCT table_name FROM ${quoteIdent(INDEX_TABLE)}`);
  return rows.map((r) => String(r.table_name));
}
