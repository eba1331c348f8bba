import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { durationMinutes, exportReadyNotice } from "../../../functions/export-events/exportReady";
import { chatbotNotification, publishNotice } from "../../../functions/shared/notice";

const snsMock = mockClient(SNSClient);
const TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-stg-alerts";
const task = {
  ExportTaskIdentifier: "stg-20240302",
  TaskStartTime: new Date("2024-03-02T00:05:00Z"),
  TaskEndTime: new Date("2024-03-02T01:17:30Z"),
  TotalExtractedDataInGB: 12,
};

describe("export-ready notice", () => {
  beforeEach(() => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
  });

  it("says which tables are queryable where, how much data and how long it took", () => {
    const n = exportReadyNotice({ task, tables: ["shop_orders", "shop_users"], skipped: [], athenaDatabase: "data_platform_stg" });
    expect(n.title).to.equal("export stg-20240302 ready: 2 tables");
    expect(n.description).to.equal("2 tables of export stg-20240302 can be queried in Athena database data_platform_stg.");
    expect(n.facts).to.deep.equal({
      exportTaskIdentifier: "stg-20240302",
      athenaDatabase: "data_platform_stg",
      tables: "shop_orders, shop_users",
      tableCount: 2,
      skippedTables: "none",
      extractedBytes: 12 * 1024 ** 3,
      durationMinutes: 73,
    });
  });

  it("reports unknown size and duration rather than inventing them", () => {
    expect(durationMinutes({ TaskEndTime: task.TaskEndTime })).to.equal(undefined);
    const n = exportReadyNotice({ task: { ExportTaskIdentifier: "stg-20240302" }, tables: ["shop_orders"], skipped: ["shop.audit_log"], athenaDatabase: "db" });
    expect(n.facts).to.include({ extractedBytes: "unknown", durationMinutes: "unknown", skippedTables: "shop.audit_log" });
    expect(n.description).to.contain("Not exported completely, so not cataloged: shop.audit_log.");
  });

  it("publishes a Chatbot custom notification for Slack and plain text for e-mail in one message", async () => {
    const n = exportReadyNotice({ task, tables: ["shop_orders"], skipped: [], athenaDatabase: "data_platform_stg" });
    await publishNotice(new SNSClient({ region: "ap-northeast-1" }), TOPIC, "stg", n);
    const input = snsMock.commandCalls(PublishCommand)[0].args[0].input;
    expect(input).to.include({ TopicArn: TOPIC, MessageStructure: "json", Subject: "[data-platform stg] export stg-20240302 ready: 1 table" });
    const message = JSON.parse(input.Message!);
    // SNS requires a "default" entry when MessageStructure is json; HTTPS subscribers (Chatbot) receive it.
    expect(Object.keys(message)).to.have.members(["default", "email"]);
    const slack = JSON.parse(message.default);
    // Chatbot's custom notification schema: version "1.0", source "custom", content.description required.
    expect(slack).to.deep.include({ version: "1.0", source: "custom" });
    expect(slack.content).to.include({ textType: "client-markdown", title: "data-platform stg: export stg-20240302 ready: 1 table" });
    expect(slack.content.description).to.equal(n.description);
    expect(message.email).to.contain("environment: stg").and.to.contain("durationMinutes: 73");
    expect(chatbotNotification("stg", n).metadata).to.deep.equal({ additionalContext: Object.fromEntries(Object.entries(n.facts).map(([k, v]) => [k, String(v)])) });
  });
});

describe("SNS subjects", () => {
  it("are cut below SNS's 100-character limit and keep only printable ASCII", async () => {
    const { subjectLine } = await import("../../../functions/shared/notice");
    const long = subjectLine("stg", `QA clone leftover security group sg-0123456789abcdef0 (data-platform-stg-qa-${"x".repeat(24)}): removal FAILED`);
    expect(long.length).to.equal(99);
    expect(long.endsWith("...")).to.equal(true);
    expect(subjectLine("stg", "export 日本 ready")).to.equal("[data-platform stg] export ?? ready");
  });
});
