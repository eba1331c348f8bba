/**
 * The golden cluster's lifecycle steps. Each step is idempotent (it checks before it creates or deletes), so a
 * Step Functions retry, or a second run on the same day, resumes instead of failing or duplicating.
 */
import {
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  type DBCluster,
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterToPointInTimeCommand,
  type Tag,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBClusters,
} from "@aws-sdk/client-rds";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { exportDay } from "../../contracts/exportLayout";
import { GOLDEN_TAG, goldenClusterId, goldenDay, goldenInstanceId, goldenSnapshotId } from "../../contracts/golden";

/** Fixed settings of one environment's golden, from the Lambda's environment. */
export interface GoldenSettings {
  readonly environment: string;
  readonly sourceClusterId: string;
  readonly instanceClass: string;
  readonly subnetGroupName: string;
  readonly securityGroupIds: readonly string[];
  /** CMK for the RDS-managed master password secret. */
  readonly kmsKeyArn: string;
  readonly parameterName: string;
  readonly retentionDays: number;
  /** The export schedule's time zone: golden days are export days. */
  readonly timeZone: string;
  /**
   * Hours from the refresh's start to the export schedule (config golden.leadHours). A golden is named after the
   * export day it feeds, `dayLeadHours` after now, so that its export gets the id BigQuery's transfers look for.
   */
  readonly dayLeadHours: number;
}

/** The identity of one day's golden, passed between states. */
export interface Golden {
  readonly day: string;
  readonly clusterId: string;
  readonly instanceId: string;
  readonly snapshotId: string;
  /** When masking must be verified by (ISO 8601); the state machine stops slicing after it. */
  readonly maskDeadline?: string;
}

/** What Prepare receives: the execution's input and start, and how long masking may take from the start. */
export interface PrepareInput {
  readonly input?: { readonly day?: unknown };
  readonly startedAt?: string;
  readonly maskDeadlineSeconds?: number;
}

export interface Clients {
  readonly rds: RDSClient;
  readonly ssm: SSMClient;
}

/** Thrown for input that no retry can fix; Step Functions catches it and aborts the run. */
export class GoldenStepError extends Error {
  override readonly name = "GoldenStepError";
}

const notFound = (err: unknown) =>
  err instanceof DBClusterNotFoundFault || err instanceof DBInstanceNotFoundFault || err instanceof DBClusterSnapshotNotFoundFault;

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

async function describeCluster(c: Clients, id: string): Promise<DBCluster | undefined> {
  return (await orUndefined(c.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))))?.DBClusters?.[0];
}

/** The golden currently published, or undefined before the first one. */
export async function publishedClusterId(c: Clients, s: GoldenSettings): Promise<string | undefined> {
  try {
    return (await c.ssm.send(new GetParameterCommand({ Name: s.parameterName }))).Parameter?.Value;
  } catch (err) {
    if (err instanceof ParameterNotFound) return undefined;
    throw err;
  }
}

function tags(s: GoldenSettings, day: string): Tag[] {
  return [
    { Key: GOLDEN_TAG.key, Value: GOLDEN_TAG.value },
    { Key: "environment", Value: s.environment },
    { Key: "golden-day", Value: day },
    { Key: "managed-by", Value: "data-platform-golden-refresh" },
  ];
}

/**
 * Names the golden of the export day this run feeds (or the day given in the execution input) and says whether it is
 * already published. A run at 21:00 before a midnight export builds the next day's golden.
 */
export async function prepare(c: Clients, s: GoldenSettings, p: PrepareInput, now: Date): Promise<Golden & { alreadyPublished: boolean }> {
  const input = p.input ?? {};
  if (input.day !== undefined && (typeof input.day !== "string" || !/^\d{8}$/.test(input.day))) {
    throw new GoldenStepError(`execution input "day" must be yyyymmdd, got ${JSON.stringify(input.day)}`);
  }
  const day = (input.day as string | undefined) ?? exportDay(new Date(now.getTime() + s.dayLeadHours * 3_600_000), s.timeZone);
  const clusterId = goldenClusterId(s.environment, day);
  const started = p.startedAt ? Date.parse(p.startedAt) : now.getTime();
  const maskDeadline = p.maskDeadlineSeconds === undefined ? undefined : new Date((Number.isNaN(started) ? now.getTime() : started) + p.maskDeadlineSeconds * 1000).toISOString();
  const golden = { day, clusterId, instanceId: goldenInstanceId(clusterId), snapshotId: goldenSnapshotId(clusterId), ...(maskDeadline ? { maskDeadline } : {}) };
  return { ...golden, alreadyPublished: (await publishedClusterId(c, s)) === clusterId };
}

