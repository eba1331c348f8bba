import validator from "asl-validator";
import { expect } from "chai";
import type { RecordedResource } from "../../../../automation/plan/mockRuntime";
import { find, ofType, runPlatform, statements } from "../../../support/pulumi";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const rds = (resource: string) => `arn:aws:rds:${REGION}:${ACCOUNT}:${resource}`;
const fnArn = (env: string, name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:data-platform-${env}-${name}`;
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:data-platform-prod-alerts`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/mock-key-key`;
const GOLDEN_ROLES = ["golden-cluster-role", "golden-mask-role", "golden-export-role", "golden-publish-role", "golden-state-machine-role"];

type Statement = Record<string, any>;
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

describe("GoldenRefresh", () => {
  let prod: RecordedResource[];
  let stg: RecordedResource[];
  before(async () => {
    ({ resources: prod } = await runPlatform("prod"));
    ({ resources: stg } = await runPlatform("stg"));
  });
  const policyOf = (resources: RecordedResource[], role: string): Statement[] =>
    statements(find(resources, "aws:iam/rolePolicy:RolePolicy", `${role}-policy`).inputs.policy);
  const definitionOf = (resources: RecordedResource[]) => JSON.parse(find(resources, "aws:sfn/stateMachine:StateMachine", "golden").inputs.definition);

  describe("state machine", () => {
    it("is a STANDARD machine whose deployed definition is valid ASL", () => {
      const sm = find(prod, "aws:sfn/stateMachine:StateMachine", "golden").inputs;
      expect(sm).to.include({ name: "data-platform-prod-golden-refresh", type: "STANDARD" });
      const result = validator(definitionOf(prod));
      expect(result.errors).to.deep.equal([]);
    });

    it("logs every execution to a log group encrypted with the CMK", () => {
      const sm = find(prod, "aws:sfn/stateMachine:StateMachine", "golden").inputs;
      const group = find(prod, "aws:cloudwatch/logGroup:LogGroup", "golden-logs").inputs;
      expect(group).to.include({ name: "/aws/vendedlogs/states/data-platform-prod-golden-refresh", kmsKeyId: KEY, retentionInDays: 90 });
      expect(sm.loggingConfiguration).to.deep.equal({
        level: "ALL",
        includeExecutionData: true,
        logDestination: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/data-platform-prod-golden-refresh:*`,
      });
      const logKey = statements(find(prod, "aws:kms/key:Key", "key").inputs.policy).find((s) => s.Sid === "CloudWatchLogsEncryptsPlatformLogGroups");
      expect(logKey?.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).to.include(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/data-platform-prod-*`);
    });

    it("gives every deployed Task bounded retries and a Catch, and every failure path before publishing ends in Abort", () => {
      const def = definitionOf(prod);
      const tasks = Object.entries(def.States as Record<string, Statement>).filter(([, s]) => s.Type === "Task");
      expect(tasks.length).to.equal(17);
      for (const [name, s] of tasks) {
        expect(s.Retry, name).to.be.an("array").that.is.not.empty;
        for (const r of s.Retry) expect(r.MaxAttempts, name).to.be.within(0, 10);
        if (name !== "NotifyFailure" && name !== "NotifyCleanupFailure") expect(s.Catch, name).to.be.an("array").that.is.not.empty;
      }
      for (const step of ["Prepare", "Create", "ClusterCheck", "CreateInstance", "InstanceCheck", "RotatePassword", "RotatedCheck", "MaskSlice", "Snapshot", "SnapshotCheck", "Publish"]) {
        expect(def.States[step].Catch[0].Next, step).to.equal("Abort");
      }
      expect(def.States.MaskGaveUp.Parameters.Cause).to.match(/^masking not verified within 200 slices or \d+ minutes of the start$/);
    });

    it("invokes exactly the four step functions, and its role may invoke exactly those", () => {
      const def = definitionOf(prod);
      const invoked = new Set(Object.values(def.States as Record<string, Statement>).map((s) => s.Parameters?.FunctionName).filter(Boolean));
      const four = ["golden-cluster", "golden-mask", "golden-export", "golden-publish"].map((n) => fnArn("prod", n));
      expect([...invoked]).to.have.members(four);
      const policy = policyOf(prod, "golden-state-machine-role");
      expect(policy.find((s) => s.Sid === "InvokeTheStepFunctions")?.Resource).to.have.members(four);
      expect(policy.find((s) => s.Sid === "AlertTheTopic")).to.deep.include({ Action: "sns:Publish", Resource: TOPIC });
      // "*" only for CloudWatch Logs' vended-log delivery, which has no resource type.
      for (const s of policy.filter((st) => list(st.Resource).includes("*"))) {
        for (const action of list(s.Action)) expect(action).to.match(/^logs:((Create|Get|Update|Delete)LogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/);
      }
    });

    it("without a masked export (stg) has no export step or function", () => {
      const def = definitionOf(stg);
      expect(def.States.StartExport).to.equal(undefined);
      expect(ofType(stg, "aws:lambda/function:Function").map((f) => f.inputs.name)).to.not.include("data-platform-stg-golden-export");
      expect(policyOf(stg, "golden-state-machine-role").find((s) => s.Sid === "InvokeTheStepFunctions")?.Resource).to.have.length(3);
    });
  });

  describe("least privilege", () => {
    it("lets every mutating RDS action touch only this environment's goldens (and the restore read the one source)", () => {
      for (const role of ["golden-cluster-role", "golden-mask-role", "golden-export-role"]) {
        for (const s of policyOf(prod, role)) {
          const mutating = list(s.Action).filter((a) => /^rds:(Create|Delete|Modify|Restore|AddTags)/.test(a));
          if (mutating.length === 0) continue;
          for (const r of list(s.Resource)) {
            // The restore also names the source, the source's cluster parameter group (named by the source at run time,
            // so any group: using a group does not change it) and the engine's default option group (required types).
            const restoreReads = [rds("cluster:shop-prod-aurora"), rds("cluster-pg:*"), rds("og:default:aurora-mysql-8-0")];
            const ok = r.includes(":golden-prod-") || r === rds("subgrp:data-platform-prod-golden") || (s.Sid === "CloneTheSourceIntoAGolden" && restoreReads.includes(r)) ||
              // The instance gets the source's instance parameter group, likewise named at run time.
              (s.Sid === "AddTheGoldenInstance" && r === rds("pg:*"));
            expect(ok, `${role} ${s.Sid} ${r}`).to.equal(true);
          }
        }
      }
      // Each lifecycle action only on the resource types it has: a cluster action never on an instance.
      const bySid = (sid: string) => policyOf(prod, "golden-cluster-role").find((s) => s.Sid === sid);
      expect(bySid("ModifyGoldenClusters")?.Resource).to.equal(rds("cluster:golden-prod-*"));
      expect(bySid("SnapshotAndDeleteGoldenClusters")?.Resource).to.deep.equal([rds("cluster:golden-prod-*"), rds("cluster-snapshot:golden-prod-*")]);
      expect(bySid("DeleteGoldenInstances")?.Resource).to.equal(rds("db:golden-prod-*"));
      expect(bySid("DeleteGoldenSnapshots")?.Resource).to.equal(rds("cluster-snapshot:golden-prod-*"));
    });

    it("limits iam:PassRole to the export function passing the RDS export role to RDS exports", () => {
      for (const role of GOLDEN_ROLES) {
        const pass = policyOf(prod, role).filter((s) => list(s.Action).some((a) => a.startsWith("iam:")));
        if (role !== "golden-export-role") {
          expect(pass, role).to.deep.equal([]);
          continue;
        }
        expect(pass).to.deep.equal([
          {
            Sid: "PassOnlyTheExportRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: `arn:aws:iam::${ACCOUNT}:role/data-platform-prod-rds-export`,
            Condition: { StringEquals: { "iam:PassedToService": "export.rds.amazonaws.com" } },
          },
        ]);
      }
    });

    it("lets the mask function write only the salt's first value, encrypted through Secrets Manager", () => {
      const policy = policyOf(prod, "golden-mask-role");
      const writes = policy.filter((s) => list(s.Action).some((a) => /^secretsmanager:(Put|Update|Create|Delete)/.test(a)));
      expect(writes).to.deep.equal([
        { Sid: "StoreTheFirstMaskingSalt", Effect: "Allow", Action: "secretsmanager:PutSecretValue", Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:data-platform-prod-golden-masking-salt-AbCdEf` },
      ]);
      expect(policy.find((s) => s.Sid === "EncryptTheMaskingSalt")).to.deep.include({
        Action: "kms:GenerateDataKey",
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` } },
      });
    });

    it("lets the mask function read only goldens' RDS-managed secrets and the salt", () => {
      const policy = policyOf(prod, "golden-mask-role");
      const reads = policy.filter((s) => list(s.Action).includes("secretsmanager:GetSecretValue"));
      expect(reads).to.have.length(2);
      expect(reads[0]).to.deep.include({
        Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!cluster-*`,
        Condition: { StringLike: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": rds("cluster:golden-prod-*") } },
      });
      expect(reads[1].Resource).to.equal(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:data-platform-prod-golden-masking-salt-AbCdEf`);
      expect(policy.find((s) => s.Sid === "DescribeGoldens")?.Resource).to.equal(rds("cluster:golden-prod-*"));
    });

    it("scopes the parameter to its ARN: the cluster step reads it, only the publish step writes it", () => {
      const parameterArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/data-platform/prod/golden/cluster-id`;
      const ssmActions = (role: string) => policyOf(prod, role).filter((s) => list(s.Action).some((a) => a.startsWith("ssm:")));
      expect(ssmActions("golden-cluster-role")).to.deep.equal([{ Sid: "ReadThePublishedGolden", Effect: "Allow", Action: "ssm:GetParameter", Resource: parameterArn }]);
      expect(ssmActions("golden-publish-role")).to.deep.equal([{ Sid: "PublishTheGolden", Effect: "Allow", Action: "ssm:PutParameter", Resource: parameterArn }]);
      for (const role of ["golden-mask-role", "golden-export-role", "golden-state-machine-role"]) expect(ssmActions(role), role).to.deep.equal([]);
      const parameter = find(prod, "aws:ssm/parameter:Parameter", "golden-parameter").inputs;
      expect(parameter).to.include({ name: "/data-platform/prod/golden/cluster-id", type: "String" });
    });

    it("uses Resource \"*\" only for actions AWS authorises on nothing narrower", () => {
      const allowed = new Set(["rds:DescribeExportTasks", "cloudwatch:PutMetricData", "secretsmanager:GetRandomPassword"]);
      for (const role of GOLDEN_ROLES.filter((r) => r !== "golden-state-machine-role")) {
        for (const s of policyOf(prod, role).filter((st) => list(st.Resource).includes("*"))) {
          for (const a of list(s.Action)) expect(allowed.has(a), `${role} ${a}`).to.equal(true);
        }
      }
      const metric = policyOf(prod, "golden-publish-role").find((s) => s.Sid === "CountPublications");
      expect(metric?.Condition).to.deep.equal({ StringEquals: { "cloudwatch:namespace": "DataPlatform/Golden" } });
    });

    it("names every golden role in the key policy, and the golden export role as the only grant creator when the export is masked", () => {
      const key = statements(find(prod, "aws:kms/key:Key", "key").inputs.policy);
      const users = key.find((s) => s.Sid === "PlatformRolesUseKey")?.Condition.ArnEquals["aws:PrincipalArn"];
      for (const r of ["golden-cluster", "golden-mask", "golden-export", "golden-publish", "golden-refresh"]) {
        expect(users).to.include(`arn:aws:iam::${ACCOUNT}:role/data-platform-prod-${r}`);
      }
      expect(key.find((s) => s.Sid === "GrantsOnlyForAwsResources")?.Condition.ArnEquals["aws:PrincipalArn"]).to.deep.equal([
        `arn:aws:iam::${ACCOUNT}:role/data-platform-prod-golden-export`,
      ]);
    });
  });

  describe("network, salt and schedule", () => {
    it("opens the golden's port only to the mask function, which runs in the VPC with its own group", () => {
      const goldenSg = find(prod, "aws:ec2/securityGroup:SecurityGroup", "golden-golden-sg").inputs;
      expect(goldenSg).to.deep.include({ name: "data-platform-prod-golden", vpcId: "vpc-0f1e2d3c4b5a69788", egress: [] });
      const ingress = ofType(prod, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("golden-"));
      expect(ingress.map((r) => r.inputs)).to.deep.equal([
        { securityGroupId: "golden-golden-sg-id", ipProtocol: "tcp", fromPort: 3306, toPort: 3306, referencedSecurityGroupId: "golden-mask-sg-id", description: "MySQL from the golden mask Lambda" },
      ]);
      const egress = ofType(prod, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => r.inputs);
      expect(egress.map((e) => [e.fromPort, e.referencedSecurityGroupId ?? e.cidrIpv4])).to.deep.equal([
        [3306, "golden-golden-sg-id"],
        [443, "sg-0f1e2d3c4b5a69784"],
      ]);
      const mask = find(prod, "aws:lambda/function:Function", "golden-mask").inputs;
      expect(mask.vpcConfig).to.deep.equal({ subnetIds: ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782", "subnet-0f1e2d3c4b5a69783"], securityGroupIds: ["golden-mask-sg-id"] });
      expect(mask).to.include({ timeout: 900, memorySize: 1024 });
      expect(mask.reservedConcurrentExecutions, "no reservation unless golden.reservedConcurrency asks").to.equal(undefined);
      expect(mask.environment.variables.MASK_BUDGET_SECONDS).to.equal("600");
    });

    it("keeps the salt in a CMK-encrypted secret with no value in the program or state, and passes only its ARN", () => {
      expect(find(prod, "aws:secretsmanager/secret:Secret", "golden-salt").inputs).to.include({ name: "data-platform-prod-golden-masking-salt", kmsKeyId: KEY });
      // No SecretVersion and no random value anywhere in the program: Secrets Manager generates the salt.
      for (const stack of [prod, stg]) {
        expect(ofType(stack, "aws:secretsmanager/secretVersion:SecretVersion").map((r) => r.name)).to.deep.equal([]);
        expect(stack.filter((r) => r.type.startsWith("random:")).map((r) => r.name)).to.deep.equal([]);
      }
      const env = find(prod, "aws:lambda/function:Function", "golden-mask").inputs.environment.variables;
      expect(env.SALT_SECRET_ARN).to.match(/:secret:data-platform-prod-golden-masking-salt-/);
      expect(Object.keys(env)).to.not.include("MASKING_SALT");
    });

    it("starts the refresh leadHours before the export, in the export's time zone, and may only start that machine", () => {
      const schedule = find(prod, "aws:scheduler/schedule:Schedule", "golden-schedule").inputs;
      expect(schedule).to.include({ name: "data-platform-prod-golden-refresh", scheduleExpression: "cron(0 21 * * ? *)", scheduleExpressionTimezone: "Asia/Tokyo" });
      const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:data-platform-prod-golden-refresh`;
      expect(schedule.target.arn).to.equal(arn);
      expect(policyOf(prod, "golden-scheduler-role")).to.deep.equal([{ Sid: "StartOneTarget", Effect: "Allow", Action: "states:StartExecution", Resource: arn }]);
      const cluster = find(prod, "aws:lambda/function:Function", "golden-cluster").inputs.environment.variables;
      expect(cluster).to.include({ DAY_LEAD_HOURS: "3", TIME_ZONE: "Asia/Tokyo", RETENTION_DAYS: "3", INSTANCE_CLASS: "db.r6g.xlarge" });
    });

    it("alarms on failed and timed-out runs, and when no golden was published for the configured hours", () => {
      const alarm = (name: string) => find(prod, "aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
      const dims = { StateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:data-platform-prod-golden-refresh` };
      expect(alarm("golden-executionsfailed")).to.deep.include({ namespace: "AWS/States", metricName: "ExecutionsFailed", dimensions: dims, threshold: 1, alarmActions: [TOPIC] });
      expect(alarm("golden-executionstimedout")).to.deep.include({ namespace: "AWS/States", metricName: "ExecutionsTimedOut", dimensions: dims, alarmActions: [TOPIC] });
      expect(alarm("golden-dead-mans-switch")).to.deep.include({
        namespace: "DataPlatform/Golden",
        metricName: "GoldenPublished",
        dimensions: { Environment: "prod" },
        period: 3600,
        evaluationPeriods: 30,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
        alarmActions: [TOPIC],
      });
    });
  });

  describe("the export source", () => {
    it("masked (prod): no raw export function or schedule; the events rule and handler follow the golden's snapshots", () => {
      const names = ofType(prod, "aws:lambda/function:Function").map((f) => f.inputs.name);
      expect(names).to.not.include("data-platform-prod-export-snapshot");
      // The reconcile schedule stays: the golden's exports are reconciled like raw ones.
      expect(ofType(prod, "aws:scheduler/schedule:Schedule").map((s) => s.inputs.name)).to.have.members(["data-platform-prod-export-reconcile", "data-platform-prod-golden-refresh"]);
      const pattern = JSON.parse(find(prod, "aws:cloudwatch/eventRule:EventRule", "export-pipeline-events").inputs.eventPattern);
      expect(pattern.detail.SourceIdentifier).to.deep.include({ prefix: "golden-prod-" });
      expect(find(prod, "aws:lambda/function:Function", "export-pipeline-export-events").inputs.environment.variables).to.include({
        EXPORT_SOURCE: "masked",
        EXPORT_FUNCTION_NAME: "data-platform-prod-golden-export",
      });
      const exportEnv = find(prod, "aws:lambda/function:Function", "golden-export").inputs.environment.variables;
      expect(exportEnv).to.include({ EXPORT_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/data-platform-prod-rds-export`, EXPORT_ONLY: JSON.stringify(["shop.users", "shop.orders", "shop.order_items", "shop.products"]) });
    });

    it("raw (stg): the daily export keeps its function and schedule, and the golden only feeds QA", () => {
      expect(ofType(stg, "aws:lambda/function:Function").map((f) => f.inputs.name)).to.include("data-platform-stg-export-snapshot");
      expect(ofType(stg, "aws:scheduler/schedule:Schedule").map((s) => s.inputs.name)).to.have.members([
        "data-platform-stg-daily-export",
        "data-platform-stg-export-reconcile",
        "data-platform-stg-golden-refresh",
        "data-platform-stg-qa-reaper",
        "data-platform-stg-bigquery-publish",
      ]);
    });

    it("builds nothing of the golden where it is not configured", async () => {
      const { resources } = await runPlatform("stg", { "data-platform:golden": undefined });
      expect(resources.filter((r) => r.name.startsWith("golden")).map((r) => r.name)).to.deep.equal([]);
    });
  });

  it("bundles the configured rules into the mask function and refuses rules the engine would refuse", async () => {
    const golden = JSON.parse((await import("../../../support/pulumi")).stackConfig("stg")["data-platform:golden"]);
    const other = await runPlatform("stg", { "data-platform:golden": { ...golden, maskingRules: "test/fixtures/ecommerce.masking.yaml" } });
    const hash = (rs: RecordedResource[]) => find(rs, "aws:lambda/function:Function", "golden-mask").inputs.sourceCodeHash;
    expect(hash(other.resources)).to.not.equal(hash(stg));
    let err: unknown;
    await runPlatform("stg", { "data-platform:golden": { ...golden, maskingRules: "README.md" } }).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/data-platform:golden\.maskingRules: \S*README\.md: not valid YAML/);
  });
});
