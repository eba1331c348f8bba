import {
  type DBCluster,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  InvalidDBInstanceStateFault,
  RDSClient,
} from "@aws-sdk/client-rds";
import { DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { type ReaperDeps, judge, reapExpiredClones } from "../../../functions/qa-reaper/reaper";
import { recordSdkRequests } from "../../support/sdkRequests";
import { alertDetails, readAlert } from "../../support/alerts";

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
const ec2Mock = mockClient(EC2Client);
const NOW = new Date("2025-03-02T12:00:00.000Z");
const HOUR = 3_600_000;
const TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts";

/** A clone as `qa create` tags it; `expiresAt` relative to NOW. */
function clone(name: string, expiresInMs: number, over: Partial<DBCluster> = {}, tagOverrides: Record<string, string | undefined> = {}): DBCluster {
  const tags: Record<string, string | undefined> = {
    purpose: "qa",
    owner: "alice",
    "expires-at": new Date(NOW.getTime() + expiresInMs).toISOString(),
    stack: `qa-${name}`,
    environment: "stg",
    ...tagOverrides,
  };
  return {
    DBClusterIdentifier: `data-platform-stg-qa-${name}`,
    Status: "available",
    DeletionProtection: false,
    DBClusterMembers: [{ DBInstanceIdentifier: `data-platform-stg-qa-${name}-1` }],
    TagList: Object.entries(tags).filter(([, v]) => v !== undefined).map(([Key, Value]) => ({ Key, Value })),
    ...over,
  };
}

const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
const deps = (over: Partial<ReaperDeps> = {}): ReaperDeps => ({
  rds: new RDSClient({ region: "ap-northeast-1" }),
  ec2: new EC2Client({ region: "ap-northeast-1" }),
  sns: new SNSClient({ region: "ap-northeast-1" }),
  topicArn: TOPIC,
  environment: "stg",
  gracePeriodMs: 2 * HOUR,
  instanceWait: { minDelaySeconds: 1, maxWaitSeconds: 2 },
  now: () => NOW,
  logger: {
    info: (message, fields) => logs.push({ level: "info", message, fields }),
    warn: (message, fields) => logs.push({ level: "warn", message, fields }),
    error: (message, fields) => logs.push({ level: "error", message, fields }),
  },
  ...over,
});

const deletedClusters = () => rdsMock.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input.DBClusterIdentifier);
const deletedInstances = () => rdsMock.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier);