/**
 * Copy-on-write clone of the source with the source's cluster parameter group (a restore otherwise gets the engine's
 * default group: RestoreDBClusterToPointInTime reference); skips it if it exists.
 */
export async function create(c: Clients, s: GoldenSettings, g: Golden): Promise<{ created: string[] }> {
  const source = await describeCluster(c, s.sourceClusterId);
  if (!source?.Engine) throw new GoldenStepError(`source cluster ${s.sourceClusterId} not found`);
  const existing = await describeCluster(c, g.clusterId);
  if (existing?.Status === "deleting") {
    throw new GoldenStepError(`golden ${g.clusterId} is still being deleted (an earlier run of the day failed); start the run again once it is gone`);
  }
  if (existing) return { created: [] };
  await c.rds.send(
    new RestoreDBClusterToPointInTimeCommand({
      DBClusterIdentifier: g.clusterId,
      SourceDBClusterIdentifier: s.sourceClusterId,
      RestoreType: "copy-on-write",
      UseLatestRestorableTime: true,
      DBClusterParameterGroupName: source.DBClusterParameterGroup,
      DBSubnetGroupName: s.subnetGroupName,
      VpcSecurityGroupIds: [...s.securityGroupIds],
      DeletionProtection: false,
      CopyTagsToSnapshot: true,
      Tags: tags(s, g.day),
    }),
  );
  return { created: [g.clusterId] };
}

/** Ready when the cloned cluster is available (its instance can only be added then). */
export async function clusterStatus(c: Clients, g: Golden): Promise<{ ready: boolean; cluster?: string }> {
  const cluster = await describeCluster(c, g.clusterId);
  if (!cluster) throw new GoldenStepError(`golden cluster ${g.clusterId} disappeared`);
  return { ready: cluster.Status === "available", cluster: cluster.Status };
}

/** The source's writer instance's parameter group, so the golden's instance is configured like the source's. */
async function sourceInstanceParameterGroup(c: Clients, s: GoldenSettings): Promise<string | undefined> {
  const source = await describeCluster(c, s.sourceClusterId);
  const writer = (source?.DBClusterMembers ?? []).find((m) => m.IsClusterWriter) ?? source?.DBClusterMembers?.[0];
  if (!writer?.DBInstanceIdentifier) return undefined;
  const instance = (await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: writer.DBInstanceIdentifier }))).DBInstances?.[0];
  return instance?.DBParameterGroups?.[0]?.DBParameterGroupName;
}

/** The golden's one instance, with the source's engine and instance parameter group; skips it if it exists. */
export async function createInstance(c: Clients, s: GoldenSettings, g: Golden): Promise<{ created: string[] }> {
  const instance = await orUndefined(c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: g.instanceId })));
  if (instance?.DBInstances?.length) return { created: [] };
  const cluster = await describeCluster(c, g.clusterId);
  if (!cluster?.Engine) throw new GoldenStepError(`golden cluster ${g.clusterId} not found`);
  await c.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: g.instanceId,
      DBClusterIdentifier: g.clusterId,
      DBInstanceClass: s.instanceClass,
      Engine: cluster.Engine, // a clone runs the source's engine; never hard-coded
      DBParameterGroupName: await sourceInstanceParameterGroup(c, s),
      PubliclyAccessible: false,
      Tags: tags(s, g.day),
    }),
  );
  return { created: [g.instanceId] };
}

