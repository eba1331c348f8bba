/**
 * `doctor <stack> [--json]`: after `pulumi up`, a read-only look at the real account with the caller's credentials,
 * like `brew doctor`: the newest export task, the stable tables, an Athena sanity query with the bytes it scanned,
 * alarm states, the golden's last run, QA clones and their expiry, and the BigQuery transfers' last runs. Each check
 * says ok, warn or fail and what to do next. Clients are injected, so tests run it over aws-sdk-client-mock.
 */
import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GlueClient } from "@aws-sdk/client-glue";
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { bucketName, glueDatabaseName, physicalName } from "../../contracts/naming";
import { type PlatformConfig, parseConfig } from "../../stacks/config";
import { transferDisplayName } from "../../infra/gcp/bigQueryTransfers";
import { type DoctorCheck, type DoctorTarget, checkAlarms, checkAthena, checkExportTask, checkGolden, checkQaClones, checkStableTables } from "../doctor/checks";
import { readStackConfig } from "../stackFiles";

export type { DoctorCheck } from "../doctor/checks";

/** The clients doctor reads with (region from the stack's config). */
export interface DoctorClients {
  readonly rds: RDSClient;
  readonly glue: GlueClient;
  readonly athena: AthenaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sfn: SFNClient;
  /** `fetch` for the BigQuery Data Transfer API (global fetch by default). */
  readonly fetch?: typeof fetch;
}

export interface DoctorOptions {
  readonly stack: string;
  /** Directory of the stack files. Default: the current directory. */
  readonly dir?: string;
  /** The account id, for the bucket name (`aws sts get-caller-identity`); read from the export tasks otherwise. */
  readonly accountId: string;
  readonly now?: Date;
  /** OAuth access token for the BigQuery check (`gcloud auth print-access-token`); absent skips it with a warning. */
  readonly googleAccessToken?: string;
  /** Athena polling. Default every 2 s for up to 60 s. */
  readonly athenaWait?: { readonly pollMs: number; readonly timeoutMs: number; readonly sleep?: (ms: number) => Promise<void> };
}

/** Every check's outcome, and the counts. */
export interface DoctorReport {
  readonly stack: string;
  readonly checks: DoctorCheck[];
  readonly summary: { readonly ok: number; readonly warn: number; readonly fail: number };
}

/** The AWS clients for a stack's region. */
export function defaultDoctorClients(region: string): DoctorClients {
  return {
    rds: new RDSClient({ region }),
    glue: new GlueClient({ region }),
    athena: new AthenaClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    sfn: new SFNClient({ region }),
  };
}

/** Reads and validates the stack's config (a ConfigError, exit code 2, when it is wrong). */
export function doctorConfig(stack: string, dir = process.cwd()): PlatformConfig {
  return parseConfig(readStackConfig(stack, dir).config);
}

/** Runs every check; one that throws (a missing permission, say) is reported as fail, and the others still run. */
export async function doctor(options: DoctorOptions, clients: DoctorClients): Promise<DoctorReport> {
  const cfg = doctorConfig(options.stack, options.dir);
  const env = cfg.environment;
  const target: DoctorTarget = {
    environment: env,
    bucketName: bucketName(env, "exports", options.accountId, cfg.region),
    glueDatabase: glueDatabaseName(env),
    workgroup: physicalName(env, "analytics"),
    alarmPrefix: physicalName(env, ""),
    eventsFunction: physicalName(env, "export-events"),
    staleAfterHours: cfg.exportStaleAfterHours,
    goldenStateMachine: cfg.golden?.enabled ? physicalName(env, "golden-refresh") : undefined,
    now: options.now ?? new Date(),
  };
  const guard = async (check: string, run: () => Promise<DoctorCheck>): Promise<DoctorCheck> => {
    try {
      return await run();
    } catch (err) {
      const name = err instanceof Error ? err.name : "Error";
      const message = err instanceof Error ? err.message : String(err);
      const permission = /AccessDenied|UnauthorizedOperation|not authorized/i.test(`${name} ${message}`);
      return { check, status: "fail", detail: `${name}: ${message}`, next: permission ? "your credentials lack a read permission for this check" : "rerun with --verbose, or check the service console" };
    }
  };

  let newest: string | undefined;
  let sample: string | undefined;
  const checks: DoctorCheck[] = [];
  checks.push(await guard("export task", async () => ((r) => ((newest = r.newestComplete), r.result))(await checkExportTask(clients.rds, target))));
  checks.push(await guard("stable tables", async () => ((r) => ((sample = r.sample), r.result))(await checkStableTables(clients.glue, target, newest))));
  checks.push(await guard("athena query", () => checkAthena(clients.athena, target, sample, options.athenaWait ?? { pollMs: 2000, timeoutMs: 60_000 })));
  checks.push(await guard("alarms", () => checkAlarms(clients.cloudwatch, target)));
  checks.push(await guard("golden refresh", () => checkGolden(clients.sfn, target)));
  checks.push(await guard("qa clones", () => checkQaClones(clients.rds, target)));
  checks.push(await guard("bigquery transfers", () => checkBigQuery(cfg, options.googleAccessToken, clients.fetch ?? fetch)));
  const count = (s: DoctorCheck["status"]) => checks.filter((c) => c.status === s).length;
  return { stack: options.stack, checks, summary: { ok: count("ok"), warn: count("warn"), fail: count("fail") } };
}

