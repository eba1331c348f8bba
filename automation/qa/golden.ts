/**
 * The published masked golden, as `qa create` sees it: the cluster id in the SSM parameter the golden refresh
 * writes once a golden is masked, verified and snapshotted. The SSM client is injected, so tests use a mock.
 */
import { GetParameterCommand, ParameterNotFound, type SSMClient } from "@aws-sdk/client-ssm";
import { isGoldenClusterId } from "../../contracts/golden";

/**
 * The published golden's cluster id, or undefined before the first golden (the parameter is missing or still holds
 * its placeholder). Anything else in the parameter is refused: cloning it would skip masking on unknown data.
 */
export async function readPublishedGolden(ssm: SSMClient, environment: string, parameterName: string): Promise<string | undefined> {
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: parameterName }))).Parameter?.Value;
  } catch (err) {
    if (err instanceof ParameterNotFound) return undefined;
    throw err;
  }
  return isGoldenClusterId(environment, value) ? value : undefined;
}
