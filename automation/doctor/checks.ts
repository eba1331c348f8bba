/**
 * The read-only checks behind `doctor`. Each takes the clients it reads with and returns ok / warn / fail with the
 * next step; none changes anything in the account except that the Athena check runs one query (which writes its
 * result to the workgroup's encrypted result location, like any query).
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { type CloudWatchClient, paginateDescribeAlarms } from "@aws-sdk/client-cloudwatch";
import type { GlueClient } from "@aws-sdk/client-glue";
import { type DBCluster, type RDSClient, paginateDescribeDBClusters } from "@aws-sdk/client-rds";
import { ListExecutionsCommand, type SFNClient, paginateListStateMachines } from "@aws-sdk/client-sfn";
import { parseExportId } from "../../contracts/exportLayout";
import { QA_PURPOSE, QA_TAGS, parseInstant } from "../../contracts/qaStack";
import { compareExportIds, newestComplete, stableTablePointers, stackExportTasks } from "../../functions/export-events/reconcile";

/** The outcome of one check. */
export interface DoctorCheck {
  readonly check: string;
  readonly status: "ok" | "warn" | "fail";
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly next?: string;
  /** Figures the check measured (bytes scanned, counts). */
  readonly data?: Record<string, unknown>;
}

/** What the checks need to know about the stack. */
export interface DoctorTarget {
  readonly environment: string;
  readonly bucketName: string;
  readonly glueDatabase: string;
  readonly workgroup: string;
  readonly alarmPrefix: string;
  readonly eventsFunction: string;
  readonly staleAfterHours: number;
  readonly goldenStateMachine?: string;
  readonly now: Date;
}

const hoursBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 3_600_000;

/** The newest export task of the stack and whether it is recent and complete; returns the newest complete id too. */
export async function checkExportTask(rds: RDSClient, t: DoctorTarget): Promise<{ result: DoctorCheck; newestComplete?: string }> {
  const check = "export task";
  const tasks = await stackExportTasks(rds, t.environment, t.bucketName);
  const complete = newestComplete(t.environment, tasks);
  const newest = tasks.reduce<(typeof tasks)[number] | undefined>(
    (best, task) => (compareExportIds(t.environment, task.ExportTaskIdentifier, best?.ExportTaskIdentifier) > 0 ? task : best),
    undefined,
  );
  if (!newest) {
    return { result: { check, status: "fail", detail: `no export task of ${t.environment} wrote to ${t.bucketName}`, next: "check the export-snapshot function's logs; after the source's next backup window an export should start" } };
  }
  const id = newest.ExportTaskIdentifier!;
  const status = (newest.Status ?? "unknown").toUpperCase();
  const data = { exportTaskIdentifier: id, status, percentProgress: newest.PercentProgress, newestComplete: complete?.ExportTaskIdentifier };
  if (status === "FAILED" || status === "CANCELED") {
    const attempt = parseExportId(t.environment, id)?.attempt ?? 1;
    return {
      newestComplete: complete?.ExportTaskIdentifier,
      result: { check, status: "fail", detail: `${id} is ${status}: ${newest.FailureCause ?? "no cause reported"}`, data, next: `fix the cause, then invoke the export function again (starts attempt ${attempt + 1})` },
    };
  }
  const ended = complete?.TaskEndTime;
  if (ended && hoursBetween(ended, t.now) > t.staleAfterHours) {
    return {
      newestComplete: complete?.ExportTaskIdentifier,
      result: { check, status: "fail", detail: `newest completed export ${complete?.ExportTaskIdentifier} ended ${ended.toISOString()}, over ${t.staleAfterHours} h ago`, data, next: "check the snapshot-created rule and the export-snapshot logs" },
    };
  }
  if (status !== "COMPLETE") {
    return { newestComplete: complete?.ExportTaskIdentifier, result: { check, status: "warn", detail: `${id} is ${status} (${newest.PercentProgress ?? 0}%)`, data, next: "wait for it to complete; export-events moves the tables then" } };
  }
  return { newestComplete: id, result: { check, status: "ok", detail: `${id} COMPLETE${ended ? `, ended ${ended.toISOString()}` : ""}`, data } };
}

