/**
 * Rewrites the BigQuery table list in `Pulumi.<stack>.yaml` through the `yaml` package's Document API, so comments,
 * key order, quoting and the other keys survive; only the changed sequence items are touched.
 */
import YAML, { type Document, isMap, isScalar, isSeq } from "yaml";
import { PROJECT } from "../../contracts/naming";
import { UsageError } from "../errors";
import type { TableList } from "./tables";

const TABLES_PATH = ["config", `${PROJECT}:bigquery`, "tables"];

/** Options that keep the file as people wrote it: no line folding, indented sequences. */
const TO_STRING = { lineWidth: 0, indentSeq: true } as const;

/** Parses a stack file; YAML errors become a UsageError naming the file. */
function parse(text: string, file: string): Document.Parsed {
  const doc = YAML.parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new UsageError(`${file} is not valid YAML: ${doc.errors[0].message}`);
  return doc;
}

/**
 * Returns the stack file with `data-platform:bigquery.tables` set to `tables`: items that stay keep their comments,
 * removed items go, new items are appended, a database with no table left is removed, a new database is appended.
 * @throws UsageError when the file has no `data-platform:bigquery.tables` mapping.
 */
export function rewriteBigQueryTables(text: string, tables: TableList, file = "stack file"): string {
  const doc = parse(text, file);
  const node = doc.getIn(TABLES_PATH, true);
  if (!isMap(node)) throw new UsageError(`${file} has no ${PROJECT}:bigquery.tables mapping to update`);

  for (const pair of [...node.items]) {
    const db = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const wanted = tables[db];
    if (wanted === undefined) {
      node.delete(pair.key);
      continue;
    }
    if (!isSeq(pair.value)) {
      pair.value = doc.createNode(wanted);
      continue;
    }
    const seq = pair.value;
    const keep = new Set(wanted);
    seq.items = seq.items.filter((item) => keep.has(String(isScalar(item) ? item.value : item)));
    const present = new Set(seq.items.map((item) => String(isScalar(item) ? item.value : item)));
    for (const table of wanted) if (!present.has(table)) seq.add(doc.createNode(table));
  }
  for (const [db, list] of Object.entries(tables)) {
    if (!node.has(db)) node.set(db, doc.createNode(list));
  }
  return doc.toString(TO_STRING);
}

/** Reads `data-platform:bigquery.tables` as the file has it, or undefined without a bigquery block. */
export function readBigQueryTables(text: string, file = "stack file"): TableList | undefined {
  const value = parse(text, file).getIn(TABLES_PATH);
  if (value === undefined) return undefined;
  return (isMap(value) ? value.toJSON() : value) as TableList;
}
