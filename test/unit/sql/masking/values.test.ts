import { expect } from "chai";
import { nameRule } from "../../../../sql/masking/names";
import { WINDOW, jsonLeaves, luhn, numberSigns, textSigns } from "../../../../sql/masking/values";

describe("PII detection in values", () => {
  it("checks card numbers with Luhn", () => {
    expect(luhn("4111111111111111")).to.equal(true);
    expect(luhn("4111111111111112")).to.equal(false);
  });

  it("finds an email anywhere in free text, also past the first windows of a long value", () => {
    expect([...textSigns("write to ann.lee+x@corp.example.co.jp please")]).to.include("email");
    const long = `${"token ".repeat(3 * WINDOW)}ann@corp.test`;
    expect([...textSigns(long)]).to.include("email");
    expect([...textSigns("no address here: @ and foo@bar")]).to.not.include("email");
  });

  it("finds phone numbers inside text, Japanese and international formats, but not dates, prices or versions", () => {
    for (const t of ["電話は090-1234-5678まで", "call +81 3 1234 5678 today", "連絡先 (03) 1234-5678 まで", "tel 03.1234.5678"]) {
      expect([...textSigns(t)], t).to.include("phone_in_text");
    }
    for (const t of ["on 2024-01-15 at 10:30", "price 1 234 567 yen", "version 1.2.3456", "ip 10.0.0.12"]) {
      expect([...textSigns(t)], t).to.not.include("phone_in_text");
    }
  });

  it("tells a whole-value phone number from text with a phone in it", () => {
    expect([...textSigns("+1-555-0100-123")]).to.deep.equal(["phone"]);
    expect([...textSigns("03-1234-5678")]).to.deep.equal(["phone"]);
    expect([...textSigns("12345678")]).to.deep.equal([]);
  });

  it("finds card numbers in text only when they pass Luhn", () => {
    expect([...textSigns("paid with 4111 1111 1111 1111")]).to.include("card");
    expect([...textSigns("order 4111 1111 1111 1112")]).to.not.include("card");
  });

  it("reads numbers: Luhn card numbers and phone-like digit counts, not Unix times", () => {
    expect([...numberSigns("4111111111111111")]).to.deep.equal(["card"]);
    expect([...numberSigns("9012345678")]).to.deep.equal(["phone_number"]);
    expect([...numberSigns("819012345678.00")]).to.deep.equal(["phone_number"]);
    expect([...numberSigns("1700000000")]).to.deep.equal([]);
    expect([...numberSigns("1700000000123")]).to.deep.equal([]);
    expect([...numberSigns("42")]).to.deep.equal([]);
  });

  it("walks every key and leaf of a JSON document", () => {
    const leaves = jsonLeaves('{"a":[{"tel":"090-1234-5678"}],"n":4111111111111111,"deep":{"x":{"y":"z"}}}');
    expect(leaves.keys.sort()).to.deep.equal(["a", "deep", "n", "tel", "x", "y"]);
    expect(leaves.strings.sort()).to.deep.equal(["090-1234-5678", "z"]);
    expect(leaves.numbers).to.deep.equal(["4111111111111111"]);
  });
});

describe("PII detection by Japanese and non-ASCII column names", () => {
  const cases: Array<[string, string | undefined]> = [
    ["氏名", "name"],
    ["フリガナ", "name"],
    ["メールアドレス", "email"],
    ["電話番号", "phone"],
    ["携帯電話", "phone"],
    ["住所", "address"],
    ["郵便番号", "postal_code"],
    ["生年月日", "birth"],
    ["性別", "gender"],
    ["入社日", "hire_date"],
    ["カード番号", "identity"],
    ["商品名", undefined],
    ["数量", undefined],
    ["e-mail", "email"],
    ["hire_date", "hire_date"],
    ["gender", "gender"],
    ["last_login_ip", "ip"],
    ["last_login_at", undefined],
  ];
  for (const [column, rule] of cases) {
    it(rule ? `flags ${column} by rule ${rule}` : `does not flag ${column}`, () => {
      expect(nameRule(column)?.id).to.equal(rule);
    });
  }

  it("marks gender and hire dates as quasi-identifiers to review, not PII to mask", () => {
    expect(nameRule("性別")?.kind).to.equal("quasi");
    expect(nameRule("hire_date")?.kind).to.equal("quasi");
    expect(nameRule("email")?.kind).to.equal("pii");
  });
});
