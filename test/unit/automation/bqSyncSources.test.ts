import { GetTablesCommand, GlueClient } from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { mapCatalogTables, readCatalogTables } from "../../../automation/bqSync/catalogSource";
import { connectionOptions, informationSchemaQuery, readDatabaseTables, rowsToTables } from "../../../automation/bqSync/databaseSource";
import { UsageError } from "../../../automation/errors";
import { exportId, glueTableName, s3Uri, tableKeyPrefix } from "../../../contracts/exportLayout";

const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";
/** A stable Glue table as the export pipeline keeps it: `<db>_<table>` pointing at the export's table prefix. */
const glueTable = (db: string, table: string, id = exportId("stg", "20240305")) => ({
  Name: glueTableName(db, table),
  StorageDescriptor: { Location: s3Uri(BUCKET, tableKeyPrefix(id, db, table)) },
});

describe("bq-sync catalog source", () => {
  const glue = mockClient(GlueClient);
  beforeEach(() => glue.reset());

  it("reads every page of the stack's Glue database and maps tables back to <db>.<table>", async () => {
    glue
      .on(GetTablesCommand, { DatabaseName: "data_platform_stg", NextToken: undefined })
      .resolves({ TableList: [glueTable("shop", "users"), glueTable("shop", "OrderItems")], NextToken: "page-2" })
      .on(GetTablesCommand, { DatabaseName: "data_platform_stg", NextToken: "page-2" })
      .resolves({ TableList: [glueTable("shop_archive", "orders_2019")] });
    const result = await readCatalogTables({
      glue: new GlueClient({ region: "ap-northeast-1" }),
      glueDatabase: "data_platform_stg",
      environment: "stg",
      databases: ["shop", "shop_archive"],
    });
    expect(result.tables).to.deep.equal({ shop: ["users", "OrderItems"], shop_archive: ["orders_2019"] });
    expect(result.exportId).to.equal("stg-20240305");
    expect(glue.commandCalls(GetTablesCommand)).to.have.length(2);
  });

  it("surfaces a Glue failure to the caller", async () => {
    glue.on(GetTablesCommand).rejects(Object.assign(new Error("Database data_platform_stg not found."), { name: "EntityNotFoundException" }));
    const read = readCatalogTables({ glue: new GlueClient({ region: "ap-northeast-1" }), glueDatabase: "data_platform_stg", environment: "stg", databases: ["shop"] });
    let error: unknown;
    try {
      await read;
    } catch (err) {
      error = err;
    }
    expect((error as Error).name).to.equal("EntityNotFoundException");
  });

  describe("mapping Glue names", () => {
    it("leaves out tables that point at an older export than the newest one", () => {
      const r = mapCatalogTables(
        [glueTable("shop", "users", exportId("stg", "20240305", 2)), glueTable("shop", "dropped", exportId("stg", "20240301"))],
        "stg",
        ["shop"],
      );
      expect(r.tables).to.deep.equal({ shop: ["users"] });
      expect(r.exportId).to.equal("stg-20240305-r2");
      expect(r.ignored).to.deep.equal([{ name: "shop_dropped", reason: "points at stg-20240301, not the latest export stg-20240305-r2" }]);
    });

    it("falls back to the name, matching the longest configured database first, when there is no export location", () => {
      const r = mapCatalogTables([{ Name: "shop_archive_orders" }, { Name: "shop_users" }, { Name: "crm_contacts" }], "stg", ["shop", "shop_archive"]);
      expect(r.tables).to.deep.equal({ shop_archive: ["orders"], shop: ["users"] });
      expect(r.ignored).to.deep.equal([{ name: "crm_contacts", reason: "does not start with a configured database" }]);
    });

    it("does not trust a location from another environment", () => {
      const r = mapCatalogTables([glueTable("shop", "users", exportId("prod", "20240305"))], "stg", ["shop"]);
      expect(r.exportId).to.equal(undefined);
      expect(r.tables).to.deep.equal({ shop: ["users"] });
    });
  });
});

describe("bq-sync database source", () => {
  it("binds the schema names as parameters and selects base tables only", () => {
    const { sql, values } = informationSchemaQuery(["shop", "x'); DROP TABLE t; --"]);
    expect(values).to.deep.equal(["shop", "x'); DROP TABLE t; --"]);
    expect(sql).to.not.contain("shop");
    expect(sql).to.contain("TABLE_SCHEMA IN (?, ?)");
    expect(sql).to.contain("TABLE_TYPE = 'BASE TABLE'");
    expect(() => informationSchemaQuery([])).to.throw(RangeError);
  });

  it("turns rows into tables per requested database", () => {
    const rows = [
      { table_schema: "shop", table_name: "orders" },
      { table_schema: "shop", table_name: "users" },
      { table_schema: "other", table_name: "x" },
    ];
    expect(rowsToTables(rows, ["shop", "crm"])).to.deep.equal({ shop: ["orders", "users"], crm: [] });
  });

  it("takes the password from the URL before MYSQL_PWD, and never shows it", () => {
    const fromUrl = connectionOptions("mysql://reader:in-url@db.internal:3307", { MYSQL_PWD: "from-env" });
    expect(fromUrl.options).to.include({ host: "db.internal", port: 3307, user: "reader", password: "in-url" });
    expect(fromUrl.display).to.equal("mysql://reader@db.internal:3307");
    expect(connectionOptions("mysql://reader@db.internal:3307", { MYSQL_PWD: "from-env" }).options.password).to.equal("from-env");
    expect(connectionOptions("mysql://reader:p%40ss@db.internal", {}).options.password).to.equal("p@ss");
  });

  it("uses TLS except on loopback unless the URL says otherwise", () => {
    expect(connectionOptions("mysql://u@db.internal", {}).options.ssl).to.deep.equal({ rejectUnauthorized: true });
    expect(connectionOptions("mysql://u@127.0.0.1:3306", {}).options.ssl).to.equal(undefined);
    expect(connectionOptions("mysql://u@127.0.0.1?ssl=true", {}).options.ssl).to.deep.equal({ rejectUnauthorized: true });
  });

  it("rejects anything but a mysql:// URL with a host", () => {
    for (const url of ["not a url", "http://db", "mysql://", "mysql://u@db?ssl=maybe"]) {
      expect(() => connectionOptions(url, {}), url).to.throw(UsageError);
    }
  });

  it("reports an unreachable server in one line without the password", async () => {
    let error: unknown;
    try {
      await readDatabaseTables({ url: "mysql://reader:hunter2@127.0.0.1:1", databases: ["shop"], env: {} });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(UsageError);
    expect((error as Error).message).to.match(/^cannot connect to mysql:\/\/reader@127\.0\.0\.1:1: /);
    expect((error as Error).message).to.not.contain("hunter2");
    expect((error as Error).message).to.not.contain("\n");
  });
});
