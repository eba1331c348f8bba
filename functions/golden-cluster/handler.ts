/**
 * Step Lambda for the golden refresh state machine: one function, one action per state, all cluster lifecycle.
 * Returns at once; the state machine does the waiting.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { RDSClient } from "@aws-sdk/client-rds";
import { SSMClient } from "@aws-sdk/client-ssm";
import {
  type Golden,
  GoldenStepError,
  type GoldenSettings,
  type PrepareInput,
  abort,
  cleanup,
  clusterStatus,
  create,
  createInstance,
  prepare,
  rotatePassword,
  snapshot,
  snapshotStatus,
  status,
} from "./steps";

const logger = new Logger({ serviceName: "golden-cluster" });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

// Read once at cold start: a missing variable fails the first invocation, not a step in the middle of a run.
const settings: GoldenSettings = {
  environment: required("ENVIRONMENT"),
  sourceClusterId: required("SOURCE_CLUSTER_ID"),
  instanceClass: required("INSTANCE_CLASS"),
  subnetGroupName: required("DB_SUBNET_GROUP"),
  securityGroupIds: required("SECURITY_GROUP_IDS").split(","),
  kmsKeyArn: required("KMS_KEY_ARN"),
  parameterName: required("GOLDEN_PARAMETER"),
  retentionDays: Number(required("RETENTION_DAYS")),
  timeZone: required("TIME_ZONE"),
  dayLeadHours: Number(required("DAY_LEAD_HOURS")),
};
const clients = { rds: new RDSClient({}), ssm: new SSMClient({}) };

/**
 * What the state machine sends: the action, and the day's golden (after Prepare); Prepare gets the execution's input
 * and start instead.
 */
export interface GoldenClusterEvent extends PrepareInput {
  readonly action: string;
  readonly golden?: Golden;
}

export async function handler(event: GoldenClusterEvent): Promise<unknown> {
  logger.appendKeys({ action: event.action, clusterId: event.golden?.clusterId });
  const g = () => {
    if (!event.golden?.clusterId) throw new GoldenStepError(`action ${event.action} needs the golden's identity`);
    return event.golden;
  };
  const now = new Date();
  let result: unknown;
  switch (event.action) {
    case "prepare":
      result = await prepare(clients, settings, event, now);
      break;
    case "create":
      result = await create(clients, settings, g());
      break;
    case "clusterStatus":
      result = await clusterStatus(clients, g());
      break;
    case "createInstance":
      result = await createInstance(clients, settings, g());
      break;
    case "status":
      result = await status(clients, g());
      break;
    case "rotatePassword":
      result = await rotatePassword(clients, settings, g());
      break;
    case "snapshot":
      result = await snapshot(clients, settings, g());
      break;
    case "snapshotStatus":
      result = await snapshotStatus(clients, g());
      break;
    case "abort":
      result = await abort(clients, settings, g());
      break;
    case "cleanup":
      result = await cleanup(clients, settings, now);
      break;
    default:
      throw new GoldenStepError(`unknown action ${JSON.stringify(event.action)}`);
  }
  logger.info("step done", { result });
  return result;
}