/** Ready when the cluster and its instance are available and no password change is pending. */
export async function status(c: Clients, g: Golden): Promise<{ ready: boolean; cluster?: string; instance?: string }> {
  const cluster = await describeCluster(c, g.clusterId);
  if (!cluster) throw new GoldenStepError(`golden cluster ${g.clusterId} disappeared`);
  const instance = (await orUndefined(c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: g.instanceId }))))?.DBInstances?.[0];
  const secretActive = cluster.MasterUserSecret === undefined || cluster.MasterUserSecret.SecretStatus === "active";
  const ready = cluster.Status === "available" && instance?.DBInstanceStatus === "available" && secretActive;
  return { ready, cluster: cluster.Status, instance: instance?.DBInstanceStatus };
}

/**
 * Gives the golden its own master password: RDS generates it and keeps it in Secrets Manager, encrypted with the
 * CMK. A copy-on-write clone otherwise keeps the source's password.
 */
export async function rotatePassword(c: Clients, s: GoldenSettings, g: Golden): Promise<{ secretArn?: string; rotated: boolean }> {
  const cluster = await describeCluster(c, g.clusterId);
  if (cluster?.MasterUserSecret?.SecretArn) return { secretArn: cluster.MasterUserSecret.SecretArn, rotated: false };
  const out = await c.rds.send(
    new ModifyDBClusterCommand({ DBClusterIdentifier: g.clusterId, ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: s.kmsKeyArn, ApplyImmediately: true }),
  );
  return { secretArn: out.DBCluster?.MasterUserSecret?.SecretArn, rotated: true };
}

/** Snapshot of the masked golden (the export's source). */
export async function snapshot(c: Clients, s: GoldenSettings, g: Golden): Promise<{ created: boolean }> {
  const existing = await orUndefined(c.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: g.snapshotId })));
  if (existing?.DBClusterSnapshots?.length) return { created: false };
  await c.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: g.snapshotId, DBClusterIdentifier: g.clusterId, Tags: tags(s, g.day) }));
  return { created: true };
}

export async function snapshotStatus(c: Clients, g: Golden): Promise<{ ready: boolean; snapshotArn?: string; status?: string }> {
  const snap = (await c.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: g.snapshotId }))).DBClusterSnapshots?.[0];
  return { ready: snap?.Status === "available", snapshotArn: snap?.DBClusterSnapshotArn, status: snap?.Status };
}

/** Deletes an instance unless it is gone or already being deleted (RDS refuses a second delete). */
async function deleteInstance(c: Clients, id: string): Promise<boolean> {
  const instance = (await orUndefined(c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))))?.DBInstances?.[0];
  if (!instance || instance.DBInstanceStatus === "deleting") return false;
  await orUndefined(c.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true })));
  return true;
}

/**
 * Deletes a golden cluster: its instances first (RDS refuses to delete a cluster whose instances are not being
 * deleted), then the cluster, without a final snapshot.
 */
async function deleteCluster(c: Clients, cluster: DBCluster): Promise<string[]> {
  const deleted: string[] = [];
  for (const m of cluster.DBClusterMembers ?? []) {
    if (m.DBInstanceIdentifier && (await deleteInstance(c, m.DBInstanceIdentifier))) deleted.push(m.DBInstanceIdentifier);
  }
  await orUndefined(c.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: cluster.DBClusterIdentifier, SkipFinalSnapshot: true })));
  deleted.push(cluster.DBClusterIdentifier ?? "");
  return deleted;
}

const isGolden = (tagList: Tag[] | undefined, environment: string) =>
  (tagList ?? []).some((t) => t.Key === GOLDEN_TAG.key && t.Value === GOLDEN_TAG.value) &&
  (tagList ?? []).some((t) => t.Key === "environment" && t.Value === environment);

/**
 * Deletes the half-built golden of a failed run. Never the published one. A snapshot that is still being created
 * cannot be deleted yet (DeleteDBClusterSnapshot: it must be "available"); it is reported as `pending`, and the next
 * cleanup deletes it once it is available (its cluster is gone by then).
 */
