import { expect } from "chai";
import { MaskingUsageError, parseRules, reset, run, verify } from "../../../../sql/masking";
import { withDatabase } from "../../../../sql/masking/database";
import { preflight } from "../../../../sql/masking/preflight";
import { deriveKeys } from "../../../../sql/masking/session";
import { FIRST_NAMES } from "../../../../sql/masking/dictionaries";
import { TEST_SALT, type TestDatabase, count, emptyDatabase, tableRows } from "../../../support/masking";

const rules = (yaml: string) => parseRules(`tables:\n${yaml}`, "test.yaml");
const failure = (p: Promise<unknown>) => p.then(() => new Error("expected a rejection"), (e: unknown) => e);
const bookkeeping = (db: TestDatabase) =>
  count(db.admin, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_masking\\_%'");

describe("masking refuses at plan time what would fail mid-run, with nothing written", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let unmasked: Record<string, unknown[]>;
  // `a_first` sorts first: with a late failure it would already be rewritten.
  const TABLES = ["a_first", "z_check", "z_stamp", "parent", "child"];

  before(async () => {
    db = await emptyDatabase("mask_refuse");
    await db.admin.query(`
      CREATE TABLE a_first (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL) ENGINE=InnoDB;
      INSERT INTO a_first VALUES (1, 'ann@corp.test'), (2, 'bo@corp.test');
      CREATE TABLE z_check (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, CONSTRAINT corp_only CHECK (email LIKE '%@corp.test')) ENGINE=InnoDB;
      INSERT INTO z_check VALUES (1, 'cy@corp.test');
      CREATE TABLE z_stamp (id INT PRIMARY KEY, seen TIMESTAMP NULL) ENGINE=InnoDB;
      SET time_zone = '+00:00';
      INSERT INTO z_stamp VALUES (1, '1970-06-01 00:00:00'), (2, '2001-02-03 04:05:06');
      CREATE TABLE parent (id INT PRIMARY KEY, email VARCHAR(100) COLLATE utf8mb4_general_ci NOT NULL UNIQUE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE child (id INT PRIMARY KEY, email VARCHAR(100) COLLATE utf8mb4_general_ci NULL,
        FOREIGN KEY (email) REFERENCES parent (email)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      INSERT INTO parent VALUES (1, 'Dee@Corp.test'), (2, 'eve@corp.test');
      INSERT INTO child VALUES (1, 'dee@corp.test'), (2, 'eve@corp.test');
    `);
    unmasked = {};
    for (const t of TABLES) unmasked[t] = await tableRows(db.admin, t);
  });

  after(async () => {
    await db.admin.end();
  });

  const everything = "  a_first:\n    email: email\n  z_check:\n    email: email\n  z_stamp:\n    seen: date_year\n  parent:\n    email: email\n  child:\n    email: email\n";

  it("names every problem the data would cause — CHECK, TIMESTAMP range, collation-only foreign key — in one error", async () => {
    const err = await failure(run({ connection: db.connection, rules: rules(everything), salt: TEST_SALT }));
    expect(err).to.be.instanceOf(MaskingUsageError);
    const message = (err as Error).message;
    expect(message).to.match(/^cannot mask mask_refuse_\d+, nothing was written: /);
    expect(message).to.include("z_check: 1 masked rows would violate CHECK constraint corp_only");
    expect(message).to.include("z_stamp: 1 values of seen would mask to a time before 1970-01-01 00:00:01 UTC");
    expect(message).to.include("child: 1 rows match their parent in parent through foreign key");
    expect(message).to.not.include("\n");
    expect(message).to.not.match(/dee@|cy@/i);
  });

  it("has written nothing: every table as it was, and no bookkeeping", async () => {
    for (const t of TABLES) expect(await tableRows(db.admin, t), t).to.deep.equal(unmasked[t]);
    expect(await bookkeeping(db)).to.equal(0);
  });

  it("finds duplicate masked values of a unique index before writing", async () => {
    // A mask that truncates stands for any strategy whose outputs collide on this data.
    const keys = deriveKeys(TEST_SALT);
    const problems = await withDatabase(db.connection, rules("  parent:\n    email: email\n  child:\n    email: email\n"), keys, async ({ conn, plan }) => {
      const tp = plan.tables.find((t) => t.table.name === "parent");
      const mask = tp?.masks[0];
      if (!tp || !mask) throw new Error("no plan for parent");
      const colliding = { ...plan, tables: [{ ...tp, masks: [{ ...mask, set: { sql: "LEFT(`email`, 0)", params: [] } }] }], foreignKeys: [] };
      return preflight(conn, colliding);
    });
    expect(problems.map((p) => `${p.kind}:${p.table}`)).to.deep.equal(["unique:parent"]);
    expect(problems[0]?.detail).to.match(/unique index email would get 1 duplicate masked values/);
  });

  it("refuses a phone that is too short to stay unique on a UNIQUE column, naming what fits", async () => {
    const other = await emptyDatabase("mask_uniq");
    try {
      await other.admin.query("CREATE TABLE p (id INT PRIMARY KEY, phone VARCHAR(10) NOT NULL UNIQUE) ENGINE=InnoDB");
      const err = await failure(run({ connection: other.connection, rules: rules("  p:\n    phone: phone\n"), salt: TEST_SALT }));
      expect((err as Error).message).to.match(/p\.phone is in unique index phone: phone would make values collide \(fits: keep\)/);
    } finally {
      await other.admin.end();
    }
  });
});

