/**
 * A stateful fake of the RDS API calls this project makes, behind aws-sdk-client-mock. Each rule cites the AWS
 * document (or the independently maintained model) it follows; a rule without one is a row in the README's
 * "Not yet verified in a real account" table. Statuses move on with the simulated clock (clock.ts), never by magic:
 * a caller that does not wait for "available" fails here as it would against RDS.
 */
import {
  AddTagsToResourceCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterParameterGroupNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBParameterGroupNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  DBSubnetGroupNotFoundFault,
  DescribeDBSubnetGroupsCommand,
  InvalidDBSubnetGroupStateFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeExportTasksCommand,
  ExportTaskAlreadyExistsFault,
  ExportTaskNotFoundFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  InvalidExportSourceStateFault,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterToPointInTimeCommand,
  StartExportTaskCommand,
  type Tag,
} from "@aws-sdk/client-rds";
import type { FakeClock } from "./clock";
import { type CallRecord, Faults, type Route, dispatcher, stubSend } from "./faults";
import {
  type ClusterRecord,
  DEFAULT_TIMINGS,
  RdsState,
  type RdsTimings,
  renderCluster,
  renderExportTask,
  renderInstance,
  renderSnapshot,
} from "./rdsModel";
import type { SecretsFake } from "./services";

const meta = { $metadata: {} };
const REGION = "ap-northeast-1";
const ACCOUNT = "123456789012";
const arn = (kind: string, id: string) => `arn:aws:rds:${REGION}:${ACCOUNT}:${kind}:${id}`;

/** An RDS error the SDK has no class for, with the wire code as its name (as the SDK reports unmodelled codes). */
export function rdsError(name: string, message: string): Error {
  return new RDSServiceException({ name, $fault: "client", message, ...meta });
}

/** A cluster a test seeds: the source database, or an existing golden. */
export interface SeedCluster {
  readonly id: string;
  readonly engine?: string;
  readonly engineVersion?: string;
  readonly status?: string;
  readonly tags?: Tag[];
  readonly clusterParameterGroup?: string;
  /** Instance parameter group of the seeded writer instance. */
  readonly instanceParameterGroup?: string;
  /** Instances to seed as members (default one writer, `<id>-instance-1`); [] for none. */
  readonly instances?: readonly string[];
  readonly masterUsername?: string;
  readonly masterPassword?: string;
  readonly kmsKeyId?: string;
  /** DB subnet group and security groups (a QA clone has its own of each). */
  readonly subnetGroup?: string;
  readonly securityGroupIds?: readonly string[];
}

export class RdsFake {
  readonly state = new RdsState();
  readonly faults = new Faults();
  readonly calls: CallRecord[] = [];
  private readonly stub = stubSend(RDSClient);

  constructor(
    private readonly clock: FakeClock,
    private readonly secrets: SecretsFake,
    private readonly timings: RdsTimings = DEFAULT_TIMINGS,
  ) {
    const routes: Route[] = [
      [DescribeDBClustersCommand, "DescribeDBClusters", (i) => this.describeDBClusters(i)],
      [DescribeDBInstancesCommand, "DescribeDBInstances", (i) => this.describeDBInstances(i)],
      [DescribeDBClusterSnapshotsCommand, "DescribeDBClusterSnapshots", (i) => this.describeDBClusterSnapshots(i)],
      [RestoreDBClusterToPointInTimeCommand, "RestoreDBClusterToPointInTime", (i) => this.restoreDBClusterToPointInTime(i)],
      [CreateDBInstanceCommand, "CreateDBInstance", (i) => this.createDBInstance(i)],
      [ModifyDBClusterCommand, "ModifyDBCluster", (i) => this.modifyDBCluster(i)],
      [CreateDBClusterSnapshotCommand, "CreateDBClusterSnapshot", (i) => this.createDBClusterSnapshot(i)],
      [DeleteDBClusterSnapshotCommand, "DeleteDBClusterSnapshot", (i) => this.deleteDBClusterSnapshot(i)],
      [DeleteDBInstanceCommand, "DeleteDBInstance", (i) => this.deleteDBInstance(i)],
      [DeleteDBClusterCommand, "DeleteDBCluster", (i) => this.deleteDBCluster(i)],
      [StartExportTaskCommand, "StartExportTask", (i) => this.startExportTask(i)],
      [DescribeExportTasksCommand, "DescribeExportTasks", (i) => this.describeExportTasks(i)],
      [AddTagsToResourceCommand, "AddTagsToResource", (i) => this.addTags(i)],
      [ListTagsForResourceCommand, "ListTagsForResource", (i) => this.listTags(i)],
      [DescribeDBSubnetGroupsCommand, "DescribeDBSubnetGroups", (i) => this.describeDBSubnetGroups(i)],
      [DeleteDBSubnetGroupCommand, "DeleteDBSubnetGroup", (i) => this.deleteDBSubnetGroup(i)],
    ];
    const send = dispatcher("RDS", routes, this.faults, this.calls);
    this.stub.send.callsFake(async (command: { readonly input: unknown }) => {
      this.state.settle(this.clock.nowMs());
      return send(command);
    });
  }

