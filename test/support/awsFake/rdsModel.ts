/**
 * The state the RDS fake keeps: clusters, instances, cluster snapshots, parameter groups and export tasks, each with
 * a status that moves on when the simulated clock passes its transition time. Rendering to the SDK's shapes and the
 * API's rules live in rds.ts; this file is the data and the clock-driven lifecycle.
 */
import type { DBCluster, DBClusterSnapshot, DBInstance, ExportTask, Tag } from "@aws-sdk/client-rds";

/** Seconds each lifecycle step takes in simulated time. Real RDS takes minutes; the defaults are typical figures. */
export interface RdsTimings {
  readonly clusterCreate: number;
  readonly instanceCreate: number;
  readonly modify: number;
  readonly secretCreate: number;
  readonly snapshotCreate: number;
  readonly instanceDelete: number;
  readonly clusterDelete: number;
  readonly snapshotDelete: number;
  readonly exportStart: number;
  readonly exportRun: number;
  /**
   * After a cluster is gone, until its network interfaces are released and its security groups are free to delete.
   * Not documented as a figure: RDS releases a deleted cluster's network interfaces itself, some minutes later.
   */
  readonly networkRelease: number;
}

export const DEFAULT_TIMINGS: RdsTimings = {
  clusterCreate: 600,
  instanceCreate: 540,
  modify: 60,
  secretCreate: 90,
  snapshotCreate: 300,
  instanceDelete: 300,
  clusterDelete: 240,
  snapshotDelete: 30,
  exportStart: 60,
  exportRun: 1800,
  networkRelease: 300,
};

/** A pending change: at simulated time `at`, the status becomes `to` (or the resource disappears). */
export interface Transition {
  readonly at: number;
  readonly to: string | "gone";
  /** A further step, `after` seconds later (an export goes STARTING → IN_PROGRESS → COMPLETE). */
  readonly then?: { readonly after: number; readonly to: string };
}

export interface ClusterRecord {
  readonly id: string;
  readonly arn: string;
  readonly engine: string;
  readonly engineVersion: string;
  status: string;
  transition?: Transition;
  readonly port: number;
  readonly masterUsername: string;
  readonly kmsKeyId?: string;
  readonly storageEncrypted: boolean;
  tags: Tag[];
  readonly members: string[];
  readonly clusterParameterGroup: string;
  readonly subnetGroup?: string;
  readonly securityGroupIds: string[];
  deletionProtection: boolean;
  readonly copyTagsToSnapshot: boolean;
  /** RDS-managed master password (ManageMasterUserPassword). */
  secret?: { arn: string; status: string; kmsKeyId?: string; activeAt?: number };
  /** The master password as the database knows it (a clone keeps its source's until it is changed). */
  masterPassword: string;
  readonly created: Date;
  /** The cluster a copy-on-write clone was made from. */
  readonly cloneOf?: string;
}

export interface InstanceRecord {
  readonly id: string;
  readonly arn: string;
  readonly clusterId: string;
  status: string;
  transition?: Transition;
  readonly instanceClass: string;
  readonly engine: string;
  readonly parameterGroup: string;
  tags: Tag[];
  readonly publiclyAccessible: boolean;
}

export interface SnapshotRecord {
  readonly id: string;
  readonly arn: string;
  readonly clusterId: string;
  status: string;
  transition?: Transition;
  readonly type: "manual" | "automated";
  tags: Tag[];
  readonly created: Date;
  readonly engine: string;
  readonly kmsKeyId?: string;
}

export interface ExportTaskRecord {
  readonly id: string;
  readonly sourceArn: string;
  status: string;
  transition?: Transition;
  readonly bucket: string;
  readonly prefix?: string;
  readonly iamRoleArn: string;
  readonly kmsKeyId: string;
  readonly exportOnly?: string[];
  readonly started: Date;
}

/** A DB subnet group. */
export interface SubnetGroupRecord {
  readonly id: string;
  readonly arn: string;
  tags: Tag[];
}

/** Everything the fake holds; tests may read it directly, and seed it through RdsFake's methods. */
export class RdsState {
  readonly clusters = new Map<string, ClusterRecord>();
  readonly instances = new Map<string, InstanceRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  readonly exportTasks = new Map<string, ExportTaskRecord>();
  readonly subnetGroups = new Map<string, SubnetGroupRecord>();
  /** Security groups of clusters that are gone, and when (ms) each cluster went: their interfaces linger a while. */
  readonly networkReleases: { readonly securityGroupIds: readonly string[]; readonly goneAt: number }[] = [];
  /** Cluster and instance parameter groups that exist (the engine's default groups always do). */
  readonly clusterParameterGroups = new Set<string>(["default.aurora-mysql8.0"]);
  readonly instanceParameterGroups = new Set<string>(["default.aurora-mysql8.0"]);
  /** Identifiers (or patterns) that never settle into a new status: a clone or snapshot that never becomes available. Deleting still works. */
  readonly stuck: (string | RegExp)[] = [];

