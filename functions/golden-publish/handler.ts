/**
 * Publishes a finished golden: its cluster identifier goes to the SSM parameter that `qa create` reads, and a
 * GoldenPublished metric feeds the dead-man's-switch alarm.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GOLDEN_METRIC } from "../../contracts/golden";

const logger = new Logger({ serviceName: "golden-publish" });
const parameterName = process.env.GOLDEN_PARAMETER;
const environment = process.env.ENVIRONMENT;
if (!parameterName || !environment) throw new Error("environment variables GOLDEN_PARAMETER and ENVIRONMENT are required");
const ssm = new SSMClient({});
const cloudwatch = new CloudWatchClient({});

export interface PublishEvent {
  readonly golden: { readonly clusterId: string };
}

/** Overwrites the parameter with the new golden, then counts the publication. */
export async function publish(
  clients: { ssm: SSMClient; cloudwatch: CloudWatchClient },
  settings: { parameterName: string; environment: string },
  clusterId: string,
): Promise<{ published: string }> {
  if (!/^golden-[a-z0-9-]+$/.test(clusterId)) throw new Error(`refusing to publish ${JSON.stringify(clusterId)}: not a golden identifier`);
  await clients.ssm.send(new PutParameterCommand({ Name: settings.parameterName, Value: clusterId, Type: "String", Overwrite: true }));
  await clients.cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: GOLDEN_METRIC.namespace,
      MetricData: [{ MetricName: GOLDEN_METRIC.name, Value: 1, Unit: "Count", Dimensions: [{ Name: "Environment", Value: settings.environment }] }],
    }),
  );
  return { published: clusterId };
}

export async function handler(event: PublishEvent) {
  const result = await publish({ ssm, cloudwatch }, { parameterName: parameterName as string, environment: environment as string }, event.golden?.clusterId);
  logger.info("golden published", result);
  return result;
}
