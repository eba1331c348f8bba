/**
 * Which S3 keys a BigQuery Amazon S3 transfer's `data_path` selects, as "Introduction to Amazon S3 transfers"
 * (https://cloud.google.com/bigquery/docs/s3-transfer-intro, "Wildcard support for Amazon S3 URIs") describes it:
 * the bucket is fixed; with one wildcard `*` matches any run of characters, `/` included; with two or more, each
 * `*` matches within one path segment. Run-time parameters (`{run_time…}`) are not modelled: the paths this project
 * builds have none.
 */

/** Whether `data_path` selects the object `key` of `bucket`. */
export function dataPathMatches(dataPath: string, bucket: string, key: string): boolean {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(dataPath);
  if (!m) throw new Error(`not an S3 data path: ${dataPath}`);
  if (m[1] !== bucket) return false;
  if (/[{}]/.test(m[2])) throw new Error(`run-time parameters are not modelled: ${dataPath}`);
  const parts = m[2].split("*");
  const any = parts.length === 2 ? ".*" : "[^/]*";
  const pattern = parts.map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(any);
  return new RegExp(`^${pattern}$`).test(key);
}

/** The keys of a bucket a data path selects. */
export function selectedKeys(dataPath: string, bucket: string, keys: readonly string[]): string[] {
  return keys.filter((k) => dataPathMatches(dataPath, bucket, k));
}