  /** Puts `send` back on RDSClient. */
  restore(): void {
    this.stub.restore();
  }

  /** Seeds an available cluster (and its instances) as if it had always existed. */
  seedCluster(c: SeedCluster): ClusterRecord {
    const record: ClusterRecord = {
      id: c.id,
      arn: arn("cluster", c.id),
      engine: c.engine ?? "aurora-mysql",
      engineVersion: c.engineVersion ?? "8.0.mysql_aurora.3.08.0",
      status: c.status ?? "available",
      port: 3306,
      masterUsername: c.masterUsername ?? "admin",
      masterPassword: c.masterPassword ?? "source-master-password",
      kmsKeyId: c.kmsKeyId ?? `arn:aws:kms:${REGION}:${ACCOUNT}:key/source-key`,
      storageEncrypted: true,
      tags: [...(c.tags ?? [])],
      members: [],
      clusterParameterGroup: c.clusterParameterGroup ?? "default.aurora-mysql8.0",
      subnetGroup: c.subnetGroup,
      securityGroupIds: [...(c.securityGroupIds ?? ["sg-0source000000000"])],
      deletionProtection: false,
      copyTagsToSnapshot: false,
      created: this.clock.now(),
    };
    this.state.clusterParameterGroups.add(record.clusterParameterGroup);
    this.state.clusters.set(c.id, record);
    const parameterGroup = c.instanceParameterGroup ?? "default.aurora-mysql8.0";
    this.state.instanceParameterGroups.add(parameterGroup);
    for (const id of c.instances ?? [`${c.id}-instance-1`]) {
      this.state.instances.set(id, {
        id,
        arn: arn("db", id),
        clusterId: c.id,
        status: "available",
        instanceClass: "db.r6g.large",
        engine: record.engine,
        parameterGroup,
        tags: [...(c.tags ?? [])],
        publiclyAccessible: false,
      });
      record.members.push(id);
    }
    return record;
  }

  /** Seeds an available manual snapshot of a cluster. */
  seedSnapshot(id: string, clusterId: string, tags: Tag[] = [], created = this.clock.now()): void {
    this.state.snapshots.set(id, { id, arn: arn("cluster-snapshot", id), clusterId, status: "available", type: "manual", tags, created, engine: "aurora-mysql" });
  }

  /**
   * From now on, what `id` names (cluster, instance, snapshot; a RegExp matches ones not created yet) never leaves
   * its status for a new one: it never becomes available. Deleting it still works.
   */
  neverSettles(id: string | RegExp): void {
    this.state.stuck.push(id);
  }

  /** Every cluster, instance and snapshot identifier that exists, deleting ones included. */
  identifiers(): { clusters: string[]; instances: string[]; snapshots: string[] } {
    this.state.settle(this.clock.nowMs());
    return { clusters: [...this.state.clusters.keys()], instances: [...this.state.instances.keys()], snapshots: [...this.state.snapshots.keys()] };
  }

  private cluster(id: unknown) {
    const c = this.state.clusters.get(String(id));
    // DBClusterNotFoundFault: "DBClusterIdentifier doesn't refer to an existing DB cluster" (DescribeDBClusters API reference).
    if (!c) throw new DBClusterNotFoundFault({ message: `DBCluster ${String(id)} not found.`, ...meta });
    return c;
  }

  private later(seconds: number): number {
    return this.clock.nowMs() + seconds * 1000;
  }

  describeDBClusters(i: { DBClusterIdentifier?: string }) {
    const list = i.DBClusterIdentifier ? [this.cluster(i.DBClusterIdentifier)] : [...this.state.clusters.values()];
    return { DBClusters: list.map((c) => renderCluster(c, this.state.instances)) };
  }

