/**
 * Where the mask Lambda connects: the golden's writer endpoint and its RDS-managed master secret, looked up fresh on
 * every slice. Refuses any cluster that is not one of this environment's goldens: pointed at the source by mistake,
 * the masking engine would overwrite production data.
 */
import { DescribeDBClustersCommand, type RDSClient } from "@aws-sdk/client-rds";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GOLDEN_TAG, goldenDay } from "../../contracts/golden";

/** The golden's endpoint and credentials. The password is never logged or returned to the state machine. */
export interface GoldenTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** The cluster is not a golden this function may mask, or it is not ready. Not worth retrying. */
export class GoldenTargetError extends Error {
  override readonly name = "GoldenTargetError";
}

/** Reads a secret's string value. */
export async function secretString(sm: SecretsManagerClient, secretId: string): Promise<string> {
  const value = (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  if (!value) throw new GoldenTargetError(`secret ${secretId} has no string value`);
  return value;
}

/** The golden's endpoint and master credentials, after checking that it is this environment's golden. */
export async function goldenTarget(
  clients: { readonly rds: RDSClient; readonly secrets: SecretsManagerClient },
  settings: { readonly environment: string; readonly sourceClusterId: string },
  clusterId: string,
): Promise<GoldenTarget> {
  if (goldenDay(settings.environment, clusterId) === undefined || clusterId === settings.sourceClusterId) {
    throw new GoldenTargetError(`refusing to mask ${JSON.stringify(clusterId)}: not a golden cluster of ${settings.environment}`);
  }
  const cluster = (await clients.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }))).DBClusters?.[0];
  const tags = cluster?.TagList ?? [];
  const has = (key: string, value: string) => tags.some((t) => t.Key === key && t.Value === value);
  if (!cluster || !has(GOLDEN_TAG.key, GOLDEN_TAG.value) || !has("environment", settings.environment)) {
    throw new GoldenTargetError(`refusing to mask ${clusterId}: it lacks the tags ${GOLDEN_TAG.key}=${GOLDEN_TAG.value} and environment=${settings.environment}`);
  }
  const secretArn = cluster.MasterUserSecret?.SecretArn;
  if (!cluster.Endpoint || !secretArn || cluster.MasterUserSecret?.SecretStatus !== "active") {
    throw new GoldenTargetError(`golden ${clusterId} has no endpoint or no active RDS-managed master secret yet`);
  }
  let credentials: { username?: unknown; password?: unknown };
  try {
    credentials = JSON.parse(await secretString(clients.secrets, secretArn)) as typeof credentials;
  } catch (err) {
    if (err instanceof GoldenTargetError) throw err;
    // The parse error could quote the secret: never pass it on.
    throw new GoldenTargetError(`the master secret of ${clusterId} is not JSON`);
  }
  if (typeof credentials.password !== "string") throw new GoldenTargetError(`the master secret of ${clusterId} holds no password`);
  const user = typeof credentials.username === "string" ? credentials.username : cluster.MasterUsername;
  if (!user) throw new GoldenTargetError(`golden ${clusterId} reports no master user name`);
  return { host: cluster.Endpoint, port: cluster.Port ?? 3306, user, password: credentials.password };
}
