/**
 * What a reviewer wants to see of each resource in the offline plan: encryption, public access, IAM statements,
 * schedules. One describer per resource type; anything else shows its physical name only.
 */
import type { RecordedResource } from "./mockRuntime";

type Inputs = Record<string, any>;
type Describer = (inputs: Inputs) => string[];

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function principal(p: unknown): string {
  if (p === undefined) return "";
  if (p === "*") return "anyone";
  const parts: string[] = [];
  for (const [kind, who] of Object.entries(p as Record<string, unknown>)) {
    for (const w of list(who)) parts.push(kind === "AWS" && w.endsWith(":root") ? `account ${w.split(":")[4]} (root)` : w);
  }
  return parts.join(", ");
}

function conditions(c: Statement["Condition"]): string {
  if (!c) return "";
  const parts: string[] = [];
  for (const [op, kv] of Object.entries(c)) {
    for (const [k, v] of Object.entries(kv)) parts.push(`${k} ${op} ${list(v).join(" | ")}`);
  }
  return ` if ${parts.join(" and ")}`;
}

/** One line per statement: `Sid: Allow <principal> <actions> on <resources> if <conditions>`. */
export function summariseStatements(policy: unknown): string[] {
  let doc: { Statement?: Statement[] };
  try {
    doc = typeof policy === "string" ? JSON.parse(policy) : (policy as { Statement?: Statement[] });
  } catch {
    return ["(policy is not valid JSON)"];
  }
  return (doc.Statement ?? []).map((s) => {
    const who = principal(s.Principal);
    const sid = s.Sid ? `${s.Sid}: ` : "";
    const on = s.Resource === undefined ? "" : ` on ${list(s.Resource).join(", ")}`;
    return `${sid}${s.Effect}${who ? ` ${who}` : ""} ${list(s.Action).join(", ")}${on}${conditions(s.Condition)}`;
  });
}

const onOff = (b: unknown) => (b ? "on" : "off");

/** Provider inputs travel JSON-encoded when they are objects. */
const decoded = (v: unknown): any => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

