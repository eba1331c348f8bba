/**
 * Composes one environment from validated config. The Pulumi entry point is stacks/platform.ts; this module is
 * separate because Pulumi turns every named export of the entry module into a stack output.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXPORTS_PREFIX, glueTableName } from "../contracts/exportLayout";
import { goldenIdentifierPrefix } from "../contracts/golden";
import { DELIVERY_ROLES, bucketName, glueDatabaseName, physicalName, roleArn, roleName, standardTags, userArn, userName } from "../contracts/naming";
import { AlertTopic } from "../infra/alerts/alertTopic";
import { crawlerFailurePattern, healthEventsPattern } from "../infra/alerts/eventPatterns";
import type { ConfigBlock } from "../infra/delivery/deployer/actions";
import { GitHubOidc } from "../infra/delivery/githubOidc";
import { GoldenRefresh } from "../infra/golden/goldenRefresh";
import { ExportCatalog } from "../infra/catalog/exportCatalog";
import { ExportPipeline } from "../infra/exports/exportPipeline";
import { QaReaper } from "../infra/qa/qaReaper";
import { QA_REAPER_ROLE } from "../infra/qa/reaperPolicy";
import { AthenaWorkgroup, type NamedQuerySpec } from "../infra/query/athenaWorkgroup";
import { EncryptionKey } from "../infra/security/encryptionKey";
import { ServiceRole } from "../infra/security/serviceRole";
import { rdsExportRoleStatements } from "../infra/storage/rdsExportRole";
import { SecureBucket } from "../infra/storage/secureBucket";
import { BUDGETS_SERVICE, budgetsSourceArnLike, createBudget, createQuickSight, createSlack } from "./analyticsResources";
import type * as BigQueryModule from "./bigqueryResources";
import type { PlatformConfig } from "./config";

/**
 * Short names of every platform role that uses the CMK. The key policy names exactly these roles, before they
 * exist; a role that never touches the key belongs in OTHER_ROLES, so that the key policy stays minimal.
 */
export const ROLES = {
  rdsExport: "rds-export",
  crawler: "glue-crawler",
  exportSnapshot: "export-snapshot",
  exportEvents: "export-events",
  // Publishes to the encrypted alert topic on every deletion.
  qaReaper: QA_REAPER_ROLE,
  // The golden refresh: every step Lambda decrypts its environment and may alert; the cluster step has RDS
  // encrypt the golden's master secret with the key; the mask step reads that secret and the salt; the export step
  // starts exports (a grant); the state machine alerts the encrypted topic.
  goldenCluster: "golden-cluster",
  goldenMask: "golden-mask",
  goldenExport: "golden-export",
  goldenPublish: "golden-publish",
  goldenStateMachine: "golden-refresh",
} as const;

/** Platform roles that do not use the CMK (the key policy does not name them). */
export const OTHER_ROLES = {
  exportScheduler: "export-scheduler",
  reconcileScheduler: "export-reconcile-scheduler",
  qaReaperScheduler: "qa-reaper-scheduler",
  goldenScheduler: "golden-scheduler",
  // AWS Chatbot's Slack channel role (config `slack`): reads alarms and metrics only.
  chatbot: "chatbot",
} as const;

/**
 * Roles that use the CMK only through S3 (decrypt and data keys, `kms:ViaService`): QuickSight's Athena data source
 * (config `quicksight`) reads exports and writes query results, and never decrypts anything else.
 */
export const S3_KEY_ROLES = {
  quickSight: "quicksight",
} as const;

/**
 * Short names of the platform's IAM users: only principals that AWS cannot give a role. BigQuery's S3 transfer signs
 * in with an access key, so its user exists only in stacks with a `bigquery` block. The key policy names it too.
 */
export const USERS = {
  bigQueryTransfer: "bigquery-transfer",
} as const;

/**
 * Roles that exist only in stacks with a `bigquery` block. The publisher copies export files under `bigquery/` and
 * alerts through the encrypted topic, so the key policy names it (only in those stacks); its scheduler never
 * touches the key.
 */
export const BIGQUERY_ROLES = {
  publish: "bigquery-publish",
  publishScheduler: "bigquery-publish-scheduler",
} as const;

/**
 * The ROLES this configuration deploys: the key policy names only these, so that it never names a role that does
 * not exist (a grant nobody holds, which a same-named role created later would inherit).
 */
