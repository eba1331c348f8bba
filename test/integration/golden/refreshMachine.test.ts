import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { expect } from "chai";
import mysql, { type RowDataPacket } from "mysql2/promise";
import { GOLDEN_PARAMETER_PLACEHOLDER, goldenDay } from "../../../contracts/golden";
import { type MaskStepDeps, maskStep } from "../../../functions/golden-mask/maskStep";
import type { SliceResult } from "../../../functions/golden-mask/maskSlice";
import { createEcommerce, ecommerceRules } from "../../fixtures/ecommerce";
import { type AwsFake, installAwsFake, rdsError } from "../../support/awsFake";
import { type DeployedGolden, type RunOutcome, type StepHandler, deployedGolden, runGolden } from "../../support/goldenMachine";
import { type MariaDb, startMariaDb } from "../../support/mariadb";
import { TEST_SALT } from "../../support/masking";

type Handlers = Record<string, StepHandler>;

/** Imports a step handler with its deployed environment (handlers read it once, at module scope). */
async function withEnv<T>(env: Record<string, string>, load: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  // The handlers' JSON logs would drown the test report.
  Object.assign(process.env, env, { POWERTOOLS_LOG_LEVEL: "SILENT" });
  try {
    return await load();
  } finally {
    for (const key of [...Object.keys(env), "POWERTOOLS_LOG_LEVEL"]) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * The deployed golden refresh state machine (prod: masked export; stg: none), run by a local ASL interpreter with
 * the schedule's input, its Tasks bound to the real step handlers on the stateful AWS fakes, and masking on MariaDB.
 */
describe("golden refresh state machine, run as deployed", function () {
  this.timeout(180_000);
  let server: MariaDb;
  let prod: DeployedGolden;
  let stg: DeployedGolden;
  const loaded: Record<string, Handlers> = {};
  let aws: AwsFake;
  /** Every mask result per golden cluster, to check that nothing is published unverified. */
  let maskResults: Map<string, SliceResult[]>;

  before(async () => {
    // One program under mocks at a time: the mocks are process-wide.
    const starting = startMariaDb();
    prod = await deployedGolden("prod");
    stg = await deployedGolden("stg");
    server = await starting;
    for (const [name, d] of [["prod", prod], ["stg", stg]] as const) {
      // Modules are cached: each stack's handlers are imported once, with that stack's environment.
      const cacheBust = `?stack=${name}`;
      loaded[name] = {
        cluster: (await withEnv(d.functions.cluster.env, () => import(`../../../functions/golden-cluster/handler.ts${cacheBust}`))).handler,
        publish: (await withEnv(d.functions.publish.env, () => import(`../../../functions/golden-publish/handler.ts${cacheBust}`))).handler,
        ...(d.functions.export ? { export: (await withEnv(d.functions.export.env, () => import(`../../../functions/golden-export/handler.ts${cacheBust}`))).handler } : {}),
      };
    }
  });
  after(async () => server?.stop());

  /** The source as the golden sees it: the fixture schema(s), and an application account with the source's password. */
  async function sourceData(databases: readonly string[], extraSchemas: readonly string[] = []) {
    const admin = await server.connect();
    try {
      const [rows] = await admin.query<RowDataPacket[]>("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN ('mysql','information_schema','performance_schema','sys','test')");
      for (const r of rows) await admin.query(`DROP DATABASE \`${String(r.s)}\``);
      for (const db of [...databases, ...extraSchemas]) await admin.query(`CREATE DATABASE \`${db}\``);
      // Like an Aurora cluster: the master, the server's own accounts, and the application's.
      const [users] = await admin.query<RowDataPacket[]>("SELECT User AS u, Host AS h FROM mysql.user WHERE User NOT IN (?, 'mariadb.sys')", [server.user]);
      for (const u of users) await admin.query("DROP USER ?@?", [u.u, u.h]);
      await admin.query("CREATE USER 'shop_app'@'%' IDENTIFIED BY 'the-source-app-password'");
      await admin.query("GRANT SELECT, INSERT, UPDATE, DELETE ON *.* TO 'shop_app'@'%'");
    } finally {
      await admin.end();
    }
    for (const db of databases) {
      const conn = await server.connect(db);
      await createEcommerce(conn, 60);
      await conn.end();
    }
  }

  function setup(d: DeployedGolden, stack: "prod" | "stg") {
    aws = installAwsFake({ fakeDate: true });
    maskResults = new Map();
    const env = d.functions.cluster.env;
    aws.rds.seedCluster({ id: env.SOURCE_CLUSTER_ID, clusterParameterGroup: `${env.SOURCE_CLUSTER_ID}-cluster`, instanceParameterGroup: `${env.SOURCE_CLUSTER_ID}-instance`, masterUsername: server.user });
    aws.ssm.parameters.set(env.GOLDEN_PARAMETER, { value: GOLDEN_PARAMETER_PLACEHOLDER, type: "String", version: 1, modified: aws.clock.now() });
    aws.secrets.seed(d.functions.mask.env.SALT_SECRET_ARN, TEST_SALT);
    aws.sns.topics.add(d.alertTopicArn);
    return stack;
  }
  afterEach(() => aws?.restore());

  /** The MaskSlice binding: the real mask step on MariaDB (the one difference from the Lambda: no RDS TLS here). */
  function maskHandler(d: DeployedGolden, options: { databases: readonly string[]; budgetMs?: number; skipSchemas?: readonly string[]; afterSlice?: (r: SliceResult) => Promise<void> }): StepHandler {
    const deps: MaskStepDeps = {
      rds: new RDSClient({}),
      secrets: new SecretsManagerClient({}),
      environment: d.functions.mask.env.ENVIRONMENT,
      sourceClusterId: d.functions.mask.env.SOURCE_CLUSTER_ID,
      databases: options.databases,
      skipSchemas: options.skipSchemas ?? [],
      rules: ecommerceRules(),
      saltSecretArn: d.functions.mask.env.SALT_SECRET_ARN,
      budgetMs: options.budgetMs ?? Number(d.functions.mask.env.MASK_BUDGET_SECONDS) * 1000,
      // The golden's endpoint is the test server; the master's password is the server's.
      connection: (target, database) => ({ host: server.host, port: server.port, user: target.user, password: server.password, database }),
      // `Date` follows the simulated clock, which stands still while a slice runs: budgets use the real one.
      now: () => performance.now(),
    };
    return async (payload) => {
      const result = await maskStep(payload, deps);
      const id = String(payload.golden?.clusterId);
      maskResults.set(id, [...(maskResults.get(id) ?? []), result]);
      await options.afterSlice?.(result);
      return result;
    };
  }

  const run = (d: DeployedGolden, stack: "prod" | "stg", mask: StepHandler, extra: Partial<Parameters<typeof runGolden>[2]> = {}) =>
    runGolden(d, aws, { handlers: { ...loaded[stack], mask }, ...extra });

  /** Invariants every run keeps, whatever happened. */
  function expectInvariants(d: DeployedGolden, outcome: RunOutcome) {
    const env = d.functions.cluster.env.ENVIRONMENT;
    const published = aws.ssm.value(d.functions.cluster.env.GOLDEN_PARAMETER);
    // Nothing is published unless its mask was verified.
    if (published && published !== GOLDEN_PARAMETER_PLACEHOLDER) {
      expect(maskResults.get(published)?.some((r) => r.complete && r.phase === "verified"), `${published} published without a verified mask`).to.equal(true);
    }
    if (outcome.status !== "SUCCEEDED") {
      expect(outcome.status, "the run ends in a Fail state, not a timeout").to.equal("FAILED");
      expect(outcome.alerts.length, "a failed run alerts").to.be.greaterThan(0);
      // Let deletions finish, then: nothing of an unpublished golden remains.
      aws.clock.advance(3600);
      const left = aws.rds.identifiers();
      const halfBuilt = [...left.clusters, ...left.instances, ...left.snapshots].filter((id) => goldenDay(env, id) !== undefined && !id.startsWith(published ?? "-"));
      expect(halfBuilt, "half-built golden resources left behind").to.deep.equal([]);
    }
  }

  it("a scheduled run (the schedule's own input) builds, masks in one slice, verifies, exports and publishes the golden", async () => {
    const stack = setup(prod, "prod");
    await sourceData(["shop"]);
    const outcome = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
    expect(outcome.status, JSON.stringify(outcome.failures)).to.equal("SUCCEEDED");
    const golden = aws.ssm.value(prod.functions.cluster.env.GOLDEN_PARAMETER) ?? "";
    expect(golden).to.match(/^golden-prod-\d{8}$/);
    expect(outcome.alerts).to.deep.equal([]);
    expect([...aws.rds.state.exportTasks.values()].map((t) => t.sourceArn)).to.deep.equal([aws.rds.state.snapshots.get(`${golden}-snapshot`)?.arn]);
    expect(outcome.states.filter((s) => s === "MaskSlice").length).to.equal(2); // mask, then verify in a call of its own
    expectInvariants(prod, outcome);
  });

  it("masks in many slices, verify resuming across slices, when the budget is small", async () => {
    const stack = setup(stg, "stg");
    await sourceData(["shop", "shop_archive"]);
    const outcome = await run(stg, stack, maskHandler(stg, { databases: ["shop", "shop_archive"], budgetMs: 1 }));
    expect(outcome.status, JSON.stringify(outcome.failures)).to.equal("SUCCEEDED");
    const golden = aws.ssm.value(stg.functions.cluster.env.GOLDEN_PARAMETER) ?? "";
    const phases = (maskResults.get(golden) ?? []).map((r) => r.phase);
    // Many masking slices, then verify one database per slice, resumed through the state machine.
    expect(phases.filter((p) => p === "masking").length).to.be.greaterThan(1);
    expect(phases.slice(phases.indexOf("masked"))).to.deep.equal(["masked", "verifying", "verified"]);
    expect(aws.rds.state.exportTasks.size, "stg exports the raw snapshot, not the golden").to.equal(0);
    expectInvariants(stg, outcome);
  });

  it("locks every account but the master on the golden, and refuses a schema that is neither masked nor skipped", async () => {
    const stack = setup(prod, "prod");
    await sourceData(["shop"], ["reporting"]);
    const refused = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
    expect(refused.status).to.equal("FAILED");
    expect(refused.failures.filter((f) => f.state === "MaskSlice").map((f) => f.error), "refused once, never retried").to.deep.equal(["GoldenSchemaError"]);
    expect(refused.alerts[0]?.message).to.contain("reporting");
    expectInvariants(prod, refused);

    aws.restore();
    setup(prod, "prod");
    await sourceData(["shop"], ["reporting"]);
    const skipped = await run(prod, stack, maskHandler(prod, { databases: ["shop"], skipSchemas: ["reporting"] }));
    expect(skipped.status, JSON.stringify(skipped.failures)).to.equal("SUCCEEDED");
    const admin = await server.connect();
    const [rows] = await admin.query<RowDataPacket[]>("SHOW CREATE USER 'shop_app'@'%'");
    await admin.end();
    expect(String(Object.values(rows[0] ?? {})[0])).to.contain("ACCOUNT LOCK");
    // The source's application password no longer opens the golden.
    let refusedLogin: unknown;
    await mysql.createConnection({ host: server.host, port: server.port, user: "shop_app", password: "the-source-app-password" }).then((c) => c.end(), (e: unknown) => (refusedLogin = e));
    expect(refusedLogin, "the application's password still works").to.be.instanceOf(Error);
    expectInvariants(prod, skipped);
  });

  it("aborts, alerts and cleans up when masking cannot be verified before its deadline, well before the execution times out", async () => {
    const stack = setup(prod, "prod");
    // Every slice uses its whole budget and never finishes (a database far too big for the day).
    const endless: StepHandler = async (payload) => {
      const result = { complete: false, phase: "masking", resume: { verified: [] }, databases: [], elapsedMs: 620_000 };
      const id = String(payload.golden?.clusterId);
      maskResults.set(id, [...(maskResults.get(id) ?? []), result as unknown as SliceResult]);
      return { ...result, finishedAt: new Date(Date.now() + 620_000).toISOString() };
    };
    const outcome = await run(prod, stack, endless);
    expect(outcome.status).to.equal("FAILED");
    expect(outcome.states).to.include("MaskGaveUp");
    expect(outcome.elapsedSeconds).to.be.lessThan(prod.definition.TimeoutSeconds);
    expect(outcome.alerts.map((a) => a.subject)).to.deep.equal(["Golden refresh failed; the previous golden stays published"]);
    expectInvariants(prod, outcome);
  });

  for (const what of ["clone", "snapshot"] as const) {
    it(`aborts, alerts and leaves nothing behind when the ${what} never becomes available`, async () => {
      const stack = setup(prod, "prod");
      await sourceData(["shop"]);
      aws.rds.neverSettles(what === "clone" ? /^golden-prod-\d{8}$/ : /^golden-prod-\d{8}-snapshot$/);
      const outcome = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
      expect(outcome.status).to.equal("FAILED");
      expect(outcome.states).to.include(what === "clone" ? "ClusterGaveUp" : "SnapshotGaveUp");
      expect(outcome.alerts).to.have.length(1);
      if (what === "snapshot") {
        // RDS cannot delete a snapshot that is still being created: abort reports it as pending, and the next
        // run's cleanup deletes it once it is available.
        expect(JSON.stringify(outcome.failures)).to.not.contain("InvalidDBClusterSnapshotStateFault");
        aws.rds.state.stuck.length = 0;
        aws.clock.advance(3600);
        const { deleted } = (await loaded.prod.cluster({ action: "cleanup" })) as { deleted: string[] };
        expect(deleted.filter((id) => id.endsWith("-snapshot"))).to.have.length(1);
      }
      expectInvariants(prod, outcome);
    });
  }

  it("retries transient errors (Lambda throttling, an RDS throttle) and succeeds", async () => {
    const stack = setup(prod, "prod");
    await sourceData(["shop"]);
    aws.rds.faults.fail("CreateDBClusterSnapshot", () => rdsError("Throttling", "Rate exceeded"), 1);
    const outcome = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }), { lambdaFaults: { Create: ["Lambda.TooManyRequestsException"] } });
    expect(outcome.status, JSON.stringify(outcome.failures)).to.equal("SUCCEEDED");
    expect(outcome.retries).to.deep.equal([
      { state: "Create", error: "Lambda.TooManyRequestsException" },
      { state: "Snapshot", error: "Throttling" },
    ]);
    expectInvariants(prod, outcome);
  });

  it("never retries an error no retry can fix (the source is gone), and alerts", async () => {
    const stack = setup(prod, "prod");
    aws.rds.state.clusters.clear();
    aws.rds.state.instances.clear();
    const outcome = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
    expect(outcome.status).to.equal("FAILED");
    expect(outcome.failures.filter((f) => f.state === "Create").map((f) => f.error)).to.deep.equal(["GoldenStepError"]);
    expect(outcome.retries).to.deep.equal([]);
    expectInvariants(prod, outcome);
  });

  it("never publishes a golden whose verify fails: aborts and alerts", async () => {
    const stack = setup(prod, "prod");
    await sourceData(["shop"]);
    const tamper = async (r: SliceResult) => {
      if (r.phase !== "masked") return;
      const conn = await server.connect("shop");
      await conn.query("UPDATE users SET email = 'alice.real@gmail.com' WHERE id = 1");
      await conn.end();
    };
    const outcome = await run(prod, stack, maskHandler(prod, { databases: ["shop"], afterSlice: tamper }));
    expect(outcome.status).to.equal("FAILED");
    expect(outcome.failures.filter((f) => f.state === "MaskSlice").map((f) => f.error)).to.deep.equal(["MaskVerificationError"]);
    expect(aws.ssm.value(prod.functions.cluster.env.GOLDEN_PARAMETER)).to.equal(GOLDEN_PARAMETER_PLACEHOLDER);
    expect(outcome.alerts[0]?.message).to.not.contain("alice.real");
    expectInvariants(prod, outcome);
  });

  it("publishes the golden and alerts when its export fails to start", async () => {
    const stack = setup(prod, "prod");
    await sourceData(["shop"]);
    aws.rds.faults.fail("StartExportTask", () => rdsError("AccessDenied", "not authorized"), Infinity);
    const outcome = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
    expect(outcome.status, JSON.stringify(outcome.failures)).to.equal("SUCCEEDED");
    expect(aws.ssm.value(prod.functions.cluster.env.GOLDEN_PARAMETER)).to.match(/^golden-prod-\d{8}$/);
    expect(outcome.alerts.map((a) => a.subject)).to.deep.equal(["Golden published, but its masked export did not start"]);
    // A missing permission is an ExportRefusedError: no retry can fix it, so StartExport runs once.
    expect(outcome.failures.filter((f) => f.state === "StartExport").map((f) => f.error)).to.deep.equal(["ExportRefusedError"]);
    expect(outcome.retries.filter((r) => r.state === "StartExport")).to.deep.equal([]);
    expect(aws.rds.calls.filter((c) => c.operation === "StartExportTask")).to.have.length(1);
    expectInvariants(prod, outcome);
  });

  it("retries an export start that RDS's concurrent-export limit refused, then publishes and exports", async () => {
    const stack = setup(prod, "prod");
    await sourceData(["shop"]);
    aws.rds.faults.fail("StartExportTask", () => rdsError("ExportTaskLimitReachedFault", "too many export tasks"), 1);
    const outcome = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
    expect(outcome.status, JSON.stringify(outcome.failures)).to.equal("SUCCEEDED");
    expect(outcome.retries.filter((r) => r.state === "StartExport")).to.deep.equal([{ state: "StartExport", error: "ExportError" }]);
    expect(outcome.alerts.map((a) => a.subject)).to.deep.equal([]);
    expectInvariants(prod, outcome);
  });

  it("a same-day rerun is a no-op once the golden is published", async () => {
    const stack = setup(stg, "stg");
    await sourceData(["shop"]);
    const first = await run(stg, stack, maskHandler(stg, { databases: ["shop"] }));
    expect(first.status).to.equal("SUCCEEDED");
    const before = aws.rds.identifiers();
    aws.clock.advance(600);
    const again = await run(stg, stack, maskHandler(stg, { databases: ["shop"] }));
    expect(again.status).to.equal("SUCCEEDED");
    expect(again.states).to.deep.equal(["Prepare", "AlreadyPublished", "Done"]);
    expect(aws.rds.identifiers()).to.deep.equal(before);
  });

  it("a failed publish aborts the unpublished golden and alerts; a failed cleanup alerts but keeps the published golden", async () => {
    const stack = setup(prod, "prod");
    await sourceData(["shop"]);
    aws.ssm.faults.fail("PutParameter", () => new Error("AccessDeniedException"), Infinity);
    const publishFailed = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
    expect(publishFailed.status).to.equal("FAILED");
    expect(publishFailed.states).to.include("Abort");
    expect(aws.rds.state.exportTasks.size, "nothing exported from an unpublished golden").to.equal(0);
    expectInvariants(prod, publishFailed);

    aws.ssm.faults.clear();
    aws.clock.advance(3600);
    aws.rds.faults.fail("DescribeDBClusterSnapshots", () => rdsError("InternalFailure", "service error"), Infinity, (i) => i.SnapshotType === "manual");
    await sourceData(["shop"]);
    const cleanupFailed = await run(prod, stack, maskHandler(prod, { databases: ["shop"] }));
    expect(cleanupFailed.status).to.equal("FAILED");
    expect(cleanupFailed.error).to.equal("GoldenCleanupFailed");
    expect(aws.ssm.value(prod.functions.cluster.env.GOLDEN_PARAMETER)).to.match(/^golden-prod-\d{8}$/);
    expect(cleanupFailed.alerts.map((a) => a.subject)).to.deep.equal(["Golden published, but the cleanup of old goldens failed"]);
  });
});
