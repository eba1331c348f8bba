/**
 * The `catalog` source of `bq-sync`: the stable Glue tables of the latest export (`<db>_<table>`, see
 * contracts/exportLayout `glueTableName`), read with the Glue GetTables paginator.
 */
import { GlueClient, type Table, paginateGetTables } from "@aws-sdk/client-glue";
import { glueTableName, parseExportId, parseTableKeyPrefix } from "../../contracts/exportLayout";
import type { TableList } from "./tables";

/** The Glue fields the mapping reads. */
export type GlueTable = Pick<Table, "Name"> & { StorageDescriptor?: Pick<NonNullable<Table["StorageDescriptor"]>, "Location"> };

/** Tables of the latest export, and the Glue tables that were left out, with why. */
export interface CatalogTables {
  readonly tables: TableList;
  /** Export id the tables were taken from, when the catalog's locations show it. */
  readonly exportId?: string;
  readonly ignored: { name: string; reason: string }[];
}

/**
 * Maps Glue table names back to `<db>.<table>`.
 * 1. The table's S3 location, when it is an export table prefix of this environment (`exports/<id>/<db>/<db>.<table>/`)
 *    whose Glue name is `glueTableName(db, table)`: exact names, including upper case; tables whose location is in an
 *    older export than the newest one seen are left out (the table is gone from the source).
 * 2. Otherwise the name alone: `<db>_<table>` against the configured databases, longest database first, because
 *    database names may contain `_` (`shop_archive_x` is `shop_archive.x` when both `shop` and `shop_archive` are
 *    configured). Glue names are lower case, so such a table name is lower case too.
 */
export function mapCatalogTables(glueTables: readonly GlueTable[], environment: string, databases: readonly string[]): CatalogTables {
  type Found = { db: string; table: string; exportId?: string; name: string };
  const found: Found[] = [];
  const ignored: CatalogTables["ignored"] = [];
  const byLength = [...databases].sort((a, b) => b.length - a.length);

  for (const t of glueTables) {
    const name = t.Name ?? "";
    const loc = parseTableKeyPrefix(t.StorageDescriptor?.Location ?? "");
    if (loc && databases.includes(loc.database) && glueTableName(loc.database, loc.table) === name && parseExportId(environment, loc.exportId)) {
      found.push({ db: loc.database, table: loc.table, exportId: loc.exportId, name });
      continue;
    }
    const db = byLength.find((d) => name.startsWith(glueTableName(d, "")));
    if (db === undefined) {
      ignored.push({ name, reason: "does not start with a configured database" });
      continue;
    }
    const table = name.slice(glueTableName(db, "").length);
    if (table === "") ignored.push({ name, reason: "has no table part" });
    else found.push({ db, table, name });
  }

  const rank = (id: string) => {
    const p = parseExportId(environment, id);
    return p ? Number(p.day) * 100 + p.attempt : -1;
  };
  const latest = found
    .map((f) => f.exportId)
    .filter((id): id is string => id !== undefined)
    .sort((a, b) => rank(b) - rank(a))[0];

  const tables: TableList = {};
  for (const f of found) {
    if (f.exportId !== undefined && f.exportId !== latest) {
      ignored.push({ name: f.name, reason: `points at ${f.exportId}, not the latest export ${latest}` });
      continue;
    }
    (tables[f.db] ??= []).push(f.table);
  }
  return { tables, exportId: latest, ignored };
}

/** Reads every table of one Glue database (all pages). */
export async function readGlueTables(glue: GlueClient, databaseName: string): Promise<GlueTable[]> {
  const out: GlueTable[] = [];
  for await (const page of paginateGetTables({ client: glue }, { DatabaseName: databaseName })) {
    for (const t of page.TableList ?? []) out.push({ Name: t.Name, StorageDescriptor: { Location: t.StorageDescriptor?.Location } });
  }
  return out;
}

/** The catalog source: GetTables over the stack's Glue database, mapped to tables of the latest export. */
export async function readCatalogTables(args: {
  readonly glue: GlueClient;
  readonly glueDatabase: string;
  readonly environment: string;
  readonly databases: readonly string[];
}): Promise<CatalogTables> {
  return mapCatalogTables(await readGlueTables(args.glue, args.glueDatabase), args.environment, args.databases);
}
