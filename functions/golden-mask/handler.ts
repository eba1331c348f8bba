/**
 * golden-mask: the MaskSlice step. Runs in the golden's VPC, masks for at most MASK_BUDGET_SECONDS (well below the
 * Lambda timeout), and returns `{ complete }`; the state machine calls it again until it is true. The rules were
 * bundled in at deploy time (config golden.maskingRules); the salt is the stack's Secrets Manager secret.
 */
import type { Context } from "aws-lambda";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { parseRules } from "../../sql/masking";
import { createLogger, requireEnv } from "../shared/runtime";
import { type SliceResult, maskSlice } from "./maskSlice";
import { GoldenTargetError, goldenTarget, secretString } from "./target";

/** The rules file's text and path, put in by esbuild's `define` (infra/golden/goldenFunctions.ts). */
declare const __MASKING_RULES__: string;
declare const __MASKING_RULES_PATH__: string;

const environment = requireEnv("ENVIRONMENT");
const sourceClusterId = requireEnv("SOURCE_CLUSTER_ID");
const databases = requireEnv("DATABASES").split(",");
const saltSecretArn = requireEnv("SALT_SECRET_ARN");
const budgetMs = Number(requireEnv("MASK_BUDGET_SECONDS")) * 1000;
// Parsed at cold start: rules the engine would refuse fail the first slice, before any database is touched.
const rules = parseRules(__MASKING_RULES__, __MASKING_RULES_PATH__);

const logger = createLogger("golden-mask");
const rds = new RDSClient({});
const secrets = new SecretsManagerClient({});
/** Cached across warm invocations; never logged. */
let salt: string | undefined;

/** Time kept back from the Lambda timeout for the chunks in flight and the reply. */
const SAFETY_MS = 120_000;

export interface MaskEvent {
  readonly golden?: { readonly clusterId?: string };
}

export async function handler(event: MaskEvent, context?: Pick<Context, "getRemainingTimeInMillis">): Promise<SliceResult> {
  const clusterId = event.golden?.clusterId ?? "";
  logger.appendKeys({ clusterId });
  const target = await goldenTarget({ rds, secrets }, { environment, sourceClusterId }, clusterId);
  salt ??= await secretString(secrets, saltSecretArn);
  const remaining = context ? context.getRemainingTimeInMillis() - SAFETY_MS : budgetMs;
  if (remaining <= 0) throw new GoldenTargetError("the Lambda timeout leaves no time for a slice");
  const result = await maskSlice({
    databases,
    rules,
    salt,
    budgetMs: Math.min(budgetMs, remaining),
    connectionFor: (database) => ({
      config: {
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database,
        // TLS to Aurora, verified against the Amazon RDS CA bundle that mysql2 ships.
        ssl: "Amazon RDS",
      },
    }),
  });
  logger.info("slice done", { complete: result.complete, phase: result.phase, databases: result.databases, elapsedMs: result.elapsedMs });
  return result;
}
