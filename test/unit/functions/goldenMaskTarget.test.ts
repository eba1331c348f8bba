import { DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { goldenTarget } from "../../../functions/golden-mask/target";
import { recordSdkRequests } from "../../support/sdkRequests";

const rdsMock = mockClient(RDSClient);
const smMock = mockClient(SecretsManagerClient);
const clients = { rds: new RDSClient({ region: "ap-northeast-1" }), secrets: new SecretsManagerClient({ region: "ap-northeast-1" }) };
const settings = { environment: "prod", sourceClusterId: "shop-prod-aurora" };
const CLUSTER = "golden-prod-20261122";
const SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-0a1b2c3d-AbCdEf";
const goldenCluster = (extra: Record<string, unknown> = {}) =>
  rdsMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER }).resolves({
    DBClusters: [
      {
        DBClusterIdentifier: CLUSTER,
        Endpoint: `${CLUSTER}.cluster-abc.ap-northeast-1.rds.amazonaws.com`,
        Port: 3306,
        MasterUsername: "admin",
        MasterUserSecret: { SecretArn: SECRET_ARN, SecretStatus: "active" },
        TagList: [
          { Key: "purpose", Value: "golden" },
          { Key: "environment", Value: "prod" },
        ],
        ...extra,
      },
    ],
  });

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  expect.fail("expected a rejection");
}

describe("golden-mask target", () => {
  recordSdkRequests("golden-mask", { ENVIRONMENT: settings.environment, SOURCE_CLUSTER_ID: settings.sourceClusterId }, rdsMock, smMock);
  beforeEach(() => {
    rdsMock.reset();
    smMock.reset();
  });

  it("reads the golden's endpoint and its RDS-managed master secret", async () => {
    goldenCluster();
    smMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ username: "admin", password: "s3cr3t-pw" }) });
    expect(await goldenTarget(clients, settings, CLUSTER)).to.deep.equal({
      host: `${CLUSTER}.cluster-abc.ap-northeast-1.rds.amazonaws.com`,
      port: 3306,
      user: "admin",
      password: "s3cr3t-pw",
    });
  });

  it("refuses the source cluster and any identifier that is not this environment's golden, before any AWS call", async () => {
    for (const id of ["shop-prod-aurora", "golden-stg-20261122", "golden-prod-2026112", ""]) {
      expect((await failure(goldenTarget(clients, settings, id))).name, id).to.equal("GoldenTargetError");
    }
    expect(rdsMock.calls()).to.have.length(0);
  });

  it("refuses a cluster named like a golden that lacks the golden tags", async () => {
    goldenCluster({ TagList: [{ Key: "environment", Value: "prod" }] });
    expect((await failure(goldenTarget(clients, settings, CLUSTER))).message).to.match(/lacks the tags purpose=golden/);
    expect(smMock.calls()).to.have.length(0);
  });

  it("waits for the managed secret to be active", async () => {
    goldenCluster({ MasterUserSecret: { SecretArn: SECRET_ARN, SecretStatus: "creating" } });
    expect((await failure(goldenTarget(clients, settings, CLUSTER))).message).to.match(/no active RDS-managed master secret/);
  });

  it("never repeats a malformed secret in its error", async () => {
    goldenCluster();
    smMock.on(GetSecretValueCommand).resolves({ SecretString: "password=hunter2-not-json" });
    const err = await failure(goldenTarget(clients, settings, CLUSTER));
    expect(err.message).to.equal(`the master secret of ${CLUSTER} is not JSON`);
    expect(err.message).to.not.contain("hunter2");
  });
});
