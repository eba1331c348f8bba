import { expect } from "chai";
import { parseConfig } from "../../../stacks/config";
import { configProblems } from "../../support/config";
import { find, runPlatform, stackConfig } from "../../support/pulumi";

const eventsFunction = async (stack: string): Promise<Record<string, string>> =>
  find((await runPlatform(stack)).resources, "aws:lambda/function:Function", "export-pipeline-export-events").inputs.environment.variables;

describe("export notices (config exportNotices)", function () {
  // Two whole platforms under mocks: slow on a loaded machine.
  this.timeout(300_000);
  let stg: Record<string, string>;
  let prod: Record<string, string>;
  before(async () => {
    stg = await eventsFunction("stg");
    prod = await eventsFunction("prod");
  });

  it("turns the export-events function's notices on in stg, where the file enables them", () => {
    expect(stg).to.include({ EXPORT_NOTICES: "on" });
  });

  it("leaves them off when the key is absent (prod), and defaults to off", () => {
    expect(prod).to.not.have.property("EXPORT_NOTICES");
    expect(parseConfig(stackConfig("stg", { "data-platform:exportNotices": undefined })).exportNotices).to.equal(false);
    expect(configProblems("stg", { "data-platform:exportNotices": "daily" })[0]).to.match(/^data-platform:exportNotices: /);
  });
});
