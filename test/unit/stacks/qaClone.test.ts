import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { type MockRunOptions, type RecordedResource, resolveOutputs, runUnderMocks } from "../../../automation/plan/mockRuntime";
import { QA_TAGS } from "../../../contracts/qaStack";
import { type CloneSpec, cloneStackConfig, parseCloneStackConfig } from "../../../stacks/qaClone";
import { expectAllParented, find, ofType } from "../../support/pulumi";

const CREATED = new Date("2025-03-01T09:00:00.000Z");
const EXPIRES = new Date("2025-03-01T13:00:00.000Z");

const spec: CloneSpec = {
  environment: "stg",
  cloneName: "checkout-bug",
  owner: "alice@example.com",
  sourceClusterIdentifier: "shop-stg-aurora",
  instanceClass: "db.r6g.large",
  vpcId: "vpc-0a1b2c3d4e5f60718",
  subnetIds: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
  allowedCidrs: ["10.20.0.0/16"],
  allowedSecurityGroupIds: ["sg-0a1b2c3d4e5f60733"],
  createdAt: CREATED.toISOString(),
};

/** Runs stacks/qaClone.ts under mocks; imported after the mocks are set (see STYLE.md). */
async function runClone(overrides: Partial<CloneSpec> = {}, calls?: MockRunOptions["calls"]) {
  let secretPassword = false;
  const run = await runUnderMocks(
    async () => {
      const { default: qaClone } = await import("../../../stacks/qaClone");
      const out = await qaClone();
      secretPassword = await pulumi.isSecret(out.password);
      return out;
    },
    {
      project: "data-platform-qa-stg",
      stack: "qa-checkout-bug",
      config: { "aws:region": "ap-northeast-1", ...cloneStackConfig({ ...spec, ...overrides }, EXPIRES) },
      calls,
    },
  );
  return { ...run, outputs: await resolveOutputs(run.result), secretPassword };
}

