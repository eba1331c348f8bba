/**
 * The requests AWS services make on the program's behalf, derived from the resources the program creates (every
 * schedule, rule target, alarm, log group, function, state machine, crawler and reader), each row citing the AWS
 * page that documents the request. The requests the code's own SDK calls make come from sdkRequests.ts.
 */
import type { RecordedResource } from "../../automation/plan/mockRuntime";
import type { DeployedPolicies } from "./collect";
import type { IamRequest } from "./evaluate";
import { exportId, tableKeyPrefix } from "../../contracts/exportLayout";
import { LOGS_KEY_ACTIONS } from "../../infra/security/encryptionKey";

/** One kind of request a service makes, and where AWS documents it. */
export interface ServiceRequestRow {
  readonly id: string;
  /** Who makes which request, in one line. */
  readonly summary: string;
  readonly documentation: string;
  readonly requests: (at: Derivation) => IamRequest[];
}

/** What a row derives its requests from. */
export interface Derivation {
  readonly policies: DeployedPolicies;
  readonly resources: readonly RecordedResource[];
  /** Custom resources of a type. */
  readonly ofType: (type: string) => RecordedResource[];
  /** The KMS key that encrypts a topic (by ARN) or a bucket's objects (by bucket ARN). */
  readonly keyOf: (arn: string) => string | undefined;
  readonly arn: (service: string, resource: string) => string;
}

const DOCS = {
  lambdaRole: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
  lambdaEnv: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html",
  lambdaLogs: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
  lambdaVpc: "https://docs.aws.amazon.com/lambda/latest/dg/configuring-vpc.html",
  lambdaDestinations: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
  scheduler: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html",
  eventBridgeTargets: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html",
  snsSseServices: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
  cloudWatchAlarmsSns: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html",
  logsKms: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
  stepFunctionsLogs: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html",
  stepFunctionsLambda: "https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html",
  stepFunctionsSns: "https://docs.aws.amazon.com/step-functions/latest/dg/sns-iam.html",
  stepFunctionsTrust: "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html",
  glueCrawler: "https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html",
  glueSecurityConfiguration: "https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html",
  rdsExportRole: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/export-cluster-data.html",
  bigQueryS3: "https://cloud.google.com/bigquery/docs/s3-transfer-intro",
  s3SseKms: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
  budgetsSns: "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html",
  chatbotRole: "https://docs.aws.amazon.com/chatbot/latest/adminguide/understanding-permissions.html",
  quickSightAthenaRole: "https://docs.aws.amazon.com/quicksight/latest/APIReference/API_AthenaParameters.html",
  athenaCallerAccess: "https://docs.aws.amazon.com/athena/latest/ug/encryption.html",
} as const;

/** A service principal assumes a role; the role's trust policy is what AWS evaluates. */
function assume(service: string, role: string, origin: string, documentation: string, context: Record<string, string> = {}): IamRequest {
  return { principal: service, action: "sts:AssumeRole", resource: role, context, origin, documentation };
}

/** Publishing to an encrypted topic, as `principal`: the publish and SNS's use of the topic's key as that principal. */
function publish(at: Derivation, principal: string, topic: string, origin: string, documentation: string, publishContext: Record<string, string> = {}): IamRequest[] {
  const out: IamRequest[] = [{ principal, action: "sns:Publish", resource: topic, context: publishContext, origin, documentation }];
  const key = at.keyOf(topic);
  // SNS calls KMS with the topic ARN as encryption context; a service principal's request to KMS carries neither
  // aws:SourceAccount nor aws:SourceArn ("Enable compatibility between event sources from AWS services and
  // encrypted topics", SNS developer guide).
  const context = { "kms:ViaService": `sns.${at.policies.region}.amazonaws.com`, "kms:EncryptionContext:aws:sns:topicArn": topic };
  if (key) for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) out.push({ principal, action, resource: key, context, origin: `${origin} (topic key)`, documentation: DOCS.snsSseServices });
  return out;
}

const functions = (at: Derivation) => at.ofType("aws:lambda/function:Function");
const accountContext = (at: Derivation, sourceArn: string) => ({ "aws:SourceAccount": at.policies.accountId, "aws:SourceArn": sourceArn });