/** Every stable table should point at the newest completed export. Returns one current table for the Athena check. */
export async function checkStableTables(glue: GlueClient, t: DoctorTarget, newest: string | undefined): Promise<{ result: DoctorCheck; sample?: string }> {
  const check = "stable tables";
  const pointers = await stableTablePointers(glue, t.glueDatabase);
  const reconcile = `aws lambda invoke --function-name ${t.eventsFunction} --cli-binary-format raw-in-base64-out --payload '{"source":"data-platform.reconcile"}' /dev/stdout`;
  if (pointers.size === 0) {
    return { result: { check, status: "fail", detail: `no stable table in Glue database ${t.glueDatabase}`, next: newest ? `move the catalog to ${newest}: ${reconcile}` : "wait for the first export to complete" } };
  }
  const current = [...pointers].filter(([, id]) => id === newest).map(([name]) => name).sort();
  const behind = [...pointers].filter(([, id]) => newest !== undefined && compareExportIds(t.environment, id, newest) < 0).map(([name]) => name).sort();
  const data = { tables: pointers.size, current: current.length, behind };
  if (behind.length > 0) {
    return { sample: current[0], result: { check, status: "warn", detail: `${behind.length} of ${pointers.size} tables point at an export older than ${newest}`, data, next: `tables not exported completely stay behind (see the export-events log); otherwise reconcile: ${reconcile}` } };
  }
  return { sample: current[0] ?? [...pointers.keys()].sort()[0], result: { check, status: "ok", detail: `${pointers.size} tables point at ${newest ?? "an export"}`, data } };
}

/** Runs `SELECT COUNT(*)` on one stable table in the platform workgroup and reports the bytes it scanned. */
export async function checkAthena(
  athena: AthenaClient,
  t: DoctorTarget,
  table: string | undefined,
  wait: { readonly pollMs: number; readonly timeoutMs: number; readonly sleep?: (ms: number) => Promise<void> },
): Promise<DoctorCheck> {
  const check = "athena query";
  if (!table) return { check, status: "warn", detail: "no stable table to query yet", next: "rerun doctor after the first export completes" };
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Identifiers come from Glue (lower case letters, digits, underscores); quoted all the same.
  const query = `SELECT COUNT(*) FROM "${t.glueDatabase.replace(/"/g, "")}"."${table.replace(/"/g, "")}"`;
  const started = await athena.send(new StartQueryExecutionCommand({ QueryString: query, WorkGroup: t.workgroup }));
  const id = started.QueryExecutionId!;
  for (let waited = 0; ; waited += wait.pollMs) {
    const { QueryExecution: q } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = q?.Status?.State;
    const bytes = q?.Statistics?.DataScannedInBytes;
    const data = { queryExecutionId: id, query, state, dataScannedInBytes: bytes };
    if (state === "SUCCEEDED") return { check, status: "ok", detail: `${query}: succeeded, ${bytes ?? 0} bytes scanned`, data };
    if (state === "FAILED" || state === "CANCELLED") {
      const reason = q?.Status?.StateChangeReason ?? "no reason given";
      const next = /HIVE_BAD_DATA|incompatible|type/i.test(reason)
        ? "a declared column type does not match the Parquet files: see the export-events log for type disagreements"
        : `see the query ${id} in the ${t.workgroup} workgroup`;
      return { check, status: "fail", detail: `${query}: ${state}: ${reason}`, data, next };
    }
    if (waited >= wait.timeoutMs) return { check, status: "warn", detail: `${query}: still ${state} after ${wait.timeoutMs / 1000} s`, data, next: `look up query ${id} in the workgroup later` };
    await sleep(wait.pollMs);
  }
}

