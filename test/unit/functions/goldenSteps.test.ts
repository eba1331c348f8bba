import {
  CreateDBClusterSnapshotCommand,
  DBClusterSnapshotNotFoundFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { abort, cleanup, clusterStatus, create, createInstance, prepare, rotatePassword, snapshot, snapshotStatus, status } from "../../../functions/golden-cluster/steps";
import { type AwsFake, installAwsFake } from "../../support/awsFake";
import { recordSdkRequests } from "../../support/sdkRequests";

const rds = mockClient(RDSClient);
const ssm = mockClient(SSMClient);
const cw = mockClient(CloudWatchClient);
const clients = { rds: new RDSClient({}), ssm: new SSMClient({}) };
const settings = {
  environment: "prod",
  sourceClusterId: "shop-prod-aurora",
  instanceClass: "db.r6g.large",
  subnetGroupName: "data-platform-prod-golden",
  securityGroupIds: ["sg-1"],
  kmsKeyArn: "arn:aws:kms:ap-northeast-1:123456789012:key/k",
  parameterName: "/data-platform/prod/golden/cluster-id",
  retentionDays: 3,
  timeZone: "Asia/Tokyo",
  dayLeadHours: 0,
};
const golden = { day: "20261121", clusterId: "golden-prod-20261121", instanceId: "golden-prod-20261121-instance", snapshotId: "golden-prod-20261121-snapshot" };
const goldenTags = [
  { Key: "purpose", Value: "golden" },
  { Key: "environment", Value: "prod" },
];
const missingSnapshot = new DBClusterSnapshotNotFoundFault({ message: "not found", $metadata: {} });
const published = (value?: string) =>
  value === undefined
    ? ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "none", $metadata: {} }))
    : ssm.on(GetParameterCommand).resolves({ Parameter: { Value: value } });

