/** The QA clone settings of one platform stack (`--stack stg`), read from Pulumi.<stack>.yaml. */
import { goldenParameterName } from "../../contracts/golden";
import { type PlatformConfig, type QaConfig, parseConfig } from "../../stacks/config";
import { UsageError } from "../errors";
import { readStackConfig } from "../stackFiles";
import type { ConnectPath } from "./tunnel";

/** Everything the qa commands need from config; the enabled-only fields are present. */
export interface QaSettings {
  /** The platform stack whose config this is (`stg`). */
  readonly stack: string;
  readonly environment: string;
  readonly region: string;
  /** Databases masked in every clone. */
  readonly databases: readonly string[];
  readonly qa: QaConfig & {
    readonly sourceClusterIdentifiers: readonly string[];
    readonly vpcId: string;
    readonly subnetIds: readonly string[];
    readonly connect: ConnectPath;
  };
  /**
   * Present when the stack has an enabled golden: `qa create` then clones the published golden by default and
   * skips masking. The parameter holds the published golden's cluster id.
   */
  readonly golden?: { readonly parameterName: string };
}

/** Narrows validated config to QA settings. @throws UsageError when QA clones are disabled for the stack. */
export function qaSettings(stack: string, cfg: PlatformConfig): QaSettings {
  const qa = cfg.qa;
  if (!qa || !qa.enabled) {
    throw new UsageError(`QA clones are disabled for stack "${stack}" (data-platform:qa in Pulumi.${stack}.yaml)`);
  }
  // parseConfig guarantees these when enabled; the check keeps the types honest.
  if (!qa.vpcId || !qa.subnetIds || !qa.connect || !qa.sourceClusterIdentifiers) {
    throw new UsageError(`data-platform:qa in Pulumi.${stack}.yaml is incomplete`);
  }
  return {
    stack,
    environment: cfg.environment,
    region: cfg.region,
    databases: cfg.databases,
    qa: { ...qa, sourceClusterIdentifiers: qa.sourceClusterIdentifiers, vpcId: qa.vpcId, subnetIds: qa.subnetIds, connect: qa.connect },
    golden: cfg.golden ? { parameterName: goldenParameterName(cfg.environment) } : undefined,
  };
}

/** Reads and validates Pulumi.<stack>.yaml in `dir`. Every problem is a UsageError or ConfigError (exit 2). */
export function loadQaSettings(stack: string, dir: string): QaSettings {
  return qaSettings(stack, parseConfig(readStackConfig(stack, dir).config));
}
