import { expect } from "chai";
import { nameReason } from "../../../../sql/masking/detect";

describe("PII detection by column name", () => {
  const cases: Array<[string, string | undefined]> = [
    ["email", "an email address"],
    ["contactEMail", "an email address"],
    ["username", "a user name"],
    ["ship_name", "a person's name"],
    ["mobile_no", "a phone number"],
    ["tel", "a phone number"],
    ["line1", "a postal address"],
    ["zip", "a postal code"],
    ["postcode", "a postal code"],
    ["date_of_birth", "a date of birth"],
    ["dob", "a date of birth"],
    ["password_hash", "a credential"],
    ["reset_token", "a credential"],
    ["last_login_ip", "an IP address"],
    ["memo", "free text that may hold PII"],
    ["id", undefined],
    ["zipper_color", undefined],
    ["shipped_at", undefined],
    ["description", undefined],
  ];
  for (const [column, kind] of cases) {
    it(kind ? `flags ${column} as ${kind}` : `does not flag ${column}`, () => {
      expect(nameReason(column)).to.equal(kind && `name suggests ${kind}`);
    });
  }
});