describe("golden refresh steps", () => {
  const fixture = {
    ENVIRONMENT: settings.environment,
    SOURCE_CLUSTER_ID: settings.sourceClusterId,
    DB_SUBNET_GROUP: settings.subnetGroupName,
    KMS_KEY_ARN: settings.kmsKeyArn,
    GOLDEN_PARAMETER: settings.parameterName,
  };
  recordSdkRequests("golden-cluster", fixture, rds, ssm);
  beforeEach(() => {
    rds.reset();
    ssm.reset();
    cw.reset();
  });

  describe("prepare", () => {
    it("names today's golden in the schedule's time zone", async () => {
      published("golden-prod-20261120");
      // 2026-11-20T16:00Z is already the 21st in Tokyo.
      const g = await prepare(clients, settings, {}, new Date("2026-11-20T16:00:00Z"));
      expect(g).to.deep.equal({ ...golden, alreadyPublished: false });
    });

    it("names the golden after the export day it feeds when it runs leadHours before the export", async () => {
      published();
      // 21:00 in Tokyo on the 20th, three hours before the midnight export of the 21st.
      const g = await prepare(clients, { ...settings, dayLeadHours: 3 }, {}, new Date("2026-11-20T12:00:00Z"));
      expect(g).to.deep.equal({ ...golden, alreadyPublished: false });
      const sameDay = await prepare(clients, settings, {}, new Date("2026-11-20T12:00:00Z"));
      expect(sameDay.day).to.equal("20261120");
    });

    it("reports a same-day rerun as already published, so the run is a no-op", async () => {
      published(golden.clusterId);
      expect((await prepare(clients, settings, { input: { day: "20261121" } }, new Date())).alreadyPublished).to.equal(true);
    });

    it("rejects a malformed day in the execution input", async () => {
      published();
      let err: unknown;
      await prepare(clients, settings, { input: { day: "2026-11-21" } }, new Date()).catch((e: unknown) => (err = e));
      expect(err).to.have.property("name", "GoldenStepError");
    });
  });

  describe("create and createInstance (on the stateful RDS fake)", () => {
    let aws: AwsFake;
    beforeEach(() => {
      aws = installAwsFake();
      aws.rds.seedCluster({ id: "shop-prod-aurora", clusterParameterGroup: "shop-cluster-params", instanceParameterGroup: "shop-instance-params" });
    });
    afterEach(() => aws.restore());

    it("clones the source copy-on-write with its cluster parameter group, tagged golden, and adds the instance once the clone is available", async () => {
      expect(await create(clients, settings, golden)).to.deep.equal({ created: [golden.clusterId] });
      const restore = aws.rds.calls.find((c) => c.operation === "RestoreDBClusterToPointInTime")?.input;
      expect(restore).to.deep.include({ DBClusterIdentifier: golden.clusterId, SourceDBClusterIdentifier: "shop-prod-aurora", RestoreType: "copy-on-write", UseLatestRestorableTime: true, DeletionProtection: false });
      expect(restore?.Tags).to.deep.include({ Key: "purpose", Value: "golden" });
      expect(aws.rds.state.clusters.get(golden.clusterId)?.clusterParameterGroup).to.equal("shop-cluster-params");
      expect((await clusterStatus(clients, golden)).ready).to.equal(false);
      aws.clock.advance(600);
      expect((await clusterStatus(clients, golden)).ready).to.equal(true);
      expect(await createInstance(clients, settings, golden)).to.deep.equal({ created: [golden.instanceId] });
      const instance = aws.rds.state.instances.get(golden.instanceId);
      expect(instance).to.include({ clusterId: golden.clusterId, engine: "aurora-mysql", instanceClass: "db.r6g.large", publiclyAccessible: false, parameterGroup: "shop-instance-params" });
    });

    it("resumes: creates nothing that already exists", async () => {
      await create(clients, settings, golden);
      aws.clock.advance(600);
      await createInstance(clients, settings, golden);
      expect(await create(clients, settings, golden)).to.deep.equal({ created: [] });
      expect(await createInstance(clients, settings, golden)).to.deep.equal({ created: [] });
      expect(aws.rds.calls.filter((c) => c.operation === "RestoreDBClusterToPointInTime" || c.operation === "CreateDBInstance")).to.have.length(2);
    });

    it("refuses, without retrying, while the day's golden from a failed run is still being deleted", async () => {
      await create(clients, settings, golden);
      aws.clock.advance(600);
      await abort(clients, settings, golden);
      let err: unknown;
      await create(clients, settings, golden).catch((e: unknown) => (err = e));
      expect(err).to.have.property("name", "GoldenStepError");
      expect((err as Error).message).to.contain("still being deleted");
    });
  });

  describe("status", () => {
    it("is ready only when cluster and instance are available and the new password is active", async () => {
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: "available" }] });
      rds.on(DescribeDBClustersCommand).resolvesOnce({ DBClusters: [{ Status: "creating" }] })
        .resolvesOnce({ DBClusters: [{ Status: "available", MasterUserSecret: { SecretStatus: "creating" } }] })
        .resolves({ DBClusters: [{ Status: "available", MasterUserSecret: { SecretStatus: "active" } }] });
      expect((await status(clients, golden)).ready).to.equal(false);
      expect((await status(clients, golden)).ready).to.equal(false);
      expect((await status(clients, golden)).ready).to.equal(true);
    });
  });

  describe("rotatePassword", () => {
    it("switches the clone to an RDS-managed password encrypted with the CMK", async () => {
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Status: "available" }] });
      rds.on(ModifyDBClusterCommand).resolves({ DBCluster: { MasterUserSecret: { SecretArn: "arn:secret" } } });
      expect(await rotatePassword(clients, settings, golden)).to.deep.equal({ secretArn: "arn:secret", rotated: true });
      expect(rds.commandCalls(ModifyDBClusterCommand)[0].args[0].input).to.deep.include({
        ManageMasterUserPassword: true,
        MasterUserSecretKmsKeyId: settings.kmsKeyArn,
        ApplyImmediately: true,
      });
    });

    it("does not rotate twice when a step is retried", async () => {
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ MasterUserSecret: { SecretArn: "arn:secret" } }] });
      expect((await rotatePassword(clients, settings, golden)).rotated).to.equal(false);
      expect(rds.commandCalls(ModifyDBClusterCommand)).to.have.length(0);
    });
  });

  describe("snapshot", () => {
    it("snapshots the masked golden once, then reports when it is available", async () => {
      rds.on(DescribeDBClusterSnapshotsCommand).rejectsOnce(missingSnapshot).resolves({
        DBClusterSnapshots: [{ Status: "available", DBClusterSnapshotArn: "arn:aws:rds:ap-northeast-1:123456789012:cluster-snapshot:golden-prod-20261121-snapshot" }],
      });
      expect(await snapshot(clients, settings, golden)).to.deep.equal({ created: true });
      expect(rds.commandCalls(CreateDBClusterSnapshotCommand)[0].args[0].input).to.deep.include({
        DBClusterSnapshotIdentifier: golden.snapshotId,
        DBClusterIdentifier: golden.clusterId,
      });
      const s = await snapshotStatus(clients, golden);
      expect(s.ready).to.equal(true);
      expect(s.snapshotArn).to.match(/cluster-snapshot:golden-prod-20261121-snapshot$/);
    });
  });

  describe("publish", () => {
    recordSdkRequests("golden-publish", fixture, ssm, cw);
    it("writes the golden's identifier to the parameter and emits the dead-man's-switch metric", async () => {
      process.env.GOLDEN_PARAMETER = settings.parameterName;
      process.env.ENVIRONMENT = "prod";
      const { publish } = await import("../../../functions/golden-publish/handler");
      await publish({ ssm: new SSMClient({}), cloudwatch: new CloudWatchClient({}) }, settings, golden.clusterId);
      expect(ssm.commandCalls(PutParameterCommand)[0].args[0].input).to.deep.include({ Name: settings.parameterName, Value: golden.clusterId, Overwrite: true });
      const metric = cw.commandCalls(PutMetricDataCommand)[0].args[0].input;
      expect(metric.Namespace).to.equal("DataPlatform/Golden");
      expect(metric.MetricData?.[0]).to.deep.include({ MetricName: "GoldenPublished", Value: 1 });
    });
  });

  describe("cleanup and abort (on the stateful RDS fake)", () => {
    let aws: AwsFake;
    const now = new Date("2026-11-21T01:00:00Z");
    const tagged = [...goldenTags, { Key: "golden-day", Value: "x" }];
    beforeEach(() => {
      aws = installAwsFake({ start: now });
      aws.rds.seedCluster({ id: "shop-prod-aurora" });
    });
    afterEach(() => aws.restore());
    const publish = (id: string) => aws.ssm.parameters.set(settings.parameterName, { value: id, type: "String", version: 1, modified: now });
    const seedGolden = (day: string, instances = true) =>
      aws.rds.seedCluster({ id: `golden-prod-${day}`, tags: tagged, instances: instances ? [`golden-prod-${day}-instance`] : [] });

    it("deletes the instances of superseded goldens within retention, but never the published one's, the previous one's (clones may still start from it) or a newer one's", async () => {
      for (const day of ["20261118", "20261119", "20261120", "20261121"]) seedGolden(day);
      publish("golden-prod-20261120");
      const { deleted } = await cleanup(clients, { ...settings, retentionDays: 5 }, now);
      expect(deleted).to.deep.equal(["golden-prod-20261118-instance"]);
      expect(aws.rds.identifiers().clusters).to.include.members(["golden-prod-20261118", "golden-prod-20261119", "golden-prod-20261120", "golden-prod-20261121"]);
    });

    it("deletes goldens and golden snapshots past retention, instances first, never the published or untagged ones", async () => {
      seedGolden("20261101");
      seedGolden("20261110", false);
      seedGolden("20261120", false);
      aws.rds.seedCluster({ id: "golden-prod-20261102", instances: [] });
      aws.rds.seedCluster({ id: "golden-stg-20261101", tags: [...goldenTags.slice(0, 1), { Key: "environment", Value: "stg" }], instances: [] });
      aws.rds.seedSnapshot("golden-prod-20261101-snapshot", "golden-prod-20261101", tagged);
      aws.rds.seedSnapshot("golden-prod-20261110-snapshot", "golden-prod-20261110", tagged);
      aws.rds.seedSnapshot("rds-shop-prod-aurora-2026-11-01", "shop-prod-aurora", tagged);
      publish("golden-prod-20261110");
      const { deleted } = await cleanup(clients, settings, now);
      expect(deleted).to.deep.equal(["golden-prod-20261101-instance", "golden-prod-20261101", "golden-prod-20261101-snapshot"]);
      aws.clock.advance(3600);
      expect(aws.rds.identifiers()).to.deep.equal({
        clusters: ["shop-prod-aurora", "golden-prod-20261110", "golden-prod-20261120", "golden-prod-20261102", "golden-stg-20261101"],
        instances: ["shop-prod-aurora-instance-1"],
        snapshots: ["golden-prod-20261110-snapshot", "rds-shop-prod-aurora-2026-11-01"],
      });
    });

    it("abort deletes the half-built golden: snapshot, instance, then cluster, leaving nothing", async () => {
      publish("golden-prod-20261120");
      seedGolden("20261121");
      aws.rds.seedSnapshot(golden.snapshotId, golden.clusterId, tagged);
      expect(await abort(clients, settings, golden)).to.deep.equal({ deleted: [golden.snapshotId, golden.instanceId, golden.clusterId], pending: [] });
      aws.clock.advance(3600);
      expect(aws.rds.identifiers().clusters).to.not.include(golden.clusterId);
      expect(aws.rds.identifiers().snapshots).to.deep.equal([]);
    });

    it("abort leaves a snapshot that is still being created (RDS refuses to delete it) as pending, and the next cleanup deletes it", async () => {
      publish("golden-prod-20261120");
      seedGolden("20261120");
      seedGolden("20261121");
      await snapshot(clients, settings, golden);
      expect(await abort(clients, settings, golden)).to.deep.equal({ deleted: [golden.instanceId, golden.clusterId], pending: [golden.snapshotId] });
      aws.clock.advance(3600);
      expect(aws.rds.identifiers().snapshots).to.deep.equal([golden.snapshotId]);
      expect((await cleanup(clients, settings, now)).deleted).to.deep.equal([golden.snapshotId]);
    });

    it("abort never deletes the published golden, nor a cluster that lacks the golden tags", async () => {
      seedGolden("20261121");
      publish(golden.clusterId);
      expect((await abort(clients, settings, golden)).deleted).to.deep.equal([]);
      aws.rds.state.clusters.delete(golden.clusterId);
      aws.rds.seedCluster({ id: golden.clusterId, instances: [] });
      publish("golden-prod-20261120");
      expect((await abort(clients, settings, golden)).deleted).to.deep.equal([]);
      expect(aws.rds.calls.filter((c) => c.operation.startsWith("Delete"))).to.deep.equal([]);
    });
  });
});
