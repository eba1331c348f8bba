import { expect } from "chai";
import type { RecordedResource } from "../../../automation/plan/mockRuntime";
import { find, ofType, runPlatform, runProgram, statements } from "../../support/pulumi";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:data-platform-prod-alerts`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/mock-key-key`;
const BUCKET = `data-platform-prod-exports-${ACCOUNT}-${REGION}`;

describe("ExportPipeline", () => {
  let resources: RecordedResource[];
  before(async () => {
    // The raw export pipeline: prod with its export source switched back to raw (prod defaults to the masked golden,
    // whose export is tested in test/unit/infra/golden).
    ({ resources } = await runPlatform("prod", { "data-platform:exportSource": "raw" }));
  });
  const fn = (name: string) => find(resources, "aws:lambda/function:Function", name).inputs;
  const policyOf = (role: string) => statements(find(resources, "aws:iam/rolePolicy:RolePolicy", `${role}-policy`).inputs.policy);
  const sid = (role: string, s: string) => policyOf(role).find((st) => st.Sid === s);

  describe("schedule", () => {
    it("runs the export function on the configured cron in the configured time zone", () => {
      const schedule = find(resources, "aws:scheduler/schedule:Schedule").inputs;
      expect(schedule).to.include({
        name: "data-platform-prod-daily-export",
        scheduleExpression: "cron(0 0 * * ? *)",
        scheduleExpressionTimezone: "Asia/Tokyo",
        state: "ENABLED",
      });
      expect(schedule.flexibleTimeWindow).to.deep.equal({ mode: "OFF" });
      expect(schedule.target.arn).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:data-platform-prod-export-snapshot`);
      expect(schedule.target.roleArn).to.equal(`arn:aws:iam::${ACCOUNT}:role/data-platform-prod-export-scheduler`);
      expect(schedule.target.retryPolicy).to.deep.equal({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 });
    });

    it("follows a different cron and time zone from config", async () => {
      // Without the BigQuery block: its transfers need a zone without daylight saving time (stacks/bigqueryConfig.ts).
      const other = await runPlatform("stg", {
        "data-platform:exportSchedule": { cron: "30 3 ? * MON-FRI *", timezone: "Europe/Berlin" },
        "data-platform:bigquery": undefined,
      });
      const schedule = find(other.resources, "aws:scheduler/schedule:Schedule", "export-pipeline-schedule").inputs;
      expect(schedule.scheduleExpression).to.equal("cron(30 3 ? * MON-FRI *)");
      expect(schedule.scheduleExpressionTimezone).to.equal("Europe/Berlin");
      expect(find(other.resources, "aws:lambda/function:Function", "export-pipeline-export-snapshot").inputs.environment.variables.SCHEDULE_TIMEZONE).to.equal(
        "Europe/Berlin",
      );
    });

    it("lets the scheduler's role invoke only the export function", () => {
      const trust = statements(find(resources, "aws:iam/role:Role", "export-pipeline-scheduler-role").inputs.assumeRolePolicy);
      expect(trust[0].Principal).to.deep.equal({ Service: "scheduler.amazonaws.com" });
      expect(trust[0].Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": ACCOUNT } });
      expect(policyOf("export-pipeline-scheduler-role")).to.deep.equal([
        {
          Sid: "StartOneTarget",
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:data-platform-prod-export-snapshot`,
        },
      ]);
    });
  });

  describe("event rule", () => {
    it("matches only the export-ending RDS events about this stack's source and export ids", () => {
      const rule = find(resources, "aws:cloudwatch/eventRule:EventRule", "export-pipeline-events").inputs;
      expect(JSON.parse(rule.eventPattern)).to.deep.equal({
        source: ["aws.rds"],
        "detail-type": ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event", "RDS DB Cluster Event"],
        detail: {
          EventID: [
            "RDS-EVENT-0159",
            "RDS-EVENT-0160",
            "RDS-EVENT-0161",
            "RDS-EVENT-0162",
            "RDS-EVENT-0163",
            "RDS-EVENT-0164",
            "RDS-EVENT-0234",
            "RDS-EVENT-0235",
            "RDS-EVENT-0236",
          ],
          SourceIdentifier: [{ prefix: "rds:shop-prod-aurora-" }, "shop-prod-aurora", { prefix: "prod-" }],
        },
      });
    });

    it("starts the export on RDS's automated-snapshot-created event for the source, and only that rule may invoke it that way", () => {
      const rule = find(resources, "aws:cloudwatch/eventRule:EventRule", "export-pipeline-snapshot-created").inputs;
      expect(rule.name).to.equal("data-platform-prod-snapshot-created");
      expect(JSON.parse(rule.eventPattern)).to.deep.equal({
        source: ["aws.rds"],
        "detail-type": ["RDS DB Cluster Snapshot Event"],
        detail: { EventID: ["RDS-EVENT-0169"], SourceIdentifier: [{ prefix: "rds:shop-prod-aurora-" }] },
      });
      const target = find(resources, "aws:cloudwatch/eventTarget:EventTarget", "export-pipeline-snapshot-created-target").inputs;
      expect(target.arn).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:data-platform-prod-export-snapshot`);
      const permission = find(resources, "aws:lambda/permission:Permission", "export-pipeline-snapshot-created-invoke").inputs;
      expect(permission).to.include({ principal: "events.amazonaws.com", function: "data-platform-prod-export-snapshot" });
      expect(permission.sourceArn).to.equal(`arn:aws:events:${REGION}:${ACCOUNT}:rule/data-platform-prod-snapshot-created`);
    });

    it("reconciles every 6 hours: a schedule whose role may invoke only the events function, with the reconcile input", () => {
      const schedule = find(resources, "aws:scheduler/schedule:Schedule", "export-pipeline-reconcile-schedule").inputs;
      expect(schedule).to.include({ name: "data-platform-prod-export-reconcile", scheduleExpression: "rate(6 hours)" });
      expect(JSON.parse(schedule.target.input)).to.deep.equal({ source: "data-platform.reconcile" });
      expect(schedule.target.arn).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:data-platform-prod-export-events`);
      expect(policyOf("export-pipeline-reconcile-scheduler-role")).to.deep.equal([
        { Sid: "StartOneTarget", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:data-platform-prod-export-events` },
      ]);
      expect(sid("export-pipeline-export-events-role", "MoveStableTables")?.Action).to.include("glue:GetTables");
    });

    it("targets the events function, which only that rule may invoke", () => {
      const target = find(resources, "aws:cloudwatch/eventTarget:EventTarget", "export-pipeline-events-target").inputs;
      expect(target.arn).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:data-platform-prod-export-events`);
      const permission = find(resources, "aws:lambda/permission:Permission", "export-pipeline-events-invoke").inputs;
      expect(permission).to.include({ action: "lambda:InvokeFunction", principal: "events.amazonaws.com", function: "data-platform-prod-export-events" });
      expect(permission.sourceArn).to.equal(`arn:aws:events:${REGION}:${ACCOUNT}:rule/data-platform-prod-export-events`);
    });
  });

  describe("functions", () => {
    for (const [component, name] of [
      ["export-pipeline-export-snapshot", "data-platform-prod-export-snapshot"],
      ["export-pipeline-export-events", "data-platform-prod-export-events"],
    ]) {
      it(`builds ${name} for nodejs22.x on arm64 from a bundle with a code hash`, () => {
        const f = fn(component);
        expect(f).to.include({ name, runtime: "nodejs22.x", handler: "index.handler", kmsKeyArn: KEY });
        expect(f.architectures).to.deep.equal(["arm64"]);
        expect(f.sourceCodeHash).to.match(/^[A-Za-z0-9+/]{43}=$/);
        expect(f.loggingConfig).to.deep.equal({ logFormat: "Text", logGroup: `/aws/lambda/${name}` });
      });

      it(`gives ${name} a KMS-encrypted log group with the configured retention`, () => {
        const lg = find(resources, "aws:cloudwatch/logGroup:LogGroup", `${component}-logs`).inputs;
        expect(lg).to.deep.include({ name: `/aws/lambda/${name}`, retentionInDays: 90, kmsKeyId: KEY });
      });

      it(`sends ${name}'s failed async invocations to the alert topic`, () => {
        const cfg = find(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", `${component}-async`).inputs;
        expect(cfg.functionName).to.equal(name);
        expect(cfg.destinationConfig).to.deep.equal({ onFailure: { destination: TOPIC } });
        expect(cfg.maximumRetryAttempts).to.equal(2);
      });

      it(`alarms on any error of ${name}`, () => {
        const alarm = find(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", `${component}-errors`).inputs;
        expect(alarm).to.deep.include({
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: { FunctionName: name },
          statistic: "Sum",
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [TOPIC],
        });
      });

      it(`lets only Lambda assume ${name}'s role`, () => {
        expect(statements(find(resources, "aws:iam/role:Role", `${component}-role`).inputs.assumeRolePolicy)).to.deep.equal([
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
      });

      it(`lets ${name} write only its own log group`, () => {
        expect(sid(`${component}-role`, "WriteOwnLogs")?.Resource).to.equal(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${name}:*`);
      });
    }

    it("reserves no concurrency unless the config asks, and times out after the bounded snapshot wait", async () => {
      expect(fn("export-pipeline-export-snapshot")).to.include({ timeout: 720 });
      expect(fn("export-pipeline-export-snapshot").reservedConcurrentExecutions).to.equal(undefined);
      expect(fn("export-pipeline-export-snapshot").environment.variables).to.include({ SNAPSHOT_WAIT_SECONDS: "600" });
      const reserved = await runPlatform("prod", { "data-platform:exportSource": "raw", "data-platform:exportReservedConcurrency": 1 });
      expect(find(reserved.resources, "aws:lambda/function:Function", "export-pipeline-export-snapshot").inputs.reservedConcurrentExecutions).to.equal(1);
    });

    it("passes identifiers, never secrets, as environment variables", () => {
      expect(fn("export-pipeline-export-snapshot").environment.variables).to.deep.include({
        ENVIRONMENT: "prod",
        SOURCE_IDENTIFIER: "shop-prod-aurora",
        SNAPSHOT_TYPE: "cluster",
        EXPORT_BUCKET: BUCKET,
        EXPORT_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/data-platform-prod-rds-export`,
        EXPORT_ONLY: JSON.stringify(["shop.users", "shop.orders", "shop.order_items", "shop.products"]),
        ALERT_TOPIC_ARN: TOPIC,
      });
      expect(fn("export-pipeline-export-events").environment.variables).to.deep.include({ GLUE_DATABASE: "data_platform_prod" });
    });
  });

  describe("IAM", () => {
    const role = "export-pipeline-export-snapshot-role";

    it("lets the export function describe only the source cluster and its automated snapshots", () => {
      expect(sid(role, "DescribeSourceClusterSnapshots")?.Resource).to.deep.equal([
        `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:shop-prod-aurora`,
        `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:rds:shop-prod-aurora-*`,
      ]);
    });

    it("describes instance snapshots instead for a non-Aurora source", async () => {
      const run = await runPlatform("stg", { "data-platform:snapshotType": "instance" });
      const policy = statements(find(run.resources, "aws:iam/rolePolicy:RolePolicy", `${role}-policy`).inputs.policy);
      expect(policy.find((s) => s.Sid === "DescribeSourceInstanceSnapshots")?.Resource).to.deep.equal([
        `arn:aws:rds:${REGION}:${ACCOUNT}:db:shop-stg-aurora`,
        `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:rds:shop-stg-aurora-*`,
      ]);
      expect(policy.some((s) => s.Sid === "DescribeSourceClusterSnapshots")).to.equal(false);
    });

    it("passes only the RDS export role, only to RDS exports", () => {
      expect(sid(role, "PassOnlyTheExportRole")).to.deep.include({
        Action: "iam:PassRole",
        Resource: `arn:aws:iam::${ACCOUNT}:role/data-platform-prod-rds-export`,
        Condition: { StringEquals: { "iam:PassedToService": "export.rds.amazonaws.com" } },
      });
    });

    it("creates grants only on the CMK and only for AWS resources, and describes the key outside that condition", () => {
      expect(sid(role, "GrantExportAccessToTheKey")).to.deep.include({
        Action: "kms:CreateGrant",
        Resource: KEY,
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      });
      expect(sid(role, "DescribeTheExportKey")).to.deep.equal({ Sid: "DescribeTheExportKey", Effect: "Allow", Action: "kms:DescribeKey", Resource: KEY });
    });

    it("lets the events function touch only this database's tables and the export metadata, never the exported rows", () => {
      const events = "export-pipeline-export-events-role";
      expect(sid(events, "MoveStableTables")?.Resource).to.deep.equal([
        `arn:aws:glue:${REGION}:${ACCOUNT}:catalog`,
        `arn:aws:glue:${REGION}:${ACCOUNT}:database/data_platform_prod`,
        `arn:aws:glue:${REGION}:${ACCOUNT}:table/data_platform_prod/*`,
      ]);
      expect(sid(events, "ReadExportMetadata")?.Resource).to.equal(`arn:aws:s3:::${BUCKET}/exports/*/export_tables_info_*`);
      expect(sid(events, "ListExportMetadata")?.Condition).to.deep.equal({ StringLike: { "s3:prefix": "exports/*/export_tables_info_*" } });
      const s3Actions = policyOf(events).flatMap((s) => [].concat(s.Action)).filter((a: string) => a.startsWith("s3:"));
      expect(s3Actions).to.have.members(["s3:ListBucket", "s3:GetObject"]);
    });

    it("publishes only to the alert topic", () => {
      for (const r of ["export-pipeline-export-snapshot-role", "export-pipeline-export-events-role"]) {
        const publish = policyOf(r).filter((s) => [].concat(s.Action).includes("sns:Publish" as never));
        expect(publish.map((s) => s.Resource)).to.deep.equal([TOPIC]);
      }
    });

    it("uses Resource \"*\" in the pipeline only to read export tasks, and starts exports of the source's automated snapshots only", () => {
      for (const r of ["export-pipeline-export-snapshot-role", "export-pipeline-export-events-role", "export-pipeline-scheduler-role"]) {
        const starred = policyOf(r).filter((s) => s.Resource === "*").flatMap((s) => [].concat(s.Action));
        for (const a of starred) expect(["rds:DescribeExportTasks"], `${r} ${a}`).to.include(a);
      }
      expect(sid(role, "StartExportsOfTheseSnapshots")?.Resource).to.deep.equal([`arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:rds:shop-prod-aurora-*`]);
    });
  });

  describe("dead-man's switch", () => {
    it("pages when no export completed for the configured hours, treating missing data as breaching", () => {
      const alarm = find(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "export-pipeline-dead-mans-switch").inputs;
      expect(alarm).to.deep.include({
        name: "data-platform-prod-no-export-completed",
        namespace: "DataPlatform/Exports",
        metricName: "ExportCompleted",
        dimensions: { Environment: "prod" },
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: 30,
        datapointsToAlarm: 30,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
        alarmActions: [TOPIC],
      });
      // CloudWatch allows at most 7 days of evaluation for periods of an hour or more.
      expect(alarm.period * alarm.evaluationPeriods).to.be.at.most(7 * 86400);
    });

    it("takes its window from config", async () => {
      const run = await runPlatform("stg", { "data-platform:exportStaleAfterHours": 48 });
      const alarm = find(run.resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "export-pipeline-dead-mans-switch").inputs;
      expect(alarm).to.include({ evaluationPeriods: 48, datapointsToAlarm: 48 });
    });
  });

  it("creates exactly the two function error alarms and the dead-man's switch", () => {
    // The golden refresh's alarms (prod has a golden) are tested with it, in test/unit/infra/golden.
    const pipeline = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((r) => !r.name.startsWith("golden"));
    expect(pipeline.map((r) => r.inputs.name)).to.have.members([
      "data-platform-prod-export-snapshot-errors",
      "data-platform-prod-export-events-errors",
      "data-platform-prod-no-export-completed",
    ]);
  });
});

describe("NodeFunction", () => {
  const base = {
    functionName: "data-platform-test-export-events",
    source: "export-events",
    description: "test",
    roleName: "data-platform-test-fn",
    accountId: ACCOUNT,
    partition: "aws",
    region: REGION,
    statements: [{ Effect: "Allow" as const, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k" }],
    kmsKeyArn: KEY,
    alertTopicArn: TOPIC,
  };

  for (const [prop, value] of [
    ["timeoutSeconds", 901],
    ["reservedConcurrency", 0],
    ["maximumRetryAttempts", 3],
  ] as const) {
    it(`rejects ${prop} = ${value} with the property path`, async () => {
      const { NodeFunction } = await import("../../../infra/compute/nodeFunction");
      let caught: unknown;
      await runProgram(() => {
        try {
          new NodeFunction("f", { ...base, [prop]: value });
        } catch (err) {
          caught = err;
        }
      });
      expect(caught).to.have.property("propertyPath", prop);
    });
  }

  it("attaches the VPC execution policy and passes subnets only when asked to run in a VPC", async () => {
    const { NodeFunction } = await import("../../../infra/compute/nodeFunction");
    const run = await runProgram(() => {
      new NodeFunction("in-vpc", { ...base, vpc: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] } });
      new NodeFunction("no-vpc", { ...base, functionName: "data-platform-test-other", roleName: "data-platform-test-other" });
    });
    const attachments = ofType(run.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    expect(attachments.map((a) => a.inputs.policyArn)).to.deep.equal(["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]);
    expect(find(run.resources, "aws:lambda/function:Function", "in-vpc").inputs.vpcConfig).to.deep.equal({ subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] });
    expect(find(run.resources, "aws:lambda/function:Function", "no-vpc").inputs.vpcConfig).to.equal(undefined);
  });

  it("can leave out the on-failure destination", async () => {
    const { NodeFunction } = await import("../../../infra/compute/nodeFunction");
    const run = await runProgram(() => {
      new NodeFunction("sync", { ...base, onFailureToAlertTopic: false });
    });
    expect(ofType(run.resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")).to.deep.equal([]);
  });
});