describe("QA clone inline program (stacks/qaClone.ts)", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  let secretPassword: boolean;
  before(async () => {
    ({ resources, outputs, secretPassword } = await runClone());
  });

  it("restores a copy-on-write clone of the source at its latest restorable time", () => {
    const cluster = find(resources, "aws:rds/cluster:Cluster");
    expect(cluster.inputs.restoreToPointInTime).to.deep.equal({
      restoreType: "copy-on-write",
      useLatestRestorableTime: true,
      sourceClusterIdentifier: "shop-stg-aurora",
    });
    expect(cluster.inputs.clusterIdentifier).to.equal("data-platform-stg-qa-checkout-bug");
  });

  it("is disposable: no final snapshot, no deletion protection, encrypted with the source's key", () => {
    const cluster = find(resources, "aws:rds/cluster:Cluster");
    expect(cluster.inputs.skipFinalSnapshot).to.equal(true);
    expect(cluster.inputs.deletionProtection).to.equal(false);
    expect(cluster.inputs.storageEncrypted).to.equal(true);
    expect(cluster.inputs).to.not.have.property("kmsKeyId");
    expect(cluster.protect).to.equal(false);
  });

  it("runs with the source's cluster and instance parameter groups, not the engine defaults", () => {
    expect(find(resources, "aws:rds/cluster:Cluster").inputs.dbClusterParameterGroupName).to.equal("shop-stg-aurora-cluster-params");
    expect(find(resources, "aws:rds/clusterInstance:ClusterInstance").inputs.dbParameterGroupName).to.equal("shop-stg-aurora-1-params");
  });

  it("takes the engine from the source cluster instead of hard-coding it", async () => {
    const run = await runClone({}, {
      "aws:rds/getCluster:getCluster": (inputs) => ({
        clusterIdentifier: inputs.clusterIdentifier,
        engine: "aurora-postgresql",
        port: 5432,
        masterUsername: "postgres",
        storageEncrypted: true,
        clusterMembers: ["pg-1"],
      }),
    });
    const cluster = find(run.resources, "aws:rds/cluster:Cluster");
    expect(cluster.inputs.engine).to.equal("aurora-postgresql");
    expect(cluster.inputs.port).to.equal(5432);
    expect(find(run.resources, "aws:rds/clusterInstance:ClusterInstance").inputs.engine).to.equal("aurora-postgresql");
    expect(run.outputs.user).to.equal("postgres");
    for (const rule of ofType(run.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
      expect([rule.inputs.fromPort, rule.inputs.toPort]).to.deep.equal([5432, 5432]);
    }
  });

  it("refuses to clone an unencrypted source", async () => {
    const unencrypted = { "aws:rds/getCluster:getCluster": (inputs: Record<string, unknown>) => ({ clusterIdentifier: inputs.clusterIdentifier, engine: "aurora-mysql", port: 3306, masterUsername: "admin", storageEncrypted: false, clusterMembers: ["x-1"] }) };
    let failure: unknown;
    try {
      await runClone({}, unencrypted);
    } catch (err) {
      failure = err;
    }
    expect(String(failure)).to.match(/source cluster shop-stg-aurora is not encrypted/);
  });

  it("gives the clone a new random master password, kept secret in inputs and outputs", () => {
    const cluster = find(resources, "aws:rds/cluster:Cluster");
    expect(cluster.secretInputs).to.include("masterPassword");
    expect(cluster.inputs.masterPassword).to.equal("[secret]");
    const password = find(resources, "random:index/randomPassword:RandomPassword");
    expect(password.inputs.length).to.be.at.least(32);
    expect(password.inputs.overrideSpecial).to.not.match(/[/@" ]/); // characters RDS rejects
    expect(secretPassword).to.equal(true);
    expect(outputs.password).to.equal("[secret]");
  });

  it("opens the port only to the configured CIDRs and security groups, and allows no egress", () => {
    const rules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.map((r) => ({ cidr: r.inputs.cidrIpv4, sg: r.inputs.referencedSecurityGroupId, from: r.inputs.fromPort, to: r.inputs.toPort, proto: r.inputs.ipProtocol }))).to.deep.equal([
      { cidr: "10.20.0.0/16", sg: undefined, from: 3306, to: 3306, proto: "tcp" },
      { cidr: undefined, sg: "sg-0a1b2c3d4e5f60733", from: 3306, to: 3306, proto: "tcp" },
    ]);
    const sg = find(resources, "aws:ec2/securityGroup:SecurityGroup");
    expect(sg.inputs.vpcId).to.equal(spec.vpcId);
    expect(sg.inputs.egress).to.deep.equal([]);
    expect(sg.inputs).to.not.have.property("ingress");
    expect(find(resources, "aws:rds/cluster:Cluster").inputs.vpcSecurityGroupIds).to.deep.equal(["clone-sg-id"]);
  });

  it("places the clone in a private subnet group and its one instance is not publicly accessible", () => {
    const group = find(resources, "aws:rds/subnetGroup:SubnetGroup");
    expect(group.inputs.subnetIds).to.deep.equal(spec.subnetIds);
    expect(find(resources, "aws:rds/cluster:Cluster").inputs.dbSubnetGroupName).to.equal(group.inputs.name);
    const instances = ofType(resources, "aws:rds/clusterInstance:ClusterInstance");
    expect(instances).to.have.length(1);
    expect(instances[0].inputs.instanceClass).to.equal("db.r6g.large");
    expect(instances[0].inputs.publiclyAccessible).to.equal(false);
    expect(instances[0].inputs.identifier).to.equal("data-platform-stg-qa-checkout-bug-1");
  });

  it("tags every tagged resource with purpose, owner, stack and the configured expiry", () => {
    const expected = {
      [QA_TAGS.purpose]: "qa",
      [QA_TAGS.owner]: "alice@example.com",
      [QA_TAGS.expiresAt]: "2025-03-01T13:00:00.000Z",
      [QA_TAGS.stack]: "qa-checkout-bug",
      [QA_TAGS.environment]: "stg",
      [QA_TAGS.source]: "shop-stg-aurora",
      [QA_TAGS.createdAt]: "2025-03-01T09:00:00.000Z",
    };
    const tagged = resources.filter((r) => r.custom && r.type.startsWith("aws:"));
    expect(tagged.map((r) => r.type)).to.include.members(["aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"]);
    for (const r of tagged) expect(r.inputs.tags, `${r.type} ${r.name}`).to.deep.equal(expected);
  });

  it("outputs endpoint, port, user, the secret password, the expiry and the config it was deployed with", () => {
    expect(outputs).to.deep.equal({
      endpoint: "data-platform-stg-qa-checkout-bug.cluster-mock.ap-northeast-1.rds.amazonaws.com",
      port: 3306,
      user: "admin",
      password: "[secret]",
      expiresAt: "2025-03-01T13:00:00.000Z",
      clusterIdentifier: "data-platform-stg-qa-checkout-bug",
      // Any process restores this before its own `up` (its workspace folder holds no config for the stack).
      cloneConfig: { "aws:region": "ap-northeast-1", ...cloneStackConfig(spec, EXPIRES) },
    });
  });

  it("parents every resource under the clone component", () => {
    expectAllParented(resources);
    expect(find(resources, "platform:qa:QaCloneCluster").name).to.equal("clone");
  });

  it("reads back the config it was given and names a broken key", () => {
    expect(parseCloneStackConfig(cloneStackConfig(spec, EXPIRES))).to.deep.equal({ spec, expiresAt: EXPIRES });
    expect(() => parseCloneStackConfig({ ...cloneStackConfig(spec, EXPIRES), "data-platform-qa:expiresAt": "tomorrow" })).to.throw(/expiresAt/);
    expect(() => parseCloneStackConfig({ ...cloneStackConfig({ ...spec, cloneName: "Bad_Name" }, EXPIRES) })).to.throw(/cloneName/);
  });
});
