import {
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RestoreDBClusterToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { type AwsFake, installAwsFake, rdsError } from "./awsFake";

/** The fakes refuse what AWS refuses, and move only with the simulated clock. */
describe("AWS fakes", () => {
  let aws: AwsFake;
  const rds = new RDSClient({ region: "ap-northeast-1" });
  const fails = async (p: Promise<unknown>): Promise<Error> => {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error("expected the call to fail");
  };
  const status = async (id: string) => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0]?.Status;
  const restore = (id: string, extra: Record<string, unknown> = {}) =>
    rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: id, SourceDBClusterIdentifier: "source", RestoreType: "copy-on-write", UseLatestRestorableTime: true, ...extra }));

  beforeEach(() => {
    aws = installAwsFake();
    aws.rds.seedCluster({ id: "source", clusterParameterGroup: "shop-cluster-params", instanceParameterGroup: "shop-instance-params" });
  });
  afterEach(() => aws.restore());

  describe("RDS", () => {
    it("keeps a restored clone 'creating' until its creation time has passed, and refuses instances until then", async () => {
      await restore("clone");
      expect(await status("clone")).to.equal("creating");
      const early = await fails(rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "clone-1", DBClusterIdentifier: "clone", DBInstanceClass: "db.r6g.large", Engine: "aurora-mysql" })));
      expect(early.name).to.equal("InvalidDBClusterStateFault");
      aws.clock.advance(600);
      expect(await status("clone")).to.equal("available");
      await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "clone-1", DBClusterIdentifier: "clone", DBInstanceClass: "db.r6g.large", Engine: "aurora-mysql" }));
      expect(aws.rds.state.instances.get("clone-1")?.status).to.equal("creating");
    });

    it("gives a restore without parameter groups the engine's defaults, not the source's", async () => {
      await restore("plain");
      await restore("faithful", { DBClusterParameterGroupName: "shop-cluster-params" });
      expect(aws.rds.state.clusters.get("plain")?.clusterParameterGroup).to.equal("default.aurora-mysql8.0");
      expect(aws.rds.state.clusters.get("faithful")?.clusterParameterGroup).to.equal("shop-cluster-params");
      expect((await fails(restore("missing", { DBClusterParameterGroupName: "nope" }))).name).to.equal("DBClusterParameterGroupNotFoundFault");
    });

    it("refuses to delete a snapshot that is still being created", async () => {
      await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: "snap", DBClusterIdentifier: "source" }));
      const err = await fails(rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: "snap" })));
      expect(err.name).to.equal("InvalidDBClusterSnapshotStateFault");
      aws.clock.advance(300);
      await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: "snap" }));
      aws.clock.advance(30);
      expect(aws.rds.identifiers().snapshots).to.deep.equal([]);
    });

    it("refuses to delete a cluster whose instances are not being deleted, and accepts it once they are", async () => {
      const err = await fails(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "source", SkipFinalSnapshot: true })));
      expect(err).to.include({ name: "InvalidDBClusterStateFault" });
      expect(err.message).to.contain("non-deleting state");
      await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "source-instance-1", SkipFinalSnapshot: true }));
      expect((await fails(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "source" })))).name, "final snapshot required").to.equal("InvalidParameterCombination");
      await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "source", SkipFinalSnapshot: true }));
      expect(await status("source")).to.equal("deleting");
      aws.clock.advance(300);
      expect(aws.rds.identifiers()).to.deep.equal({ clusters: [], instances: [], snapshots: [] });
      expect((await fails(status("source"))).name).to.equal("DBClusterNotFoundFault");
    });

    it("gives a cluster an RDS-managed master secret that is 'creating' before it is 'active'", async () => {
      const out = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "source", ManageMasterUserPassword: true, ApplyImmediately: true }));
      expect(out.DBCluster?.MasterUserSecret?.SecretStatus).to.equal("creating");
      expect(await status("source")).to.equal("modifying");
      aws.clock.advance(120);
      const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "source" }))).DBClusters?.[0];
      expect(cluster?.MasterUserSecret?.SecretStatus).to.equal("active");
      const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: cluster?.MasterUserSecret?.SecretArn }));
      expect(JSON.parse(secret.SecretString ?? "{}")).to.have.property("username", "admin");
    });

    it("can hold a resource in its status forever, and plant faults", async () => {
      await restore("stuck");
      aws.rds.neverSettles("stuck");
      aws.clock.advance(86_400);
      expect(await status("stuck")).to.equal("creating");
      aws.rds.faults.fail("DescribeDBClusters", () => rdsError("Throttling", "Rate exceeded"), 1);
      expect((await fails(status("stuck"))).name).to.equal("Throttling");
      expect(await status("stuck")).to.equal("creating");
    });

    it("throws for an operation it does not model, rather than answering undefined", async () => {
      const err = await fails(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: "source-instance-1" })));
      expect(err.message).to.contain("RebootDBInstanceCommand is not modelled");
    });
  });

  it("SSM: a second write needs Overwrite, and each write is a new version", async () => {
    const ssm = new SSMClient({});
    await ssm.send(new PutParameterCommand({ Name: "/p", Value: "a", Type: "String" }));
    expect((await fails(ssm.send(new PutParameterCommand({ Name: "/p", Value: "b", Type: "String" })))).name).to.equal("ParameterAlreadyExists");
    expect((await ssm.send(new PutParameterCommand({ Name: "/p", Value: "b", Overwrite: true }))).Version).to.equal(2);
    expect((await ssm.send(new GetParameterCommand({ Name: "/p" }))).Parameter?.Value).to.equal("b");
    expect((await fails(ssm.send(new GetParameterCommand({ Name: "/q" })))).name).to.equal("ParameterNotFound");
  });

  it("SNS: publishes only to a known topic, with a subject under 100 printable characters", async () => {
    const sns = new SNSClient({});
    const topic = "arn:aws:sns:ap-northeast-1:123456789012:alerts";
    expect((await fails(sns.send(new PublishCommand({ TopicArn: topic, Message: "m" })))).name).to.equal("NotFoundException");
    aws.sns.topics.add(topic);
    expect((await fails(sns.send(new PublishCommand({ TopicArn: topic, Subject: "x".repeat(100), Message: "m" })))).name).to.equal("InvalidParameterException");
    expect((await fails(sns.send(new PublishCommand({ TopicArn: topic, Subject: "two\nlines", Message: "m" })))).name).to.equal("InvalidParameterException");
    await sns.send(new PublishCommand({ TopicArn: topic, Subject: "ok", Message: "m" }));
    expect(aws.sns.published).to.deep.equal([{ topicArn: topic, subject: "ok", message: "m" }]);
  });

  it("SNS: a per-protocol (MessageStructure json) message needs a string under default", async () => {
    const sns = new SNSClient({});
    const topic = "arn:aws:sns:ap-northeast-1:123456789012:alerts";
    aws.sns.topics.add(topic);
    for (const Message of ["not json", JSON.stringify({ email: "only e-mail" }), JSON.stringify({ default: { nested: true } })]) {
      expect((await fails(sns.send(new PublishCommand({ TopicArn: topic, MessageStructure: "json", Message })))).name, Message).to.equal("InvalidParameterException");
    }
    const Message = JSON.stringify({ default: "{}", email: "text" });
    await sns.send(new PublishCommand({ TopicArn: topic, MessageStructure: "json", Message }));
    expect(aws.sns.published).to.deep.equal([{ topicArn: topic, message: Message, messageStructure: "json" }]);
  });
});
