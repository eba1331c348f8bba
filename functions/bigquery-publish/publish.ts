/**
 * Publishing exports for BigQuery: each configured table's `current/` prefix (contracts/exportLayout
 * `bigQueryCurrentPrefix`) is made to hold exactly the files of that table in the newest completed export, and
 * nothing else. Only an export task RDS reports COMPLETE is used, and only tables its metadata reports COMPLETE, so
 * a running, failed or canceled attempt's files are never copied. A run first copies what is missing, then deletes
 * what does not belong (an older export, a file the export no longer has), and changes nothing when `current/`
 * already matches: idempotent, so the export-completed event, the hourly schedule and Lambda's retries may all run it.
 * It starts only outside the transfers' quiet window (contracts/bigQueryLoad) and ends before it opens, so no
 * transfer run sees a change; a table it cannot finish in time is put back as it was (see {@link syncTable}).
 */
import { CopyObjectCommand, DeleteObjectsCommand, type S3Client, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import type { RDSClient } from "@aws-sdk/client-rds";
import { quietUntil } from "../../contracts/bigQueryLoad";
import { bigQueryCurrentPrefix, bigQueryPublishedKey, glueTableName, tableKeyPrefix } from "../../contracts/exportLayout";
import { readExportTables } from "../export-events/catalog";
import { newestComplete, stackExportTasks } from "../export-events/reconcile";

/** A table loaded into BigQuery (config `bigquery.tables`). */
export interface PublishedTable {
  readonly database: string;
  readonly table: string;
}

/** CopyObject copies at most 5 GB in one request (S3 API reference, CopyObject). */
export const MAX_COPY_BYTES = 5 * 1024 ** 3;

/** DeleteObjects takes at most 1,000 keys per request (S3 API reference, DeleteObjects). */
const DELETE_BATCH = 1000;

/** What one table's sync did. */
export interface TableSync {
  readonly table: string;
  readonly copied: number;
  readonly deleted: number;
  /** Files already in place. */
  readonly kept: number;
}

/** What one publisher run did. */
export type PublishResult =
  | { readonly action: "deferred"; readonly until: string }
  | { readonly action: "nothing-to-publish" }
  | {
      readonly action: "published";
      readonly exportTaskIdentifier: string;
      readonly tables: TableSync[];
      /** Configured tables the export did not export completely: their `current/` keeps the previous export. */
      readonly notInExport: string[];
    };

/** A file the export wrote that one request cannot copy. */
export class PublishError extends Error {
  override readonly name = "PublishError";
}

interface Listed {
  readonly key: string;
  readonly size: number;
}

async function list(s3: S3Client, bucket: string, prefix: string): Promise<Listed[]> {
  const out: Listed[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
  }
  return out;
}

/**
 * Makes `current/` of one table hold exactly the table's Parquet files of one export: copies the missing ones, then
 * deletes the rest. Copies are server-side; the bucket's default encryption (SSE-KMS with the CMK) applies to them.
 * All or nothing: when `deadline` (epoch ms) passes before every file is copied, the files this run added are
 * deleted again and PublishError is thrown, so `current/` keeps the previous export whole.
 */
export async function syncTable(
  s3: S3Client,
  bucket: string,
  exportTaskIdentifier: string,
  t: PublishedTable,
  deadline: number = Number.POSITIVE_INFINITY,
  clock: () => number = Date.now,
): Promise<TableSync> {
  const prefix = bigQueryCurrentPrefix(t.database, t.table);
  const source = (await list(s3, bucket, tableKeyPrefix(exportTaskIdentifier, t.database, t.table))).filter((o) => o.key.endsWith(".parquet"));
  const current = new Map((await list(s3, bucket, prefix)).map((o) => [o.key, o.size]));
  const wanted = new Map(source.map((o) => [bigQueryPublishedKey(exportTaskIdentifier, t.database, t.table, o.key), o]));
  for (const o of source) {
    if (o.size > MAX_COPY_BYTES) throw new PublishError(`${o.key} is ${o.size} bytes; CopyObject copies at most 5 GB`);
  }
  const added: string[] = [];
  let kept = 0;
  for (const [key, o] of wanted) {
    if (current.get(key) === o.size) {
      kept += 1;
      continue;
    }
    if (clock() > deadline) {
      await deleteKeys(s3, bucket, prefix, added.filter((k) => !current.has(k)));
      throw new PublishError(`ran out of time after ${added.length} of ${wanted.size - kept} files of ${t.database}.${t.table}; ${prefix} keeps what it held`);
    }
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURIComponent(o.key).replace(/%2F/g, "/")}` }));
    added.push(key);
  }
  const stale = [...current.keys()].filter((k) => !wanted.has(k));
  await deleteKeys(s3, bucket, prefix, stale);
  return { table: `${t.database}.${t.table}`, copied: added.length, deleted: stale.length, kept };
}

async function deleteKeys(s3: S3Client, bucket: string, prefix: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH);
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
    // DeleteObjects answers 200 and lists per-key failures in Errors (S3 API reference, DeleteObjects).
    if (res.Errors?.length) throw new PublishError(`could not delete ${res.Errors.length} of the files under ${prefix}: ${res.Errors[0].Code ?? "error"}`);
  }
}

/** One publisher run: defer inside the quiet window, else sync every configured table to the newest completed export. */
export async function publish(
  deps: { readonly s3: S3Client; readonly rds: RDSClient },
  cfg: { readonly environment: string; readonly bucket: string; readonly tables: readonly PublishedTable[]; readonly transferMinuteUtc: number },
  now: Date,
  /** Epoch ms by which every copy must have started (the handler leaves a minute of its timeout). Default none. */
  deadline: number = Number.POSITIVE_INFINITY,
  clock: () => number = Date.now,
): Promise<PublishResult> {
  const until = quietUntil(now, cfg.transferMinuteUtc);
  if (until) return { action: "deferred", until: until.toISOString() };
  const newest = newestComplete(cfg.environment, await stackExportTasks(deps.rds, cfg.environment, cfg.bucket))?.ExportTaskIdentifier;
  if (!newest) return { action: "nothing-to-publish" };
  const exported = new Set((await readExportTables(deps.s3, cfg.bucket, newest)).complete.map((t) => glueTableName(t.database, t.table, t.schema)));
  const tables: TableSync[] = [];
  const notInExport: string[] = [];
  for (const t of cfg.tables) {
    if (!exported.has(glueTableName(t.database, t.table))) {
      notInExport.push(`${t.database}.${t.table}`);
      continue;
    }
    tables.push(await syncTable(deps.s3, cfg.bucket, newest, t, deadline, clock));
  }
  return { action: "published", exportTaskIdentifier: newest, tables, notInExport };
}
