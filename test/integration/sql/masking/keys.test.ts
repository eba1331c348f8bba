import { expect } from "chai";
import { RulesError, parseRules, run, verify } from "../../../../sql/masking";
import { TEST_SALT, type TestDatabase, count, emptyDatabase } from "../../../support/masking";

/** One table per kind of chunk key, 60 rows each, every one with an email to mask. */
const SCHEMA = `
  CREATE TABLE seq (n INT NOT NULL PRIMARY KEY);
  INSERT INTO seq WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 60) SELECT n FROM s;
  CREATE TABLE by_uuid (id CHAR(36) NOT NULL PRIMARY KEY, email VARCHAR(100) NULL) ENGINE=InnoDB;
  INSERT INTO by_uuid SELECT UUID(), CONCAT('u', n, '@corp.test') FROM seq;
  CREATE TABLE by_binary (id BINARY(16) NOT NULL PRIMARY KEY, email VARCHAR(100) NULL) ENGINE=InnoDB;
  INSERT INTO by_binary SELECT UNHEX(MD5(n)), CONCAT('b', n, '@corp.test') FROM seq;
  CREATE TABLE by_tenant (tenant VARCHAR(10) NOT NULL, id BIGINT NOT NULL, email VARCHAR(100) NULL,
    PRIMARY KEY (tenant, id)) ENGINE=InnoDB;
  INSERT INTO by_tenant SELECT ELT(1 + n % 3, 'acme', 'beta', 'corp'), n, CONCAT('t', n, '@corp.test') FROM seq;
  CREATE TABLE by_sparse (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NULL, score INT NULL) ENGINE=InnoDB;
  INSERT INTO by_sparse SELECT IF(n % 2 = 0, -n, n * 10000000), CONCAT('s', n, '@corp.test'), n FROM seq;
  CREATE TABLE by_unique (code VARCHAR(20) NOT NULL, email VARCHAR(100) NULL, UNIQUE KEY uq_code (code)) ENGINE=InnoDB;
  INSERT INTO by_unique SELECT CONCAT('C-', n), CONCAT('q', n, '@corp.test') FROM seq;
`;
const TABLES = ["by_uuid", "by_binary", "by_tenant", "by_sparse", "by_unique"];

describe("masking chunks tables by any kind of key", () => {
  let db: TestDatabase;

  before(async () => {
    db = await emptyDatabase("mask_keys");
    await db.admin.query(SCHEMA);
  });

  after(async () => {
    await db.admin.end();
  });

  it("masks every row of tables keyed by UUID text, binary, composite, sparse signed and unique-index keys", async () => {
    const rules = parseRules(`tables:\n${TABLES.map((t) => `  ${t}:\n    email: email\n`).join("")}`, "keys.yaml");
    const report = await run({ connection: db.connection, rules, salt: TEST_SALT, chunkSize: 7, concurrency: 2 });
    expect(report.complete).to.equal(true);
    expect(report.verify?.ok, JSON.stringify(report.verify?.checks.filter((c) => !c.ok))).to.equal(true);
    for (const table of TABLES) {
      const t = report.tables.find((x) => x.table === table);
      expect(t?.chunks, table).to.be.within(9, 10);
      expect(t?.rowsChanged, table).to.equal(60);
      expect(await count(db.admin, `SELECT COUNT(*) FROM ${table} WHERE email REGEXP '^[0-9a-f]{16}@example[.]com$'`), table).to.equal(60);
      const samples = report.verify?.checks.find((c) => c.check === "samples" && c.table === table);
      expect(samples?.detail, table).to.match(/^([1-9]\d*) of \1 sampled rows hold the masked value$/);
    }
  });

  it("hashes every value for survivors when an original already looks masked, and catches one that stays", async () => {
    const other = await emptyDatabase("mask_look_alike");
    try {
      const rules = parseRules("tables:\n  look_alike:\n    email: email\n", "keys.yaml");
      await other.admin.query(`CREATE TABLE look_alike (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE) ENGINE=InnoDB;
        INSERT INTO look_alike VALUES (1, 'ABCDEF0123456789@example.com'), (2, 'x@corp.test')`);
      const report = await run({ connection: other.connection, rules, salt: TEST_SALT, verify: false });
      expect(report.complete).to.equal(true);
      expect(await count(other.admin, "SELECT full_survivor_scan FROM _masking_state")).to.equal(1);
      await other.admin.query("UPDATE look_alike SET email = 'ABCDEF0123456789@example.com' WHERE id = 2");
      const result = await verify({ connection: other.connection, rules, salt: TEST_SALT });
      const byCheck = (name: string) => result.checks.find((c) => c.check === name && c.table === "look_alike");
      expect(byCheck("shape")?.ok, "a masked-looking original passes the shape check").to.equal(true);
      expect(byCheck("survivors")).to.include({ ok: false, detail: "1 values equal a fingerprinted original (every value hashed)" });
    } finally {
      await other.admin.end();
    }
  });

  it("rejects a fixed literal that does not fit a numeric column", async () => {
    const rules = parseRules('tables:\n  by_sparse:\n    score: "fixed:n/a"\n', "keys.yaml");
    const err = await run({ connection: db.connection, rules, salt: TEST_SALT }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(RulesError);
    expect(String(err)).to.match(/by_sparse\.score: fixed:n\/a is not a number, but the column is int/);
  });
});
