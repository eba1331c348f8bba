import { expect } from "chai";
import { readDatabaseTables } from "../../../automation/bqSync/databaseSource";
import { type TestDatabase, emptyDatabase } from "../../support/masking";

describe("bq-sync --from database against a real MariaDB", () => {
  let db: TestDatabase;
  let other: TestDatabase;

  before(async () => {
    db = await emptyDatabase("bq_shop");
    other = await emptyDatabase("bq_other");
    await db.admin.query(`
      CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100));
      CREATE TABLE orders (id INT PRIMARY KEY, user_id INT);
      CREATE VIEW active_users AS SELECT id FROM users;
    `);
    await other.admin.query("CREATE TABLE invoices (id INT PRIMARY KEY)");
  });
  after(async () => {
    await db.admin.end();
    await other.admin.end();
  });

  it("lists the base tables of the configured database only: no views, no other schemas", async () => {
    const url = db.url.replace(/\/[^/]*$/, "/");
    const tables = await readDatabaseTables({ url, databases: [db.name], env: { MYSQL_PWD: db.password } });
    expect(tables).to.deep.equal({ [db.name]: ["orders", "users"] });
  });

  it("fails with one clear line, without the password, when the server refuses the login", async () => {
    let error: unknown;
    try {
      await readDatabaseTables({ url: db.url, databases: [db.name], env: { MYSQL_PWD: "wrong-password" } });
    } catch (err) {
      error = err;
    }
    expect(error).to.have.property("name", "UsageError");
    expect(String((error as Error).message)).to.not.contain("wrong-password");
    expect(String((error as Error).message).split("\n")).to.have.length(1);
  });
});
