/**
 * The MaskSlice step: find the golden (refusing anything else), read the salt, and on the first slice make the
 * golden safe to hand out (every schema masked or knowingly skipped; other accounts locked); then one time-boxed,
 * resumable slice of masking or verify. The handler supplies the clients, the rules and the TLS settings.
 */
import type { RDSClient } from "@aws-sdk/client-rds";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import mysql, { type ConnectionOptions as Mysql2Options } from "mysql2/promise";
import type { Rules } from "../../sql/masking";
import { checkSchemas, lockOtherAccounts } from "./goldenSafety";
import { type SliceResult, type SliceResume, maskSlice } from "./maskSlice";
import { readOrCreateSalt } from "./salt";
import { type GoldenTarget, GoldenTargetError, goldenTarget } from "./target";

/** What the state machine sends: the golden's identity and the previous slice's `resume` (null on the first). */
export interface MaskEvent {
  readonly golden?: { readonly clusterId?: string };
  readonly resume?: SliceResume | null;
}

/** What the step needs besides the event; the handler builds it from its environment. */
export interface MaskStepDeps {
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
  readonly environment: string;
  readonly sourceClusterId: string;
  readonly databases: readonly string[];
  /** Non-system schemas known to hold no personal data: neither masked nor a reason to refuse. */
  readonly skipSchemas: readonly string[];
  readonly rules: Rules;
  readonly saltSecretArn: string;
  /** Milliseconds a slice may start new work for. */
  readonly budgetMs: number;
  /** mysql2 settings for the golden's endpoint and master credentials (TLS in the Lambda); no database = server-wide. */
  readonly connection: (target: GoldenTarget, database?: string) => Mysql2Options;
  /** Milliseconds left before the Lambda times out, minus what the reply needs. Default: the budget. */
  readonly remainingMs?: () => number;
  readonly logger?: { info(message: string, fields: Record<string, unknown>): void };
  /** Clock for the budget, ms. Default Date.now. */
  readonly now?: () => number;
}

/** A slice's result, stamped with when it finished: the state machine starts no slice past its deadline. */
export type MaskStepResult = SliceResult & { readonly finishedAt: string };

/** One MaskSlice call. */
export async function maskStep(event: MaskEvent, d: MaskStepDeps): Promise<MaskStepResult> {
  const clusterId = event.golden?.clusterId ?? "";
  const target = await goldenTarget({ rds: d.rds, secrets: d.secrets }, { environment: d.environment, sourceClusterId: d.sourceClusterId }, clusterId);
  // Secrets Manager generates the salt on the very first slice (./salt.ts); later slices read it.
  const salt = await readOrCreateSalt(d.secrets, d.saltSecretArn);
  const remaining = d.remainingMs ? d.remainingMs() : d.budgetMs;
  if (remaining <= 0) throw new GoldenTargetError("the Lambda timeout leaves no time for a slice");
  if (!event.resume) {
    // First slice (or its retry; both steps are idempotent): refuse before masking anything.
    const conn = await mysql.createConnection(d.connection(target));
    try {
      const { schemas } = await checkSchemas(conn, d.databases, d.skipSchemas);
      const { locked } = await lockOtherAccounts(conn, target.user);
      d.logger?.info("golden made safe", { schemas: schemas.length, lockedAccounts: locked });
    } finally {
      await conn.end();
    }
  }
  const result = await maskSlice({
    databases: d.databases,
    rules: d.rules,
    salt,
    budgetMs: Math.min(d.budgetMs, remaining),
    resume: event.resume,
    now: d.now,
    connectionFor: (database) => ({ config: { ...d.connection(target, database), database } }),
  });
  return { ...result, finishedAt: new Date().toISOString() };
}