export function keyUserRoles(cfg: Pick<PlatformConfig, "exportSource" | "golden" | "qa">): string[] {
  const masked = cfg.exportSource === "masked";
  const golden = cfg.golden !== undefined;
  return [
    ROLES.rdsExport,
    ROLES.crawler,
    ROLES.exportEvents,
    ...(masked ? [] : [ROLES.exportSnapshot]),
    ...(cfg.qa?.enabled ? [ROLES.qaReaper] : []),
    ...(golden ? [ROLES.goldenCluster, ROLES.goldenMask, ROLES.goldenPublish, ROLES.goldenStateMachine] : []),
    ...(golden && masked ? [ROLES.goldenExport] : []),
  ];
}

export { DELIVERY_ROLES };

/** The optional blocks this configuration enables that bring resource types of their own (the deployer's scope). */
export function configBlocks(cfg: Pick<PlatformConfig, "bigquery" | "budget" | "slack" | "quicksight" | "golden">): ConfigBlock[] {
  const on: [ConfigBlock, unknown][] = [
    ["bigquery", cfg.bigquery],
    ["budget", cfg.budget],
    ["slack", cfg.slack],
    ["quicksight", cfg.quicksight],
    ["golden", cfg.golden],
  ];
  return on.filter(([, block]) => block !== undefined && block !== false).map(([name]) => name);
}

/** Sanity checks saved in the workgroup: the table listing, and a row count per table named in config. */
function sanityQueries(cfg: PlatformConfig, glueDatabase: string): NamedQuerySpec[] {
  const queries: NamedQuerySpec[] = [
    {
      name: "latest-export-tables",
      description: "Tables of the latest export",
      sql: `SELECT table_name FROM information_schema.tables WHERE table_schema = '${glueDatabase}' ORDER BY table_name`,
    },
  ];
  for (const entry of cfg.exportOnly ?? []) {
    const [db, table] = entry.split(".");
    if (table === undefined) continue;
    const glueTable = glueTableName(db, table);
    queries.push({
      name: `row-count-${glueTable}`,
      description: `Row count of ${entry} in the latest export`,
      sql: `SELECT count(*) AS row_count FROM "${glueDatabase}"."${glueTable}"`,
    });
  }
  return queries;
}

