import { expect } from "chai";
import { secretsProviderProblem } from "../../../../automation/qa/backend";
import { qaSettings } from "../../../../automation/qa/settings";
import { parseConfig } from "../../../../stacks/config";
import { stackConfig } from "../../../support/pulumi";

describe("the clone stacks' secrets provider", () => {
  for (const url of ["s3://data-platform-state?region=ap-northeast-1", "gs://bucket", "azblob://container", "postgres://db/state"]) {
    it(`is required for the shared DIY backend ${url.split(":")[0]}://`, () => {
      expect(secretsProviderProblem(url, undefined, "stg")).to.match(/data-platform:qa.secretsProvider is not set in Pulumi.stg.yaml/);
      expect(secretsProviderProblem(url, "awskms://key?region=ap-northeast-1", "stg")).to.equal(undefined);
    });
  }

  for (const url of ["file:///home/me/.pulumi-state", "https://api.pulumi.com"]) {
    it(`is optional for ${url.split(":")[0]}:// (local state, or a service that manages secrets)`, () => {
      expect(secretsProviderProblem(url, undefined, "stg")).to.equal(undefined);
    });
  }

  it("is set for stg, the stack the workflows create clones in, to an awskms:// key", () => {
    const settings = qaSettings("stg", parseConfig(stackConfig("stg")));
    expect(settings.qa.secretsProvider).to.match(/^awskms:\/\//);
  });
});