  describeDBInstances(i: { DBInstanceIdentifier?: string; Filters?: { Name: string; Values: string[] }[] }) {
    if (i.DBInstanceIdentifier) {
      const found = this.state.instances.get(i.DBInstanceIdentifier);
      // DescribeDBInstances API reference: DBInstanceNotFoundFault for an identifier that names no instance.
      if (!found) throw new DBInstanceNotFoundFault({ message: `DBInstance ${i.DBInstanceIdentifier} not found.`, ...meta });
      return { DBInstances: [renderInstance(found)] };
    }
    const byCluster = i.Filters?.find((f) => f.Name === "db-cluster-id")?.Values;
    const list = [...this.state.instances.values()].filter((x) => !byCluster || byCluster.includes(x.clusterId) || byCluster.includes(arn("cluster", x.clusterId)));
    return { DBInstances: list.map(renderInstance) };
  }

  describeDBClusterSnapshots(i: { DBClusterSnapshotIdentifier?: string; DBClusterIdentifier?: string; SnapshotType?: string }) {
    if (i.DBClusterSnapshotIdentifier) {
      const s = this.state.snapshots.get(i.DBClusterSnapshotIdentifier);
      // DescribeDBClusterSnapshots API reference: DBClusterSnapshotNotFoundFault for an unknown identifier.
      if (!s) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot ${i.DBClusterSnapshotIdentifier} not found.`, ...meta });
      return { DBClusterSnapshots: [renderSnapshot(s)] };
    }
    const list = [...this.state.snapshots.values()].filter(
      (s) => (!i.DBClusterIdentifier || s.clusterId === i.DBClusterIdentifier) && (!i.SnapshotType || s.type === i.SnapshotType),
    );
    return { DBClusterSnapshots: list.map(renderSnapshot) };
  }

  restoreDBClusterToPointInTime(i: {
    DBClusterIdentifier: string;
    SourceDBClusterIdentifier: string;
    RestoreType?: string;
    DBClusterParameterGroupName?: string;
    DBSubnetGroupName?: string;
    VpcSecurityGroupIds?: string[];
    DeletionProtection?: boolean;
    CopyTagsToSnapshot?: boolean;
    Tags?: Tag[];
    KmsKeyId?: string;
  }) {
    const source = this.cluster(i.SourceDBClusterIdentifier);
    // RestoreDBClusterToPointInTime API reference: DBClusterAlreadyExistsFault when the new identifier is taken.
    if (this.state.clusters.has(i.DBClusterIdentifier)) throw new DBClusterAlreadyExistsFault({ message: `DB Cluster already exists`, ...meta });
    // Same reference: the cluster parameter group must exist (DBClusterParameterGroupNotFoundFault); without one
    // the restore uses the engine's default group, not the source's ("the default DB cluster parameter group for the
    // specified DB engine is used").
    const group = i.DBClusterParameterGroupName ?? "default.aurora-mysql8.0";
    if (!this.state.clusterParameterGroups.has(group)) throw new DBClusterParameterGroupNotFoundFault({ message: `DBClusterParameterGroup ${group} not found.`, ...meta });
    const record: ClusterRecord = {
      id: i.DBClusterIdentifier,
      arn: arn("cluster", i.DBClusterIdentifier),
      engine: source.engine,
      engineVersion: source.engineVersion,
      status: "creating",
      transition: { at: this.later(this.timings.clusterCreate), to: "available" },
      port: source.port,
      masterUsername: source.masterUsername,
      // A clone is the source's data, the mysql.user table included: the source's master password works on it
      // until it is changed (Aurora User Guide, "Cloning a volume for an Aurora DB cluster").
      masterPassword: source.masterPassword,
      kmsKeyId: i.KmsKeyId ?? source.kmsKeyId,
      storageEncrypted: source.storageEncrypted,
      tags: [...(i.Tags ?? [])],
      members: [],
      clusterParameterGroup: group,
      subnetGroup: i.DBSubnetGroupName,
      securityGroupIds: [...(i.VpcSecurityGroupIds ?? [])],
      deletionProtection: i.DeletionProtection ?? false,
      copyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
      created: this.clock.now(),
      cloneOf: i.RestoreType === "copy-on-write" ? source.id : undefined,
    };
    this.state.clusters.set(record.id, record);
    return { DBCluster: renderCluster(record, this.state.instances) };
  }

  createDBInstance(i: {
    DBInstanceIdentifier: string;
    DBClusterIdentifier?: string;
    DBInstanceClass: string;
    Engine: string;
    DBParameterGroupName?: string;
    PubliclyAccessible?: boolean;
    Tags?: Tag[];
  }) {
    if (this.state.instances.has(i.DBInstanceIdentifier)) throw new DBInstanceAlreadyExistsFault({ message: "DB instance already exists", ...meta });
    const cluster = this.cluster(i.DBClusterIdentifier);
    // RestoreDBClusterToPointInTime API reference (Aurora): "You can create DB instances only after the
    // RestoreDBClusterToPointInTime action has completed and the DB cluster is available."
    if (cluster.status !== "available") {
      throw new InvalidDBClusterStateFault({ message: `DB cluster ${cluster.id} is in ${cluster.status} state, not available`, ...meta });
    }
    if (i.Engine !== cluster.engine) throw rdsError("InvalidParameterCombination", `engine ${i.Engine} does not match the cluster's ${cluster.engine}`);
    // CreateDBInstance API reference: DBParameterGroupNotFoundFault; without a name, the engine's default group.
    const group = i.DBParameterGroupName ?? "default.aurora-mysql8.0";
    if (!this.state.instanceParameterGroups.has(group)) throw new DBParameterGroupNotFoundFault({ message: `DBParameterGroup ${group} not found.`, ...meta });
    const record = {
      id: i.DBInstanceIdentifier,
      arn: arn("db", i.DBInstanceIdentifier),
      clusterId: cluster.id,
      status: "creating",
      transition: { at: this.later(this.timings.instanceCreate), to: "available" },
      instanceClass: i.DBInstanceClass,
      engine: i.Engine,
      parameterGroup: group,
      tags: [...(i.Tags ?? [])],
      publiclyAccessible: i.PubliclyAccessible ?? false,
    };
    this.state.instances.set(record.id, record);
    cluster.members.push(record.id);
    return { DBInstance: renderInstance(record) };
  }

  modifyDBCluster(i: { DBClusterIdentifier: string; ManageMasterUserPassword?: boolean; MasterUserSecretKmsKeyId?: string; DeletionProtection?: boolean }) {
    const c = this.cluster(i.DBClusterIdentifier);
    // ModifyDBCluster API reference: InvalidDBClusterStateFault ("the requested operation can't be performed while
    // the cluster is in this state"); a cluster that is creating, modifying or deleting takes no modification.
    if (c.status !== "available") throw new InvalidDBClusterStateFault({ message: `DB cluster ${c.id} is ${c.status}`, ...meta });
    if (i.DeletionProtection !== undefined) c.deletionProtection = i.DeletionProtection;
    if (i.ManageMasterUserPassword && !c.secret) {
      // Password management with Secrets Manager (Aurora User Guide, rds-secrets-manager): RDS generates a new
      // master password, stores it in a secret named rds!cluster-…, encrypted with the given key; the secret is
      // "creating" until RDS has applied it, then "active".
      const password = `generated-${c.id}-${this.clock.nowMs()}`;
      const secretArn = this.secrets.create(`rds!cluster-${c.id}`, JSON.stringify({ username: c.masterUsername, password }), i.MasterUserSecretKmsKeyId);
      c.secret = { arn: secretArn, status: "creating", kmsKeyId: i.MasterUserSecretKmsKeyId, activeAt: this.later(this.timings.secretCreate) };
      c.masterPassword = password;
      c.status = "modifying";
      c.transition = { at: this.later(this.timings.modify), to: "available" };
    }
    return { DBCluster: renderCluster(c, this.state.instances) };
  }

  createDBClusterSnapshot(i: { DBClusterSnapshotIdentifier: string; DBClusterIdentifier: string; Tags?: Tag[] }) {
    const c = this.cluster(i.DBClusterIdentifier);
    // CreateDBClusterSnapshot API reference: DBClusterSnapshotAlreadyExistsFault, and InvalidDBClusterStateFault
    // ("the requested operation can't be performed while the cluster is in this state").
    if (this.state.snapshots.has(i.DBClusterSnapshotIdentifier)) throw new DBClusterSnapshotAlreadyExistsFault({ message: "snapshot already exists", ...meta });
    if (c.status !== "available") throw new InvalidDBClusterStateFault({ message: `DB cluster ${c.id} is ${c.status}`, ...meta });
    // CopyTagsToSnapshot copies the cluster's tags when the request names none (DBCluster data type reference).
    const tags = i.Tags?.length ? i.Tags : c.copyTagsToSnapshot ? c.tags : [];
    const record = {
      id: i.DBClusterSnapshotIdentifier,
      arn: arn("cluster-snapshot", i.DBClusterSnapshotIdentifier),
      clusterId: c.id,
      status: "creating",
      transition: { at: this.later(this.timings.snapshotCreate), to: "available" },
      type: "manual" as const,
      tags: [...tags],
      created: this.clock.now(),
      engine: c.engine,
      kmsKeyId: c.kmsKeyId,
    };
    this.state.snapshots.set(record.id, record);
    return { DBClusterSnapshot: renderSnapshot(record) };
  }

  deleteDBClusterSnapshot(i: { DBClusterSnapshotIdentifier: string }) {
    const s = this.state.snapshots.get(i.DBClusterSnapshotIdentifier);
    if (!s) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot ${i.DBClusterSnapshotIdentifier} not found.`, ...meta });
    // DeleteDBClusterSnapshot API reference: "The DB cluster snapshot must be in the available state to be deleted."
    if (s.status !== "available") throw new InvalidDBClusterSnapshotStateFault({ message: `snapshot ${s.id} is ${s.status}, not available`, ...meta });
    s.status = "deleting";
    s.transition = { at: this.later(this.timings.snapshotDelete), to: "gone" };
    return { DBClusterSnapshot: renderSnapshot(s) };
  }

  deleteDBInstance(i: { DBInstanceIdentifier: string }) {
    const inst = this.state.instances.get(i.DBInstanceIdentifier);
    if (!inst) throw new DBInstanceNotFoundFault({ message: `DBInstance ${i.DBInstanceIdentifier} not found.`, ...meta });
    // DeleteDBInstance API reference: InvalidDBInstanceStateFault; an instance already being deleted is refused.
    if (inst.status === "deleting") throw new InvalidDBInstanceStateFault({ message: `Instance ${inst.id} is already being deleted.`, ...meta });
    inst.status = "deleting";
    inst.transition = { at: this.later(this.timings.instanceDelete), to: "gone" };
    return { DBInstance: renderInstance(inst) };
  }

  deleteDBCluster(i: { DBClusterIdentifier: string; SkipFinalSnapshot?: boolean; FinalDBSnapshotIdentifier?: string }) {
    const c = this.cluster(i.DBClusterIdentifier);
    // Aurora User Guide, "Deleting Aurora DB clusters and DB instances": delete every instance first. The error
    // code and message (instances already "deleting" do not block) follow moto's model, which its authors checked
    // against AWS (getmoto/moto pull request 6998).
    const live = c.members.filter((id) => this.state.instances.get(id)?.status !== "deleting");
    if (live.length > 0) throw new InvalidDBClusterStateFault({ message: "Cluster cannot be deleted, it still contains DB instances in non-deleting state.", ...meta });
    // DeleteDBCluster API reference: InvalidDBClusterStateFault while the cluster is not available (e.g. already
    // deleting); deletion protection refuses the call (Aurora User Guide, "Deletion protection").
    if (c.status === "deleting") throw new InvalidDBClusterStateFault({ message: `DB cluster ${c.id} is already being deleted.`, ...meta });
    if (c.deletionProtection) throw rdsError("InvalidParameterCombination", "Cannot delete protected Cluster, please disable deletion protection and try again.");
    // DeleteDBCluster API reference: FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is true.
    if (!i.SkipFinalSnapshot && !i.FinalDBSnapshotIdentifier) throw rdsError("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
    c.status = "deleting";
    c.transition = { at: this.later(this.timings.clusterDelete), to: "gone" };
    return { DBCluster: renderCluster(c, this.state.instances) };
  }

  startExportTask(i: { ExportTaskIdentifier: string; SourceArn: string; S3BucketName: string; S3Prefix?: string; IamRoleArn: string; KmsKeyId: string; ExportOnly?: string[] }) {
    // StartExportTask API reference: ExportTaskAlreadyExistsFault for a used identifier (ids are never reused), and
    // InvalidExportSourceStateFault when the snapshot is not available.
    if (this.state.exportTasks.has(i.ExportTaskIdentifier)) throw new ExportTaskAlreadyExistsFault({ message: "export task already exists", ...meta });
    const snap = [...this.state.snapshots.values()].find((s) => s.arn === i.SourceArn);
    if (!snap) throw new DBClusterSnapshotNotFoundFault({ message: `snapshot ${i.SourceArn} not found`, ...meta });
    if (snap.status !== "available") throw new InvalidExportSourceStateFault({ message: `snapshot ${snap.id} is ${snap.status}`, ...meta });
    const record = {
      id: i.ExportTaskIdentifier,
      sourceArn: i.SourceArn,
      status: "STARTING",
      transition: { at: this.later(this.timings.exportStart), to: "IN_PROGRESS", then: { after: this.timings.exportRun, to: "COMPLETE" } },
      bucket: i.S3BucketName,
      prefix: i.S3Prefix,
      iamRoleArn: i.IamRoleArn,
      kmsKeyId: i.KmsKeyId,
      exportOnly: i.ExportOnly,
      started: this.clock.now(),
    };
    this.state.exportTasks.set(record.id, record);
    return renderExportTask(record);
  }

  describeExportTasks(i: { ExportTaskIdentifier?: string; Filters?: { Name: string; Values: string[] }[] }) {
    if (i.ExportTaskIdentifier && !this.state.exportTasks.has(i.ExportTaskIdentifier)) {
      throw new ExportTaskNotFoundFault({ message: `export task ${i.ExportTaskIdentifier} not found`, ...meta });
    }
    const ids = i.Filters?.find((f) => f.Name === "export-task-identifier")?.Values;
    const list = [...this.state.exportTasks.values()].filter((e) => (!i.ExportTaskIdentifier || e.id === i.ExportTaskIdentifier) && (!ids || ids.includes(e.id)));
    return { ExportTasks: list.map(renderExportTask) };
  }

  /** Seeds a DB subnet group, as `qa create` (Pulumi) makes one per clone. */
  seedSubnetGroup(name: string, tags: Tag[] = []): void {
    this.state.subnetGroups.set(name, { id: name, arn: arn("subgrp", name), tags: [...tags] });
  }

  describeDBSubnetGroups(i: { DBSubnetGroupName?: string; Marker?: string; MaxRecords?: number }) {
    // DescribeDBSubnetGroups API reference: DBSubnetGroupNotFoundFault for an unknown name; at most MaxRecords
    // (default 100) per page, then a Marker.
    if (i.DBSubnetGroupName && !this.state.subnetGroups.has(i.DBSubnetGroupName)) {
      throw new DBSubnetGroupNotFoundFault({ message: `DB subnet group ${i.DBSubnetGroupName} not found.`, ...meta });
    }
    const all = [...this.state.subnetGroups.values()].filter((g) => !i.DBSubnetGroupName || g.id === i.DBSubnetGroupName);
    const start = i.Marker ? Number(i.Marker) : 0;
    const max = i.MaxRecords ?? 100;
    const page = all.slice(start, start + max);
    return {
      DBSubnetGroups: page.map((g) => ({ DBSubnetGroupName: g.id, DBSubnetGroupArn: g.arn, SubnetGroupStatus: "Complete" })),
      ...(start + max < all.length ? { Marker: String(start + max) } : {}),
    };
  }

  deleteDBSubnetGroup(i: { DBSubnetGroupName: string }) {
    // DeleteDBSubnetGroup API reference: DBSubnetGroupNotFoundFault for an unknown name, and
    // InvalidDBSubnetGroupStateFault while a DB cluster or instance (a deleting one included) still uses it.
    if (!this.state.subnetGroups.has(i.DBSubnetGroupName)) throw new DBSubnetGroupNotFoundFault({ message: `DB subnet group ${i.DBSubnetGroupName} not found.`, ...meta });
    if ([...this.state.clusters.values()].some((c) => c.subnetGroup === i.DBSubnetGroupName)) {
      throw new InvalidDBSubnetGroupStateFault({ message: `Cannot delete the subnet group '${i.DBSubnetGroupName}' because at least one database cluster: is still using it.`, ...meta });
    }
    this.state.subnetGroups.delete(i.DBSubnetGroupName);
    return {};
  }

  private byArn(resourceArn: string): { tags: Tag[] } {
    const all = [...this.state.clusters.values(), ...this.state.instances.values(), ...this.state.snapshots.values(), ...this.state.subnetGroups.values()];
    const found = all.find((r) => r.arn === resourceArn);
    if (!found) throw rdsError("DBClusterNotFoundFault", `no resource ${resourceArn}`);
    return found;
  }

  addTags(i: { ResourceName: string; Tags: Tag[] }) {
    const r = this.byArn(i.ResourceName);
    r.tags = [...r.tags.filter((t) => !i.Tags.some((n) => n.Key === t.Key)), ...i.Tags];
    return {};
  }

  listTags(i: { ResourceName: string }) {
    return { TagList: this.byArn(i.ResourceName).tags };
  }
}
