/**
 * Plan-time checks that need the data: everything the server would otherwise refuse halfway through a run, after
 * other tables were already rewritten. They run before anything is written (no bookkeeping, no chunk), and report
 * every problem at once. Only counts leave the database.
 *
 *   check        a CHECK constraint that a masked row would violate
 *   timestamp    a masked TIMESTAMP outside 1970-01-01 00:00:01 .. 2038-01-19 03:14:07 UTC
 *   unique       two rows of a unique index whose masked values would be equal
 *   foreign_key  a child row that matches its parent only through the collation (case, trailing spaces), whose
 *                masked value would then differ from its parent's
 *   masked       a table whose hash-derived columns already hold only masked-looking values: masking it again
 *                would mask masked values (a run whose bookkeeping was removed)
 */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteIdent } from "./ident";
import type { MaskPlan, TablePlan } from "./plan";
import type { ColumnInfo } from "./schema";
import type { ColumnMask, SqlParam } from "./strategies";

/** One thing the plan cannot do to this data. */
export interface PreflightProblem {
  readonly kind: "check" | "timestamp" | "unique" | "foreign_key" | "masked";
  readonly table: string;
  readonly detail: string;
}

/** Rows looked at per table by the already-masked test. */
const MASKED_SAMPLE_ROWS = 200;

async function first(conn: Connection, sql: string, params: readonly SqlParam[]): Promise<RowDataPacket> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, params as SqlParam[]);
  return rows[0] ?? {};
}

/** Every column of the table as the UPDATE would leave it, named as before: CHECK clauses evaluate on it. */
function maskedRow(tp: TablePlan): { sql: string; params: SqlParam[] } {
  const byName = new Map(tp.masks.map((m) => [m.column.name, m]));
  const params: SqlParam[] = [];
  const cols = tp.table.columns.map((c) => {
    const m = byName.get(c.name);
    if (!m) return `${quoteIdent(c.name)} AS ${quoteIdent(c.name)}`;
    params.push(...m.set.params);
    return `(${m.set.sql}) AS ${quoteIdent(c.name)}`;
  });
  return { sql: `SELECT ${cols.join(", ")} FROM ${quoteIdent(tp.table.name)}`, params };
}

const mentions = (clause: string, col: ColumnInfo) => clause.includes(quoteIdent(col.name)) || new RegExp(`\\b${col.name.replace(/\W/g, "\\$&")}\\b`).test(clause);

async function checkConstraints(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const relevant = tp.table.checks.filter((c) => tp.masks.some((m) => mentions(c.clause, m.column)));
  if (relevant.length === 0) return [];
  const row = maskedRow(tp);
  // A row violates a CHECK only when its clause is false (NULL passes): count `(clause) = 0`.
  const counts = relevant.map((c, i) => `SUM(CASE WHEN (${c.clause}) = 0 THEN 1 ELSE 0 END) AS v${i}`).join(", ");
  const found = await first(conn, `SELECT ${counts} FROM (${row.sql}) AS masked`, row.params);
  return relevant.flatMap((c, i) => {
    const n = Number(found[`v${i}`] ?? 0);
    return n === 0 ? [] : [{ kind: "check" as const, table: tp.table.name, detail: `${n} masked rows would violate CHECK constraint ${c.name} (${c.clause})` }];
  });
}

async function timestamps(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const stamped = tp.masks.filter((m) => m.column.dataType === "timestamp");
  if (stamped.length === 0) return [];
  // UNIX_TIMESTAMP returns 0 (MySQL) or NULL (MariaDB) outside the TIMESTAMP range; it reads the session time zone
  // like the column does (MySQL 8.0 Reference Manual, "The DATE, DATETIME, and TIMESTAMP Types").
  const params: SqlParam[] = [];
  const counts = stamped.map((m, i) => {
    params.push(...m.set.params);
    return `SUM(CASE WHEN ${quoteIdent(m.column.name)} IS NOT NULL AND COALESCE(UNIX_TIMESTAMP(CAST((${m.set.sql}) AS DATETIME)), 0) < 1 THEN 1 ELSE 0 END) AS t${i}`;
  });
  const found = await first(conn, `SELECT ${counts.join(", ")} FROM ${quoteIdent(tp.table.name)}`, params);
  return stamped.flatMap((m, i) => {
    const n = Number(found[`t${i}`] ?? 0);
    return n === 0
      ? []
      : [{ kind: "timestamp" as const, table: tp.table.name, detail: `${n} values of ${m.column.name} would mask to a time before 1970-01-01 00:00:01 UTC, outside TIMESTAMP's range (${m.spec.text}); use fixed:<date> or keep` }];
  });
}

/** The masked value in the column's own collation, so that "equal" means what the unique index means. */
function collated(m: ColumnMask | undefined, col: ColumnInfo): { sql: string; params: readonly SqlParam[] } {
  const expr = m ? `(${m.set.sql})` : quoteIdent(col.name);
  if (col.typeClass !== "text" || !col.charset || !col.collation) return { sql: expr, params: m?.set.params ?? [] };
  return { sql: `CONVERT(${expr} USING ${col.charset}) COLLATE ${col.collation}`, params: m?.set.params ?? [] };
}

