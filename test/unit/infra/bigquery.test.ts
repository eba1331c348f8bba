import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { MOCK_ACCESS_KEY_ID, MOCK_SECRET_ACCESS_KEY, type MockRun, type RecordedResource, resolveOutputs } from "../../../automation/plan/mockRuntime";
import { bigQueryDataPath } from "../../../contracts/exportLayout";
import { REPO_ROOT, find, ofType, runPlatform, runProgram, statements } from "../../support/pulumi";

const TRANSFER = "gcp:bigquery/dataTransferConfig:DataTransferConfig";
const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";
const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/mock-key-key";
const USER_ARN = "arn:aws:iam::123456789012:user/data-platform-stg-bigquery-transfer";
const isGcp = (r: RecordedResource) => r.type.startsWith("gcp:") || r.type === "pulumi:providers:gcp" || r.type.startsWith("platform:gcp:");

/** stg with two databases and three tables, so that the per-table mapping is visible. */
const TWO_DATABASES = {
  "data-platform:databases": ["shop", "billing"],
  "data-platform:exportOnly": undefined,
  "data-platform:bigquery": {
    project: "shop-analytics-stg",
    location: "asia-northeast1",
    datasetId: "shop_stg",
    schedule: "every day 03:00",
    tables: { shop: ["users", "orders"], billing: ["invoices"] },
    notificationPubsubTopic: "projects/shop-analytics-stg/topics/transfer-runs",
  },
};