const describers: Record<string, Describer> = {
  "pulumi:providers:aws": (i) => {
    const tags = decoded(i.defaultTags)?.tags as Record<string, string> | undefined;
    const tagText = tags ? Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(", ") : "NONE";
    return [`region ${i.region}, default tags: ${tagText}`];
  },
  "aws:kms/key:Key": (i) => [
    `rotation ${onOff(i.enableKeyRotation)}${i.rotationPeriodInDays ? ` every ${i.rotationPeriodInDays} days` : ""}, deletion window ${i.deletionWindowInDays} days`,
    "key policy:",
    ...summariseStatements(i.policy).map((l) => `  ${l}`),
  ],
  "aws:kms/alias:Alias": (i) => [`${i.name}`],
  "aws:s3/bucket:Bucket": (i) => [`bucket ${i.bucket}${i.forceDestroy ? " (force-destroy: emptied on destroy)" : ""}`],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (i) => {
    const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
    const on = flags.filter((f) => i[f] === true);
    return [on.length === 4 ? "public access: all four blocks on" : `public access: ONLY ${on.join(", ") || "none"} on`];
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (i) => [`object ownership ${i.rule?.objectOwnership} (ACLs disabled)`],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (i) => {
    const rules = (i.rules ?? []) as Inputs[];
    if (rules.length === 0) return ["encryption: NONE"];
    return rules.map((r) => {
      const d = r.applyServerSideEncryptionByDefault ?? {};
      return `encryption ${d.sseAlgorithm} with ${d.kmsMasterKeyId ?? "the AWS-managed key"}, bucket key ${onOff(r.bucketKeyEnabled)}`;
    });
  },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (i) =>
    (i.rules as Inputs[]).map((r) =>
      r.expiration
        ? `lifecycle ${r.id}: objects expire after ${r.expiration.days} days`
        : r.abortIncompleteMultipartUpload
          ? `lifecycle ${r.id}: incomplete uploads aborted after ${r.abortIncompleteMultipartUpload.daysAfterInitiation} days`
          : `lifecycle ${r.id}`,
    ),
  "aws:s3/bucketPolicy:BucketPolicy": (i) => ["bucket policy:", ...summariseStatements(i.policy).map((l) => `  ${l}`)],
  "aws:iam/role:Role": (i) => [`role ${i.name}`, ...summariseStatements(i.assumeRolePolicy).map((l) => `  trust ${l}`)],
  "aws:iam/rolePolicy:RolePolicy": (i) => ["permissions:", ...summariseStatements(i.policy).map((l) => `  ${l}`)],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i) => [`managed policy ${i.policyArn}`],
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (i) => [`OIDC provider ${i.url} for audiences ${list(i.clientIdLists).join(", ")}`],
  "aws:glue/catalogDatabase:CatalogDatabase": (i) => [`database ${i.name}`],
  "aws:glue/securityConfiguration:SecurityConfiguration": (i) => {
    const e = i.encryptionConfiguration ?? {};
    return [
      `logs ${e.cloudwatchEncryption?.cloudwatchEncryptionMode}, bookmarks ${e.jobBookmarksEncryption?.jobBookmarksEncryptionMode}, S3 ${e.s3Encryption?.s3EncryptionMode}`,
    ];
  },
  "aws:glue/crawler:Crawler": (i) => [
    `crawler ${i.name} → database ${i.databaseName}`,
    ...list((i.s3Targets ?? []).map((t: Inputs) => t.path)).map((p) => `target ${p}`),
    `schedule ${i.schedule ?? "none (started on demand)"}, security configuration ${i.securityConfiguration}`,
  ],
  "aws:athena/workgroup:Workgroup": (i) => {
    const c = i.configuration ?? {};
    const enc = c.resultConfiguration?.encryptionConfiguration ?? {};
    return [
      `workgroup ${i.name}, settings enforced: ${c.enforceWorkgroupConfiguration ? "yes" : "NO"}, CloudWatch metrics ${onOff(c.publishCloudwatchMetricsEnabled)}`,
      `results ${c.resultConfiguration?.outputLocation} encrypted ${enc.encryptionOption} with ${enc.kmsKeyArn}`,
      `bytes-scanned cutoff ${formatBytes(c.bytesScannedCutoffPerQuery)} per query`,
    ];
  },
  "aws:athena/namedQuery:NamedQuery": (i) => [`${i.name}: ${i.query}`],
  "aws:sns/topic:Topic": (i) => [`topic ${i.name}, encrypted with ${i.kmsMasterKeyId ?? "NOTHING"}`],
  "aws:sns/topicPolicy:TopicPolicy": (i) => ["topic policy:", ...summariseStatements(i.policy).map((l) => `  ${l}`)],
  "aws:sns/topicSubscription:TopicSubscription": (i) => [`${i.protocol} → ${i.endpoint}`],
  "aws:cloudwatch/eventRule:EventRule": (i) => [
    `rule ${i.name}${i.scheduleExpression ? ` schedule ${i.scheduleExpression}` : ""}`,
    ...(i.eventPattern ? [`pattern ${i.eventPattern}`] : []),
  ],
  "aws:cloudwatch/eventTarget:EventTarget": (i) => [
    `→ ${i.arn}${i.retryPolicy ? ` (retries ${i.retryPolicy.maximumRetryAttempts}, max age ${i.retryPolicy.maximumEventAgeInSeconds}s)` : ""}`,
  ],
  "aws:lambda/function:Function": (i) => [
    `function ${i.name}: ${i.runtime} on ${list(i.architectures).join(", ") || "x86_64"}, handler ${i.handler}`,
    `timeout ${i.timeout ?? 3}s, memory ${i.memorySize ?? 128} MB, reserved concurrency ${i.reservedConcurrentExecutions ?? "none (unreserved)"}`,
    // Names only: values can be sensitive and are none of the plan's business.
    `env vars: ${Object.keys(i.environment?.variables ?? {}).sort().join(", ") || "none"} (encrypted with ${i.kmsKeyArn ?? "the AWS-managed key"})`,
    `code sha256 ${i.sourceCodeHash ?? "(none)"}`,
    `logs → ${i.loggingConfig?.logGroup ?? `/aws/lambda/${i.name}`}${i.vpcConfig ? `, in VPC subnets ${list(i.vpcConfig.subnetIds).join(", ")}` : ""}`,
  ],
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (i) => [
    `async: ${i.maximumRetryAttempts ?? 2} retries, max event age ${i.maximumEventAgeInSeconds ?? 21600}s, on failure → ${i.destinationConfig?.onFailure?.destination ?? "NOTHING"}`,
  ],
  "aws:lambda/permission:Permission": (i) => [`${i.principal} may ${i.action} ${i.function}${i.sourceArn ? ` only from ${i.sourceArn}` : " from ANY source"}`],
  "aws:cloudwatch/logGroup:LogGroup": (i) => [
    `log group ${i.name}, retention ${i.retentionInDays ?? "forever"} days, encrypted with ${i.kmsKeyId ?? "the CloudWatch-managed key"}`,
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": (i) => {
    const dims = Object.entries(i.dimensions ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
    const ops: Record<string, string> = {
      GreaterThanOrEqualToThreshold: ">=",
      GreaterThanThreshold: ">",
      LessThanThreshold: "<",
      LessThanOrEqualToThreshold: "<=",
    };
    return [
      `alarm ${i.name}: ${i.statistic} of ${i.namespace}/${i.metricName}${dims ? ` (${dims})` : ""} ${ops[i.comparisonOperator] ?? i.comparisonOperator} ${i.threshold}`,
      `over ${i.datapointsToAlarm ?? i.evaluationPeriods} of ${i.evaluationPeriods} periods of ${i.period}s, missing data ${i.treatMissingData ?? "missing"}`,
      `actions → ${list(i.alarmActions).join(", ") || "NONE"}`,
    ];
  },
  "aws:scheduler/schedule:Schedule": (i) => [
    `schedule ${i.name}: ${i.scheduleExpression} in ${i.scheduleExpressionTimezone ?? "UTC"}, ${i.state ?? "ENABLED"}, flexible window ${i.flexibleTimeWindow?.mode}`,
    `→ ${i.target?.arn} as ${i.target?.roleArn}, retries ${i.target?.retryPolicy?.maximumRetryAttempts ?? 185}`,
  ],
  "aws:rds/cluster:Cluster": (i) => {
    const r = i.restoreToPointInTime;
    return [
      `cluster ${i.clusterIdentifier}, engine ${i.engine}${r ? `, ${r.restoreType} clone of ${r.sourceClusterIdentifier}${r.useLatestRestorableTime ? " (latest restorable time)" : ""}` : ""}`,
      `storage encrypted ${i.storageEncrypted ? "yes" : "NO"}, deletion protection ${onOff(i.deletionProtection)}, final snapshot ${i.skipFinalSnapshot ? "skipped" : "taken"}`,
      `master password ${i.masterPassword === "[secret]" ? "set (secret)" : i.masterPassword === undefined ? "inherited" : "set IN PLAIN TEXT"}, security groups ${list(i.vpcSecurityGroupIds).join(", ")}`,
    ];
  },
  "aws:rds/clusterInstance:ClusterInstance": (i) => [`instance ${i.identifier} ${i.instanceClass}, public ${i.publiclyAccessible ? "YES" : "no"}`],
  "aws:rds/subnetGroup:SubnetGroup": (i) => [`subnet group ${i.name}: ${list(i.subnetIds).join(", ")}`],
  "aws:ec2/securityGroup:SecurityGroup": (i) => [
    `security group ${i.name} in ${i.vpcId}${Array.isArray(i.egress) && i.egress.length === 0 ? ", no egress" : ""}`,
  ],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (i) => [
    `allow ${i.ipProtocol} ${i.fromPort}${i.toPort !== i.fromPort ? `-${i.toPort}` : ""} from ${i.cidrIpv4 ?? i.cidrIpv6 ?? i.referencedSecurityGroupId ?? i.prefixListId}`,
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (i) => [
    `allow out ${i.ipProtocol} ${i.fromPort}${i.toPort !== i.fromPort ? `-${i.toPort}` : ""} to ${i.cidrIpv4 ?? i.cidrIpv6 ?? i.referencedSecurityGroupId ?? i.prefixListId}`,
  ],
  "aws:sfn/stateMachine:StateMachine": describeStateMachine,
  "aws:ssm/parameter:Parameter": (i) => [
    // The AWS provider marks every parameter value secret, even a String's placeholder.
    `parameter ${i.name} (${i.type}${i.keyId ? `, encrypted with ${i.keyId}` : ""}), initial value ${i.value === "[secret]" ? "set (the provider keeps it secret)" : JSON.stringify(i.value)}`,
  ],
  "aws:secretsmanager/secret:Secret": (i) => [
    `secret ${i.name}, encrypted with ${i.kmsKeyId ?? "the AWS-managed key aws/secretsmanager"}, recovery window ${i.recoveryWindowInDays ?? 30} days`,
  ],
  "aws:secretsmanager/secretVersion:SecretVersion": (i) => [
    `value of ${i.secretId}: ${i.secretString === "[secret]" || i.secretBinary === "[secret]" ? "a Pulumi secret, never printed" : "NOT A PULUMI SECRET"}`,
  ],
  "random:index/randomPassword:RandomPassword": (i) => [`random password, ${i.length} characters (secret)`],
  "aws:iam/user:User": (i) => [`user ${i.name}`],
  "aws:iam/userPolicy:UserPolicy": (i) => ["permissions:", ...summariseStatements(i.policy).map((l) => `  ${l}`)],
  "aws:iam/accessKey:AccessKey": (i) => [`access key of user ${i.user}; its secret is a Pulumi secret, never printed`],
  "pulumi:providers:gcp": (i) => [`GCP provider pinned to project ${i.project ?? "NONE (ambient gcloud config)"}`],
  "gcp:bigquery/dataset:Dataset": (i) => [
    `dataset ${i.datasetId} in ${i.location ?? "US (default)"}${i.deleteContentsOnDestroy ? " (destroy deletes its tables)" : ""}`,
  ],
  "gcp:bigquery/dataTransferConfig:DataTransferConfig": describeTransfer,
  "aws:budgets/budget:Budget": describeBudget,
  "aws:quicksight/dataSource:DataSource": (i) => {
    const athena = decoded(i.parameters)?.athena ?? {};
    return [
      `data source ${i.dataSourceId} (${i.type}) on workgroup ${athena.workGroup ?? "primary (NOT the platform's)"}, queries as ${athena.roleArn ?? "the account-wide QuickSight role"}`,
      ...describeQuickSightPermissions(i.permissions),
    ];
  },
  "aws:quicksight/dataSet:DataSet": (i) => {
    const tables = ((decoded(i.physicalTableMaps) ?? []) as Inputs[]).map((m) => m.relationalTable).filter(Boolean);
    return [
      `data set ${i.dataSetId} "${i.name}", ${i.importMode === "SPICE" ? "imported into SPICE" : "direct query (always the latest export)"}`,
      ...tables.map((t: Inputs) => `reads ${t.catalog}.${t.schema}.${t.name}: ${((t.inputColumns ?? []) as Inputs[]).map((c) => `${c.name} ${c.type}`).join(", ")}`),
      ...describeQuickSightPermissions(i.permissions),
    ];
  },
  "aws:quicksight/refreshSchedule:RefreshSchedule": (i) => {
    const schedule = decoded(i.schedule) ?? {};
    const f = schedule.scheduleFrequency ?? {};
    return [`${schedule.refreshType === "FULL_REFRESH" ? "full" : "incremental"} SPICE refresh of ${i.dataSetId}, ${String(f.interval ?? "").toLowerCase()} at ${f.timeOfTheDay} ${f.timezone ?? "UTC"}`];
  },
  "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": (i) => [
    `Slack channel ${i.slackChannelId} in workspace ${i.slackTeamId} ("${i.configurationName}"), logging ${i.loggingLevel ?? "NONE"}`,
    `notifications from ${list(i.snsTopicArns).join(", ") || "NO topic"}`,
    `guardrails ${list(i.guardrailPolicyArns).join(", ") || "NONE (Chatbot applies AdministratorAccess)"}; channel role ${i.iamRoleArn}; per-user roles ${i.userAuthorizationRequired ? "required" : "not required"}`,
  ],
};

/** Who may do what with a QuickSight asset: `owner`/`viewer` when the actions match those sets, else the actions. */
function describeQuickSightPermissions(permissions: unknown): string[] {
  const perms = (decoded(permissions) ?? []) as Inputs[];
  if (perms.length === 0) return ["shared with nobody"];
  return perms.map((p) => {
    const actions = list(p.actions);
    const level = actions.some((a) => /Delete|Update/.test(a)) ? "owner" : "viewer";
    return `${level}: ${String(p.principal).split(":").pop()} (${actions.length} actions)`;
  });
}

/** A budget: period, limit, which costs it counts (its filter) and who hears about it. */
function describeBudget(i: Inputs): string[] {
  const expr = decoded(i.filterExpression) ?? {};
  const tagFilters = [expr, ...(expr.ands ?? [])].map((e: Inputs) => e?.tags).filter((t): t is Inputs => t?.key !== undefined);
  const filter = tagFilters.length ? `resources tagged ${tagFilters.map((t) => `${t.key}=${list(t.values).join("|")}`).join(" and ")}` : "the WHOLE ACCOUNT (no filter)";
  const notifications = ((i.notifications ?? []) as Inputs[]).map(
    (n) => `${n.notificationType === "FORECASTED" ? "forecast" : "actual"} > ${n.threshold}${n.thresholdType === "PERCENTAGE" ? "%" : ` ${i.limitUnit}`} → ${list(n.subscriberSnsTopicArns).concat(list(n.subscriberEmailAddresses)).join(", ") || "NOBODY"}`,
  );
  return [
    `budget ${i.name}: ${i.budgetType} ${i.limitAmount} ${i.limitUnit} per ${String(i.timeUnit).toLowerCase().replace(/ly$/, "")} (${i.metrics ?? "UnblendedCost"})`,
    `counts ${filter}`,
    ...(notifications.length ? notifications.map((n) => `alert when ${n}`) : ["NO notifications"]),
  ];
}

/** A state machine: type, size, which functions and topics its Tasks call, logging and tracing. */
function describeStateMachine(i: Inputs): string[] {
  let def: { States?: Record<string, Inputs>; TimeoutSeconds?: number };
  try {
    def = typeof i.definition === "string" ? JSON.parse(i.definition) : i.definition;
  } catch {
    return [`state machine ${i.name}: definition is not valid JSON`];
  }
  const states = Object.values(def.States ?? {});
  const tasks = states.filter((s) => s.Type === "Task");
  const functions = [...new Set(tasks.map((t) => t.Parameters?.FunctionName).filter((f): f is string => typeof f === "string"))];
  const topics = [...new Set(tasks.map((t) => t.Parameters?.TopicArn).filter((t): t is string => typeof t === "string"))];
  const unbounded = tasks.filter((t) => !Array.isArray(t.Retry) || t.Retry.some((r: Inputs) => !(r.MaxAttempts >= 0 && r.MaxAttempts <= 10)));
  const log = i.loggingConfiguration;
  return [
    `state machine ${i.name} (${i.type ?? "STANDARD"}): ${states.length} states, ${tasks.length} tasks, timeout ${def.TimeoutSeconds ?? "none"}s`,
    `invokes ${functions.map((f) => f.split(":").pop()).join(", ") || "no function"}${topics.length ? `; alerts ${topics.join(", ")}` : ""}`,
    `retries: ${unbounded.length === 0 ? "bounded on every task" : `UNBOUNDED on ${unbounded.length} task(s)`}; catch: ${tasks.filter((t) => Array.isArray(t.Catch) && t.Catch.length > 0).length} of ${tasks.length} tasks`,
    `logs ${log?.level ?? "OFF"}${log?.includeExecutionData ? " with execution data" : ""} → ${log?.logDestination ?? "nowhere"}; tracing ${onOff(i.tracingConfiguration?.enabled)}`,
    `runs as ${i.roleArn}`,
  ];
}

/** Param names that would carry a credential if someone put one in the wrong place. */
const SECRET_PARAM = /secret|password|token/i;

/** A transfer: what it reads, where it writes, when, and where its credentials live. */
function describeTransfer(i: Inputs): string[] {
  const p: Inputs = i.params ?? {};
  const leaked = Object.keys(p).filter((k) => SECRET_PARAM.test(k) || p[k] === "[secret]");
  // An Input object that holds a secret is serialised as one secret, so the whole block may read "[secret]".
  const sensitive = i.sensitiveParams;
  const secretState =
    sensitive === "[secret]" || sensitive?.secretAccessKey === "[secret]"
      ? "secret access key only in sensitiveParams (Pulumi secret)"
      : sensitive === undefined
        ? "NO secret access key"
        : "secret access key: NOT a Pulumi secret";
  return [
    `"${i.displayName}": ${i.dataSourceId}, schedule ${i.schedule ?? "default"} (UTC)`,
    `data_path ${p.data_path}`,
    `→ ${i.destinationDatasetId}.${p.destination_table_name_template} (${p.file_format}, ${p.write_disposition ?? "default write disposition"})`,
    leaked.length ? `CREDENTIALS IN PARAMS: ${leaked.join(", ")}` : `access key id ${p.access_key_id} in params; ${secretState}`,
    `on failure: e-mail ${onOff(i.emailPreferences?.enableFailureEmail)}, Pub/Sub ${i.notificationPubsubTopic ?? "none"}`,
  ];
}

/** Bytes as GiB/MiB for humans. */
export function formatBytes(n: unknown): string {
  const b = Number(n);
  if (!Number.isFinite(b)) return String(n);
  if (b >= 1024 ** 3) return `${+(b / 1024 ** 3).toFixed(1)} GiB`;
  return `${+(b / 1024 ** 2).toFixed(1)} MiB`;
}

/** Register a describer for a resource type (issues after the foundation add theirs next to their components). */
export function registerDescriber(type: string, describer: Describer): void {
  describers[type] = describer;
}

/** The reviewer-facing lines for one resource. */
export function describe(r: RecordedResource): string[] {
  const d = describers[r.type];
  if (d) {
    try {
      return d(r.inputs);
    } catch {
      // A describer that does not understand an unusual input falls back to the generic line below.
    }
  }
  const physical = r.inputs.name ?? r.inputs.functionName;
  return physical ? [String(physical)] : [];
}