interface TransferConfig {
  readonly name: string;
  readonly displayName?: string;
}
interface TransferRun {
  readonly state?: string;
  readonly runTime?: string;
  readonly errorStatus?: { readonly message?: string };
}

/**
 * The last run of each of the stack's transfers, through the BigQuery Data Transfer API v1 (transferConfigs.list and
 * transferConfigs.runs.list, https://cloud.google.com/bigquery/docs/reference/datatransfer/rest), with the caller's
 * access token.
 */
export async function checkBigQuery(cfg: PlatformConfig, token: string | undefined, fetchFn: typeof fetch): Promise<DoctorCheck> {
  const check = "bigquery transfers";
  const bq = cfg.bigquery;
  if (!bq) return { check, status: "ok", detail: "no bigquery block in this stack" };
  if (!token) {
    return { check, status: "warn", detail: "not checked: no Google access token", next: "rerun with GOOGLE_OAUTH_ACCESS_TOKEN=$(gcloud auth print-access-token)" };
  }
  const api = "https://bigquerydatatransfer.googleapis.com/v1";
  const get = async <T>(url: string): Promise<T> => {
    const res = await fetchFn(url, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`BigQuery Data Transfer API ${res.status} for ${url.replace(api, "")}`);
    return (await res.json()) as T;
  };
  const prefix = physicalName(cfg.environment, "bq");
  const wanted = Object.entries(bq.tables).flatMap(([db, tables]) => tables.map((t) => transferDisplayName(prefix, db, t)));
  const configs: TransferConfig[] = [];
  let pageToken = "";
  do {
    const page = await get<{ transferConfigs?: TransferConfig[]; nextPageToken?: string }>(
      `${api}/projects/${bq.project}/locations/${bq.location}/transferConfigs?dataSourceIds=amazon_s3${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`,
    );
    configs.push(...(page.transferConfigs ?? []));
    pageToken = page.nextPageToken ?? "";
  } while (pageToken);
  const missing = wanted.filter((w) => !configs.some((c) => c.displayName === w));
  const failed: string[] = [];
  const never: string[] = [];
  const lastRuns: Record<string, string> = {};
  for (const c of configs.filter((x) => x.displayName !== undefined && wanted.includes(x.displayName))) {
    const { transferRuns } = await get<{ transferRuns?: TransferRun[] }>(`${api}/${c.name}/runs?pageSize=1`);
    const last = transferRuns?.[0];
    if (!last) never.push(c.displayName!);
    else {
      lastRuns[c.displayName!] = `${last.state} ${last.runTime ?? ""}`.trim();
      if (last.state === "FAILED" || last.state === "CANCELLED") failed.push(`${c.displayName}: ${last.errorStatus?.message ?? last.state}`);
    }
  }
  const data = { transfers: wanted.length, lastRuns, missing, neverRun: never };
  if (missing.length > 0 || failed.length > 0) {
    return { check, status: "fail", detail: [...missing.map((m) => `${m}: missing`), ...failed].join("; "), data, next: missing.length ? "run `pulumi up` for this stack" : "see the run's messages in the BigQuery console (Data transfers)" };
  }
  if (never.length > 0) return { check, status: "warn", detail: `${never.length} transfers have not run yet`, data, next: "they run on their schedule after the export" };
  return { check, status: "ok", detail: `${wanted.length} transfers, last runs succeeded or pending`, data };
}

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const;

/** Human-readable report: one line per check, the next step indented below warn and fail. */
export function renderDoctor(r: DoctorReport): string {
  const width = Math.max(...r.checks.map((c) => c.check.length));
  const lines = r.checks.flatMap((c) => [`${MARK[c.status]}  ${c.check.padEnd(width)}  ${c.detail}`, ...(c.next ? [`      ${"".padEnd(width)}  → ${c.next}`] : [])]);
  return [...lines, "", `${r.summary.ok} ok, ${r.summary.warn} warn, ${r.summary.fail} fail`].join("\n");
}
