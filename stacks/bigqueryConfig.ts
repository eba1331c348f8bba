/**
 * The `data-platform:bigquery` block of `Pulumi.<stack>.yaml`, and the checks that tie it to the rest of the config
 * (the export schedule, the database list). stacks/config.ts owns the whole schema; this module keeps its BigQuery part.
 */
import { z } from "zod";

/** A table name that both MySQL and BigQuery accept unquoted. `$` is left out: BigQuery reads it as a partition decorator. */
export const BIGQUERY_TABLE = /^[A-Za-z0-9_]{1,64}$/;

const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const WEEKDAY = "(?:mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?";
const MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*";
const ORDINAL = "(?:1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth)";
const list = (item: string) => `${item}(?:,${item})*`;
const TIME = "([01]\\d|2[0-3]):([0-5]\\d)";

/** A parsed BigQuery transfer schedule: how far apart runs are at least, and the UTC time of day when it has one. */
export interface TransferSchedule {
  /** Shortest gap between two runs, hours. */
  readonly minIntervalHours: number;
  /** Minutes after 00:00 UTC at which runs start, for the time-of-day forms. */
  readonly utcMinuteOfDay?: number;
}

/**
 * Parses the BigQuery Data Transfer schedule syntax (App Engine cron style, times in UTC):
 * `every 24 hours`, `every day 03:00`, `every mon,thu 03:00`, `every wed of jan,jun 03:00`,
 * `1st,3rd monday of month 03:00`, `first sunday of quarter 03:00`.
 * Returns undefined for anything else.
 * @see https://cloud.google.com/appengine/docs/flexible/scheduling-jobs-with-cron-yaml#the_schedule_format
 */
export function parseTransferSchedule(text: string): TransferSchedule | undefined {
  const s = text.trim().toLowerCase().replace(/\s+/g, " ");
  const interval = /^every (\d+) (hours?|minutes?|mins?)$/.exec(s);
  if (interval) {
    const n = Number(interval[1]);
    if (n < 1) return undefined;
    return { minIntervalHours: interval[2].startsWith("h") ? n : n / 60 };
  }
  const forms = [
    new RegExp(`^every day ${TIME}$`),
    new RegExp(`^every ${list(WEEKDAY)} ${TIME}$`),
    new RegExp(`^every ${list(WEEKDAY)} of (?:month|quarter|${list(MONTH)}) ${TIME}$`),
    new RegExp(`^${list(ORDINAL)} ${list(WEEKDAY)} of (?:month|quarter|${list(MONTH)}) ${TIME}$`),
  ];
  for (const form of forms) {
    const m = form.exec(s);
    if (m) {
      const [hh, mm] = m.slice(-2).map(Number);
      // Every time-of-day form runs at most once per calendar day.
      return { minIntervalHours: 24, utcMinuteOfDay: hh * 60 + mm };
    }
  }
  return undefined;
}

const schedule = z
  .string()
  .refine((s) => parseTransferSchedule(s) !== undefined, {
    message: 'must be a BigQuery transfer schedule in UTC such as "every day 03:00" or "every mon,thu 03:00"',
  })
  .refine((s) => (parseTransferSchedule(s)?.minIntervalHours ?? 24) >= 24, {
    message: "must run at most once a day: each run reloads the whole day's export",
  })
  .refine((s) => {
    const parsed = parseTransferSchedule(s);
    return parsed === undefined || parsed.minIntervalHours < 24 || parsed.utcMinuteOfDay !== undefined;
  }, {
    // The publisher leaves the loaded files alone around the transfers' start, so it must know when that is.
    message: 'must name a time of day in UTC, such as "every day 03:00": the files a transfer loads are replaced only away from that time',
  });

/** The shape of `data-platform:bigquery`. */
export const bigquerySchema = z
  .object({
    project: z.string().regex(GCP_PROJECT, "must be a GCP project id: 6-30 lower-case letters, digits or hyphens, starting with a letter"),
    location: z
      .string()
      .regex(/^(US|EU|[a-z]+-[a-z]+\d+)$/, 'must be a BigQuery location such as "US", "EU" or "asia-northeast1"'),
    datasetId: z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, "must be a BigQuery dataset id: letters, digits and underscores"),
    schedule,
    writeDisposition: z.enum(["WRITE_TRUNCATE", "WRITE_APPEND"]).default("WRITE_TRUNCATE"),
    tables: z.record(
      z.string(),
      z
        .array(z.string().regex(BIGQUERY_TABLE, "must be a table name of letters, digits and _ (at most 64 characters)"))
        .min(1, "must list at least one table; remove the database to load none")
        .refine((ts) => new Set(ts).size === ts.length, "lists a table twice"),
    ),
    notificationPubsubTopic: z
      .string()
      .regex(/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][\w.~+%-]{2,254}$/, "must be projects/<project>/topics/<topic>")
      .optional(),
    emailNotifications: z.boolean().default(false),
    accessKeyRotation: z.number().int().min(1).default(1),
  })
  .strict();

/** The validated BigQuery block. */
export type BigQueryConfig = z.output<typeof bigquerySchema>;

/** One cross-field problem, with a path inside the config (as zod reports them). */
export interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Checks that tie the BigQuery block to the rest of the config; each field passed in is already valid on its own.
 * - every database in `tables` is exported, and so is every table when `exportOnly` narrows the export;
 * - no table name appears under two databases (each loads into `<dataset>.<table>`).
 * The transfer's time of day needs no relation to the export's: the transfer loads whatever complete export the
 * publisher last put in place (contracts/exportLayout `bigQueryCurrentPrefix`).
 */
export function bigqueryProblems(bq: BigQueryConfig, ctx: { databases: readonly string[]; exportOnly?: readonly string[] }): Problem[] {
  const problems: Problem[] = [];
  const owner = new Map<string, string>();
  for (const [db, tables] of Object.entries(bq.tables)) {
    if (!ctx.databases.includes(db)) {
      problems.push({ path: ["bigquery", "tables", db], message: `database ${db} is not in databases, so it is never exported` });
      continue;
    }
    for (const table of tables) {
      const exported = !ctx.exportOnly || ctx.exportOnly.includes(db) || ctx.exportOnly.includes(`${db}.${table}`);
      if (!exported) {
        problems.push({ path: ["bigquery", "tables", db], message: `${db}.${table} is not in exportOnly, so its transfer would find no files` });
      }
      const other = owner.get(table);
      if (other !== undefined && other !== db) {
        problems.push({ path: ["bigquery", "tables", db], message: `table ${table} is also listed under ${other}; both would load into ${bq.datasetId}.${table}` });
      }
      owner.set(table, db);
    }
  }
  return problems;
}
