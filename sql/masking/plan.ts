/**
 * Fits the rules to the database: every table and column must exist, every strategy must suit its column, and
 * the cases masking in place cannot handle safely are rejected before anything is written. The result says, per
 * table, which columns to mask with which SQL, and by which key to chunk.
 *
 * Decisions (sql/README.md explains them):
 * - views: rejected in rules (mask the base tables); scan ignores them.
 * - generated columns: only `keep`, since the server recomputes them from their (masked) sources.
 * - primary-key columns: cannot be masked (chunking and every reference rely on them).
 * - unique indexes: only strategies whose outputs stay distinct (email, username, hash, phone ≥ 12 digits, nullify).
 * - foreign keys over masked columns: both sides need the same strategy, so masked values still match.
 * - UPDATE triggers: rejected; they would fire per masked row and could copy originals elsewhere.
 * - non-InnoDB tables: rejected; a chunk and its progress mark must commit together.
 * - MariaDB system-versioned tables: rejected; an UPDATE keeps the original row as history.
 * - tables without a usable key: masked as a single chunk (run.ts bounds their size).
 */
import { createHash } from "node:crypto";
import { MaskingUsageError, RulesError } from "./errors";
import { quoteIdent } from "./ident";
import { type ChunkKey, chooseKey } from "./keys";
import type { Rules } from "./rules";
import type { ColumnInfo, ForeignKey, SchemaInfo, TableInfo } from "./schema";
import { type ColumnMask, bindStrategy, fittingStrategies, type StrategySpec } from "./strategies";

/** Version of the masking functions. Part of the rules digest, so a run never resumes across versions. */
export const ENGINE_VERSION = "masking-v2";

/** What to do with one table. */
export interface TablePlan {
  readonly table: TableInfo;
  /** Columns to mask (not `keep`), in table order. */
  readonly masks: readonly ColumnMask[];
  /** Chunk key, or null: the table is masked as one chunk. */
  readonly key: ChunkKey | null;
  /** Unmasked `ON UPDATE CURRENT_TIMESTAMP` columns: the UPDATE sets them to themselves so they keep their values. */
  readonly stamps: readonly ColumnInfo[];
}

/** A foreign key one of whose columns is masked; verify checks no child row lost its parent. */
export interface ForeignKeyCheck {
  readonly fk: ForeignKey;
}

/** The whole job, derived from rules and schema. */
export interface MaskPlan {
  readonly database: string;
  /** Tables with at least one masked column, by name. */
  readonly tables: readonly TablePlan[];
  readonly foreignKeys: readonly ForeignKeyCheck[];
  /** SHA-256 of the engine version and every masked (table, column, strategy): a resumed run must match it. */
  readonly digest: string;
}

function strategyOf(rules: Rules, table: string, column: string): StrategySpec | undefined {
  return rules.tables.get(table)?.get(column);
}

/**
 * Builds the plan. Throws RulesError listing every mismatch, or MaskingUsageError for problems of the tables
 * themselves (triggers, engine, versioning) unless `tableChecks` is false (scan only reports coverage).
 */