export async function abort(c: Clients, s: GoldenSettings, g: Golden): Promise<{ deleted: string[]; pending: string[]; skipped?: string }> {
  if ((await publishedClusterId(c, s)) === g.clusterId) return { deleted: [], pending: [], skipped: `${g.clusterId} is published` };
  const deleted: string[] = [];
  const pending: string[] = [];
  const snap = (await orUndefined(c.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: g.snapshotId }))))?.DBClusterSnapshots?.[0];
  if (snap?.Status === "available") {
    await orUndefined(c.rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: g.snapshotId })));
    deleted.push(g.snapshotId);
  } else if (snap && snap.Status !== "deleting") {
    pending.push(g.snapshotId);
  }
  const cluster = await describeCluster(c, g.clusterId);
  if (cluster && cluster.Status !== "deleting" && isGolden(cluster.TagList, s.environment)) deleted.push(...(await deleteCluster(c, cluster)));
  return { deleted, pending };
}

/**
 * Deletes goldens and golden snapshots older than the retention, the snapshots a failed run could not delete yet,
 * and the instances of superseded goldens; never the published golden, the one published before it (a `qa create`
 * that read the parameter just before this run published may still be cloning it), a newer one, or untagged
 * clusters.
 */
export async function cleanup(c: Clients, s: GoldenSettings, now: Date): Promise<{ deleted: string[] }> {
  const published = await publishedClusterId(c, s);
  const cutoff = exportDay(new Date(now.getTime() - s.retentionDays * 86_400_000), s.timeZone);
  const dayOf = (id: string | undefined) => (id ? goldenDay(s.environment, id) : undefined);
  const expired = (id: string | undefined) => {
    const day = dayOf(id);
    return day !== undefined && day < cutoff;
  };
  const publishedDay = dayOf(published);
  const clusters: DBCluster[] = [];
  for await (const page of paginateDescribeDBClusters({ client: c.rds }, {})) {
    clusters.push(...(page.DBClusters ?? []).filter((cl) => isGolden(cl.TagList, s.environment) && cl.DBClusterIdentifier !== published));
  }
  // The newest golden older than the published one: it was published until this run, so clones may still start from it.
  const previous = clusters
    .map((cl) => cl.DBClusterIdentifier ?? "")
    .filter((id) => publishedDay !== undefined && (dayOf(id) ?? "") < publishedDay)
    .sort()
    .pop();
  const deleted: string[] = [];
  for (const cluster of clusters) {
    const id = cluster.DBClusterIdentifier;
    if (cluster.Status === "deleting") continue;
    if (expired(id)) {
      deleted.push(...(await deleteCluster(c, cluster)));
      continue;
    }
    // Older goldens, superseded and no longer clone sources, keep their cluster within retention (a QA clone made
    // from one re-reads it on `qa extend`) but not their instance: an idle instance is most of a golden's cost.
    // The previous golden and a newer one (a run in progress) are never touched.
    const day = dayOf(id);
    if (publishedDay === undefined || day === undefined || day >= publishedDay || id === previous) continue;
    for (const m of cluster.DBClusterMembers ?? []) {
      if (m.DBInstanceIdentifier && (await deleteInstance(c, m.DBInstanceIdentifier))) deleted.push(m.DBInstanceIdentifier);
    }
  }
  const keepSnapshot = published ? goldenSnapshotId(published) : undefined;
  const clusterIds = new Set(clusters.map((cl) => cl.DBClusterIdentifier));
  for await (const page of paginateDescribeDBClusterSnapshots({ client: c.rds }, { SnapshotType: "manual" })) {
    for (const snap of page.DBClusterSnapshots ?? []) {
      const id = snap.DBClusterSnapshotIdentifier;
      if (id === keepSnapshot || snap.Status !== "available" || !isGolden(snap.TagList, s.environment) || dayOf(id) === undefined) continue;
      // Orphaned: its golden was aborted while the snapshot was still being created (a run in progress has its cluster).
      const orphaned = !clusterIds.has(snap.DBClusterIdentifier);
      if (!expired(id) && !orphaned) continue;
      await orUndefined(c.rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id })));
      deleted.push(id ?? "");
    }
  }
  return { deleted };
}
