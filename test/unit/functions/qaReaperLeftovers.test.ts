import { EC2Client } from "@aws-sdk/client-ec2";
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { type ReaperDeps, reapExpiredClones } from "../../../functions/qa-reaper/reaper";
import { type AwsFake, installAwsFake } from "../../support/awsFake";
import { recordSdkRequests } from "../../support/sdkRequests";

const rdsMock = mockClient(RDSClient);
const ec2Mock = mockClient(EC2Client);
const snsMock = mockClient(SNSClient);
const TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts";
const HOUR = 3_600_000;
const START = new Date("2025-03-02T12:00:00.000Z");

/** The tags `qa create` puts on every resource of a clone (contracts/qaStack `qaResourceTags`). */
const qaTags = (name: string, expiresAt: Date, environment = "stg") => [
  { Key: "purpose", Value: "qa" },
  { Key: "owner", Value: "alice" },
  { Key: "expires-at", Value: expiresAt.toISOString() },
  { Key: "stack", Value: `qa-${name}` },
  { Key: "environment", Value: environment },
];

/**
 * The AWS-side reaper against the stateful RDS and EC2 fakes: a clone's subnet group and security group go only
 * once its cluster is gone, and the security group only once RDS released the cluster's network interfaces.
 */
describe("QA reaper: a gone clone's subnet group and security group", () => {
  let aws: AwsFake;
  recordSdkRequests("qa-reaper", { ENVIRONMENT: "stg", ALERT_TOPIC_ARN: TOPIC }, rdsMock, snsMock, ec2Mock);

  beforeEach(() => {
    rdsMock.reset();
    ec2Mock.reset();
    snsMock.reset();
    aws = installAwsFake({ start: START });
    aws.sns.topics.add(TOPIC);
  });
  afterEach(() => aws.restore());

  const deps = (): ReaperDeps => ({
    rds: new RDSClient({ region: "ap-northeast-1" }),
    ec2: new EC2Client({ region: "ap-northeast-1" }),
    sns: new SNSClient({ region: "ap-northeast-1" }),
    topicArn: TOPIC,
    environment: "stg",
    gracePeriodMs: 2 * HOUR,
    // The waiter runs on real time; the fake's instances move only when the simulated clock does.
    instanceWait: { minDelaySeconds: 1, maxWaitSeconds: 1 },
    now: () => aws.clock.now(),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });

  /** An expired clone as `qa create` leaves it: cluster, instance, subnet group and security group, all tagged. */
  function seedClone(name: string, expiresAt: Date, environment = "stg"): string {
    const id = `data-platform-${environment}-qa-${name}`;
    const sg = `sg-0${name.replace(/[^a-f0-9]/g, "a").padEnd(16, "0").slice(0, 16)}`;
    aws.rds.seedSubnetGroup(id, qaTags(name, expiresAt, environment));
    aws.ec2.seedSecurityGroup({ id: sg, name: id, tags: qaTags(name, expiresAt, environment) });
    aws.rds.seedCluster({ id, instances: [`${id}-1`], tags: qaTags(name, expiresAt, environment), subnetGroup: id, securityGroupIds: [sg] });
    return sg;
  }

  it("removes them after the cluster is gone and its network interfaces are released, one step per run", async () => {
    const sg = seedClone("checkout-bug", new Date(START.getTime() - 3 * HOUR));
    const id = "data-platform-stg-qa-checkout-bug";

    // Run 1: the instance is deleted; the cluster (and so its groups) stays until the instance is gone.
    let report = await reapExpiredClones(deps());
    expect(report.deletions.map((d) => [d.cluster, d.clusterDeleted])).to.deep.equal([[id, false]]);
    expect(report.leftoversRemoved).to.deep.equal([]);
    expect(aws.rds.calls.map((c) => c.operation)).to.not.include("DeleteDBSubnetGroup");

    // Run 2: the instance is gone, so the cluster is deleted; it is still listed (deleting), so its groups stay.
    aws.clock.advance(600);
    report = await reapExpiredClones(deps());
    expect(report.deletions.map((d) => [d.cluster, d.clusterDeleted])).to.deep.equal([[id, true]]);
    expect(report.leftoversRemoved).to.deep.equal([]);
    expect(aws.rds.state.subnetGroups.has(id)).to.equal(true);

    // Run 3: the cluster is gone, but RDS has not released its network interfaces: EC2 refuses with
    // DependencyViolation, which is progress, not a failure. The subnet group goes.
    aws.clock.advance(300);
    report = await reapExpiredClones(deps());
    expect(report.failures).to.deep.equal([]);
    expect(report.leftoversRemoved).to.deep.equal([`subnet group ${id}`]);
    expect(report.leftoversWaiting).to.deep.equal([`security group ${sg} (${id})`]);
    expect(aws.ec2.calls.filter((c) => c.operation === "DeleteSecurityGroup")).to.have.length(1);
    expect(aws.ec2.securityGroups.has(sg)).to.equal(true);

    // Run 4: the interfaces are released; the security group goes, and nothing of the clone is left.
    aws.clock.advance(600);
    report = await reapExpiredClones(deps());
    expect(report.leftoversRemoved).to.deep.equal([`security group ${sg} (${id})`]);
    expect(aws.ec2.securityGroups.size).to.equal(0);
    expect(aws.rds.state.subnetGroups.size).to.equal(0);
    expect(aws.rds.state.clusters.size).to.equal(0);
    expect(aws.sns.published.filter((m) => /FAILED/.test(m.subject ?? ""))).to.deep.equal([]);
  });

  it("never touches the groups of a clone being created, of another environment or without the QA tags", async () => {
    // A clone being created right now: its groups exist before its cluster, and its expiry is in the future.
    const creating = "data-platform-stg-qa-new-one";
    aws.rds.seedSubnetGroup(creating, qaTags("new-one", new Date(START.getTime() + 4 * HOUR)));
    aws.ec2.seedSecurityGroup({ id: "sg-0b00000000000001", name: creating, tags: qaTags("new-one", new Date(START.getTime() + 4 * HOUR)) });
    // Another environment's expired leftovers, and an untagged group that merely has a QA-like name.
    aws.rds.seedSubnetGroup("data-platform-prod-qa-old", qaTags("old", new Date(START.getTime() - 9 * HOUR), "prod"));
    aws.ec2.seedSecurityGroup({ id: "sg-0b00000000000002", name: "data-platform-prod-qa-old", tags: qaTags("old", new Date(START.getTime() - 9 * HOUR), "prod") });
    aws.rds.seedSubnetGroup("data-platform-stg-qa-untagged");
    aws.ec2.seedSecurityGroup({ id: "sg-0b00000000000003", name: "data-platform-stg-qa-untagged" });
    // A leftover whose stack tag names another clone than its name does.
    aws.ec2.seedSecurityGroup({ id: "sg-0b00000000000004", name: "data-platform-stg-qa-mismatch", tags: qaTags("other", new Date(START.getTime() - 9 * HOUR)) });

    const report = await reapExpiredClones(deps());
    expect(report.leftoversRemoved).to.deep.equal([]);
    expect(report.leftoversWaiting).to.deep.equal([]);
    expect([...aws.rds.state.subnetGroups.keys()].sort()).to.deep.equal(["data-platform-prod-qa-old", "data-platform-stg-qa-new-one", "data-platform-stg-qa-untagged"]);
    expect(aws.ec2.securityGroups.size).to.equal(4);
    expect(aws.ec2.calls.filter((c) => c.operation === "DeleteSecurityGroup")).to.deep.equal([]);
  });

  it("alerts on a leftover it may not remove, and goes on with the others", async () => {
    seedClone("denied", new Date(START.getTime() - 9 * HOUR));
    const sg2 = seedClone("fine", new Date(START.getTime() - 9 * HOUR));
    // Both clusters already gone (deleted outside Pulumi long ago).
    aws.rds.state.clusters.clear();
    aws.rds.state.instances.clear();
    aws.ec2.faults.fail("DeleteSecurityGroup", () => Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation" }), 1);
    const report = await reapExpiredClones(deps());
    expect(report.failures.map((f) => f.error)).to.deep.equal(["UnauthorizedOperation: You are not authorized to perform this operation."]);
    expect(report.leftoversRemoved).to.include(`security group ${sg2} (data-platform-stg-qa-fine)`);
    const subjects = aws.sns.published.map((m) => m.subject ?? "");
    expect(subjects).to.have.length(1);
    expect(subjects[0]).to.match(/^\[data-platform stg\] QA clone leftover security group sg-\w+ \(data-platform-stg-qa-/);
  });
});
