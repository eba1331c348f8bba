/**
 * The AWS-side safety net for QA clones: deletes clusters tagged `purpose=qa` whose `expires-at` passed more than a
 * grace period ago. It covers a lost Pulumi state backend or a `qa reap` that never ran. It never touches a cluster
 * that does not carry the full set of QA clone tags and the identifier `qa create` gives it. Once a clone's cluster
 * is gone it also removes what the clone's stack made beside it, its DB subnet group and its security group (both
 * named and tagged like the cluster), which a deletion outside Pulumi leaves behind.
 */
import { DeleteSecurityGroupCommand, type EC2Client, paginateDescribeSecurityGroups } from "@aws-sdk/client-ec2";
import {
  type DBCluster,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  DBSubnetGroupNotFoundFault,
  DescribeDBInstancesCommand,
  InvalidDBInstanceStateFault,
  InvalidDBSubnetGroupStateFault,
  ListTagsForResourceCommand,
  type RDSClient,
  paginateDescribeDBClusters,
  paginateDescribeDBSubnetGroups,
  waitUntilDBInstanceDeleted,
} from "@aws-sdk/client-rds";
import type { SNSClient } from "@aws-sdk/client-sns";
import { publishAlert } from "../shared/runtime";
import { QA_PURPOSE, QA_TAGS, parseInstant, parseQaStackName, qaClusterIdentifier, qaClusterIdentifierPrefix } from "../../contracts/qaStack";

/** The structured logger's methods this uses (message plus fields; never row values or secrets). */
export interface ReaperLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ReaperDeps {
  readonly rds: RDSClient;
  /** Removes a gone clone's security group. */
  readonly ec2: EC2Client;
  readonly sns: SNSClient;
  readonly topicArn: string;
  /** Only clones of this environment (`environment` tag) are considered. */
  readonly environment: string;
  /** How long past `expires-at` a clone is left for `qa reap` before this deletes it, ms. */
  readonly gracePeriodMs: number;
  /** How long to wait for the instances to go before deleting the cluster; the next run finishes otherwise. */
  readonly instanceWait: { readonly minDelaySeconds: number; readonly maxWaitSeconds: number };
  readonly now: () => Date;
  readonly logger: ReaperLogger;
}

/**
 * What to do with one cluster. `blocked`: an expired clone of ours that cannot be deleted (a person must act: alert).
 * `inProgress`: an expired clone already being deleted (progress, not a failure).
 */
export type Verdict =
  | { readonly delete: true; readonly expiresAt: Date }
  | { readonly delete: false; readonly reason: string; readonly blocked?: true; readonly inProgress?: true };

function tagsOf(cluster: DBCluster): Record<string, string> {
  return Object.fromEntries((cluster.TagList ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? ""]));
}

/** Decides about one cluster. Pure: every guard that keeps the reaper off clusters it does not own lives here. */
export function judge(cluster: DBCluster, now: Date, gracePeriodMs: number, environment: string): Verdict {
  const tags = tagsOf(cluster);
  if (tags[QA_TAGS.purpose] !== QA_PURPOSE) return { delete: false, reason: "not tagged purpose=qa" };
  const cloneName = parseQaStackName(tags[QA_TAGS.stack] ?? "");
  if (cloneName === undefined) return { delete: false, reason: "no qa-<name> stack tag" };
  if (tags[QA_TAGS.environment] !== environment) return { delete: false, reason: "another environment's clone" };
  if (cluster.DBClusterIdentifier !== qaClusterIdentifier(environment, cloneName)) {
    return { delete: false, reason: "identifier does not match its stack tag" };
  }
  const expiresAt = parseInstant(tags[QA_TAGS.expiresAt]);
  if (!expiresAt) return { delete: false, reason: "no valid expires-at tag" };
  if (now.getTime() < expiresAt.getTime() + gracePeriodMs) return { delete: false, reason: "not past expiry plus grace period" };
  if (cluster.Status === "deleting") return { delete: false, reason: "already being deleted", inProgress: true };
  if (cluster.DeletionProtection) return { delete: false, reason: "deletion protection is on", blocked: true };
  return { delete: true, expiresAt };
}

/** One deleted (or partly deleted) clone. */
export interface Deletion {
  readonly cluster: string;
  readonly stack: string;
  readonly owner: string;
  readonly expiresAt: string;
  readonly instancesDeleted: string[];
  /** False when the instances were still going when the wait ended: the next run deletes the cluster. */
  readonly clusterDeleted: boolean;
}