/** Builds one environment from validated config. Exported so that tests and the offline plan can run it. */
export function createPlatform(cfg: PlatformConfig) {
  const env = cfg.environment;
  const { protect, forceDestroy, keyDeletionWindowDays } = cfg.protection;
  const region = cfg.region;
  // One explicit provider: its default tags reach every AWS resource (the `required-tags` guardrail checks them).
  // Every component gets it, and children inherit it through `{ parent: this }`.
  const provider = new aws.Provider("aws", { region, defaultTags: { tags: standardTags(env) } });
  const withProvider = { provider };
  const accountId = aws.getCallerIdentityOutput({}, withProvider).accountId;
  const partition = aws.getPartitionOutput({}, withProvider).partition;
  const arnOf = (role: string) => pulumi.all([partition, accountId]).apply(([p, a]) => roleArn(p, a, env, role));
  const nameBucket = (purpose: string) => accountId.apply((a) => bucketName(env, purpose, a, region));
  const dataBearing = { protect, provider };

  // BigQuery's transfer user may decrypt export objects through S3, and nothing else. Named before it exists.
  const bigQueryUserArn = cfg.bigquery
    ? [pulumi.all([partition, accountId]).apply(([p, a]) => userArn(p, a, env, USERS.bigQueryTransfer))]
    : [];


  const key = new EncryptionKey(
    "key",
    {
      aliasName: physicalName(env, "data"),
      accountId,
      partition,
      region,
      // The deploy role runs `pulumi up`, so it must administer the key (KMS refuses a key policy that locks out
      // its own caller); config may name more administrators.
      administratorArns: [...(cfg.github ? [arnOf(DELIVERY_ROLES.deploy)] : []), ...cfg.keyAdministratorArns],
      userRoleArns: [...keyUserRoles(cfg).map(arnOf), ...(cfg.bigquery ? [arnOf(BIGQUERY_ROLES.publish)] : []), ...cfg.analystPrincipalArns],
      // StartExportTask creates a grant on the key for the export; only the export functions start exports (the raw
      // one, or the golden refresh's when the export source is masked).
      grantRoleArns: [arnOf(cfg.exportSource === "masked" ? ROLES.goldenExport : ROLES.exportSnapshot)],
      s3DecryptPrincipalArns: bigQueryUserArn,
      // CI's deploy role creates and reads functions whose environment the key encrypts (Lambda uses the key with
      // the caller's rights); only through Lambda.
      lambdaDeployerArns: cfg.github ? [arnOf(DELIVERY_ROLES.deploy)] : [],
      s3ReadWritePrincipalArns: cfg.quicksight ? [arnOf(S3_KEY_ROLES.quickSight)] : [],
      // Services that publish to the encrypted alert topic (AWS Budgets with the `budget` block), scoped to that
      // topic by SNS's encryption context.
      publisherServices: ["events.amazonaws.com", "cloudwatch.amazonaws.com", ...(cfg.budget ? [BUDGETS_SERVICE] : [])],
      // The alert topic, named before it exists (it is encrypted with this key).
      encryptedTopicArns: [pulumi.interpolate`arn:${partition}:sns:${region}:${accountId}:${physicalName(env, "alerts")}`],
      logGroupPrefixes: [
        "/aws-glue/crawlers",
        `/aws/lambda/${physicalName(env, "")}`,
        // Step Functions' vended logs of the golden refresh.
        ...(cfg.golden ? [`/aws/vendedlogs/states/${physicalName(env, "")}`] : []),
      ],
      deletionWindowInDays: keyDeletionWindowDays,
    },
    dataBearing,
  );

  const exportsBucket = new SecureBucket(
    "exports",
    { bucketName: nameBucket("exports"), kmsKeyArn: key.arn, expirationDays: cfg.exportRetentionDays, forceDestroy },
    dataBearing,
  );
  const resultsBucket = new SecureBucket(
    "query-results",
    { bucketName: nameBucket("athena-results"), kmsKeyArn: key.arn, expirationDays: cfg.queryResultRetentionDays, forceDestroy },
    withProvider,
  );

  const rdsExportRole = new ServiceRole("rds-export-role", {
    roleName: roleName(env, ROLES.rdsExport),
    service: "export.rds.amazonaws.com",
    accountId,
    description: "RDS snapshot export: writes Parquet under the export prefix",
    statements: rdsExportRoleStatements({ bucketArn: exportsBucket.arn, prefix: EXPORTS_PREFIX, kmsKeyArn: key.arn }),
  }, withProvider);

  const glueDatabase = glueDatabaseName(env);
  const catalog = new ExportCatalog(
    "catalog",
    {
      databaseName: glueDatabase,
      crawlerName: physicalName(env, "export-crawler"),
      crawlerRoleName: roleName(env, ROLES.crawler),
      exportsBucketName: exportsBucket.name,
      exportsBucketArn: exportsBucket.arn,
      exportsPrefix: EXPORTS_PREFIX,
      kmsKeyArn: key.arn,
      accountId,
      partition,
      region,
    },
    dataBearing,
  );

  const athena = new AthenaWorkgroup("athena", {
    workgroupName: physicalName(env, "analytics"),
    resultsBucketName: resultsBucket.name,
    kmsKeyArn: key.arn,
    bytesScannedCutoffPerQuery: cfg.athenaBytesScannedCutoff,
    databaseName: catalog.database.name,
    namedQueries: sanityQueries(cfg, glueDatabase),
    forceDestroy,
  }, withProvider);

  const alerts = new AlertTopic("alerts", {
    topicName: physicalName(env, "alerts"),
    kmsKeyArn: key.arn,
    emails: cfg.alertEmails,
    accountId,
    servicePublishers: cfg.budget
      ? [{ sid: "AwsBudgetsOfThisAccountPublish", service: BUDGETS_SERVICE, sourceArnLike: pulumi.all([partition, accountId]).apply(([p, a]) => budgetsSourceArnLike(p, a)) }]
      : [],
    forwardedEvents: [
      { name: "aws-health", description: "AWS Health events for RDS, S3, Lambda and Glue", pattern: healthEventsPattern() },
      {
        name: "crawler-failed",
        description: "The export crawler failed",
        pattern: crawlerFailurePattern([physicalName(env, "export-crawler")]),
      },
    ],
  }, withProvider);

  const exportPipeline = new ExportPipeline("export-pipeline", {
    environment: env,
    arns: { partition, region, accountId },
    names: {
      exportFunction: physicalName(env, "export-snapshot"),
      exportRole: roleName(env, ROLES.exportSnapshot),
      eventsFunction: physicalName(env, "export-events"),
      eventsRole: roleName(env, ROLES.exportEvents),
      schedulerRole: roleName(env, OTHER_ROLES.exportScheduler),
      schedule: physicalName(env, "daily-export"),
      eventsRule: physicalName(env, "export-events"),
      snapshotRule: physicalName(env, "snapshot-created"),
      reconcileSchedule: physicalName(env, "export-reconcile"),
      reconcileSchedulerRole: roleName(env, OTHER_ROLES.reconcileScheduler),
      deadMansSwitch: physicalName(env, "no-export-completed"),
    },
    sourceIdentifier: cfg.sourceClusterIdentifier,
    snapshotType: cfg.snapshotType,
    schedule: cfg.exportSchedule,
    reservedConcurrency: cfg.exportReservedConcurrency,
    exportOnly: cfg.exportOnly,
    exportsBucketName: exportsBucket.name,
    exportsBucketArn: exportsBucket.arn,
    exportsPrefix: EXPORTS_PREFIX,
    rdsExportRoleArn: rdsExportRole.arn,
    kmsKeyArn: key.arn,
    glueDatabaseName: glueDatabase,
    alertTopicArn: alerts.arn,
    staleAfterHours: cfg.exportStaleAfterHours,
    logRetentionDays: cfg.lambdaLogRetentionDays,
    exportSource: cfg.exportSource,
    exportNotices: cfg.exportNotices,
    masked: cfg.exportSource === "masked" ? { exportFunctionName: physicalName(env, "golden-export"), snapshotPrefix: goldenIdentifierPrefix(env) } : undefined,
  }, withProvider);

  // The masked golden: only where enabled. With exportSource masked it also starts the day's export.
  const golden = cfg.golden && createGolden({ ...cfg, golden: cfg.golden }, { partition, region, accountId }, {
    kmsKeyArn: key.arn,
    alertTopicArn: alerts.arn,
    exportsBucketName: exportsBucket.name,
    rdsExportRoleArn: rdsExportRole.arn,
  }, withProvider);

  // The QA clones' AWS-side safety net: only where QA clones are enabled.
  const qaReaper =
    cfg.qa?.enabled &&
    new QaReaper(
      "qa-reaper",
      {
        environment: env,
        functionName: physicalName(env, "qa-reaper"),
        roleName: roleName(env, ROLES.qaReaper),
        schedulerRoleName: roleName(env, OTHER_ROLES.qaReaperScheduler),
        scheduleName: physicalName(env, "qa-reaper"),
        arns: { partition, region, accountId },
        kmsKeyArn: key.arn,
        alertTopicArn: alerts.arn,
        gracePeriodMs: cfg.qa.reaperGracePeriod,
        reservedConcurrency: cfg.qa.reaperReservedConcurrency,
        logRetentionDays: cfg.lambdaLogRetentionDays,
      },
      withProvider,
    );

  const github =
    cfg.github &&
    new GitHubOidc(
      "github",
      {
        repository: cfg.github.repository,
        createOidcProvider: cfg.github.createOidcProvider,
        deployEnvironment: cfg.github.deployEnvironment,
        previewEnvironment: cfg.github.previewEnvironment,
        previewRoleName: roleName(env, DELIVERY_ROLES.preview),
        deployRoleName: roleName(env, DELIVERY_ROLES.deploy),
        rolePrefix: physicalName(env, ""),
        state: { bucket: cfg.github.stateBucket, prefix: cfg.github.statePrefix, keyArn: cfg.github.stateKeyArn },
        deploy: {
          region,
          // Security groups are created in the golden's VPC; the golden clones (and so looks up) the source cluster.
          vpcIds: cfg.golden?.network ? [cfg.golden.network.vpcId] : [],
          lookedUpClusterIds: cfg.golden ? [cfg.sourceClusterIdentifier] : [],
          blocks: configBlocks(cfg),
        },
        accountId,
        partition,
      },
      withProvider,
    );

    // Loaded only when configured, so that a stack without BigQuery never loads @pulumi/gcp (see stacks/bigqueryResources.ts).
  const bigquery = cfg.bigquery
    ? (require("./bigqueryResources") as typeof BigQueryModule).createBigQuery(
        { ...cfg, bigquery: cfg.bigquery },
        {
          transferUserName: userName(env, USERS.bigQueryTransfer),
          exportsBucketName: exportsBucket.name,
          exportsBucketArn: exportsBucket.arn,
          kmsKeyArn: key.arn,
          arns: { partition, region, accountId },
          alertTopicArn: alerts.arn,
          exportEventsRule: { name: exportPipeline.eventsRule.name, arn: exportPipeline.eventsRule.arn },
          publisherNames: {
            functionName: physicalName(env, BIGQUERY_ROLES.publish),
            roleName: roleName(env, BIGQUERY_ROLES.publish),
            scheduleName: physicalName(env, BIGQUERY_ROLES.publish),
            schedulerRoleName: roleName(env, BIGQUERY_ROLES.publishScheduler),
          },
        },
        withProvider,
      )
    : undefined;

  const budget = cfg.budget && createBudget({ ...cfg, budget: cfg.budget }, { alertTopicArn: alerts.arn }, withProvider);
  const slack = cfg.slack && createSlack(
    { ...cfg, slack: cfg.slack },
    { roleName: roleName(env, OTHER_ROLES.chatbot), alertTopicArn: alerts.arn, partition, accountId },
    withProvider,
  );

  const quicksight =
    cfg.quicksight &&
    createQuickSight(
      { ...cfg, quicksight: cfg.quicksight },
      {
        roleName: roleName(env, S3_KEY_ROLES.quickSight),
        partition,
        accountId,
        workgroupName: athena.name,
        glueDatabaseName: glueDatabase,
        exportsBucketArn: exportsBucket.arn,
        resultsBucketArn: resultsBucket.arn,
        kmsKeyArn: key.arn,
      },
      withProvider,
    );

  return {
    provider,
    budget,
    quicksight,
    slack,
    github,
    key,
    exportsBucket,
    resultsBucket,
    rdsExportRole,
    catalog,
    athena,
    alerts,
    exportPipeline,
    qaReaper: qaReaper || undefined,
    golden: golden || undefined,
    bigquery,
  };
}

