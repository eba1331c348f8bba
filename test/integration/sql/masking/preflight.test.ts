import { expect } from "chai";
import { MaskingUsageError, RulesError, parseRules, run, scan } from "../../../../sql/masking";
import { TEST_SALT, type TestDatabase, count, emptyDatabase } from "../../../support/masking";
import { sharedMariaDb } from "../../../support/sharedMariaDb";

/** Tables that each exercise one case masking in place must handle or refuse. */
const SCHEMA = `
  CREATE TABLE people (
    id INT NOT NULL PRIMARY KEY,
    email VARCHAR(100) NOT NULL UNIQUE,
    nick VARCHAR(10) NULL,
    phone VARCHAR(6) NULL,
    born DATE NULL,
    code CHAR(3) NOT NULL,
    email_lower VARCHAR(100) AS (LOWER(email)) VIRTUAL,
    kind ENUM('person','company') NOT NULL DEFAULT 'person'
  ) ENGINE=InnoDB;
  CREATE VIEW people_v AS SELECT id, email FROM people;
  CREATE TABLE legacy (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NULL) ENGINE=MyISAM;
  CREATE TABLE audited (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NULL) ENGINE=InnoDB;
  CREATE TABLE audit_copy (email VARCHAR(100) NULL) ENGINE=InnoDB;
  CREATE TRIGGER audited_bu BEFORE UPDATE ON audited FOR EACH ROW INSERT INTO audit_copy VALUES (OLD.email);
  CREATE TABLE parent (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NULL UNIQUE) ENGINE=InnoDB;
  CREATE TABLE child (id INT NOT NULL PRIMARY KEY, parent_email VARCHAR(100) NULL,
    FOREIGN KEY (parent_email) REFERENCES parent (email)) ENGINE=InnoDB;
  CREATE TABLE heap (email VARCHAR(100) NULL) ENGINE=InnoDB;
  INSERT INTO people (id, email, code) VALUES (1, 'ann@corp.test', 'A01'), (2, 'bo@corp.test', 'B02');
  INSERT INTO audited VALUES (1, 'ann@corp.test');
  INSERT INTO heap VALUES ('a@corp.test'), ('b@corp.test'), ('c@corp.test');
`;

const rules = (yaml: string) => parseRules(`tables:\n${yaml}`, "test.yaml");