describe("masking keeps what it must keep", function () {
  this.timeout(60_000);
  let db: TestDatabase;

  before(async () => {
    db = await emptyDatabase("mask_keep");
    await db.admin.query(`
      CREATE TABLE \`order-lines\` (
        id INT PRIMARY KEY,
        \`e-mail\` VARCHAR(100) NULL,
        nick VARCHAR(16) NOT NULL,
        memo VARCHAR(200) NULL,
        updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
      ) ENGINE=InnoDB;
      INSERT INTO \`order-lines\` VALUES
        (1, 'ann@corp.test', 'annie', 'call me', '2020-01-01 00:00:00'),
        (2, '', 'bo', '', '2020-01-02 00:00:00'),
        (3, '   ', 'cy', '\\t \\n', '2020-01-03 00:00:00'),
        (4, NULL, 'dee', NULL, '2020-01-04 00:00:00');
    `);
  });

  after(async () => {
    await db.admin.end();
  });

  it("masks columns whose names need quoting, fits username into VARCHAR(16), and keeps stamps and blanks", async () => {
    const report = await run({
      connection: db.connection,
      rules: rules("  '`order-lines`':\n    e-mail: email\n    nick: username\n    memo: redact\n"),
      salt: TEST_SALT,
    });
    expect(report.verify?.ok, JSON.stringify(report.verify?.checks.filter((c) => !c.ok))).to.equal(true);
    const rows = await tableRows(db.admin, "order-lines");
    expect(rows.map((r) => r["e-mail"])).to.satisfy((v: unknown[]) => /^[0-9a-f]{16}@example\.com$/.test(String(v[0])));
    expect(rows.map((r) => r["e-mail"]).slice(1)).to.deep.equal(["", "   ", null]);
    expect(rows.map((r) => r.memo)).to.deep.equal(["[REDACTED]", "", "\t \n", null]);
    expect(rows.every((r) => /^u[0-9a-f]{15}$/.test(String(r.nick)))).to.equal(true);
    expect(rows.map((r) => r.updated_at)).to.deep.equal(["2020-01-01 00:00:00", "2020-01-02 00:00:00", "2020-01-03 00:00:00", "2020-01-04 00:00:00"]);
  });

  it("resets bookkeeping only after verify passes, and then refuses to mask the masked table again", async () => {
    const r = rules("  '`order-lines`':\n    e-mail: email\n    nick: username\n    memo: redact\n");
    const done = await reset({ connection: db.connection, rules: r, salt: TEST_SALT });
    expect(done.dropped.length).to.equal(6);
    expect(await bookkeeping(db), "only _masking_done stays").to.equal(1);
    const masked = await tableRows(db.admin, "order-lines");
    const err = await failure(run({ connection: db.connection, rules: r, salt: TEST_SALT }));
    expect((err as Error).message).to.match(/order-lines: _masking_done records this table as masked by a verified run/);
    expect(await tableRows(db.admin, "order-lines")).to.deep.equal(masked);
    // Bookkeeping dropped by hand, record included: the masked shape of the hash-derived columns still refuses.
    await db.admin.query("DROP TABLE _masking_done");
    const again = await failure(run({ connection: db.connection, rules: r, salt: TEST_SALT }));
    expect((again as Error).message).to.match(/order-lines: every sampled value of e-mail, nick already has its masked shape: this table looks masked/);
    expect(await tableRows(db.admin, "order-lines")).to.deep.equal(masked);
    expect(await bookkeeping(db)).to.equal(0);
  });

  it("never masks a table twice after reset, even when only word lists, redact and date_year masked it", async () => {
    const other = await emptyDatabase("mask_twice");
    try {
      await other.admin.query(`CREATE TABLE staff (id INT PRIMARY KEY, first VARCHAR(20) NOT NULL, zip VARCHAR(5) NOT NULL, note VARCHAR(40) NULL, born DATE NULL) ENGINE=InnoDB;
        INSERT INTO staff VALUES (1, 'Ann', '10001', 'likes tea', '1980-05-06'), (2, 'Bo', '94105', 'night shift', '1975-11-30')`);
      const r = rules("  staff:\n    first: first_name\n    zip: postal_code\n    note: redact\n    born: date_year\n");
      expect((await run({ connection: other.connection, rules: r, salt: TEST_SALT })).verify?.ok).to.equal(true);
      await reset({ connection: other.connection, rules: r, salt: TEST_SALT });
      const masked = await tableRows(other.admin, "staff");
      const err = await failure(run({ connection: other.connection, rules: r, salt: TEST_SALT }));
      expect(err).to.be.instanceOf(MaskingUsageError);
      expect((err as Error).message).to.match(/staff: _masking_done records this table as masked by a verified run .*restore the database from its source/);
      expect(await tableRows(other.admin, "staff")).to.deep.equal(masked);
    } finally {
      await other.admin.end();
    }
  });

  it("refuses to reset a database that does not pass verify", async () => {
    const other = await emptyDatabase("mask_reset");
    try {
      await other.admin.query("CREATE TABLE t (id INT PRIMARY KEY, email VARCHAR(100)) ENGINE=InnoDB; INSERT INTO t VALUES (1, 'a@corp.test')");
      const err = await failure(reset({ connection: other.connection, rules: rules("  t:\n    email: email\n"), salt: TEST_SALT }));
      expect(err).to.be.instanceOf(MaskingUsageError);
      expect((err as Error).message).to.match(/^reset refused: .* does not pass verify \(progress/);
    } finally {
      await other.admin.end();
    }
  });
});

describe("dictionary strategies never return their input", function () {
  this.timeout(60_000);
  let db: TestDatabase;

  before(async () => {
    db = await emptyDatabase("mask_selfmap");
    await db.admin.query("CREATE TABLE people (id INT PRIMARY KEY, first VARCHAR(20) NOT NULL, full_name VARCHAR(40) NOT NULL, zip VARCHAR(5) NOT NULL) ENGINE=InnoDB");
    // Every word of the list, in several spellings, and the full names the name strategy can write.
    const values = FIRST_NAMES.flatMap((n, i) => [n, n.toLowerCase(), n.toUpperCase()].map((v, j) => [i * 3 + j + 1, v, `${n} Smith`, String(10000 + i * 3 + j)]));
    await db.admin.query("INSERT INTO people VALUES ?", [values]);
  });

  after(async () => {
    await db.admin.end();
  });

  for (const salt of [TEST_SALT, "another-salt-0123456789", "yet-another-salt-987654321"]) {
    it(`maps no first name, full name or postal code to itself (salt ${salt.slice(0, 8)}…), and verify's self_map check passes`, async () => {
      await db.admin.query("DROP TABLE IF EXISTS _masking_state, _masking_chunks, _masking_tables, _masking_fingerprints, _masking_samples, _masking_indexes");
      const [original] = (await db.admin.query("SELECT id, first, full_name, zip FROM people ORDER BY id")) as unknown as [Array<Record<string, string>>];
      try {
        const report = await run({ connection: db.connection, rules: rules("  people:\n    first: first_name\n    full_name: name\n    zip: postal_code\n"), salt });
        expect(report.verify?.checks.filter((c) => c.check === "self_map").map((c) => c.ok)).to.deep.equal([true, true, true]);
        const [rows] = (await db.admin.query("SELECT id, first, full_name, zip FROM people ORDER BY id")) as unknown as [Array<Record<string, string>>];
        const same = rows.filter((r, i) => {
          const o = original[i];
          return r.first?.toLowerCase() === o?.first?.toLowerCase() || r.full_name?.toLowerCase() === o?.full_name?.toLowerCase() || r.zip === o?.zip;
        });
        expect(same).to.deep.equal([]);
      } finally {
        // Put the originals back for the next salt.
        await db.admin.query("DELETE FROM people");
        await db.admin.query("INSERT INTO people VALUES ?", [original.map((o) => [o.id, o.first, o.full_name, o.zip])]);
      }
    });
  }

  it("verify's self_map check fails when a sampled row holds its original", async () => {
    await db.admin.query("DROP TABLE IF EXISTS _masking_state, _masking_chunks, _masking_tables, _masking_fingerprints, _masking_samples, _masking_indexes");
    const [rows] = (await db.admin.query("SELECT id, first FROM people ORDER BY id LIMIT 1")) as unknown as [Array<{ id: number; first: string }>];
    const r = rules("  people:\n    first: first_name\n    full_name: name\n    zip: postal_code\n");
    const report = await run({ connection: db.connection, rules: r, salt: TEST_SALT });
    expect(report.verify?.ok).to.equal(true);
    await db.admin.query("UPDATE people SET first = ? WHERE id = ?", [rows[0]?.first, rows[0]?.id]);
    const checked = await verify({ connection: db.connection, rules: r, salt: TEST_SALT });
    expect(checked.checks.find((c) => c.check === "self_map" && c.column === "first")).to.include({ ok: false });
  });
});

describe("secondary indexes over masked columns are rebuilt, also across interrupted calls", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  /** The table's definition, one line per column or index, in a stable order (a rebuilt index comes last). */
  const createTable = async () =>
    String(((await db.admin.query("SHOW CREATE TABLE members")) as unknown as [Array<Record<string, string>>])[0][0]?.["Create Table"])
      .split("\n")
      .map((l) => l.trim().replace(/,$/, ""))
      .sort()
      .join("\n");

  before(async () => {
    db = await emptyDatabase("mask_indexes");
    await db.admin.query(`CREATE TABLE members (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, nick VARCHAR(40) NOT NULL, note VARCHAR(20) NULL,
      UNIQUE KEY uq_email (email), KEY ix_nick_note (nick(10), note), KEY ix_note (note)) ENGINE=InnoDB`);
    await db.admin.query("INSERT INTO members VALUES ?", [Array.from({ length: 300 }, (_, i) => [i + 1, `m${i}@corp.test`, `member${i}`, `n${i % 7}`])]);
  });

  after(async () => {
    await db.admin.end();
  });

  it("drops them while chunks run and rebuilds them, definition for definition, once the table is done", async () => {
    const before = await createTable();
    const r = rules("  members:\n    email: email\n    nick: username\n    note: keep\n");
    const first = await run({ connection: db.connection, rules: r, salt: TEST_SALT, chunkSize: 50, concurrency: 1, deadlineMs: Date.now() - 1 });
    expect(first.complete).to.equal(false);
    const during = await createTable();
    expect(during).to.not.include("uq_email");
    expect(during).to.not.include("ix_nick_note");
    expect(during, "an index without a masked column stays").to.include("ix_note");
    const last = await run({ connection: db.connection, rules: r, salt: TEST_SALT });
    expect(last.complete).to.equal(true);
    expect(last.verify?.ok).to.equal(true);
    expect(await createTable()).to.equal(before);
    expect(await count(db.admin, "SELECT COUNT(*) FROM _masking_indexes")).to.equal(0);
  });

  /** A fresh copy of the members table in its own database. */
  async function members(): Promise<TestDatabase> {
    const other = await emptyDatabase("mask_rebuild");
    await other.admin.query(`CREATE TABLE members (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, nick VARCHAR(40) NOT NULL, note VARCHAR(20) NULL,
      UNIQUE KEY uq_email (email), KEY ix_nick_note (nick(10), note)) ENGINE=InnoDB`);
    await other.admin.query("INSERT INTO members VALUES ?", [Array.from({ length: 300 }, (_, i) => [i + 1, `m${i}@corp.test`, `member${i}`, `n${i % 7}`])]);
    return other;
  }
  const indexNames = async (other: TestDatabase) =>
    ((await other.admin.query("SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'members'")) as unknown as [Array<{ n: string }>])[0].map((r) => r.n).sort();
  const r = rules("  members:\n    email: email\n    nick: username\n    note: keep\n");

  it("starts no rebuild past the deadline once a call has made progress, and rebuilds one index per call at most then", async () => {
    const other = await members();
    try {
      const past = () => ({ connection: other.connection, rules: r, salt: TEST_SALT, concurrency: 1, deadlineMs: Date.now() - 1 });
      // One chunk: the first call masks it, then finds its deadline passed and leaves both rebuilds to later calls.
      const first = await run({ ...past(), chunkSize: 1000 });
      expect(first).to.include({ complete: false, chunksThisCall: 1, chunksRemaining: 0 });
      expect(await indexNames(other)).to.deep.equal(["PRIMARY"]);
      // A call with nothing else to do always rebuilds one index, and stops there when out of time.
      expect((await run(past())).complete).to.equal(false);
      expect(await indexNames(other)).to.have.length(2);
      expect(await count(other.admin, "SELECT COUNT(*) FROM _masking_indexes")).to.equal(1);
      const last = await run(past());
      expect(last.complete).to.equal(true);
      expect(last.verify?.ok).to.equal(true);
      expect(await indexNames(other)).to.deep.equal(["PRIMARY", "ix_nick_note", "uq_email"]);
    } finally {
      await other.admin.end();
    }
  });

  it("keeps the indexes of a table whose estimated rebuild exceeds rebuildBudgetMs", async () => {
    const other = await members();
    try {
      const first = await run({ connection: other.connection, rules: r, salt: TEST_SALT, chunkSize: 50, concurrency: 1, deadlineMs: Date.now() - 1, rebuildBudgetMs: 1 });
      expect(first.complete).to.equal(false);
      expect(await indexNames(other), "kept while chunks run").to.deep.equal(["PRIMARY", "ix_nick_note", "uq_email"]);
      const last = await run({ connection: other.connection, rules: r, salt: TEST_SALT, rebuildBudgetMs: 1 });
      expect(last.verify?.ok).to.equal(true);
      expect(await indexNames(other)).to.deep.equal(["PRIMARY", "ix_nick_note", "uq_email"]);
    } finally {
      await other.admin.end();
    }
  });
});
