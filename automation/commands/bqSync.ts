/**
 * `bq-sync --stack <s> [--from catalog|database] [--url mysql://…] [--write]`: compares the stack's BigQuery table
 * list with the real one and, with --write, updates `Pulumi.<stack>.yaml` so that the next `pulumi up` adds and
 * removes transfers. Sources are injected, so tests call this function with fakes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { GlueClient } from "@aws-sdk/client-glue";
import { glueDatabaseName } from "../../contracts/naming";
import { type PlatformConfig, parseConfig } from "../../stacks/config";
import { readCatalogTables } from "../bqSync/catalogSource";
import { readDatabaseTables } from "../bqSync/databaseSource";
import { rewriteBigQueryTables } from "../bqSync/stackYaml";
import { type TableDiff, type TableList, applyDiff, checkTableNames, diffTables, isEmptyDiff } from "../bqSync/tables";
import { UsageError } from "../errors";
import { readStackConfig } from "../stackFiles";

/** Where the real table list comes from. */
export type TableSource = "catalog" | "database";

export interface BqSyncOptions {
  readonly stack: string;
  /** Default `catalog`. */
  readonly from?: TableSource;
  /** `mysql://user@host[:port]` for the database source. */
  readonly url?: string;
  /** Update the stack file. Default false: print the diff only. */
  readonly write?: boolean;
  /** Directory of the stack files. Default: the current directory. */
  readonly dir?: string;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

/** The two sources, injectable. Each returns tables per database for the given databases. */
export interface TableSources {
  readonly catalog: (cfg: PlatformConfig) => Promise<{ tables: TableList; exportId?: string; ignored: { name: string; reason: string }[] }>;
  readonly database: (cfg: PlatformConfig, url: string) => Promise<TableList>;
}

/** What `bq-sync` found and did; `--json` prints exactly this. */
export interface BqSyncResult {
  readonly stack: string;
  readonly file: string;
  readonly source: TableSource;
  /** Export the catalog tables came from, when known. */
  readonly exportId?: string;
  readonly added: TableList;
  readonly removed: TableList;
  readonly unchanged: number;
  /** Real tables whose names BigQuery cannot take (`db.table`), left out. */
  readonly skipped: string[];
  /** The masking engine's bookkeeping tables (`db._masking_*`) found in the source, never offered to BigQuery. */
  readonly bookkeeping: string[];
  /** Glue tables that did not map to a configured table of the latest export. */
  readonly ignored: { name: string; reason: string }[];
  readonly written: boolean;
}

/** The real sources: Glue through the default AWS credential chain, MySQL through mysql2. */
export function defaultSources(env: NodeJS.ProcessEnv = process.env): TableSources {
  return {
    catalog: async (cfg) => {
      const glue = new GlueClient({ region: cfg.region, maxAttempts: 2, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });
      const glueDatabase = glueDatabaseName(cfg.environment);
      try {
        return await readCatalogTables({ glue, glueDatabase, environment: cfg.environment, databases: cfg.databases });
      } catch (err) {
        const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        throw new UsageError(`cannot read Glue database ${glueDatabase} in ${cfg.region}: ${why}`, { cause: err });
      } finally {
        glue.destroy();
      }
    },
    database: (cfg, url) => readDatabaseTables({ url, databases: cfg.databases, env }),
  };
}

/** Keeps what the stack exports: the databases in config, narrowed by exportOnly when it is set. */
function exportedOnly(cfg: PlatformConfig, tables: TableList): TableList {
  const out: TableList = {};
  for (const db of cfg.databases) {
    const list = tables[db] ?? [];
    out[db] = cfg.exportOnly && !cfg.exportOnly.includes(db) ? list.filter((t) => cfg.exportOnly?.includes(`${db}.${t}`)) : list;
  }
  return out;
}

/**
 * Reads the real tables, diffs them with `data-platform:bigquery.tables` and, with `write`, rewrites the stack file.
 * @throws UsageError (exit 2) for a missing bigquery block, a missing --url, an unreachable source or table names that
 *   are not MySQL identifiers; ConfigError (exit 2) when the stack file, or the file as it would be written, is invalid.
 */
export async function bqSync(options: BqSyncOptions, sources: TableSources): Promise<BqSyncResult> {
  const from = options.from ?? "catalog";
  const progress = options.progress ?? (() => undefined);
  const dir = options.dir ?? process.cwd();
  const sc = readStackConfig(options.stack, dir);
  const cfg = parseConfig(sc.config);
  const name = path.basename(sc.file);
  if (!cfg.bigquery) throw new UsageError(`${name} has no data-platform:bigquery block; add one (see README, "BigQuery") first`);
  if (from === "database" && !options.url) throw new UsageError("--from database needs --url mysql://user@host[:port]");
  if (from === "catalog" && options.url) throw new UsageError("--url is only for --from database");

  progress(from === "catalog" ? `reading Glue database ${glueDatabaseName(cfg.environment)}…` : "reading information_schema…");
  let found: TableList;
  let exportId: string | undefined;
  let ignored: BqSyncResult["ignored"] = [];
  if (from === "catalog") {
    ({ tables: found, exportId, ignored } = await sources.catalog(cfg));
  } else {
    found = await sources.database(cfg, options.url as string);
  }

  const checked = checkTableNames(exportedOnly(cfg, found));
  if (checked.invalid.length) {
    throw new UsageError(`the ${from} returned table names that are not MySQL identifiers: ${checked.invalid.join(", ")}`);
  }
  const diff: TableDiff = diffTables(cfg.bigquery.tables, checked.tables, cfg.databases);

  let written = false;
  if (options.write && !isEmptyDiff(diff)) {
    const next = applyDiff(cfg.bigquery.tables, diff);
    // Validate the stack as it would be written (e.g. one table name under two databases) before touching the file.
    parseConfig({ ...sc.config, "data-platform:bigquery": JSON.stringify({ ...cfg.bigquery, tables: next }) });
    const text = readFileSync(sc.file, "utf8");
    writeFileSync(sc.file, rewriteBigQueryTables(text, next, name));
    written = true;
  }
  return {
    stack: options.stack,
    file: sc.file,
    source: from,
    ...(exportId !== undefined && { exportId }),
    added: diff.added,
    removed: diff.removed,
    unchanged: diff.unchanged,
    skipped: checked.skipped,
    bookkeeping: checked.bookkeeping,
    ignored,
    written,
  };
}

/** The human-readable report. */
export function renderBqSync(r: BqSyncResult): string {
  const lines: string[] = [];
  const from = r.source === "catalog" ? `the Glue catalog${r.exportId ? ` (export ${r.exportId})` : ""}` : "the database";
  lines.push(`BigQuery tables of stack "${r.stack}" compared with ${from}:`);
  for (const [db, ts] of Object.entries(r.added)) for (const t of ts) lines.push(`  + ${db}.${t}`);
  for (const [db, ts] of Object.entries(r.removed)) for (const t of ts) lines.push(`  - ${db}.${t}`);
  const nAdded = Object.values(r.added).flat().length;
  const nRemoved = Object.values(r.removed).flat().length;
  lines.push(`${nAdded} to add, ${nRemoved} to remove, ${r.unchanged} unchanged.`);
  if (r.skipped.length) lines.push(`Skipped (BigQuery cannot name a table with $): ${r.skipped.join(", ")}`);
  if (r.bookkeeping.length) lines.push(`Left out (the masking engine's bookkeeping, removed by \`mask reset\`): ${r.bookkeeping.join(", ")}`);
  if (r.ignored.length) lines.push(`Ignored Glue tables: ${r.ignored.map((i) => `${i.name} (${i.reason})`).join("; ")}`);
  if (r.written) lines.push(`Updated ${path.basename(r.file)}; \`pulumi preview\` shows the transfers that change.`);
  else if (nAdded + nRemoved > 0) lines.push("Run again with --write to update the stack file.");
  return lines.join("\n");
}