describe("masking refuses what it cannot mask safely", () => {
  let db: TestDatabase;
  const failure = (p: Promise<unknown>) => p.then(() => new Error("expected a rejection"), (e: unknown) => e);
  const scanError = (yaml: string) => failure(scan(db.connection, rules(yaml)));
  const runError = (yaml: string, extra: { maxUnkeyedRows?: number } = {}) =>
    failure(run({ connection: db.connection, rules: rules(yaml), salt: TEST_SALT, ...extra }));

  before(async () => {
    db = await emptyDatabase("mask_preflight");
    await db.admin.query(SCHEMA);
  });

  after(async () => {
    await db.admin.end();
  });

  const cases: Array<[string, string, RegExp]> = [
    ["an unknown table", "  nosuch:\n    email: email\n", /unknown table nosuch/],
    ["an unknown column", "  people:\n    nosuch: email\n", /unknown column people\.nosuch/],
    ["a view", "  people_v:\n    email: email\n", /people_v is a view/],
    ["a generated column with a strategy", "  people:\n    email_lower: email\n", /people\.email_lower is a generated column/],
    ["a primary-key column", "  people:\n    id: hash\n", /people\.id is part of the primary key/],
    ["a constant on a unique column", "  people:\n    email: redact\n", /people\.email is in unique index email: redact would make values collide/],
    ["nullify on a NOT NULL column", "  people:\n    code: nullify\n", /nullify needs a nullable column/],
    ["a column too narrow for the output, naming what fits", "  people:\n    nick: email\n", /email needs at least 18 characters but the column is varchar\(10\) \(fits: name, first_name, last_name, username, phone, postal_code, hash, redact, nullify, keep\)/],
    ["a column too narrow for a user name, naming what fits", "  people:\n    phone: username\n", /username needs at least 9 characters but the column is varchar\(6\) \(fits: first_name, last_name, phone, postal_code, redact, nullify, keep\)/],
    ["a literal that is no member of the ENUM", "  people:\n    kind: fixed:robot\n", /fixed:robot is not a member of enum\('person','company'\)/],
    ["a strategy of the wrong type", "  people:\n    born: email\n", /email needs a character column, not date/],
    ["date_year on text", "  people:\n    code: date_year\n", /date_year needs a DATE/],
    ["a foreign key whose sides differ", "  parent:\n    email: email\n", /foreign key .* links child\.parent_email to parent\.email: both need the same strategy .*found unmasked and email/],
  ];
  for (const [what, yaml, message] of cases) {
    it(`rejects ${what} with a RulesError`, async () => {
      const err = await scanError(yaml);
      expect(err).to.be.instanceOf(RulesError);
      expect(String((err as Error).message)).to.match(message);
      expect((err as Error).message).to.not.include("\n");
    });
  }

  it("lists every problem of the rules in one single-line error", async () => {
    const err = (await scanError("  nosuch:\n    a: email\n  people:\n    nosuch: email\n    code: nullify\n")) as Error;
    expect(err.message).to.match(/unknown table nosuch.*unknown column people\.nosuch.*nullify needs a nullable column/);
    expect(err.message).to.not.include("\n");
  });

  it("accepts a foreign key whose two sides use the same strategy", async () => {
    const report = await scan(db.connection, rules("  parent:\n    email: email\n  child:\n    parent_email: email\n"));
    expect(report.covered.map((c) => `${c.table}.${c.column}`)).to.deep.equal(["parent.email", "child.parent_email"]);
  });

  it("rejects masking a key that another database references", async () => {
    const other = await emptyDatabase("mask_xref");
    try {
      await other.admin.query(
        `CREATE TABLE ext_child (id INT NOT NULL PRIMARY KEY, parent_email VARCHAR(100) NULL,
           FOREIGN KEY (parent_email) REFERENCES \`${db.name}\`.parent (email)) ENGINE=InnoDB`,
      );
      const err = await scanError("  parent:\n    email: email\n  child:\n    parent_email: email\n");
      expect(err).to.be.instanceOf(RulesError);
      expect((err as Error).message).to.include(`links ${other.name}.ext_child.parent_email to parent.email: both need the same strategy`);
    } finally {
      await other.admin.query("DROP TABLE ext_child");
      await other.admin.end();
    }
  });

  it("accepts a mysql2 connection config instead of a URL", async () => {
    const server = await sharedMariaDb();
    const config = { host: server.host, port: server.port, user: server.user, password: server.password, database: db.name };
    const report = await scan({ config }, rules("  people:\n    email: email\n"));
    expect(report.covered).to.deep.equal([{ table: "people", column: "email", strategy: "email" }]);
  });

  it("refuses a table with an UPDATE trigger before writing anything", async () => {
    const err = await runError("  audited:\n    email: email\n");
    expect(err).to.be.instanceOf(MaskingUsageError);
    expect(String(err)).to.match(/audited has UPDATE trigger audited_bu/);
    expect(await count(db.admin, "SELECT COUNT(*) FROM audit_copy")).to.equal(0);
    expect(await count(db.admin, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_masking\\_%'")).to.equal(0);
  });

  it("refuses a table that is not InnoDB", async () => {
    expect(String(await runError("  legacy:\n    email: email\n"))).to.match(/legacy uses engine MyISAM: masking needs InnoDB/);
  });

  it("refuses uncovered PII before writing anything, listing each column with its reason", async () => {
    const err = await runError("  people:\n    email: email\n");
    expect(err).to.be.instanceOf(MaskingUsageError);
    const message = (err as Error).message;
    expect(message).to.match(/^run refused: \d+ PII-looking columns are not covered by test\.yaml: /);
    expect(message).to.include("legacy.email (name suggests an email address)");
    expect(message).to.include("people.email_lower (name suggests an email address (generated column");
    expect(message).to.not.include("people.email ");
    expect(await count(db.admin, "SELECT COUNT(*) FROM people WHERE email LIKE '%@example.com'")).to.equal(0);
  });

  it("refuses a keyless table larger than the single-chunk limit, and masks one within it", async () => {
    const all = (heap: string) =>
      `  people:\n    email: email\n    phone: keep\n    email_lower: keep\n    nick: keep\n  legacy:\n    email: keep\n  audited:\n    email: keep\n` +
      `  audit_copy:\n    email: keep\n  parent:\n    email: keep\n  child:\n    parent_email: keep\n  heap:\n    email: ${heap}\n`;
    const err = await runError(all("email"), { maxUnkeyedRows: 2 });
    expect(String(err)).to.match(/heap has no primary key .* and 3 rows, more than 2/);
    const report = await run({ connection: db.connection, rules: rules(all("email")), salt: TEST_SALT });
    expect(report.tables.find((t) => t.table === "heap")).to.include({ chunks: 1, chunksDone: 1, rowsChanged: 3 });
    expect(report.verify?.ok).to.equal(true);
    expect(await count(db.admin, "SELECT COUNT(*) FROM heap WHERE email LIKE '%@example.com'")).to.equal(3);
  });

  it("refuses to run without a salt, before connecting anywhere", async () => {
    const err = await failure(run({ connection: "mysql://nobody@127.0.0.1:1/none", rules: rules("  people:\n    email: email\n"), salt: undefined }));
    expect(err).to.be.instanceOf(MaskingUsageError);
    expect((err as Error).message).to.match(/^no masking salt: set MASKING_SALT/);
  });

  it("reports an unreachable database as a one-line usage error without the password", async () => {
    const err = await failure(scan({ url: "mysql://someone:hunter22@127.0.0.1:1/shop" }, rules("  people:\n    email: email\n")));
    expect(err).to.be.instanceOf(MaskingUsageError);
    expect((err as Error).message).to.match(/^cannot connect to mysql:\/\/someone@127\.0\.0\.1:1\/shop: .*ECONNREFUSED/);
    expect((err as Error).message).to.not.include("hunter22");
  });
});
