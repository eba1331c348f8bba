import { expect } from "chai";
import type { MockRun, RecordedResource } from "../../../automation/plan/mockRuntime";
import { checkGuardrails } from "../../../automation/plan/guardrails";
import { DATA_SET_ACTIONS, DATA_SOURCE_ACTIONS } from "../../../infra/query/quickSightAnalytics";
import { quickSightScoped } from "../../../policy/analyticsRules";
import { parseConfig } from "../../../stacks/config";
import { configProblems } from "../../support/config";
import { find, ofType, runPlatform, stackConfig, statements } from "../../support/pulumi";

const SOURCE = "aws:quicksight/dataSource:DataSource";
const DATA_SET = "aws:quicksight/dataSet:DataSet";
const ROLE_ARN = "arn:aws:iam::123456789012:role/data-platform-stg-quicksight";
const OWNER = "arn:aws:quicksight:ap-northeast-1:123456789012:group/default/data-engineers";
const VIEWER = "arn:aws:quicksight:ap-northeast-1:123456789012:group/default/analysts";
const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/mock-key-key";

const problemsOf = (overrides: Record<string, unknown>) => configProblems("stg", overrides);

const qsPolicy = (run: MockRun<unknown>) => statements(run.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "quicksight-role-policy")!.inputs.policy);