async function uniqueCollisions(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const byName = new Map(tp.masks.map((m) => [m.column.name, m]));
  const cols = new Map(tp.table.columns.map((c) => [c.name, c]));
  const problems: PreflightProblem[] = [];
  for (const index of tp.table.uniqueIndexes) {
    if (index.expression || !index.columns.some((c) => byName.has(c) && byName.get(c)?.spec.name !== "nullify")) continue;
    const parts = index.columns.map((c) => collated(byName.get(c), cols.get(c) as ColumnInfo));
    // A unique index admits any number of rows with a NULL in it.
    const present = index.columns.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(" AND ");
    const found = await first(
      conn,
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${quoteIdent(tp.table.name)} WHERE ${present} GROUP BY ${parts.map((p) => p.sql).join(", ")} HAVING COUNT(*) > 1) AS d`,
      parts.flatMap((p) => p.params),
    );
    const n = Number(found.n ?? 0);
    if (n > 0) {
      const masked = index.columns.filter((c) => byName.has(c)).map((c) => `${c}: ${byName.get(c)?.spec.text}`).join(", ");
      problems.push({ kind: "unique", table: tp.table.name, detail: `unique index ${index.name} would get ${n} duplicate masked values (${masked}); use hash, or a wider column` });
    }
  }
  return problems;
}

async function collationOnlyParents(conn: Connection, plan: MaskPlan): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  for (const { fk } of plan.foreignKeys) {
    const masked = plan.tables.find((t) => t.table.name === fk.table)?.masks.some((m) => fk.columns.includes(m.column.name));
    if (!masked) continue;
    const present = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(" AND ");
    // The collation finds the parent through the index; BINARY then demands the same bytes, which hashing sees.
    const same = fk.columns
      .map((c, i) => `p.${quoteIdent(fk.refColumns[i] ?? "")} = c.${quoteIdent(c)} AND BINARY p.${quoteIdent(fk.refColumns[i] ?? "")} = BINARY c.${quoteIdent(c)}`)
      .join(" AND ");
    const found = await first(
      conn,
      `SELECT COUNT(*) AS n FROM ${quoteIdent(fk.schema)}.${quoteIdent(fk.table)} c WHERE ${present}
          AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(fk.refSchema)}.${quoteIdent(fk.refTable)} p WHERE ${same})`,
      [],
    );
    const n = Number(found.n ?? 0);
    if (n > 0) {
      problems.push({
        kind: "foreign_key",
        table: fk.table,
        detail: `${n} rows match their parent in ${fk.refTable} through foreign key ${fk.name} only by collation (case or trailing spaces differ); masked values would not match: make them equal byte for byte first`,
      });
    }
  }
  return problems;
}

async function alreadyMasked(conn: Connection, tp: TablePlan): Promise<PreflightProblem[]> {
  const shaped = tp.masks.filter((m) => m.highEntropy && m.pattern);
  if (shaped.length === 0) return [];
  const params: SqlParam[] = [];
  // The sample keeps the column names, so the shape tests (written against the column) read it unchanged.
  const inner = shaped.map((m) => quoteIdent(m.column.name)).join(", ");
  const counts = shaped.map((m, i) => {
    params.push(...m.shape.params);
    const ref = quoteIdent(m.column.name);
    return `COUNT(${ref}) AS n${i}, SUM(CASE WHEN ${ref} IS NOT NULL AND ${m.shape.sql} THEN 1 ELSE 0 END) AS k${i}`;
  });
  const found = await first(conn, `SELECT ${counts.join(", ")} FROM (SELECT ${inner} FROM ${quoteIdent(tp.table.name)} LIMIT ${MASKED_SAMPLE_ROWS}) s`, params);
  const looked = shaped.map((_, i) => Number(found[`n${i}`] ?? 0));
  const masked = shaped.every((_, i) => (looked[i] ?? 0) > 0 && Number(found[`k${i}`] ?? 0) === looked[i]);
  if (!masked) return [];
  return [{
    kind: "masked",
    table: tp.table.name,
    detail: `every sampled value of ${shaped.map((m) => m.column.name).join(", ")} already has its masked shape: this table looks masked, and masking it again would mask masked values; restore the database from its source to mask it afresh`,
  }];
}

/** Runs every check on a connection prepared with the keys; returns the problems (empty: the plan can run). */
export async function preflight(conn: Connection, plan: MaskPlan): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  for (const tp of plan.tables) {
    problems.push(...(await alreadyMasked(conn, tp)));
    problems.push(...(await checkConstraints(conn, tp)));
    problems.push(...(await timestamps(conn, tp)));
    problems.push(...(await uniqueCollisions(conn, tp)));
  }
  problems.push(...(await collationOnlyParents(conn, plan)));
  return problems;
}

/** One line naming every problem, for a MaskingUsageError. */
export function describeProblems(database: string, problems: readonly PreflightProblem[]): string {
  return `cannot mask ${database}, nothing was written: ${problems.map((p) => `${p.table}: ${p.detail}`).join("; ")}`;
}
