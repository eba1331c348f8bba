/**
 * golden-export: the golden refresh's StartExport step (`{ action: "export", golden: { day, … } }`), and the way to
 * retry a failed masked export by hand (`aws lambda invoke --payload '{"day":"20261122"}'`), which starts the day's
 * next attempt (`-r2` …). A manual run alerts on failure; inside the state machine the machine alerts.
 */
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import type { ExportTarget } from "../shared/exportTask";
import { createLogger, describeError, publishAlert, requireEnv } from "../shared/runtime";
import { exportGolden } from "./goldenExport";

const environment = requireEnv("ENVIRONMENT");
const alertTopicArn = requireEnv("ALERT_TOPIC_ARN");
const target: ExportTarget = {
  environment,
  bucketName: requireEnv("EXPORT_BUCKET"),
  exportRoleArn: requireEnv("EXPORT_ROLE_ARN"),
  kmsKeyArn: requireEnv("KMS_KEY_ARN"),
  exportOnly: JSON.parse(process.env.EXPORT_ONLY || "[]") as string[],
};

const logger = createLogger("golden-export");
const rds = new RDSClient({});
const sns = new SNSClient({});

/** From the state machine: the golden's identity. By hand: just the day. */
export interface GoldenExportEvent {
  readonly golden?: { readonly day?: string };
  readonly day?: string;
}

export async function handler(event: GoldenExportEvent = {}) {
  const fromStateMachine = event.golden !== undefined;
  const day = event.golden?.day ?? event.day ?? "";
  try {
    const result = await exportGolden(rds, target, day);
    logger.info(result.action === "started" ? "masked export started" : "the day's export already exists; nothing to do", { ...result });
    return result;
  } catch (err) {
    const { name, message } = describeError(err);
    logger.error("masked export failed to start", { day, errorName: name, errorMessage: message });
    if (!fromStateMachine) {
      await publishAlert(sns, alertTopicArn, environment, {
        subject: `masked export of ${day} failed to start`,
        details: { function: "golden-export", day, error: name, message },
      }).catch((alertErr: unknown) => logger.error("could not publish the alert", { ...describeError(alertErr) }));
    }
    throw err;
  }
}
