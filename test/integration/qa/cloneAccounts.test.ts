import { expect } from "chai";
import mysql, { type RowDataPacket } from "mysql2/promise";
import { lockOtherAccountsAt } from "../../../sql/accounts";
import { type MariaDb, startMariaDb } from "../../support/mariadb";

/**
 * What `qa create --source <raw cluster>` does to a clone's accounts before masking, against a real MariaDB of its
 * own (locking accounts on the shared server would lock the other tests out).
 */
describe("a raw source's clone: every account but the master is re-passworded and locked", function () {
  this.timeout(120_000);
  let server: MariaDb;

  before(async () => {
    server = await startMariaDb();
    const admin = await server.connect();
    // The server's admin stands for the clone's master user. Accounts the installer made for this machine's host name
    // cannot be altered under --skip-name-resolve; a clone of Aurora has none of them.
    const [installed] = await admin.query<RowDataPacket[]>("SELECT User AS u, Host AS h FROM mysql.user WHERE User NOT IN (?, 'mariadb.sys')", [server.user]);
    for (const u of installed) await admin.query("DROP USER ?@?", [u.u, u.h]);
    // Two application accounts of the source.
    await admin.query("CREATE USER 'shop_app'@'%' IDENTIFIED BY 'the-source-app-password'");
    await admin.query("CREATE USER 'reporting'@'127.0.0.1' IDENTIFIED BY 'reporting-pass'");
    await admin.end();
  });
  after(async () => {
    await server?.stop();
  });

  const login = (user: string, password: string) =>
    mysql.createConnection({ host: server.host, port: server.port, user, password }).then(
      async (c) => {
        await c.end();
        return "ok";
      },
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );

  it("locks the source's application accounts with passwords nobody knows, and leaves the master working", async () => {
    const { locked } = await lockOtherAccountsAt({ host: server.host, port: server.port, user: server.user, password: server.password });
    expect(locked).to.include.members(["shop_app@%", "reporting@127.0.0.1"]);
    expect(locked.some((a) => a.startsWith(`${server.user}@`))).to.equal(false);
    expect(await login("shop_app", "the-source-app-password")).to.not.equal("ok");
    expect(await login("reporting", "reporting-pass")).to.not.equal("ok");
    expect(await login(server.user, server.password)).to.equal("ok");
    const admin = await server.connect();
    const [rows] = await admin.query<RowDataPacket[]>("SHOW CREATE USER 'shop_app'@'%'");
    await admin.end();
    expect(String(Object.values(rows[0] ?? {})[0])).to.contain("ACCOUNT LOCK");
  });

  it("is safe to run again (a retried create): the accounts stay locked and the master keeps working", async () => {
    await lockOtherAccountsAt({ host: server.host, port: server.port, user: server.user, password: server.password });
    expect(await login("shop_app", "the-source-app-password")).to.not.equal("ok");
    expect(await login(server.user, server.password)).to.equal("ok");
  });
});
