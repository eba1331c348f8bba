import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { RulesError, loadRules, parseRules } from "../../../../sql/masking";

const error = (text: string): Error => {
  try {
    parseRules(text, "rules.yaml");
  } catch (err: unknown) {
    if (err instanceof Error) return err;
  }
  throw new Error("expected parseRules to throw");
};

describe("masking rules", () => {
  it("parses tables, columns and strategies, keeping fixed literals verbatim", () => {
    const rules = parseRules("tables:\n  users:\n    email: email\n    status: 'fixed:n/a: none'\n    country: keep\n", "r.yaml");
    const users = rules.tables.get("users");
    expect(users?.get("email")).to.deep.equal({ name: "email", text: "email" });
    expect(users?.get("status")).to.deep.equal({ name: "fixed", literal: "n/a: none", text: "fixed:n/a: none" });
    expect(users?.get("country")?.name).to.equal("keep");
    expect(rules.source).to.equal("r.yaml");
  });

  it("reads an empty file, or tables: with nothing under it, as no rules rather than a schema error", () => {
    for (const text of ["", "tables:\n", "# to be written\ntables: {}\n"]) expect(parseRules(text, "new.yaml").tables.size, JSON.stringify(text)).to.equal(0);
    expect(() => parseRules("tables: [users]\n", "bad.yaml")).to.throw(/bad\.yaml: tables/);
  });

  it("rejects unknown strategies and a bare fixed, naming the column", () => {
    const err = error("tables:\n  users:\n    email: emial\n    memo: fixed\n");
    expect(err).to.be.instanceOf(RulesError);
    expect(err.name).to.equal("RulesError");
    expect(err.message).to.match(/^rules\.yaml: tables\.users\.email: unknown strategy "emial" \(known: email, name, .*fixed:<literal>\); tables\.users\.memo: "fixed" needs a literal/);
  });

  it("accepts names that need quoting, bare or in backticks, as the names they spell", () => {
    const rules = parseRules("tables:\n  'order-lines':\n    'e-mail': email\n    '`first name`': first_name\n    '`a``b`': redact\n  顧客:\n    氏名: name\n", "r.yaml");
    expect([...(rules.tables.get("order-lines")?.keys() ?? [])]).to.deep.equal(["e-mail", "first name", "a`b"]);
    expect(rules.tables.get("顧客")?.get("氏名")?.name).to.equal("name");
  });

  it("rejects names no server accepts, and the engine's own tables", () => {
    const err = error(`tables:\n  "users\\x00x":\n    email: email\n  users:\n    'trailing ': email\n    '${"c".repeat(65)}': email\n  _masking_state:\n    phase: redact\n`);
    expect(err.message).to.include('invalid identifier "users\\u0000x"');
    expect(err.message).to.include('tables.users.trailing : invalid identifier "trailing "');
    expect(err.message).to.include(`invalid identifier "${"c".repeat(65)}"`);
    expect(err.message).to.include("tables._masking_state: _masking_* tables belong to the engine");
    expect(err.message).to.not.include("\n");
  });

  it("rejects a file of the wrong shape, unknown keys and non-string strategies", () => {
    // Forgetting `tables:` leaves a key the file does not have.
    expect(error("users:\n  email: email\n").message).to.match(/Unrecognized key.*users/);
    expect(error("tables:\n  users:\n    email: email\nsalt: abc\n").message).to.match(/Unrecognized key.*salt/);
    expect(error("tables:\n  users:\n    email: 3\n").message).to.match(/tables\.users\.email: Invalid input: expected string/);
    expect(error("tables: [\n").message).to.match(/^rules\.yaml: not valid YAML: /);
  });

  it("loads a file from disk and reports a missing one as a RulesError", () => {
    const dir = mkdtempSync(join(tmpdir(), "rules-"));
    try {
      writeFileSync(join(dir, "m.yaml"), "tables:\n  users:\n    email: email\n");
      expect(loadRules(join(dir, "m.yaml")).tables.get("users")?.get("email")?.name).to.equal("email");
      expect(() => loadRules(join(dir, "missing.yaml"))).to.throw(RulesError, /^rules file not found: .*missing\.yaml$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses the repository's default rules file", () => {
    const rules = loadRules(join(__dirname, "../../../../sql/masking.yaml"));
    expect([...rules.tables.keys()]).to.deep.equal(["users", "addresses"]);
  });
});