  /**
   * Whether a security group is still attached to a network interface: a cluster (in any state, deleting included)
   * uses it, or a cluster that used it went less than `releaseSeconds` ago.
   */
  securityGroupInUse(groupId: string, now: number, releaseSeconds: number): boolean {
    if ([...this.clusters.values()].some((c) => c.securityGroupIds.includes(groupId))) return true;
    return this.networkReleases.some((r) => r.securityGroupIds.includes(groupId) && r.goneAt + releaseSeconds * 1000 > now);
  }

  isStuck(id: string): boolean {
    return this.stuck.some((s) => (typeof s === "string" ? s === id : s.test(id)));
  }

  /** Applies every transition that is due at `now`, in time order. */
  settle(now: number): void {
    const due: { at: number; apply: () => void }[] = [];
    const collect = <R extends { id: string; status: string; transition?: Transition }>(map: Map<string, R>, gone: (r: R, at: number) => void) => {
      for (const r of map.values()) {
        const t = r.transition;
        if (!t || t.at > now || (t.to !== "gone" && this.isStuck(r.id))) continue;
        due.push({
          at: t.at,
          apply: () => {
            r.transition = t.then ? { at: t.at + t.then.after * 1000, to: t.then.to } : undefined;
            if (t.to === "gone") gone(r, t.at);
            else r.status = t.to;
          },
        });
      }
    };
    collect(this.instances, (i) => {
      this.instances.delete(i.id);
      const cluster = this.clusters.get(i.clusterId);
      if (cluster) cluster.members.splice(cluster.members.indexOf(i.id), 1);
    });
    collect(this.clusters, (c, at) => {
      this.clusters.delete(c.id);
      this.networkReleases.push({ securityGroupIds: c.securityGroupIds, goneAt: at });
    });
    collect(this.snapshots, (s) => this.snapshots.delete(s.id));
    collect(this.exportTasks, (e) => this.exportTasks.delete(e.id));
    for (const c of this.clusters.values()) {
      if (c.secret?.status === "creating" && c.secret.activeAt !== undefined && c.secret.activeAt <= now && !this.isStuck(c.id)) c.secret.status = "active";
    }
    for (const d of due.sort((a, b) => a.at - b.at)) d.apply();
    // A chained step that is already due (a long advance of the clock) applies in the same call.
    if (due.length > 0) this.settle(now);
  }
}

/** The SDK's DBCluster shape of a record. */
export function renderCluster(c: ClusterRecord, instances: Map<string, InstanceRecord>): DBCluster {
  return {
    DBClusterIdentifier: c.id,
    DBClusterArn: c.arn,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    Status: c.status,
    Port: c.port,
    MasterUsername: c.masterUsername,
    KmsKeyId: c.kmsKeyId,
    StorageEncrypted: c.storageEncrypted,
    Endpoint: `${c.id}.cluster-fake.rds.amazonaws.com`,
    ReaderEndpoint: `${c.id}.cluster-ro-fake.rds.amazonaws.com`,
    TagList: c.tags.map((t) => ({ ...t })),
    DBClusterMembers: c.members.map((id, i) => ({ DBInstanceIdentifier: id, IsClusterWriter: i === 0, DBClusterParameterGroupStatus: instances.get(id)?.status === "available" ? "in-sync" : "applying" })),
    DBClusterParameterGroup: c.clusterParameterGroup,
    DBSubnetGroup: c.subnetGroup,
    VpcSecurityGroups: c.securityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: "active" })),
    DeletionProtection: c.deletionProtection,
    CopyTagsToSnapshot: c.copyTagsToSnapshot,
    MasterUserSecret: c.secret ? { SecretArn: c.secret.arn, SecretStatus: c.secret.status, KmsKeyId: c.secret.kmsKeyId } : undefined,
    ClusterCreateTime: c.created,
  };
}

export function renderInstance(i: InstanceRecord): DBInstance {
  return {
    DBInstanceIdentifier: i.id,
    DBInstanceArn: i.arn,
    DBClusterIdentifier: i.clusterId,
    DBInstanceStatus: i.status,
    DBInstanceClass: i.instanceClass,
    Engine: i.engine,
    DBParameterGroups: [{ DBParameterGroupName: i.parameterGroup, ParameterApplyStatus: "in-sync" }],
    TagList: i.tags.map((t) => ({ ...t })),
    PubliclyAccessible: i.publiclyAccessible,
  };
}

export function renderSnapshot(s: SnapshotRecord): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: s.id,
    DBClusterSnapshotArn: s.arn,
    DBClusterIdentifier: s.clusterId,
    Status: s.status,
    SnapshotType: s.type,
    SnapshotCreateTime: s.created,
    Engine: s.engine,
    KmsKeyId: s.kmsKeyId,
    StorageEncrypted: true,
    PercentProgress: s.status === "available" ? 100 : 0,
    TagList: s.tags.map((t) => ({ ...t })),
  };
}

export function renderExportTask(e: ExportTaskRecord): ExportTask {
  return {
    ExportTaskIdentifier: e.id,
    SourceArn: e.sourceArn,
    Status: e.status,
    S3Bucket: e.bucket,
    S3Prefix: e.prefix,
    IamRoleArn: e.iamRoleArn,
    KmsKeyId: e.kmsKeyId,
    ExportOnly: e.exportOnly,
    TaskStartTime: e.started,
  };
}