describe("BigQuery transfers (enabled)", () => {
  let run: MockRun<unknown>;
  let transfers: RecordedResource[];
  before(async () => {
    run = await runPlatform("stg", TWO_DATABASES);
    transfers = ofType(run.resources, TRANSFER);
  });

  it("creates one amazon_s3 transfer per configured table, named after the table", () => {
    expect(transfers.map((t) => t.name)).to.have.members(["bigquery-shop.users", "bigquery-shop.orders", "bigquery-billing.invoices"]);
    expect(transfers.map((t) => t.inputs.displayName)).to.have.members([
      "data-platform-stg-bq shop.users",
      "data-platform-stg-bq shop.orders",
      "data-platform-stg-bq billing.invoices",
    ]);
    for (const t of transfers) {
      expect(t.inputs).to.include({ dataSourceId: "amazon_s3", schedule: "every day 03:00", location: "asia-northeast1", destinationDatasetId: "shop_stg" });
      expect(t.inputs.params).to.include({ file_format: "PARQUET", write_disposition: "WRITE_TRUNCATE", access_key_id: MOCK_ACCESS_KEY_ID });
    }
  });

  it("loads each table from its own current/ prefix of the export layout, into a table of the same name", () => {
    for (const [db, table] of [["shop", "users"], ["shop", "orders"], ["billing", "invoices"]]) {
      const t = find(run.resources, TRANSFER, `bigquery-${db}.${table}`);
      expect(t.inputs.params.data_path).to.equal(bigQueryDataPath(BUCKET, db, table));
      expect(t.inputs.params.data_path).to.equal(`s3://${BUCKET}/bigquery/${db}/${db}.${table}/current/*.parquet`);
      expect(t.inputs.params.destination_table_name_template).to.equal(table);
    }
  });

  it("creates each destination table before its transfer, taking the schema from the Parquet files", () => {
    const tables = ofType(run.resources, "gcp:bigquery/table:Table");
    expect(tables.map((t) => [t.name, t.inputs.tableId, t.inputs.datasetId])).to.have.deep.members([
      ["bigquery-shop.users-table", "users", "shop_stg"],
      ["bigquery-shop.orders-table", "orders", "shop_stg"],
      ["bigquery-billing.invoices-table", "invoices", "shop_stg"],
    ]);
    for (const t of tables) {
      // No schema in the program: Parquet is self-describing and each load takes the types RDS wrote.
      expect(t.inputs.schema, t.name).to.equal(undefined);
      expect(t.inputs.deletionProtection, "stg: not protected").to.equal(false);
    }
  });

  describe("the publisher", () => {
    it("runs on the export-completed rule and hourly, knowing the tables and the transfers' UTC minute", () => {
      const fn = find(run.resources, "aws:lambda/function:Function", "bigquery-publisher-function").inputs;
      expect(fn.name).to.equal("data-platform-stg-bigquery-publish");
      expect(fn.timeout).to.equal(600);
      expect(fn.reservedConcurrentExecutions).to.equal(undefined);
      expect(JSON.parse(fn.environment.variables.BIGQUERY_TABLES)).to.deep.equal([
        { database: "shop", table: "users" },
        { database: "shop", table: "orders" },
        { database: "billing", table: "invoices" },
      ]);
      expect(fn.environment.variables).to.include({ TRANSFER_MINUTE_UTC: "180", ENVIRONMENT: "stg", EXPORT_BUCKET: BUCKET });
      const target = find(run.resources, "aws:cloudwatch/eventTarget:EventTarget", "bigquery-publisher-export-completed").inputs;
      expect(target.rule).to.equal("data-platform-stg-export-events");
      expect(find(run.resources, "aws:scheduler/schedule:Schedule", "bigquery-publisher-schedule").inputs.scheduleExpression).to.equal("rate(1 hour)");
    });

    it("may read the exports of the loaded databases and write only under bigquery/", () => {
      const policy = statements(find(run.resources, "aws:iam/rolePolicy:RolePolicy", "bigquery-publisher-function-role-policy").inputs.policy);
      const bySid = (sid: string) => policy.find((s) => s.Sid === sid)!;
      expect(bySid("ReadExportMetadataAndLoadedDatabases").Resource).to.deep.equal([
        `arn:aws:s3:::${BUCKET}/exports/*/export_tables_info_*`,
        `arn:aws:s3:::${BUCKET}/exports/*/billing/*`,
        `arn:aws:s3:::${BUCKET}/exports/*/shop/*`,
      ]);
      expect(bySid("WritePublishedFiles")).to.deep.include({ Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `arn:aws:s3:::${BUCKET}/bigquery/*` });
      expect(bySid("UseTheKeyThroughS3").Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "s3.ap-northeast-1.amazonaws.com" } });
      const keyPolicy = statements(find(run.resources, "aws:kms/key:Key").inputs.policy);
      const users = keyPolicy.find((s) => s.Sid === "PlatformRolesUseKey")?.Condition.ArnEquals["aws:PrincipalArn"];
      expect(users).to.include("arn:aws:iam::123456789012:role/data-platform-stg-bigquery-publish");
    });
  });

  it("passes the secret access key only through sensitiveParams, as a Pulumi secret", () => {
    for (const t of transfers) {
      expect(t.secretInputs, t.name).to.deep.equal(["sensitiveParams"]);
      expect(Object.keys(t.inputs.params)).to.have.members([
        "data_path",
        "destination_table_name_template",
        "file_format",
        "write_disposition",
        "access_key_id",
      ]);
    }
    expect(JSON.stringify(run.resources)).to.not.contain(MOCK_SECRET_ACCESS_KEY);
  });

  it("never exposes the secret as a stack output", async () => {
    const outputs = await resolveOutputs(run.result);
    expect(JSON.stringify(outputs)).to.not.contain(MOCK_SECRET_ACCESS_KEY);
    expect(outputs).to.include({ bigQueryDataset: "shop-analytics-stg:shop_stg", bigQueryTransfers: 3, bigQueryAccessKeyId: MOCK_ACCESS_KEY_ID });
  });

  it("sends run notifications to the configured Pub/Sub topic and no e-mail by default", () => {
    for (const t of transfers) {
      expect(t.inputs.notificationPubsubTopic).to.equal("projects/shop-analytics-stg/topics/transfer-runs");
      expect(t.inputs.emailPreferences).to.deep.equal({ enableFailureEmail: false });
    }
  });

  it("creates the dataset in the configured location through a provider pinned to the configured project", () => {
    const provider = find(run.resources, "pulumi:providers:gcp");
    expect(provider.inputs.project).to.equal("shop-analytics-stg");
    const dataset = find(run.resources, "gcp:bigquery/dataset:Dataset");
    expect(dataset.inputs).to.include({ datasetId: "shop_stg", location: "asia-northeast1", deleteContentsOnDestroy: true });
    expect(ofType(run.resources, "pulumi:providers:gcp")).to.have.length(1);
  });

  describe("the transfer user", () => {
    let policy: Array<Record<string, any>>;
    before(() => {
      policy = statements(find(run.resources, "aws:iam/userPolicy:UserPolicy").inputs.policy);
    });

    it("is named data-platform-<env>-bigquery-transfer and gets one access key", () => {
      expect(find(run.resources, "aws:iam/user:User").inputs.name).to.equal("data-platform-stg-bigquery-transfer");
      expect(ofType(run.resources, "aws:iam/accessKey:AccessKey").map((k) => k.inputs.user)).to.deep.equal(["data-platform-stg-bigquery-transfer"]);
    });

    it("may only list and read the published bigquery/ prefix, never the exports, and decrypt through S3", () => {
      expect(policy.map((s) => [s.Action, s.Resource])).to.deep.equal([
        ["s3:ListBucket", `arn:aws:s3:::${BUCKET}`],
        ["s3:GetBucketLocation", `arn:aws:s3:::${BUCKET}`],
        ["s3:GetObject", `arn:aws:s3:::${BUCKET}/bigquery/*`],
        ["kms:Decrypt", KEY_ARN],
      ]);
      expect(policy[0].Condition).to.deep.equal({ StringLike: { "s3:prefix": ["bigquery/*", "bigquery/"] } });
      expect(policy[3].Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "s3.ap-northeast-1.amazonaws.com" } });
      for (const s of policy) expect(s.Effect).to.equal("Allow");
    });

    it("is allowed only kms:Decrypt through S3 by the key policy", () => {
      const keyPolicy = statements(find(run.resources, "aws:kms/key:Key").inputs.policy);
      const naming = keyPolicy.filter((s) => JSON.stringify(s.Condition ?? {}).includes(USER_ARN));
      expect(naming.map((s) => s.Sid)).to.deep.equal(["S3ReadersDecryptThroughS3"]);
      expect(naming[0].Action).to.equal("kms:Decrypt");
      expect(naming[0].Condition).to.deep.equal({
        ArnEquals: { "aws:PrincipalArn": [USER_ARN] },
        StringEquals: { "kms:ViaService": "s3.ap-northeast-1.amazonaws.com" },
      });
    });
  });
});