describe("QA clone safety-net reaper (functions/qa-reaper)", () => {
  recordSdkRequests("qa-reaper", { ENVIRONMENT: "stg", ALERT_TOPIC_ARN: TOPIC }, rdsMock, snsMock, ec2Mock);
  beforeEach(() => {
    rdsMock.reset();
    snsMock.reset();
    ec2Mock.reset();
    // No gone clone left anything behind (test/unit/functions/qaReaperLeftovers.test.ts covers that part).
    rdsMock.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    logs.length = 0;
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    rdsMock.on(DeleteDBClusterCommand).resolves({});
    rdsMock.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: "gone", $metadata: {} }));
    snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
  });

  it("deletes only tagged clones whose expiry passed more than the grace period ago, across every page", async () => {
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [clone("old", -3 * HOUR), clone("in-grace", -1 * HOUR)], Marker: "page-2" })
      .resolvesOnce({ DBClusters: [clone("future", 5 * HOUR), clone("just-past-grace", -2 * HOUR - 1000)] });
    const report = await reapExpiredClones(deps());
    expect(deletedClusters()).to.deep.equal(["data-platform-stg-qa-old", "data-platform-stg-qa-just-past-grace"]);
    expect(report.examined).to.equal(4);
    expect(rdsMock.commandCalls(DescribeDBClustersCommand)[1].args[0].input.Marker).to.equal("page-2");
  });

  it("never touches a cluster without the QA tags, however old", async () => {
    const untagged: DBCluster = { DBClusterIdentifier: "shop-stg-aurora", Status: "available", TagList: [], DBClusterMembers: [{ DBInstanceIdentifier: "shop-stg-aurora-1" }] };
    const noTagList: DBCluster = { DBClusterIdentifier: "legacy" };
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        untagged,
        noTagList,
        clone("no-purpose", -10 * HOUR, {}, { purpose: undefined }),
        clone("wrong-purpose", -10 * HOUR, {}, { purpose: "prod" }),
        clone("no-expiry", -10 * HOUR, {}, { "expires-at": undefined }),
        clone("bad-expiry", -10 * HOUR, {}, { "expires-at": "yesterday" }),
        clone("no-stack", -10 * HOUR, {}, { stack: undefined }),
        clone("other-env", -10 * HOUR, {}, { environment: "prod" }),
        // Tagged like a clone but named like the production cluster: the identifier must match the stack tag.
        clone("impostor", -10 * HOUR, { DBClusterIdentifier: "shop-prod-aurora" }),
        clone("protected", -10 * HOUR, { DeletionProtection: true }),
        clone("deleting", -10 * HOUR, { Status: "deleting" }),
      ],
    });
    const report = await reapExpiredClones(deps());
    expect(report.examined).to.equal(11);
    expect(rdsMock.commandCalls(DeleteDBClusterCommand)).to.have.length(0);
    expect(rdsMock.commandCalls(DeleteDBInstanceCommand)).to.have.length(0);
    expect(logs.find((l) => l.level === "warn")?.fields).to.deep.equal({ cluster: "data-platform-stg-qa-protected", reason: "deletion protection is on" });
    // The one alert: an expired clone of ours that it may not delete.
    expect(snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).to.deep.equal([
      "[data-platform stg] QA clone data-platform-stg-qa-protected expired, cannot be deleted",
    ]);
    expect(report.blocked).to.deep.equal([{ cluster: "data-platform-stg-qa-protected", reason: "deletion protection is on" }]);
    expect(report.inProgress).to.deep.equal(["data-platform-stg-qa-deleting"]);
  });

  it("counts an instance RDS is already deleting as progress, not a failure", async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("halfway", -3 * HOUR)] });
    rdsMock.on(DeleteDBInstanceCommand).rejects(new InvalidDBInstanceStateFault({ message: "Instance is already being deleted.", $metadata: {} }));
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: "data-platform-stg-qa-halfway-1", DBInstanceStatus: "deleting" }] });
    const report = await reapExpiredClones(deps({ instanceWait: { minDelaySeconds: 1, maxWaitSeconds: 1 } }));
    expect(report.failures).to.deep.equal([]);
    expect(report.deletions.map((d) => [d.cluster, d.clusterDeleted])).to.deep.equal([["data-platform-stg-qa-halfway", false]]);
  });

  it("fails on an instance in any other state RDS refuses to delete", async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("modifying", -3 * HOUR)] });
    rdsMock.on(DeleteDBInstanceCommand).rejects(new InvalidDBInstanceStateFault({ message: "Instance is not available.", $metadata: {} }));
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: "data-platform-stg-qa-modifying-1", DBInstanceStatus: "modifying" }] });
    const report = await reapExpiredClones(deps());
    expect(report.failures.map((f) => f.cluster)).to.deep.equal(["data-platform-stg-qa-modifying"]);
  });

  it("deletes the instances first, then the cluster without a final snapshot", async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [clone("two", -5 * HOUR, { DBClusterMembers: [{ DBInstanceIdentifier: "data-platform-stg-qa-two-1" }, { DBInstanceIdentifier: "data-platform-stg-qa-two-2" }] })],
    });
    await reapExpiredClones(deps());
    const order = rdsMock.calls().map((c) => c.args[0].constructor.name).filter((n) => n.startsWith("Delete"));
    expect(order).to.deep.equal(["DeleteDBInstanceCommand", "DeleteDBInstanceCommand", "DeleteDBClusterCommand"]);
    expect(deletedInstances()).to.deep.equal(["data-platform-stg-qa-two-1", "data-platform-stg-qa-two-2"]);
    expect(rdsMock.commandCalls(DeleteDBClusterCommand)[0].args[0].input).to.deep.equal({ DBClusterIdentifier: "data-platform-stg-qa-two", SkipFinalSnapshot: true });
  });

  it("alerts the topic on every deletion with who owned the clone and when it expired", async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("a", -3 * HOUR), clone("b", -4 * HOUR)] });
    await reapExpiredClones(deps());
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).to.have.length(2);
    expect(published.every((p) => p.TopicArn === TOPIC)).to.equal(true);
    expect(published[0].Subject).to.equal("[data-platform stg] QA clone data-platform-stg-qa-a deleted by the safety net");
    expect(alertDetails(published[0])).to.include({ environment: "stg", cluster: "data-platform-stg-qa-a", stack: "qa-a", owner: "alice", clusterDeleted: true, expiresAt: "2025-03-02T09:00:00.000Z" });
    const { chatbot } = readAlert(published[0]);
    expect(chatbot).to.include({ version: "1.0", source: "custom" });
    expect(chatbot.content.title).to.contain("QA clone data-platform-stg-qa-a deleted by the safety net");
    expect(chatbot.content.description).to.contain("*owner*: alice");
  });

  it("leaves the cluster for the next run when its instances are still being deleted", async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("slow", -3 * HOUR)] });
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: "data-platform-stg-qa-slow-1", DBInstanceStatus: "deleting" }] });
    const report = await reapExpiredClones(deps());
    expect(deletedInstances()).to.deep.equal(["data-platform-stg-qa-slow-1"]);
    expect(rdsMock.commandCalls(DeleteDBClusterCommand)).to.have.length(0);
    expect(report.deletions[0].clusterDeleted).to.equal(false);
    expect(snsMock.commandCalls(PublishCommand)).to.have.length(1);
  });

  it("deletes a cluster whose instances are already gone without deleting any instance", async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("bare", -3 * HOUR, { DBClusterMembers: [] })] });
    await reapExpiredClones(deps());
    expect(rdsMock.commandCalls(DeleteDBInstanceCommand)).to.have.length(0);
    expect(deletedClusters()).to.deep.equal(["data-platform-stg-qa-bare"]);
  });

  it("alerts on a failed deletion, carries on with the others, and reports the failure", async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("stuck", -3 * HOUR), clone("fine", -3 * HOUR)] });
    rdsMock.on(DeleteDBClusterCommand, { DBClusterIdentifier: "data-platform-stg-qa-stuck" }).rejects(new Error("InvalidDBClusterStateFault"));
    const report = await reapExpiredClones(deps());
    expect(report.failures).to.deep.equal([{ cluster: "data-platform-stg-qa-stuck", error: "Error: InvalidDBClusterStateFault" }]);
    expect(deletedClusters()).to.deep.equal(["data-platform-stg-qa-stuck", "data-platform-stg-qa-fine"]);
    const subjects = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
    expect(subjects).to.deep.equal([
      "[data-platform stg] QA clone data-platform-stg-qa-stuck: safety-net deletion FAILED",
      "[data-platform stg] QA clone data-platform-stg-qa-fine deleted by the safety net",
    ]);
  });

  it("judges the expiry boundary exactly: deleted at expiry + grace, not a millisecond before", () => {
    const at = (offset: number) => judge(clone("edge", -2 * HOUR + offset), NOW, 2 * HOUR, "stg").delete;
    expect(at(0)).to.equal(true);
    expect(at(1)).to.equal(false);
  });

  describe("handler", () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    it("reads its settings at cold start and throws after alerting when a deletion failed", async () => {
      Object.assign(process.env, { ALERT_TOPIC_ARN: TOPIC, ENVIRONMENT: "stg", GRACE_PERIOD_MINUTES: "120", POWERTOOLS_LOG_LEVEL: "SILENT", AWS_REGION: "ap-northeast-1" });
      const { handler } = await import("../../../functions/qa-reaper/handler");
      rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [clone("stuck", -3 * HOUR, { DBClusterMembers: [] }), clone("recent", Date.now() - NOW.getTime() - HOUR)] });
      rdsMock.on(DeleteDBClusterCommand).rejects(new Error("boom")); // the handler runs on the real clock: "recent" is in its grace period
      let failure: unknown;
      try {
        await handler();
      } catch (err) {
        failure = err;
      }
      expect(String(failure)).to.contain("could not delete 1 expired QA clone(s): data-platform-stg-qa-stuck");
      expect(snsMock.commandCalls(PublishCommand)).to.have.length(1);
    });
  });
});