/** Every service-side request row, in the order the README lists them. */
export const SERVICE_REQUEST_ROWS: readonly ServiceRequestRow[] = [
  {
    id: "lambda-assumes-execution-role",
    summary: "Lambda assumes each function's execution role",
    documentation: DOCS.lambdaRole,
    requests: (at) => functions(at).map((f) => assume("lambda.amazonaws.com", String(f.inputs.role), `Lambda → ${f.inputs.name}`, DOCS.lambdaRole)),
  },
  {
    id: "lambda-decrypts-environment",
    summary: "Lambda decrypts a function's environment with the CMK, as the execution role",
    documentation: DOCS.lambdaEnv,
    requests: (at) =>
      functions(at)
        .filter((f) => f.inputs.kmsKeyArn)
        .map((f) => ({
          principal: String(f.inputs.role),
          action: "kms:Decrypt",
          resource: String(f.inputs.kmsKeyArn),
          context: { "kms:ViaService": `lambda.${at.policies.region}.amazonaws.com`, "kms:EncryptionContext:LambdaFunctionName": String(f.inputs.name) },
          origin: `Lambda → ${f.inputs.name} environment`,
          documentation: DOCS.lambdaEnv,
        })),
  },
  {
    id: "lambda-writes-logs",
    summary: "Lambda writes a function's logs to its log group, as the execution role",
    documentation: DOCS.lambdaLogs,
    requests: (at) =>
      functions(at).flatMap((f) => {
        const group = String(f.inputs.loggingConfig?.logGroup ?? `/aws/lambda/${f.inputs.name}`);
        const stream = at.arn("logs", `log-group:${group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`);
        return ["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({ principal: String(f.inputs.role), action, resource: stream, origin: `Lambda → ${f.inputs.name} logs`, documentation: DOCS.lambdaLogs }));
      }),
  },
  {
    id: "lambda-vpc-interfaces",
    summary: "Lambda manages the network interfaces of a function in a VPC, as the execution role",
    documentation: DOCS.lambdaVpc,
    requests: (at) =>
      functions(at)
        .filter((f) => f.inputs.vpcConfig)
        .flatMap((f) => {
          const eni = at.arn("ec2", "network-interface/eni-0123456789abcdef0");
          const subnet = at.arn("ec2", `subnet/${f.inputs.vpcConfig.subnetIds[0]}`);
          const role = String(f.inputs.role);
          const origin = `Lambda → ${f.inputs.name} VPC`;
          return [
            { principal: role, action: "ec2:CreateNetworkInterface", resource: eni, origin, documentation: DOCS.lambdaVpc },
            { principal: role, action: "ec2:CreateNetworkInterface", resource: subnet, origin, documentation: DOCS.lambdaVpc },
            { principal: role, action: "ec2:DeleteNetworkInterface", resource: eni, origin, documentation: DOCS.lambdaVpc },
            { principal: role, action: "ec2:DescribeNetworkInterfaces", resource: "*", origin, documentation: DOCS.lambdaVpc },
            { principal: role, action: "ec2:DescribeSubnets", resource: "*", origin, documentation: DOCS.lambdaVpc },
            { principal: role, action: "ec2:AssignPrivateIpAddresses", resource: eni, origin, documentation: DOCS.lambdaVpc },
            { principal: role, action: "ec2:UnassignPrivateIpAddresses", resource: eni, origin, documentation: DOCS.lambdaVpc },
          ];
        }),
  },
  {
    id: "lambda-failure-destination",
    summary: "Lambda sends a failed asynchronous invocation to the on-failure topic, as the execution role",
    documentation: DOCS.lambdaDestinations,
    requests: (at) =>
      at.ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").flatMap((c) => {
        const topic = c.inputs.destinationConfig?.onFailure?.destination ?? c.inputs.onFailure?.destination;
        const fn = functions(at).find((f) => f.inputs.name === c.inputs.functionName);
        return topic && fn ? publish(at, String(fn.inputs.role), String(topic), `Lambda → ${fn.inputs.name} on-failure destination`, DOCS.lambdaDestinations) : [];
      }),
  },
  {
    id: "scheduler-invokes-targets",
    summary: "EventBridge Scheduler assumes each schedule's role and invokes its target",
    documentation: DOCS.scheduler,
    requests: (at) =>
      at.ofType("aws:scheduler/schedule:Schedule").flatMap((s) => {
        const role = String(s.inputs.target.roleArn);
        const target = String(s.inputs.target.arn);
        const origin = `Scheduler → ${s.inputs.name}`;
        const scheduleArn = at.arn("scheduler", `schedule/${s.inputs.groupName ?? "default"}/${s.inputs.name}`);
        const action = target.includes(":states:") ? "states:StartExecution" : "lambda:InvokeFunction";
        return [assume("scheduler.amazonaws.com", role, origin, DOCS.scheduler, accountContext(at, scheduleArn)), { principal: role, action, resource: target, origin, documentation: DOCS.scheduler }];
      }),
  },
  {
    id: "eventbridge-delivers-to-targets",
    summary: "EventBridge delivers a rule's events to its topic (and the topic's key) or function",
    documentation: DOCS.eventBridgeTargets,
    requests: (at) =>
      at.ofType("aws:cloudwatch/eventTarget:EventTarget").flatMap((t) => {
        const rule = at.arn("events", `rule/${t.inputs.rule}`);
        const target = String(t.inputs.arn);
        const origin = `EventBridge rule ${t.inputs.rule}`;
        if (target.includes(":sns:")) return publish(at, "events.amazonaws.com", target, origin, DOCS.eventBridgeTargets, accountContext(at, rule));
        return [{ principal: "events.amazonaws.com", action: "lambda:InvokeFunction", resource: target, context: accountContext(at, rule), origin, documentation: DOCS.eventBridgeTargets }];
      }),
  },
  {
    id: "cloudwatch-alarms-notify",
    summary: "CloudWatch publishes an alarm's state changes to its topic (and uses the topic's key)",
    documentation: DOCS.cloudWatchAlarmsSns,
    requests: (at) =>
      at.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").flatMap((a) => {
        const alarm = at.arn("cloudwatch", `alarm:${a.inputs.name}`);
        const topics = [...new Set<string>([...(a.inputs.alarmActions ?? []), ...(a.inputs.okActions ?? [])])].filter((x) => x.includes(":sns:"));
        return topics.flatMap((topic) => publish(at, "cloudwatch.amazonaws.com", topic, `alarm ${a.inputs.name}`, DOCS.cloudWatchAlarmsSns, accountContext(at, alarm)));
      }),
  },
  {
    id: "cloudwatch-logs-encrypts-groups",
    summary: "CloudWatch Logs encrypts each KMS-encrypted log group with the CMK",
    documentation: DOCS.logsKms,
    requests: (at) =>
      logGroups(at).flatMap(({ name, key }) => {
        const groupArn = at.arn("logs", `log-group:${name}`);
        const context = { "kms:EncryptionContext:aws:logs:arn": groupArn };
        // Cryptographic requests only: they carry the log group's encryption context, a DescribeKey cannot.
        return LOGS_KEY_ACTIONS.map((action) => ({
          principal: `logs.${at.policies.region}.amazonaws.com`,
          action,
          resource: key,
          context,
          origin: `CloudWatch Logs → ${name}`,
          documentation: DOCS.logsKms,
        }));
      }),
  },
  {
    id: "step-functions-runs-state-machines",
    summary: "Step Functions assumes the state machine's role, invokes its task functions, publishes its alerts and delivers its logs",
    documentation: DOCS.stepFunctionsLogs,
    requests: (at) => at.ofType("aws:sfn/stateMachine:StateMachine").flatMap((sm) => stateMachineRequests(at, sm)),
  },
  {
    id: "glue-crawler-runs",
    summary: "Glue assumes the crawler's role, reads the export prefix, writes the discovery database and its encrypted logs",
    documentation: DOCS.glueCrawler,
    requests: (at) => at.ofType("aws:glue/crawler:Crawler").flatMap((c) => crawlerRequests(at, c)),
  },
  {
    id: "rds-export-assumes-role",
    summary: "RDS assumes the export role for a snapshot export (the export's S3 and KMS requests follow StartExportTask)",
    documentation: DOCS.rdsExportRole,
    requests: (at) =>
      [...at.policies.principals.values()]
        .filter((p) => JSON.stringify(p.trustPolicy ?? {}).includes("export.rds.amazonaws.com"))
        .map((p) => assume("export.rds.amazonaws.com", p.arn, "RDS export", DOCS.rdsExportRole, { "aws:SourceAccount": at.policies.accountId })),
  },
  {
    id: "bigquery-transfer-reads-exports",
    summary: "BigQuery Data Transfer Service lists and reads the exported Parquet files with the transfer user's key",
    documentation: DOCS.bigQueryS3,
    requests: (at) => bigQueryReaderRequests(at),
  },
  {
    id: "budgets-notify",
    summary: "AWS Budgets publishes a budget's threshold notifications to its topic (and uses the topic's key)",
    documentation: DOCS.budgetsSns,
    requests: (at) =>
      at.ofType("aws:budgets/budget:Budget").flatMap((b) => {
        // Budget ARNs have no region: arn:<partition>:budgets::<account>:budget/<name>.
        const budget = `arn:${at.policies.partition}:budgets::${at.policies.accountId}:budget/${b.inputs.name}`;
        const topics = [...new Set<string>((b.inputs.notifications ?? []).flatMap((n: { subscriberSnsTopicArns?: string[] }) => n.subscriberSnsTopicArns ?? []))];
        return topics.flatMap((topic) => publish(at, "budgets.amazonaws.com", topic, `budget ${b.inputs.name}`, DOCS.budgetsSns, accountContext(at, budget)));
      }),
  },
  {
    id: "chatbot-reads-alarms",
    summary: "AWS Chatbot assumes the channel role and reads the alarm and its metrics to render a notification in Slack",
    documentation: DOCS.chatbotRole,
    requests: (at) =>
      at.ofType("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").flatMap((c) => {
        const role = String(c.inputs.iamRoleArn);
        const origin = `Chatbot → ${c.inputs.configurationName}`;
        const alarms = at.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => at.arn("cloudwatch", `alarm:${a.inputs.name}`));
        return [
          assume("chatbot.amazonaws.com", role, origin, DOCS.chatbotRole),
          ...alarms.map((alarm) => ({ principal: role, action: "cloudwatch:DescribeAlarms", resource: alarm, origin, documentation: DOCS.chatbotRole })),
          ...["cloudwatch:GetMetricData", "cloudwatch:GetMetricWidgetImage"].map((action) => ({ principal: role, action, resource: "*", origin, documentation: DOCS.chatbotRole })),
        ];
      }),
  },
  {
    id: "quicksight-queries-athena",
    summary: "QuickSight assumes the data source's role; Athena runs each data set's query as that role (catalog, export objects and results through S3 with the CMK)",
    documentation: DOCS.quickSightAthenaRole,
    requests: (at) => at.ofType("aws:quicksight/dataSource:DataSource").flatMap((d) => quickSightRequests(at, d)),
  },
];