/** What one run did. */
export interface ReaperReport {
  examined: number;
  readonly deletions: Deletion[];
  /** Expired clones RDS is already deleting (a previous run, or `qa reap`): progress. */
  readonly inProgress: string[];
  /** Expired clones this cannot delete (deletion protection): alerted, and the run fails. */
  readonly blocked: Array<{ readonly cluster: string; readonly reason: string }>;
  readonly failures: Array<{ readonly cluster: string; readonly error: string }>;
  /** Subnet groups and security groups of gone clones removed this run (`subnet group <name>`, `security group <id> (<name>)`). */
  readonly leftoversRemoved: string[];
  /** Those still in use (the cluster's network interfaces not yet released): the next run removes them. */
  readonly leftoversWaiting: string[];
}

async function deleteInstance(rds: RDSClient, id: string): Promise<boolean> {
  try {
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id }));
    return true;
  } catch (err) {
    if (err instanceof DBInstanceNotFoundFault) return false; // already gone
    // RDS answers InvalidDBInstanceState for an instance that is already being deleted (DeleteDBInstance API
    // reference, Errors); that is progress. Any other state (creating, modifying) is a real failure.
    if (err instanceof InvalidDBInstanceStateFault && (await instanceStatus(rds, id)) === "deleting") return false;
    throw err;
  }
}

async function instanceStatus(rds: RDSClient, id: string): Promise<string | undefined> {
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]?.DBInstanceStatus;
  } catch (err) {
    if (err instanceof DBInstanceNotFoundFault) return undefined;
    throw err;
  }
}

/** Instances first (RDS refuses to delete a cluster that still has any), then the cluster, without a snapshot. */
async function deleteClone(deps: ReaperDeps, cluster: DBCluster, expiresAt: Date): Promise<Deletion> {
  const id = cluster.DBClusterIdentifier as string;
  const tags = tagsOf(cluster);
  const members = (cluster.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter((m): m is string => m !== undefined);
  const instancesDeleted: string[] = [];
  for (const member of members) if (await deleteInstance(deps.rds, member)) instancesDeleted.push(member);
  let gone = true;
  for (const member of members) {
    const result = await waitUntilDBInstanceDeleted(
      { client: deps.rds, minDelay: deps.instanceWait.minDelaySeconds, maxWaitTime: deps.instanceWait.maxWaitSeconds },
      { DBInstanceIdentifier: member },
    ).then(
      () => true,
      () => false,
    );
    gone &&= result;
  }
  if (gone) await deps.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true }));
  return {
    cluster: id,
    stack: tags[QA_TAGS.stack],
    owner: tags[QA_TAGS.owner] ?? "unknown",
    expiresAt: expiresAt.toISOString(),
    instancesDeleted,
    clusterDeleted: gone,
  };
}

async function alert(deps: ReaperDeps, subject: string, body: Record<string, unknown>): Promise<void> {
  await publishAlert(deps.sns, deps.topicArn, deps.environment, { subject, details: body });
}

/**
 * Examines every cluster of the account and region and deletes expired QA clones, alerting on each deletion and
 * each failure. One failure does not stop the others; the run then throws so the invocation counts as failed.
 */
export async function reapExpiredClones(deps: ReaperDeps): Promise<ReaperReport> {
  const now = deps.now();
  const report: ReaperReport = { examined: 0, deletions: [], inProgress: [], blocked: [], failures: [], leftoversRemoved: [], leftoversWaiting: [] };
  const clusterIds = new Set<string>();
  // DescribeDBClusters has no tag filter, so every page is read and judged here.
  for await (const page of paginateDescribeDBClusters({ client: deps.rds }, {})) {
    for (const cluster of page.DBClusters ?? []) {
      report.examined++;
      if (cluster.DBClusterIdentifier) clusterIds.add(cluster.DBClusterIdentifier);
      const verdict = judge(cluster, now, deps.gracePeriodMs, deps.environment);
      const id = cluster.DBClusterIdentifier ?? "(unnamed)";
      if (!verdict.delete) {
        if (verdict.inProgress) {
          report.inProgress.push(id);
          deps.logger.info("expired QA clone already being deleted", { cluster: id });
        } else if (verdict.blocked) {
          report.blocked.push({ cluster: id, reason: verdict.reason });
          deps.logger.warn("expired QA clone cannot be deleted", { cluster: id, reason: verdict.reason });
          await alert(deps, `QA clone ${id} expired, cannot be deleted`, {
            cluster: id,
            reason: verdict.reason,
            action: "turn deletion protection off (or extend the clone with qa extend), then the next run deletes it",
          });
        } else if (tagsOf(cluster)[QA_TAGS.purpose] === QA_PURPOSE) {
          deps.logger.info("left a QA-tagged cluster alone", { cluster: id, reason: verdict.reason });
        }
        continue;
      }
      try {
        const deletion = await deleteClone(deps, cluster, verdict.expiresAt);
        report.deletions.push(deletion);
        deps.logger.info("deleted expired QA clone", { ...deletion });
        await alert(deps, `QA clone ${id} deleted by the safety net`, {
          ...deletion,
          why: `expires-at passed more than ${Math.round(deps.gracePeriodMs / 60_000)} minutes ago and no qa reap removed it`,
        });
      } catch (err) {
        const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        report.failures.push({ cluster: id, error });
        deps.logger.error("could not delete expired QA clone", { cluster: id, error });
        await alert(deps, `QA clone ${id}: safety-net deletion FAILED`, { cluster: id, error });
      }
    }
  }
  await removeLeftovers(deps, now, clusterIds, report);
  return report;
}

