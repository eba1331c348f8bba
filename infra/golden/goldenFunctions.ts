import { readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseRules } from "../../sql/masking";
import { REPO_ROOT } from "../compute/lambdaBundle";
import { NodeFunction } from "../compute/nodeFunction";
import type { ArnContext } from "../exports/exportPolicies";
import { type GoldenScope, clusterStatements, exportStatements, maskStatements, publishStatements } from "./goldenPolicies";

/** Physical names of one function and its role. */
export interface FunctionNames {
  readonly functionName: string;
  readonly roleName: string;
}

/** Timeout of the cluster and export step functions, seconds: each call returns at once (the machine waits). */
export const GOLDEN_CLUSTER_TIMEOUT_SECONDS = 60;

/** Everything the four step Lambdas are built from. */
export interface GoldenFunctionsArgs {
  readonly environment: string;
  readonly arns: ArnContext;
  readonly scope: GoldenScope;
  readonly names: { readonly cluster: FunctionNames; readonly mask: FunctionNames; readonly export: FunctionNames; readonly publish: FunctionNames };
  readonly sourceClusterId: string;
  readonly databases: readonly string[];
  readonly skipSchemas: readonly string[];
  readonly instanceClass: string;
  readonly retentionDays: number;
  readonly dayLeadHours: number;
  /** The export schedule's time zone: golden days are export days. */
  readonly timeZone: string;
  readonly parameterName: string;
  readonly goldenSecurityGroupId: pulumi.Input<string>;
  readonly mask: {
    readonly rulesPath: string;
    readonly timeoutSeconds: number;
    readonly budgetSeconds: number;
    readonly memoryMb: number;
    readonly subnetIds: readonly string[];
    readonly securityGroupId: pulumi.Input<string>;
  };
  /** Only for `exportSource: masked`: where the masked export goes. */
  readonly export?: { readonly bucketName: pulumi.Input<string>; readonly rdsExportRoleArn: pulumi.Input<string>; readonly exportOnly?: readonly string[] };
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly alertTopicArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  /**
   * Reserved concurrency of the mask and export steps. Default none: accounts with a low Lambda concurrency quota
   * reject any reservation, and neither step needs one (the state machine calls each once at a time, the masking
   * engine's lock refuses a second slice, and a second export start of the same day returns).
   */
  readonly reservedConcurrency?: number;
}

/** The step Lambdas; `export` only when the export source is masked. */
export interface GoldenFunctions {
  readonly cluster: NodeFunction;
  readonly mask: NodeFunction;
  readonly export?: NodeFunction;
  readonly publish: NodeFunction;
}

/**
 * The rules file, read and validated at deploy time: rules the engine would refuse fail `pulumi preview`, not the
 * first night's run. Bundled into the mask Lambda with esbuild `define`.
 */
export function readMaskingRules(rulesPath: string): string {
  const file = path.resolve(REPO_ROOT, rulesPath);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = `data-platform:golden.maskingRules: cannot read ${rulesPath}: ${err instanceof Error ? err.message : String(err)}`;
    throw new pulumi.InputPropertyError({ propertyPath: "golden.maskingRules", reason });
  }
  try {
    parseRules(text, rulesPath);
  } catch (err) {
    throw new pulumi.InputPropertyError({ propertyPath: "golden.maskingRules", reason: `data-platform:golden.maskingRules: ${err instanceof Error ? err.message : String(err)}` });
  }
  return text;
}

/** Builds the step Lambdas, each with its own least-privilege role (goldenPolicies.ts). */
export function createGoldenFunctions(name: string, args: GoldenFunctionsArgs, opts: pulumi.ComponentResourceOptions): GoldenFunctions {
  const common = {
    ...args.arns,
    kmsKeyArn: args.kmsKeyArn,
    alertTopicArn: args.alertTopicArn,
    logRetentionDays: args.logRetentionDays,
    // Step Functions invokes these synchronously and retries them itself; no async retries or destinations.
    onFailureToAlertTopic: false,
  };
  const rulesText = readMaskingRules(args.mask.rulesPath);

  const cluster = new NodeFunction(
    `${name}-cluster`,
    {
      ...common,
      ...args.names.cluster,
      source: "golden-cluster",
      description: "golden lifecycle: clone, wait, managed password, snapshot, abort, clean up (one action per call)",
      timeoutSeconds: GOLDEN_CLUSTER_TIMEOUT_SECONDS,
      statements: clusterStatements(args.scope),
      environment: {
        ENVIRONMENT: args.environment,
        SOURCE_CLUSTER_ID: args.sourceClusterId,
        INSTANCE_CLASS: args.instanceClass,
        DB_SUBNET_GROUP: args.scope.subnetGroupName,
        SECURITY_GROUP_IDS: args.goldenSecurityGroupId,
        KMS_KEY_ARN: args.kmsKeyArn,
        GOLDEN_PARAMETER: args.parameterName,
        RETENTION_DAYS: String(args.retentionDays),
        TIME_ZONE: args.timeZone,
        DAY_LEAD_HOURS: String(args.dayLeadHours),
      },
    },
    opts,
  );

  const mask = new NodeFunction(
    `${name}-mask`,
    {
      ...common,
      ...args.names.mask,
      source: "golden-mask",
      description: "masks and verifies the golden in time-boxed, resumable slices (in the golden's VPC)",
      timeoutSeconds: args.mask.timeoutSeconds,
      memoryMb: args.mask.memoryMb,
      reservedConcurrency: args.reservedConcurrency,
      statements: maskStatements(args.scope),
      define: { __MASKING_RULES__: JSON.stringify(rulesText), __MASKING_RULES_PATH__: JSON.stringify(args.mask.rulesPath) },
      environment: {
        ENVIRONMENT: args.environment,
        SOURCE_CLUSTER_ID: args.sourceClusterId,
        DATABASES: args.databases.join(","),
        SKIP_SCHEMAS: args.skipSchemas.join(","),
        SALT_SECRET_ARN: args.scope.saltSecretArn,
        MASK_BUDGET_SECONDS: String(args.mask.budgetSeconds),
      },
      vpc: { subnetIds: [...args.mask.subnetIds], securityGroupIds: [args.mask.securityGroupId] },
    },
    opts,
  );

  const exportFunction =
    args.export &&
    new NodeFunction(
      `${name}-export`,
      {
        ...common,
        ...args.names.export,
        source: "golden-export",
        description: "starts the day's analytics export from the masked golden snapshot (idempotent per day)",
        timeoutSeconds: GOLDEN_CLUSTER_TIMEOUT_SECONDS,
        reservedConcurrency: args.reservedConcurrency,
        statements: exportStatements({ ...args.scope, exportRoleArn: args.export.rdsExportRoleArn }),
        environment: {
          ENVIRONMENT: args.environment,
          ALERT_TOPIC_ARN: args.alertTopicArn,
          EXPORT_BUCKET: args.export.bucketName,
          EXPORT_ROLE_ARN: args.export.rdsExportRoleArn,
          KMS_KEY_ARN: args.kmsKeyArn,
          EXPORT_ONLY: JSON.stringify(args.export.exportOnly ?? []),
        },
      },
      opts,
    );

  const publish = new NodeFunction(
    `${name}-publish`,
    {
      ...common,
      ...args.names.publish,
      source: "golden-publish",
      description: "publishes the golden's identifier to SSM and counts it for the dead-man's switch",
      timeoutSeconds: 30,
      statements: publishStatements(args.scope),
      environment: { ENVIRONMENT: args.environment, GOLDEN_PARAMETER: args.parameterName },
    },
    opts,
  );
  return { cluster, mask, export: exportFunction || undefined, publish };
}