function logGroups(at: Derivation): { name: string; key: string }[] {
  const groups = at.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => g.inputs.kmsKeyId).map((g) => ({ name: String(g.inputs.name), key: String(g.inputs.kmsKeyId) }));
  // A crawler with a security configuration that encrypts CloudWatch writes to /aws-glue/crawlers-role/<role>-<configuration>
  // (Glue developer guide, "Encrypting data written by crawlers, jobs, and development endpoints").
  for (const c of at.ofType("aws:glue/crawler:Crawler")) {
    const config = at.ofType("aws:glue/securityConfiguration:SecurityConfiguration").find((s) => s.inputs.name === c.inputs.securityConfiguration);
    const key = config?.inputs.encryptionConfiguration?.cloudwatchEncryption?.kmsKeyArn;
    if (key) groups.push({ name: crawlerLogGroup(c), key: String(key) });
  }
  return groups;
}

function crawlerLogGroup(c: RecordedResource): string {
  const role = String(c.inputs.role).split("/").pop();
  return `/aws-glue/crawlers-role/${role}-${c.inputs.securityConfiguration}`;
}

function stateMachineRequests(at: Derivation, sm: RecordedResource): IamRequest[] {
  const role = String(sm.inputs.roleArn);
  const smArn = at.arn("states", `stateMachine:${sm.inputs.name}`);
  const origin = `state machine ${sm.inputs.name}`;
  const out: IamRequest[] = [assume("states.amazonaws.com", role, origin, DOCS.stepFunctionsTrust, accountContext(at, smArn))];
  const tasks: { Resource?: string; Parameters?: Record<string, unknown> }[] = [];
  const walk = (states: Record<string, any>) => {
    for (const s of Object.values(states)) {
      if (s.Type === "Task") tasks.push(s);
      for (const b of s.Branches ?? []) walk(b.States);
      if (s.Iterator) walk(s.Iterator.States);
      if (s.ItemProcessor) walk(s.ItemProcessor.States);
    }
  };
  walk(JSON.parse(String(sm.inputs.definition)).States);
  const seen = new Set<string>();
  for (const t of tasks) {
    const fn = t.Resource === "arn:aws:states:::lambda:invoke" ? String(t.Parameters?.FunctionName) : undefined;
    if (fn && !seen.has(fn)) {
      seen.add(fn);
      out.push({ principal: role, action: "lambda:InvokeFunction", resource: fn, origin, documentation: DOCS.stepFunctionsLambda });
    }
    const topic = t.Resource === "arn:aws:states:::sns:publish" ? String(t.Parameters?.TopicArn) : undefined;
    if (topic && !seen.has(topic)) {
      seen.add(topic);
      out.push(...publish(at, role, topic, origin, DOCS.stepFunctionsSns));
    }
  }
  if (sm.inputs.loggingConfiguration?.logDestination) {
    // Vended-log delivery: all authorised on "*" ("IAM policies for logging to CloudWatch Logs").
    for (const action of ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]) {
      out.push({ principal: role, action, resource: "*", origin: `${origin} logging`, documentation: DOCS.stepFunctionsLogs });
    }
  }
  return out;
}