/**
 * Whether a subnet group or security group named `name` with `tags` is an expired clone's leftover: it passes the
 * same guards as a cluster (QA tags, stack and environment tags, the identifier `qa create` gives, expiry plus grace),
 * and no cluster of that name exists any more (one still deleting keeps its groups in use).
 */
export function isLeftover(name: string, tags: { Key?: string; Value?: string }[] | undefined, now: Date, deps: Pick<ReaperDeps, "gracePeriodMs" | "environment">, clusterIds: ReadonlySet<string>): boolean {
  if (clusterIds.has(name)) return false;
  return judge({ DBClusterIdentifier: name, TagList: tags ?? [] }, now, deps.gracePeriodMs, deps.environment).delete;
}

/** Removes the subnet groups and security groups of clones whose clusters are gone; in-use ones wait for the next run. */
async function removeLeftovers(deps: ReaperDeps, now: Date, clusterIds: ReadonlySet<string>, report: ReaperReport): Promise<void> {
  const prefix = qaClusterIdentifierPrefix(deps.environment);
  const remove = async (what: string, call: () => Promise<unknown>, inUse: (err: unknown) => boolean, gone: (err: unknown) => boolean) => {
    try {
      await call();
      report.leftoversRemoved.push(what);
      deps.logger.info("removed a gone QA clone's leftover", { leftover: what });
    } catch (err) {
      if (gone(err)) return;
      if (inUse(err)) {
        report.leftoversWaiting.push(what);
        deps.logger.info("a gone QA clone's leftover is still in use; the next run removes it", { leftover: what });
        return;
      }
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      report.failures.push({ cluster: what, error });
      deps.logger.error("could not remove a gone QA clone's leftover", { leftover: what, error });
      await alert(deps, `QA clone leftover ${what}: removal FAILED`, { leftover: what, error });
    }
  };
  // DescribeDBSubnetGroups has no tag filter: names narrow it, tags decide.
  for await (const page of paginateDescribeDBSubnetGroups({ client: deps.rds }, {})) {
    for (const g of page.DBSubnetGroups ?? []) {
      const name = g.DBSubnetGroupName;
      if (!name?.startsWith(prefix) || !g.DBSubnetGroupArn || clusterIds.has(name)) continue;
      const tags = (await deps.rds.send(new ListTagsForResourceCommand({ ResourceName: g.DBSubnetGroupArn }))).TagList;
      if (!isLeftover(name, tags, now, deps, clusterIds)) continue;
      await remove(
        `subnet group ${name}`,
        () => deps.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: name })),
        // DeleteDBSubnetGroup API reference: InvalidDBSubnetGroupStateFault while a cluster or instance uses it.
        (err) => err instanceof InvalidDBSubnetGroupStateFault,
        (err) => err instanceof DBSubnetGroupNotFoundFault,
      );
    }
  }
  const filters = [
    { Name: `tag:${QA_TAGS.purpose}`, Values: [QA_PURPOSE] },
    { Name: `tag:${QA_TAGS.environment}`, Values: [deps.environment] },
  ];
  for await (const page of paginateDescribeSecurityGroups({ client: deps.ec2 }, { Filters: filters })) {
    for (const g of page.SecurityGroups ?? []) {
      const name = g.GroupName;
      const id = g.GroupId;
      if (!name?.startsWith(prefix) || !id || !isLeftover(name, g.Tags, now, deps, clusterIds)) continue;
      await remove(
        `security group ${id} (${name})`,
        () => deps.ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })),
        // DeleteSecurityGroup API reference: DependencyViolation while a network interface still uses the group
        // (RDS releases a deleted cluster's interfaces a while after the cluster is gone).
        (err) => err instanceof Error && err.name === "DependencyViolation",
        (err) => err instanceof Error && err.name === "InvalidGroup.NotFound",
      );
    }
  }
}