describe("BigQuery transfers (disabled)", () => {
  it("builds no GCP resource, no GCP provider and no transfer user without a bigquery block", async () => {
    const prod = await runPlatform("prod");
    expect(prod.resources.filter(isGcp).map((r) => r.type)).to.deep.equal([]);
    expect(ofType(prod.resources, "aws:iam/user:User")).to.deep.equal([]);
    expect(ofType(prod.resources, "aws:iam/accessKey:AccessKey")).to.deep.equal([]);
    const keyPolicy = statements(find(prod.resources, "aws:kms/key:Key").inputs.policy);
    expect(keyPolicy.map((s) => s.Sid)).to.not.include("S3ReadersDecryptThroughS3");
    expect(Object.keys(await resolveOutputs(prod.result)).filter((k) => k.startsWith("bigQuery"))).to.deep.equal([]);
  });

  it("does not even load @pulumi/gcp without a bigquery block (fresh process)", function () {
    this.timeout(300_000); // two fresh processes each load the whole program; slow on a loaded 2-core machine
    const probe = (stack: string) =>
      spawnSync(path.join(REPO_ROOT, "node_modules/.bin/tsx"), [path.join(REPO_ROOT, "test/support/gcpModulesLoaded.ts"), stack], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      });
    const prod = probe("prod");
    expect(prod.status, prod.stderr).to.equal(0);
    expect(prod.stdout.trim()).to.equal("0");
    // The probe would notice: stg has the block and loads it.
    expect(Number(probe("stg").stdout.trim())).to.be.greaterThan(0);
  });
});

