/**
 * The `data-platform:quicksight` block: an Athena data source on the platform's workgroup and one QuickSight data
 * set per configured table, shared with the QuickSight users and groups named here. stacks/config.ts owns the
 * whole schema; this module keeps its QuickSight part and the checks that tie it to the export.
 */
import { z } from "zod";
import type { Problem } from "./bigqueryConfig";
import { ianaTimezone } from "./configFields";

/** Column types a QuickSight relational table accepts (CreateDataSet `InputColumn.Type`). */
export const QUICKSIGHT_COLUMN_TYPES = ["STRING", "INTEGER", "DECIMAL", "DATETIME", "BIT", "BOOLEAN", "JSON"] as const;

/** `user/<name>` or `group/<name>` in the QuickSight namespace. */
const principal = z
  .string()
  .regex(/^(user|group)\/[\w+=,.@\/-]{1,128}$/, 'must be "user/<QuickSight user name>" or "group/<QuickSight group name>"');

const columnName = z.string().regex(/^[a-z_][a-z0-9_]{0,127}$/, "must be a lower-case column name: the Glue catalog keeps column names in lower case");

/** The shape of `data-platform:quicksight`. */
export const quicksightSchema = z
  .object({
    /** Region of the QuickSight account's identities (users and groups). Default: the stack's region. */
    identityRegion: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1").optional(),
    /** QuickSight namespace of the users and groups. Default `default`. */
    namespace: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, "must be a QuickSight namespace").default("default"),
    /** May change, share and delete the data source and data sets (and refresh SPICE). */
    owners: z.array(principal).min(1, "name at least one owner: a data set nobody owns can only be changed from the API"),
    /** May use the data source and data sets in their analyses and dashboards. Default none. */
    viewers: z.array(principal).default([]),
    /** `DIRECT_QUERY` (default: every visual queries Athena, always the latest export) or `SPICE`. */
    importMode: z.enum(["DIRECT_QUERY", "SPICE"]).default("DIRECT_QUERY"),
    /**
     * With `SPICE`: when QuickSight reloads every data set, daily. Default 07:00 in the export schedule's time zone;
     * pick a time after the day's export usually completes (`npm run doctor` shows when the newest one ended).
     */
    spiceRefresh: z
      .object({
        timeOfDay: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day such as "07:00"').default("07:00"),
        timezone: ianaTimezone.optional(),
      })
      .strict()
      .optional(),
    /**
     * One data set per table, `database.table` → its columns (`name: TYPE`) as the export catalogs them. Each table
     * must be exported.
     */
    tables: z
      .record(
        z.string().regex(/^[A-Za-z0-9_$]{1,64}\.[A-Za-z0-9_$]{1,64}$/, 'must be "database.table"'),
        z
          .record(columnName, z.enum(QUICKSIGHT_COLUMN_TYPES, { message: `must be one of ${QUICKSIGHT_COLUMN_TYPES.join(", ")}` }))
          .refine((cols) => Object.keys(cols).length > 0, "must list at least one column"),
      )
      .refine((t) => Object.keys(t).length > 0, "must list at least one table"),
  })
  .strict()
  .superRefine((q, ctx) => {
    const both = q.owners.filter((p) => q.viewers.includes(p));
    if (both.length > 0) ctx.addIssue({ code: "custom", path: ["viewers"], message: `${both.join(", ")} already owns the data sets` });
    if (q.spiceRefresh && q.importMode !== "SPICE") {
      ctx.addIssue({ code: "custom", path: ["spiceRefresh"], message: "applies only to importMode SPICE: a direct-query data set always reads the newest export" });
    }
  });

/** The validated QuickSight block. */
export type QuickSightConfig = z.output<typeof quicksightSchema>;

/** Each configured table is in `databases`, and in `exportOnly` when that narrows the export. */
export function quicksightProblems(q: QuickSightConfig, ctx: { databases: readonly string[]; exportOnly?: readonly string[] }): Problem[] {
  const problems: Problem[] = [];
  for (const entry of Object.keys(q.tables)) {
    const [db] = entry.split(".");
    if (!ctx.databases.includes(db)) {
      problems.push({ path: ["quicksight", "tables", entry], message: `database ${db} is not in databases, so it is never exported` });
    } else if (ctx.exportOnly && !ctx.exportOnly.includes(db) && !ctx.exportOnly.includes(entry)) {
      problems.push({ path: ["quicksight", "tables", entry], message: `${entry} is not in exportOnly, so its data set would find no table` });
    }
  }
  return problems;
}
