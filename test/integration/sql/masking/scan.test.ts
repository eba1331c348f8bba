import { expect } from "chai";
import { parseRules, scan, suggestRules } from "../../../../sql/masking";
import { type TestDatabase, emptyDatabase } from "../../../support/masking";

describe("scan reads every kind of column that can hold PII", function () {
  this.timeout(60_000);
  let db: TestDatabase;

  before(async () => {
    db = await emptyDatabase("mask_scan");
    await db.admin.query(`
      CREATE TABLE city (city_id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(40) NOT NULL) ENGINE=InnoDB;
      CREATE TABLE address (address_id INT AUTO_INCREMENT PRIMARY KEY, city_id INT NOT NULL, postal_kind TINYINT NOT NULL,
        FOREIGN KEY (city_id) REFERENCES city (city_id)) ENGINE=InnoDB;
      CREATE TABLE things (
        id INT PRIMARY KEY,
        contact BIGINT NULL,
        ref DECIMAL(19,0) NULL,
        blob_data BLOB NULL,
        story TEXT NULL,
        long_text MEDIUMTEXT NULL,
        doc JSON NULL,
        氏名 VARCHAR(40) NULL,
        電話番号 VARCHAR(20) NULL,
        gender CHAR(1) NULL,
        hire_date DATE NULL,
        amount DECIMAL(10,2) NULL,
        created_ms BIGINT NULL
      ) ENGINE=InnoDB;
      INSERT INTO city (label) VALUES ('Tokyo'), ('Osaka');
      INSERT INTO address (city_id, postal_kind) VALUES (1, 1), (2, 2);
    `);
    // Rows the first 500 (the whole sample of a scan that reads only a table's start) never include.
    const sparse = (n: number) => n > 1000 && n % 40 === 0;
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const n = i + 1;
      return [
        n,
        9000000000 + n, // a BIGINT phone number without its leading zero
        n % 2 ? "4111111111111111" : null, // card numbers in a DECIMAL
        sparse(n) ? Buffer.from("contact: late@corp.test") : Buffer.from([0, 1, 2]), // emails in a BLOB, only in the second half
        sparse(n) ? "please call 090-1234-5678 tomorrow" : "nothing to see", // phones inside text, only in the second half
        n === 7 ? `${"lorem ipsum ".repeat(500)} deep@corp.test` : "short", // an email past the first 2,000 characters
        JSON.stringify(n % 40 === 0 ? { profile: { contact: "03-1234-5678" } } : { ok: true }),
        "山田 太郎",
        null,
        n % 2 ? "F" : "M",
        "2020-04-01",
        (n * 1.5).toFixed(2),
        1700000000000 + n,
      ];
    });
    await db.admin.query("INSERT INTO things VALUES ?", [rows]);
  });

  after(async () => {
    await db.admin.end();
  });

  it("flags binary, numeric, sparse, long, JSON and Japanese-named columns, each with the rule that fired", async () => {
    const report = await scan(db.connection, parseRules("tables: {}", "none.yaml"));
    const found = Object.fromEntries(report.uncovered.filter((f) => f.table === "things").map((f) => [f.column, `${f.kind} ${f.rule}`]));
    expect(found).to.deep.equal({
      contact: "pii value:phone_number",
      ref: "pii value:card",
      blob_data: "pii value:email",
      story: "pii value:phone_in_text",
      long_text: "pii value:email",
      doc: "pii value:phone_in_text",
      氏名: "pii name:name",
      電話番号: "pii name:phone",
      gender: "quasi name:gender",
      hire_date: "quasi name:hire_date",
    });
    const reasons = report.uncovered.map((f) => f.reason).join(" | ");
    expect(reasons).to.not.match(/4111|late@|deep@|090-|山田/);
  });

  it("never flags integer surrogate keys, whatever their names say", async () => {
    const report = await scan(db.connection, parseRules("tables: {}", "none.yaml"));
    const keys = report.uncovered.filter((f) => f.table === "city" || f.table === "address").map((f) => `${f.table}.${f.column}`);
    expect(keys).to.deep.equal([]);
  });

  it("suggests starter rules fitted to each column, keep with a review note for quasi-identifiers", async () => {
    const starter = await suggestRules(db.connection);
    const byColumn = Object.fromEntries(starter.suggestions.map((s) => [s.column, s.strategy]));
    expect(byColumn).to.include({ contact: "phone", ref: "phone", blob_data: "email", story: "redact", 氏名: "name", 電話番号: "phone", gender: "keep", hire_date: "keep" });
    expect(starter.yaml).to.match(/ {4}gender: keep {2}# review: name suggests gender, a quasi-identifier/);
    // The YAML is valid rules, and running scan with it leaves nothing uncovered.
    const again = await scan(db.connection, parseRules(starter.yaml, "starter.yaml"));
    expect(again.uncovered).to.deep.equal([]);
  });
});