/** Alarm states of every alarm the stack owns (`data-platform-<env>-…`). */
export async function checkAlarms(cloudwatch: CloudWatchClient, t: DoctorTarget): Promise<DoctorCheck> {
  const check = "alarms";
  const alarms: { name: string; state: string }[] = [];
  for await (const page of paginateDescribeAlarms({ client: cloudwatch }, { AlarmNamePrefix: t.alarmPrefix })) {
    for (const a of page.MetricAlarms ?? []) alarms.push({ name: a.AlarmName ?? "?", state: a.StateValue ?? "?" });
  }
  const firing = alarms.filter((a) => a.state === "ALARM").map((a) => a.name);
  const unknown = alarms.filter((a) => a.state === "INSUFFICIENT_DATA").map((a) => a.name);
  const data = { alarms: alarms.length, inAlarm: firing, insufficientData: unknown };
  if (alarms.length === 0) return { check, status: "warn", detail: `no alarm named ${t.alarmPrefix}…`, data, next: "run `pulumi up` for this stack" };
  if (firing.length > 0) return { check, status: "fail", detail: `in ALARM: ${firing.join(", ")}`, data, next: "each alarm's description says what to look at; the alert topic has the details" };
  if (unknown.length > 0) return { check, status: "warn", detail: `${unknown.length} of ${alarms.length} alarms have insufficient data: ${unknown.join(", ")}`, data, next: "normal right after a deploy; otherwise check that the functions run" };
  return { check, status: "ok", detail: `${alarms.length} alarms OK`, data };
}

/** The golden refresh state machine's last execution. */
export async function checkGolden(sfn: SFNClient, t: DoctorTarget): Promise<DoctorCheck> {
  const check = "golden refresh";
  if (!t.goldenStateMachine) return { check, status: "ok", detail: "no golden in this stack" };
  let arn: string | undefined;
  for await (const page of paginateListStateMachines({ client: sfn }, {})) {
    arn ??= page.stateMachines?.find((m) => m.name === t.goldenStateMachine)?.stateMachineArn;
  }
  if (!arn) return { check, status: "fail", detail: `state machine ${t.goldenStateMachine} not found`, next: "run `pulumi up` for this stack" };
  const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }));
  const last = executions?.[0];
  if (!last) return { check, status: "warn", detail: `${t.goldenStateMachine} has not run yet`, next: "it runs on its schedule; start it by hand with `aws stepfunctions start-execution`" };
  const data = { execution: last.name, status: last.status, startDate: last.startDate?.toISOString(), stopDate: last.stopDate?.toISOString() };
  if (last.status === "SUCCEEDED") {
    const age = last.stopDate ? hoursBetween(last.stopDate, t.now) : 0;
    if (age > 36) return { check, status: "warn", detail: `last run ${last.name} succeeded ${Math.round(age)} h ago`, data, next: "check the golden schedule" };
    return { check, status: "ok", detail: `last run ${last.name} SUCCEEDED`, data };
  }
  if (last.status === "RUNNING") return { check, status: "ok", detail: `${last.name} is running since ${last.startDate?.toISOString()}`, data };
  return { check, status: "fail", detail: `last run ${last.name} ${last.status}`, data, next: `aws stepfunctions describe-execution --execution-arn ${last.executionArn}` };
}

/** QA clones of this environment and their expiry. */
export async function checkQaClones(rds: RDSClient, t: DoctorTarget): Promise<DoctorCheck> {
  const check = "qa clones";
  const clones: { id: string; expiresAt?: Date; owner?: string }[] = [];
  for await (const page of paginateDescribeDBClusters({ client: rds }, {})) {
    for (const c of page.DBClusters ?? []) {
      const tags = Object.fromEntries((c.TagList ?? []).map((x) => [x.Key, x.Value])) as Record<string, string | undefined>;
      if (tags[QA_TAGS.purpose] === QA_PURPOSE && tags[QA_TAGS.environment] === t.environment) {
        clones.push({ id: (c as DBCluster).DBClusterIdentifier ?? "?", expiresAt: parseInstant(tags[QA_TAGS.expiresAt]), owner: tags[QA_TAGS.owner] });
      }
    }
  }
  const expired = clones.filter((c) => !c.expiresAt || c.expiresAt.getTime() < t.now.getTime());
  const data = { clones: clones.map((c) => ({ id: c.id, owner: c.owner, expiresAt: c.expiresAt?.toISOString() })) };
  const list = clones.map((c) => `${c.id} (expires ${c.expiresAt?.toISOString() ?? "never: no valid tag"})`).join(", ");
  if (expired.length > 0) {
    return { check, status: "warn", detail: `${expired.length} of ${clones.length} clones are past expiry: ${expired.map((c) => c.id).join(", ")}`, data, next: "`npm run qa -- reap` removes them (the reaper function does after its grace period)" };
  }
  return { check, status: "ok", detail: clones.length === 0 ? "no QA clones" : `${clones.length} clones: ${list}`, data };
}
