import { expect } from "chai";
import { sharedMariaDb } from "./sharedMariaDb";

describe("test MariaDB harness", () => {
  it("serves a fresh database on loopback with the test account", async () => {
    const db = await sharedMariaDb();
    const url = await db.createDatabase("harness");
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    const conn = await db.connect(name);
    try {
      const [rows] = await conn.query("SELECT DATABASE() AS db, @@bind_address AS bind, VERSION() AS v");
      const row = (rows as Array<{ db: string; bind: string; v: string }>)[0];
      expect(row?.db).to.equal(name);
      expect(row?.bind).to.equal("127.0.0.1");
      expect(row?.v).to.match(/MariaDB/);
    } finally {
      await conn.end();
    }
  });
});