function crawlerRequests(at: Derivation, c: RecordedResource): IamRequest[] {
  const role = String(c.inputs.role);
  const origin = `crawler ${c.inputs.name}`;
  const crawlerArn = at.arn("glue", `crawler/${c.inputs.name}`);
  const out: IamRequest[] = [assume("glue.amazonaws.com", role, origin, DOCS.glueCrawler, accountContext(at, crawlerArn))];
  for (const target of c.inputs.s3Targets ?? []) {
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(String(target.path)) ?? [];
    const bucketArn = `arn:${at.policies.partition}:s3:::${bucket}`;
    const object = `${bucketArn}/${prefix}shop/users/part-00000.parquet`;
    out.push(
      { principal: role, action: "s3:ListBucket", resource: bucketArn, context: { "s3:prefix": prefix }, origin, documentation: DOCS.glueCrawler },
      { principal: role, action: "s3:GetObject", resource: object, origin, documentation: DOCS.glueCrawler },
    );
    const key = at.keyOf(bucketArn);
    const context = { "kms:ViaService": `s3.${at.policies.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": object };
    if (key) out.push({ principal: role, action: "kms:Decrypt", resource: key, context, origin, documentation: DOCS.s3SseKms });
  }
  const db = String(c.inputs.databaseName);
  const glue = (r: string) => at.arn("glue", r);
  // The catalog calls a crawler makes to read and write its database (AWSGlueServiceRole scope, narrowed to one database).
  for (const action of ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchCreatePartition", "glue:BatchGetPartition", "glue:UpdatePartition", "glue:BatchUpdatePartition"]) {
    const resources = action === "glue:GetDatabase" ? [glue("catalog"), glue(`database/${db}`)] : [glue("catalog"), glue(`database/${db}`), glue(`table/${db}/users`)];
    for (const resource of resources) out.push({ principal: role, action, resource, origin, documentation: DOCS.glueCrawler });
  }
  if (c.inputs.securityConfiguration) {
    const group = crawlerLogGroup(c);
    out.push(
      { principal: role, action: "glue:GetSecurityConfiguration", resource: "*", origin, documentation: DOCS.glueSecurityConfiguration },
      { principal: role, action: "logs:AssociateKmsKey", resource: at.arn("logs", `log-group:${group}`), origin, documentation: DOCS.glueSecurityConfiguration },
    );
  }
  const group = c.inputs.securityConfiguration ? crawlerLogGroup(c) : "/aws-glue/crawlers";
  out.push(
    { principal: role, action: "logs:CreateLogGroup", resource: at.arn("logs", `log-group:${group}`), origin, documentation: DOCS.glueCrawler },
    ...["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({ principal: role, action, resource: at.arn("logs", `log-group:${group}:log-stream:${c.inputs.name}`), origin, documentation: DOCS.glueCrawler })),
  );
  return out;
}

function bigQueryReaderRequests(at: Derivation): IamRequest[] {
  const users = [...at.policies.principals.values()].filter((p) => p.kind === "user" && p.arn.endsWith("-bigquery-transfer"));
  const transfers = at.ofType("gcp:bigquery/dataTransferConfig:DataTransferConfig");
  return users.flatMap((u) =>
    transfers.slice(0, 1).flatMap((t) => {
      const uri = String(t.inputs.params?.data_path ?? "");
      const [, bucket, path] = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) ?? [];
      if (!bucket) return [];
      const bucketArn = `arn:${at.policies.partition}:s3:::${bucket}`;
      // BigQuery lists up to the first wildcard, then reads what matches; a run-time parameter becomes a day.
      const concrete = path.replace(/\{[^}]*\}/g, "20260101");
      const prefix = concrete.replace(/\*.*$/, "");
      const object = `${bucketArn}/${concrete.replace(/\*/g, "0")}`;
      const origin = "BigQuery transfer";
      const key = at.keyOf(bucketArn);
      const requests: IamRequest[] = [
        { principal: u.arn, action: "s3:ListBucket", resource: bucketArn, context: { "s3:prefix": prefix }, origin, documentation: DOCS.bigQueryS3 },
        { principal: u.arn, action: "s3:GetObject", resource: object, origin, documentation: DOCS.bigQueryS3 },
        ...(key ? [{ principal: u.arn, action: "kms:Decrypt", resource: key, context: { "kms:ViaService": `s3.${at.policies.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": object }, origin, documentation: DOCS.s3SseKms }] : []),
      ];
      return requests;
    }),
  );
}