/** The golden refresh of an environment whose config enables it; names from contracts/naming. */
function createGolden(
  cfg: PlatformConfig & { golden: NonNullable<PlatformConfig["golden"]> },
  arns: { partition: pulumi.Input<string>; region: string; accountId: pulumi.Input<string> },
  deps: { kmsKeyArn: pulumi.Input<string>; alertTopicArn: pulumi.Input<string>; exportsBucketName: pulumi.Input<string>; rdsExportRoleArn: pulumi.Input<string> },
  opts: pulumi.ComponentResourceOptions,
): GoldenRefresh {
  const env = cfg.environment;
  const g = cfg.golden;
  const fn = (role: string) => ({ functionName: physicalName(env, role), roleName: roleName(env, role) });
  if (!g.network) throw new Error("golden.network is required when the golden is enabled"); // parseConfig guarantees it
  return new GoldenRefresh(
    "golden",
    {
      environment: env,
      arns,
      names: {
        cluster: fn(ROLES.goldenCluster),
        mask: fn(ROLES.goldenMask),
        export: fn(ROLES.goldenExport),
        publish: fn(ROLES.goldenPublish),
        stateMachine: physicalName(env, "golden-refresh"),
        stateMachineRole: roleName(env, ROLES.goldenStateMachine),
        schedulerRole: roleName(env, OTHER_ROLES.goldenScheduler),
        subnetGroup: physicalName(env, "golden"),
        goldenSecurityGroup: physicalName(env, "golden"),
        maskSecurityGroup: physicalName(env, "golden-mask"),
        saltSecret: physicalName(env, "golden-masking-salt"),
      },
      sourceClusterId: cfg.sourceClusterIdentifier,
      databases: cfg.databases,
      skipSchemas: g.skipSchemas,
      schedule: g.schedule,
      exportTimezone: cfg.exportSchedule.timezone,
      leadHours: g.leadHours,
      instanceClass: g.instanceClass,
      retentionDays: g.retentionDays,
      maskingRules: g.maskingRules,
      network: g.network,
      mask: g.mask,
      staleAfterHours: g.staleAfterHours,
      export:
        cfg.exportSource === "masked"
          ? { bucketName: deps.exportsBucketName, rdsExportRoleArn: deps.rdsExportRoleArn, exportOnly: cfg.exportOnly }
          : undefined,
      kmsKeyArn: deps.kmsKeyArn,
      alertTopicArn: deps.alertTopicArn,
      logRetentionDays: cfg.lambdaLogRetentionDays,
      reservedConcurrency: g.reservedConcurrency,
      saltRecoveryDays: cfg.protection.protect ? 30 : 7,
    },
    opts,
  );
}
