import {
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
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
} from "@aws-sdk/client-rds";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { abort, cleanup, create, prepare, rotatePassword, snapshot, snapshotStatus, status } from "../../../functions/golden-cluster/steps";
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
const missingCluster = new DBClusterNotFoundFault({ message: "not found", $metadata: {} });
const missingInstance = new DBInstanceNotFoundFault({ message: "not found", $metadata: {} });
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
      expect((await prepare(clients, settings, { day: "20261121" }, new Date())).alreadyPublished).to.equal(true);
    });

    it("rejects a malformed day in the execution input", async () => {
      published();
      let err: unknown;
      await prepare(clients, settings, { day: "2026-11-21" }, new Date()).catch((e: unknown) => (err = e));
      expect(err).to.have.property("name", "GoldenStepError");
    });
  });

  describe("create", () => {
    it("clones the source copy-on-write with its engine, tagged golden, and adds one instance", async () => {
      rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: "shop-prod-aurora" }).resolves({ DBClusters: [{ Engine: "aurora-mysql" }] });
      rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: golden.clusterId }).rejects(missingCluster);
      rds.on(DescribeDBInstancesCommand).rejects(missingInstance);
      expect(await create(clients, settings, golden)).to.deep.equal({ created: [golden.clusterId, golden.instanceId] });
      const restore = rds.commandCalls(RestoreDBClusterToPointInTimeCommand)[0].args[0].input;
      expect(restore).to.deep.include({
        DBClusterIdentifier: golden.clusterId,
        SourceDBClusterIdentifier: "shop-prod-aurora",
        RestoreType: "copy-on-write",
        UseLatestRestorableTime: true,
        DeletionProtection: false,
      });
      expect(restore.Tags).to.deep.include({ Key: "purpose", Value: "golden" });
      const instance = rds.commandCalls(CreateDBInstanceCommand)[0].args[0].input;
      expect(instance).to.deep.include({ DBClusterIdentifier: golden.clusterId, Engine: "aurora-mysql", DBInstanceClass: "db.r6g.large", PubliclyAccessible: false });
    });

    it("resumes: creates nothing that already exists", async () => {
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Engine: "aurora-mysql", DBClusterIdentifier: golden.clusterId }] });
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: golden.instanceId }] });
      expect(await create(clients, settings, golden)).to.deep.equal({ created: [] });
      expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand)).to.have.length(0);
      expect(rds.commandCalls(CreateDBInstanceCommand)).to.have.length(0);
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

  describe("cleanup", () => {
    it("deletes the instances of superseded goldens within retention, but never the published or a newer golden's", async () => {
      published("golden-prod-20261120");
      rds.on(DescribeDBClustersCommand).resolves({
        DBClusters: [
          { DBClusterIdentifier: "golden-prod-20261119", TagList: goldenTags, DBClusterMembers: [{ DBInstanceIdentifier: "golden-prod-20261119-instance" }] },
          { DBClusterIdentifier: "golden-prod-20261120", TagList: goldenTags, DBClusterMembers: [{ DBInstanceIdentifier: "golden-prod-20261120-instance" }] },
          { DBClusterIdentifier: "golden-prod-20261121", TagList: goldenTags, DBClusterMembers: [{ DBInstanceIdentifier: "golden-prod-20261121-instance" }] },
        ],
      });
      rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
      const { deleted } = await cleanup(clients, settings, new Date("2026-11-21T01:00:00Z"));
      expect(deleted).to.deep.equal(["golden-prod-20261119-instance"]);
      expect(rds.commandCalls(DeleteDBClusterCommand)).to.have.length(0);
    });

    it("deletes goldens and golden snapshots past retention, instances first, never the published or untagged ones", async () => {
      published("golden-prod-20261110");
      rds.on(DescribeDBClustersCommand).resolves({
        DBClusters: [
          { DBClusterIdentifier: "golden-prod-20261101", TagList: goldenTags, DBClusterMembers: [{ DBInstanceIdentifier: "golden-prod-20261101-instance" }] },
          { DBClusterIdentifier: "golden-prod-20261110", TagList: goldenTags, DBClusterMembers: [] },
          { DBClusterIdentifier: "golden-prod-20261120", TagList: goldenTags, DBClusterMembers: [] },
          { DBClusterIdentifier: "golden-prod-20261102", TagList: [], DBClusterMembers: [] },
          { DBClusterIdentifier: "shop-prod-aurora", TagList: goldenTags },
          { DBClusterIdentifier: "golden-stg-20261101", TagList: goldenTags },
        ],
      });
      rds.on(DescribeDBClusterSnapshotsCommand).resolves({
        DBClusterSnapshots: [
          { DBClusterSnapshotIdentifier: "golden-prod-20261101-snapshot", TagList: goldenTags },
          { DBClusterSnapshotIdentifier: "golden-prod-20261110-snapshot", TagList: goldenTags },
          { DBClusterSnapshotIdentifier: "rds:shop-prod-aurora-2026-11-01", TagList: goldenTags },
        ],
      });
      const { deleted } = await cleanup(clients, settings, new Date("2026-11-21T01:00:00Z"));
      expect(deleted).to.deep.equal(["golden-prod-20261101-instance", "golden-prod-20261101", "golden-prod-20261101-snapshot"]);
      const order = rds.calls().map((c) => c.args[0].constructor.name).filter((n) => n.startsWith("Delete"));
      expect(order).to.deep.equal(["DeleteDBInstanceCommand", "DeleteDBClusterCommand", "DeleteDBClusterSnapshotCommand"]);
    });
  });

  describe("abort (the failure branch)", () => {
    it("deletes the half-built golden: snapshot, instance, then cluster", async () => {
      published("golden-prod-20261120");
      rds.on(DeleteDBClusterSnapshotCommand).rejects(missingSnapshot);
      rds.on(DescribeDBClustersCommand).resolves({
        DBClusters: [{ DBClusterIdentifier: golden.clusterId, TagList: goldenTags, DBClusterMembers: [{ DBInstanceIdentifier: golden.instanceId }] }],
      });
      expect(await abort(clients, settings, golden)).to.deep.equal({ deleted: [golden.instanceId, golden.clusterId] });
      expect(rds.commandCalls(DeleteDBClusterCommand)[0].args[0].input).to.deep.equal({ DBClusterIdentifier: golden.clusterId, SkipFinalSnapshot: true });
    });

    it("never deletes the published golden", async () => {
      published(golden.clusterId);
      expect((await abort(clients, settings, golden)).deleted).to.deep.equal([]);
      expect(rds.commandCalls(DeleteDBClusterCommand)).to.have.length(0);
      expect(rds.commandCalls(DeleteDBInstanceCommand)).to.have.length(0);
    });

    it("does not delete a cluster that lacks the golden tags", async () => {
      published();
      rds.on(DeleteDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: { DBClusterSnapshotIdentifier: golden.snapshotId } });
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: golden.clusterId, TagList: [] }] });
      expect((await abort(clients, settings, golden)).deleted).to.deep.equal([golden.snapshotId]);
      expect(rds.commandCalls(DeleteDBClusterCommand)).to.have.length(0);
    });
  });
});