describe("QuickSight over Athena (config quicksight)", function () {
  // Whole platforms under mocks: slow on a loaded machine.
  this.timeout(300_000);
  describe("enabled (stg)", () => {
    let run: MockRun<unknown>;
    let source: RecordedResource;
    before(async () => {
      run = await runPlatform("stg");
      source = find(run.resources, SOURCE);
    });

    it("builds one Athena data source on the platform workgroup that queries as its own role", () => {
      expect(source.inputs).to.deep.include({
        dataSourceId: "data-platform-stg-athena",
        type: "ATHENA",
        parameters: { athena: { workGroup: "data-platform-stg-analytics", roleArn: ROLE_ARN } },
      });
    });

    it("builds one direct-query data set per configured table, reading only the listed columns of its Glue table", () => {
      const sets = ofType(run.resources, DATA_SET);
      expect(sets.map((s) => s.inputs.dataSetId)).to.deep.equal(["data-platform-stg-shop_orders", "data-platform-stg-shop_order_items", "data-platform-stg-shop_products"]);
      const orders = sets[0].inputs;
      expect(orders.importMode).to.equal("DIRECT_QUERY");
      expect(orders.physicalTableMaps[0].relationalTable).to.deep.include({ catalog: "AwsDataCatalog", schema: "data_platform_stg", name: "shop_orders" });
      expect(orders.physicalTableMaps[0].relationalTable.inputColumns.map((c: { name: string }) => c.name)).to.deep.equal(["id", "user_id", "total", "placed_at"]);
    });

    it("shares the source and every data set with the configured owners (full) and viewers (use only)", () => {
      for (const r of [source, ...ofType(run.resources, DATA_SET)]) {
        const actions = r.type === SOURCE ? DATA_SOURCE_ACTIONS : DATA_SET_ACTIONS;
        expect(r.inputs.permissions, r.name).to.deep.equal([
          { principal: OWNER, actions: [...actions.owner] },
          { principal: VIEWER, actions: [...actions.viewer] },
        ]);
        expect(actions.viewer.filter((a) => /Update|Delete/.test(a))).to.deep.equal([]);
      }
    });

    it("lets the role use the CMK only through S3, in its own policy and in the key policy", () => {
      const kms = qsPolicy(run).filter((s) => [].concat(s.Action).some((a: string) => a.startsWith("kms:")));
      expect(kms).to.deep.equal([
        {
          Sid: "UseTheKeyOnlyThroughS3",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: KEY_ARN,
          Condition: { StringEquals: { "kms:ViaService": "s3.ap-northeast-1.amazonaws.com" } },
        },
      ]);
      const key = statements(find(run.resources, "aws:kms/key:Key").inputs.policy);
      const naming = key.filter((s) => JSON.stringify(s.Condition ?? {}).includes(ROLE_ARN));
      expect(naming.map((s) => s.Sid)).to.deep.equal(["S3ReadWritersThroughS3"]);
      expect(naming[0].Condition.StringEquals).to.deep.equal({ "kms:ViaService": "s3.ap-northeast-1.amazonaws.com" });
    });

    it("reads only the export prefix and writes only the results bucket", () => {
      const byAction = (action: string) => qsPolicy(run).filter((s) => [].concat(s.Action).includes(action as never)).flatMap((s) => [].concat(s.Resource));
      expect(byAction("s3:GetObject")).to.have.members([
        "arn:aws:s3:::data-platform-stg-exports-123456789012-ap-northeast-1/exports/*",
        "arn:aws:s3:::data-platform-stg-athena-results-123456789012-ap-northeast-1/*",
      ]);
      expect(byAction("s3:PutObject")).to.deep.equal(["arn:aws:s3:::data-platform-stg-athena-results-123456789012-ap-northeast-1/*"]);
      expect(byAction("athena:StartQueryExecution")).to.deep.equal(["arn:aws:athena:ap-northeast-1:123456789012:workgroup/data-platform-stg-analytics"]);
    });

    it("passes the guardrails, and quicksight-scoped fails a wildcard share and the primary workgroup", () => {
      expect(checkGuardrails(run.resources)).to.deep.equal([]);
      const planted = { urn: source.urn, type: SOURCE, name: source.name, props: { ...source.inputs, parameters: { athena: { workGroup: "primary" } }, permissions: [{ principal: "*", actions: ["quicksight:DescribeDataSource"] }] } };
      expect(quickSightScoped.check(planted)).to.deep.equal([
        "shared with *: name a QuickSight user or group",
        "the Athena data source does not name the platform's workgroup (results would be unencrypted and unbounded)",
      ]);
    });
  });

  it("refreshes nothing in direct query, and every data set daily with SPICE (default 07:00 in the export's time zone)", async () => {
    const direct = await runPlatform("stg");
    expect(ofType(direct.resources, "aws:quicksight/refreshSchedule:RefreshSchedule")).to.deep.equal([]);
    const stg = stackConfig("stg", {});
    const quicksight = JSON.parse(String(stg["data-platform:quicksight"])) as Record<string, unknown>;
    const spice = await runPlatform("stg", { "data-platform:quicksight": { ...quicksight, importMode: "SPICE" } });
    const schedules = ofType(spice.resources, "aws:quicksight/refreshSchedule:RefreshSchedule");
    expect(schedules.map((s) => s.inputs.dataSetId)).to.deep.equal(ofType(spice.resources, DATA_SET).map((d) => d.inputs.dataSetId));
    expect(schedules[0].inputs.schedule).to.deep.equal({ refreshType: "FULL_REFRESH", scheduleFrequency: { interval: "DAILY", timeOfTheDay: "07:00", timezone: "Asia/Tokyo" } });
    expect(ofType(spice.resources, DATA_SET).every((d) => d.inputs.importMode === "SPICE")).to.equal(true);
  });

  it("builds nothing of QuickSight and never names its role in the key policy when the block is absent (prod)", async () => {
    const run = await runPlatform("prod");
    expect(run.resources.filter((r) => r.type.startsWith("aws:quicksight") || r.name.startsWith("quicksight"))).to.deep.equal([]);
    expect(find(run.resources, "aws:kms/key:Key").inputs.policy).to.not.contain("quicksight");
  });

  describe("config", () => {
    const base = { owners: ["group/data-engineers"], tables: { "shop.products": { id: "INTEGER" } } };
    it("defaults to direct query, the default namespace, no viewers and the stack's region for identities", () => {
      const cfg = parseConfig(stackConfig("stg", { "data-platform:quicksight": base }));
      expect(cfg.quicksight).to.deep.equal({ ...base, namespace: "default", viewers: [], importMode: "DIRECT_QUERY" });
    });

    it("refuses tables that are not exported, upper-case columns, unknown types, no owner and an owner listed as viewer", () => {
      expect(problemsOf({ "data-platform:quicksight": { ...base, tables: { "billing.invoices": { id: "INTEGER" } } } })).to.deep.equal([
        "data-platform:quicksight.tables.billing.invoices: database billing is not in databases, so it is never exported",
      ]);
      expect(problemsOf({ "data-platform:quicksight": { ...base, tables: { "shop.audit_log": { at: "DATETIME" } } } })).to.deep.equal([
        "data-platform:quicksight.tables.shop.audit_log: shop.audit_log is not in exportOnly, so its data set would find no table",
      ]);
      const bad = problemsOf({ "data-platform:quicksight": { owners: [], viewers: ["everyone"], tables: { "shop.products": { Id: "INTEGER", name: "TEXT" } } } });
      expect(bad.map((p) => p.split(": ")[0])).to.have.members([
        "data-platform:quicksight.owners",
        "data-platform:quicksight.viewers.0",
        "data-platform:quicksight.tables.shop.products.Id",
        "data-platform:quicksight.tables.shop.products.name",
      ]);
      expect(problemsOf({ "data-platform:quicksight": { ...base, viewers: ["group/data-engineers"] } })).to.deep.equal([
        "data-platform:quicksight.viewers: group/data-engineers already owns the data sets",
      ]);
      expect(problemsOf({ "data-platform:quicksight": { ...base, spiceRefresh: { timeOfDay: "07:00" } } })).to.deep.equal([
        "data-platform:quicksight.spiceRefresh: applies only to importMode SPICE: a direct-query data set always reads the newest export",
      ]);
      expect(problemsOf({ "data-platform:quicksight": { ...base, importMode: "SPICE", spiceRefresh: { timeOfDay: "7am", timezone: "Mars/Base" } } }).map((p) => p.split(": ")[0])).to.have.members([
        "data-platform:quicksight.spiceRefresh.timeOfDay",
        "data-platform:quicksight.spiceRefresh.timezone",
      ]);
    });
  });
});
