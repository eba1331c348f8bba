/**
 * golden-mask: the MaskSlice step. Runs in the golden's VPC, masks for at most MASK_BUDGET_SECONDS (well below the
 * Lambda timeout), and returns `{ complete, resume, finishedAt }`; the state machine calls it again, with `resume`,
 * until it is complete. The rules were bundled in at deploy time (config golden.maskingRules); the salt is the
 * stack's Secrets Manager secret. The work is in maskStep.ts; this file reads the environment and sets TLS.
 */
import type { Context } from "aws-lambda";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { parseRules } from "../../sql/masking";
import { createLogger, requireEnv } from "../shared/runtime";
import { type MaskEvent, type MaskStepDeps, type MaskStepResult, maskStep } from "./maskStep";

/** The rules file's text and path, put in by esbuild's `define` (infra/golden/goldenFunctions.ts). */
declare const __MASKING_RULES__: string;
declare const __MASKING_RULES_PATH__: string;

const logger = createLogger("golden-mask");
/** Time kept back from the Lambda timeout for the chunks in flight and the reply. */
const SAFETY_MS = 120_000;

const deps: MaskStepDeps = {
  rds: new RDSClient({}),
  secrets: new SecretsManagerClient({}),
  environment: requireEnv("ENVIRONMENT"),
  sourceClusterId: requireEnv("SOURCE_CLUSTER_ID"),
  databases: requireEnv("DATABASES").split(","),
  skipSchemas: (process.env.SKIP_SCHEMAS ?? "").split(",").filter((s) => s !== ""),
  // Parsed at cold start: rules the engine would refuse fail the first slice, before any database is touched.
  rules: parseRules(__MASKING_RULES__, __MASKING_RULES_PATH__),
  saltSecretArn: requireEnv("SALT_SECRET_ARN"),
  budgetMs: Number(requireEnv("MASK_BUDGET_SECONDS")) * 1000,
  // TLS to Aurora, verified against the Amazon RDS CA bundle that mysql2 ships.
  connection: (target, database) => ({ host: target.host, port: target.port, user: target.user, password: target.password, database, ssl: "Amazon RDS" }),
  logger,
};

export type { MaskEvent } from "./maskStep";

export async function handler(event: MaskEvent, context?: Pick<Context, "getRemainingTimeInMillis">): Promise<MaskStepResult> {
  logger.appendKeys({ clusterId: event.golden?.clusterId ?? "" });
  const result = await maskStep(event, { ...deps, remainingMs: context ? () => context.getRemainingTimeInMillis() - SAFETY_MS : undefined });
  logger.info("slice done", { complete: result.complete, phase: result.phase, databases: result.databases, elapsedMs: result.elapsedMs });
  return result;
}
