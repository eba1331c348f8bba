import { expect } from "chai";
import { parseTransferSchedule } from "../../../stacks/bigqueryConfig";
import { ConfigError, parseConfig } from "../../../stacks/config";
import { stackConfig } from "../../support/pulumi";

const BQ = "data-platform:bigquery";
const valid = {
  project: "shop-analytics-stg",
  location: "asia-northeast1",
  datasetId: "shop_stg",
  schedule: "every day 03:00",
  tables: { shop: ["users", "orders"] },
};

function problemsOf(overrides: Record<string, unknown>): string[] {
  try {
    parseConfig(stackConfig("stg", overrides));
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  expect.fail("config was accepted");
}

describe("bigquery config block", () => {
  it("is optional: prod has none, stg's example parses with defaults filled in", () => {
    expect(parseConfig(stackConfig("prod")).bigquery).to.equal(undefined);
    expect(parseConfig(stackConfig("stg", { [BQ]: valid })).bigquery).to.deep.equal({
      ...valid,
      writeDisposition: "WRITE_TRUNCATE",
      emailNotifications: false,
      accessKeyRotation: 1,
    });
    expect(parseConfig(stackConfig("stg")).bigquery?.tables).to.deep.equal({ shop: ["users", "orders", "order_items", "products"] });
  });

  it("lists every bad field with its key path", () => {
    const problems = problemsOf({
      [BQ]: {
        project: "My_Project",
        location: "tokyo",
        datasetId: "shop-stg",
        schedule: "daily",
        writeDisposition: "OVERWRITE",
        tables: { shop: ["users", "bad$name", "users"] },
        notificationPubsubTopic: "transfer-runs",
        emailNotifications: "yes",
        typo: 1,
      },
    });
    expect(problems.map((p) => p.split(": ")[0])).to.have.members([
      `${BQ}.project`,
      `${BQ}.location`,
      `${BQ}.datasetId`,
      `${BQ}.schedule`,
      `${BQ}.writeDisposition`,
      `${BQ}.tables.shop.1`,
      `${BQ}.tables.shop`,
      `${BQ}.notificationPubsubTopic`,
      `${BQ}.emailNotifications`,
      `${BQ}.typo`,
    ]);
  });

  it("rejects schedules that run more than once a day", () => {
    for (const schedule of ["every 12 hours", "every 30 minutes", "every 1 hours"]) {
      expect(problemsOf({ [BQ]: { ...valid, schedule } }), schedule).to.deep.equal([
        `${BQ}.schedule: must run at most once a day: each run reloads the whole day's export; got the string "${schedule}"`,
      ]);
    }
  });

  it("takes any time of day and any export time zone: the transfer loads what the publisher last put in place", () => {
    // 15:30 UTC is 00:30 in Tokyo, right after the export schedule; Europe/Berlin observes daylight saving time.
    expect(parseConfig(stackConfig("stg", { [BQ]: { ...valid, schedule: "every day 15:30" } })).bigquery?.schedule).to.equal("every day 15:30");
    const berlin = parseConfig(stackConfig("stg", { [BQ]: valid, "data-platform:exportSchedule": { cron: "0 0 * * ? *", timezone: "Europe/Berlin" } }));
    expect(berlin.bigquery?.schedule).to.equal("every day 03:00");
  });

  it("rejects a schedule without a time of day, which the publisher could not keep clear of", () => {
    expect(problemsOf({ [BQ]: { ...valid, schedule: "every 24 hours" } })).to.deep.equal([
      `${BQ}.schedule: must name a time of day in UTC, such as "every day 03:00": the files a transfer loads are replaced only away from that time; got the string "every 24 hours"`,
    ]);
  });

  it("rejects tables of databases that are not exported, or not in exportOnly", () => {
    expect(problemsOf({ [BQ]: { ...valid, tables: { billing: ["invoices"] } } })).to.deep.equal([
      `${BQ}.tables.billing: database billing is not in databases, so it is never exported`,
    ]);
    expect(problemsOf({ [BQ]: { ...valid, tables: { shop: ["users", "sessions"] } } })).to.deep.equal([
      `${BQ}.tables.shop: shop.sessions is not in exportOnly, so its transfer would find no files`,
    ]);
  });

  it("rejects one table name under two databases, since both would load into <dataset>.<table>", () => {
    const problems = problemsOf({
      "data-platform:databases": ["shop", "crm"],
      "data-platform:exportOnly": undefined,
      [BQ]: { ...valid, tables: { shop: ["users"], crm: ["users"] } },
    });
    expect(problems).to.deep.equal([`${BQ}.tables.crm: table users is also listed under shop; both would load into shop_stg.users`]);
  });
});

describe("BigQuery transfer schedule syntax", () => {
  it("accepts the documented once-a-day-or-less forms, in UTC", () => {
    expect(parseTransferSchedule("every day 03:00")).to.deep.equal({ minIntervalHours: 24, utcMinuteOfDay: 180 });
    expect(parseTransferSchedule("every 24 hours")).to.deep.equal({ minIntervalHours: 24 });
    expect(parseTransferSchedule("every 1440 minutes")).to.deep.equal({ minIntervalHours: 24 });
    expect(parseTransferSchedule("every monday 09:30")?.utcMinuteOfDay).to.equal(570);
    expect(parseTransferSchedule("every mon,thu 03:00")).to.not.equal(undefined);
    expect(parseTransferSchedule("every wed,fri of jan,jun 13:15")).to.not.equal(undefined);
    expect(parseTransferSchedule("1st,3rd monday of month 15:30")).to.not.equal(undefined);
    expect(parseTransferSchedule("first sunday of quarter 00:00")).to.not.equal(undefined);
  });

  it("rejects anything else", () => {
    for (const s of ["every day 3:00", "every day 24:00", "daily", "every day", "every funday 03:00", "0 3 * * *", "every 0 hours"]) {
      expect(parseTransferSchedule(s), s).to.equal(undefined);
    }
  });
});