describe("BigQuery transfers in prod", () => {
  let run: MockRun<unknown>;
  before(async () => {
    run = await runPlatform("prod", {
      "data-platform:bigquery": {
        project: "shop-analytics-prod",
        location: "asia-northeast1",
        datasetId: "shop",
        schedule: "every day 03:00",
        writeDisposition: "WRITE_APPEND",
        emailNotifications: true,
        accessKeyRotation: 3,
        tables: { shop: ["users"] },
      },
    });
  });

  it("protects the dataset but not the transfers, so removing a table stays a planned delete", () => {
    const dataset = find(run.resources, "gcp:bigquery/dataset:Dataset");
    expect(dataset.protect).to.equal(true);
    expect(dataset.inputs.deleteContentsOnDestroy).to.equal(false);
    expect(ofType(run.resources, TRANSFER).map((t) => t.protect)).to.deep.equal([false]);
  });

  it("uses the configured write disposition and failure e-mail", () => {
    const t = find(run.resources, TRANSFER, "bigquery-shop.users");
    expect(t.inputs.params.write_disposition).to.equal("WRITE_APPEND");
    expect(t.inputs.emailPreferences).to.deep.equal({ enableFailureEmail: true });
    expect(t.inputs.notificationPubsubTopic).to.equal(undefined);
  });

  it("names the access key after its rotation generation", () => {
    expect(ofType(run.resources, "aws:iam/accessKey:AccessKey").map((k) => k.name)).to.deep.equal(["bigquery-transfer-user-key-3"]);
  });
});

describe("BigQueryTransfers component", () => {
  it("puts the secret it is given into sensitiveParams.secretAccessKey and nowhere else", async () => {
    const plain = "plain-secret-for-routing-test";
    const { resources } = await runProgram(async () => {
      const { BigQueryTransfers } = await import("../../../infra/gcp/bigQueryTransfers");
      return new BigQueryTransfers("bq", {
        project: "p-123456",
        location: "US",
        datasetId: "d",
        schedule: "every day 03:00",
        writeDisposition: "WRITE_TRUNCATE",
        tables: [{ database: "shop", table: "users", dataPath: "s3://b/exports/x/*" }],
        accessKeyId: "AKIA1",
        secretAccessKey: plain,
        displayNamePrefix: "test",
      });
    });
    const t = find(resources, TRANSFER);
    expect(t.inputs.sensitiveParams).to.deep.equal({ secretAccessKey: plain });
    const { sensitiveParams: _omit, ...rest } = t.inputs;
    expect(JSON.stringify(rest)).to.not.contain(plain);
  });

  it("rejects the same table name under two databases, which would load into one BigQuery table", async () => {
    const { BigQueryTransfers } = await import("../../../infra/gcp/bigQueryTransfers");
    const args = {
      project: "p-123456",
      location: "US",
      datasetId: "d",
      schedule: "every day 03:00",
      writeDisposition: "WRITE_TRUNCATE" as const,
      tables: [
        { database: "shop", table: "users", dataPath: "a" },
        { database: "crm", table: "users", dataPath: "b" },
      ],
      accessKeyId: "AKIA1",
      secretAccessKey: "s",
      displayNamePrefix: "test",
    };
    let error: unknown;
    await runProgram(() => {
      try {
        new BigQueryTransfers("bq", args);
      } catch (err) {
        error = err;
      }
    });
    expect(String(error)).to.match(/table users appears twice/);
  });
});