function quickSightRequests(at: Derivation, source: RecordedResource): IamRequest[] {
  const athena = source.inputs.parameters?.athena;
  if (!athena?.roleArn) return [];
  const role = String(athena.roleArn);
  const origin = `QuickSight → ${source.inputs.dataSourceId}`;
  // The function that moves the stable tables knows the exports bucket and the environment.
  const mover = at.ofType("aws:lambda/function:Function").find((f) => f.inputs.environment?.variables?.GLUE_DATABASE);
  const vars = mover?.inputs.environment?.variables ?? {};
  const workgroup = at.ofType("aws:athena/workgroup:Workgroup").find((w) => w.inputs.name === athena.workGroup);
  const output = String(workgroup?.inputs.configuration?.resultConfiguration?.outputLocation ?? "");
  const [, resultsBucket, resultsPrefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(output) ?? [];
  const out: IamRequest[] = [
    assume("quicksight.amazonaws.com", role, origin, DOCS.quickSightAthenaRole),
    ...["athena:GetWorkGroup", "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"].map((action) => ({
      principal: role,
      action,
      resource: at.arn("athena", `workgroup/${athena.workGroup}`),
      origin,
      documentation: DOCS.quickSightAthenaRole,
    })),
  ];
  const s3Context = (object: string) => ({ "kms:ViaService": `s3.${at.policies.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": object });
  for (const set of at.ofType("aws:quicksight/dataSet:DataSet")) {
    for (const map of set.inputs.physicalTableMaps ?? []) {
      const table = map.relationalTable;
      if (!table) continue;
      const db = String(table.schema);
      for (const resource of [at.arn("glue", "catalog"), at.arn("glue", `database/${db}`), at.arn("glue", `table/${db}/${table.name}`)]) {
        out.push({ principal: role, action: "glue:GetTable", resource, origin: `${origin} data set ${set.inputs.dataSetId}`, documentation: DOCS.athenaCallerAccess });
      }
      if (vars.EXPORT_BUCKET && vars.ENVIRONMENT) {
        // Athena reads a stable table's files with the caller's credentials, through S3 with the CMK.
        const bucketArn = `arn:${at.policies.partition}:s3:::${vars.EXPORT_BUCKET}`;
        const prefix = tableKeyPrefix(exportId(String(vars.ENVIRONMENT), "20260101"), "shop", String(table.name));
        const object = `${bucketArn}/${prefix}part-00000-0.gz.parquet`;
        const key = at.keyOf(bucketArn);
        const where = `${origin} data set ${set.inputs.dataSetId}`;
        out.push(
          { principal: role, action: "s3:ListBucket", resource: bucketArn, context: { "s3:prefix": prefix }, origin: where, documentation: DOCS.athenaCallerAccess },
          { principal: role, action: "s3:GetObject", resource: object, origin: where, documentation: DOCS.athenaCallerAccess },
          ...(key ? [{ principal: role, action: "kms:Decrypt", resource: key, context: s3Context(object), origin: where, documentation: DOCS.athenaCallerAccess }] : []),
        );
      }
    }
  }
  if (resultsBucket) {
    const bucketArn = `arn:${at.policies.partition}:s3:::${resultsBucket}`;
    const object = `${bucketArn}/${resultsPrefix}00000000-0000-0000-0000-000000000000.csv`;
    const key = at.keyOf(bucketArn) ?? workgroup?.inputs.configuration?.resultConfiguration?.encryptionConfiguration?.kmsKeyArn;
    out.push(
      { principal: role, action: "s3:GetBucketLocation", resource: bucketArn, origin: `${origin} results`, documentation: DOCS.athenaCallerAccess },
      { principal: role, action: "s3:PutObject", resource: object, origin: `${origin} results`, documentation: DOCS.athenaCallerAccess },
      { principal: role, action: "s3:GetObject", resource: object, origin: `${origin} results`, documentation: DOCS.athenaCallerAccess },
      ...(key
        ? ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({ principal: role, action, resource: String(key), context: s3Context(object), origin: `${origin} results`, documentation: DOCS.athenaCallerAccess }))
        : []),
    );
  }
  return out;
}

/** A derivation over a mocked run's resources and policies. */
export function derivation(resources: readonly RecordedResource[], policies: DeployedPolicies): Derivation {
  const custom = resources.filter((r) => r.custom);
  const ofType = (type: string) => custom.filter((r) => r.type === type);
  const keys = new Map<string, string>();
  for (const t of ofType("aws:sns/topic:Topic")) if (t.inputs.kmsMasterKeyId) keys.set(`arn:${policies.partition}:sns:${policies.region}:${policies.accountId}:${t.inputs.name}`, String(t.inputs.kmsMasterKeyId));
  for (const e of ofType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")) {
    const key = e.inputs.rules?.[0]?.applyServerSideEncryptionByDefault?.kmsMasterKeyId;
    if (key) keys.set(`arn:${policies.partition}:s3:::${e.inputs.bucket}`, String(key));
  }
  return {
    policies,
    resources,
    ofType,
    keyOf: (arn) => keys.get(arn),
    arn: (service, resource) => `arn:${policies.partition}:${service}:${service === "s3" ? "" : policies.region}:${service === "s3" ? "" : policies.accountId}:${resource}`,
  };
}

/** Every service-side request of a mocked run. */
export function serviceRequests(resources: readonly RecordedResource[], policies: DeployedPolicies): IamRequest[] {
  const at = derivation(resources, policies);
  return SERVICE_REQUEST_ROWS.flatMap((row) => row.requests(at));
}