export function buildPlan(rules: Rules, schema: SchemaInfo, tableChecks = true): MaskPlan {
  const ruleProblems: string[] = [];
  const tableProblems: string[] = [];
  const tables: TablePlan[] = [];

  for (const [tableName, columns] of rules.tables) {
    const table = schema.tables.get(tableName);
    if (!table) {
      ruleProblems.push(
        schema.views.has(tableName)
          ? `${tableName} is a view: mask its base tables instead`
          : `unknown table ${tableName} in database ${schema.database}`,
      );
      continue;
    }
    const masks: ColumnMask[] = [];
    for (const [columnName, spec] of columns) {
      const col = table.columns.find((c) => c.name === columnName);
      const where = `${tableName}.${columnName}`;
      if (!col) {
        ruleProblems.push(`unknown column ${where}`);
        continue;
      }
      if (spec.name === "keep") continue;
      if (col.generated) {
        ruleProblems.push(`${where} is a generated column: only keep fits (the server recomputes it from its masked sources)`);
        continue;
      }
      if (table.primaryKey.includes(col.name)) {
        ruleProblems.push(`${where} is part of the primary key and cannot be masked in place`);
        continue;
      }
      const ref = quoteIdent(col.name);
      const unique = table.uniqueIndexes.find((i) => i.expression || i.columns.includes(col.name));
      const bound = bindStrategy(spec, col, ref);
      if (typeof bound === "string") {
        ruleProblems.push(`${where}: ${bound} (fits: ${fittingStrategies(col, ref, unique !== undefined).join(", ")})`);
        continue;
      }
      if (unique && !bound.uniqueSafe) {
        ruleProblems.push(
          `${where} is in unique index ${unique.name}: ${spec.text} would make values collide ` +
            `(fits: ${fittingStrategies(col, ref, true).join(", ")})`,
        );
        continue;
      }
      masks.push(bound);
    }
    if (masks.length === 0) continue;
    const updateTriggers = table.triggers.filter((t) => t.event === "UPDATE");
    if (updateTriggers.length > 0) {
      tableProblems.push(
        `${tableName} has UPDATE trigger ${updateTriggers.map((t) => t.name).join(", ")}: ` +
          "drop it before masking (it would run for every masked row and could copy the original values)",
      );
    }
    if ((table.engine ?? "").toLowerCase() !== "innodb") {
      tableProblems.push(`${tableName} uses engine ${table.engine ?? "unknown"}: masking needs InnoDB (each chunk commits with its progress mark)`);
    }
    if (table.tableType === "SYSTEM VERSIONED") {
      tableProblems.push(`${tableName} is system-versioned: an UPDATE would keep every original row as history`);
    }
    const masked = new Set(masks.map((m) => m.column.name));
    tables.push({ table, masks, key: chooseKey(table, masked), stamps: table.columns.filter((c) => c.onUpdateNow && !masked.has(c.name)) });
  }

  const foreignKeys: ForeignKeyCheck[] = [];
  for (const fk of schema.foreignKeys) {
    let involved = false;
    fk.columns.forEach((column, i) => {
      const refColumn = fk.refColumns[i] ?? "";
      // A key that crosses into another schema cannot be kept consistent from here: masking its side is refused.
      const child = fk.schema === schema.database ? strategyOf(rules, fk.table, column) : undefined;
      const parent = fk.refSchema === schema.database ? strategyOf(rules, fk.refTable, refColumn) : undefined;
      const childText = child && child.name !== "keep" ? child.text : "unmasked";
      const parentText = parent && parent.name !== "keep" ? parent.text : "unmasked";
      if (childText === "unmasked" && parentText === "unmasked") return;
      involved = true;
      if (childText !== parentText) {
        ruleProblems.push(
          `foreign key ${fk.name} links ${fk.schema === schema.database ? "" : `${fk.schema}.`}${fk.table}.${column} to ` +
            `${fk.refSchema === schema.database ? "" : `${fk.refSchema}.`}` +
            `${fk.refTable}.${refColumn}: both need the same strategy so masked values still match (found ${childText} and ${parentText})`,
        );
      }
    });
    if (involved) foreignKeys.push({ fk });
  }

  if (ruleProblems.length > 0) throw new RulesError(`${rules.source} does not fit ${schema.database}: ${[...ruleProblems, ...tableProblems].join("; ")}`);
  if (tableProblems.length > 0 && tableChecks) throw new MaskingUsageError(`cannot mask ${schema.database}: ${tableProblems.join("; ")}`);

  const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  tables.sort((a, b) => byCodePoint(a.table.name, b.table.name));
  const masked = tables
    .flatMap((t) => t.masks.map((m) => `${t.table.name}\u0000${m.column.name}\u0000${m.spec.text}`))
    .sort(byCodePoint);
  const digest = createHash("sha256").update(JSON.stringify([ENGINE_VERSION, masked])).digest("hex");
  return { database: schema.database, tables, foreignKeys, digest };
}
