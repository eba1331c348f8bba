import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import YAML from "yaml";
import { stackMaskingRules } from "../../../automation/cliMask";
import { PACKAGE_ROOT } from "../../../automation/context";

const FIXTURE = "test/fixtures/ecommerce.masking.yaml";

describe("mask --stack: the rules a stack masks with", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mask-stack-"));
    writeFileSync(path.join(dir, "Pulumi.yaml"), readFileSync(path.join(PACKAGE_ROOT, "Pulumi.yaml")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of stg's stack file with its golden and qa blocks edited. */
  const stack = (edit: (config: Record<string, any>) => void) => {
    const doc = YAML.parse(readFileSync(path.join(PACKAGE_ROOT, "Pulumi.stg.yaml"), "utf8"));
    edit(doc.config);
    writeFileSync(path.join(dir, "Pulumi.edited.yaml"), YAML.stringify(doc));
    return "edited";
  };

  it("takes the golden's rules first, resolved from the program as pulumi up bundles them", () => {
    const name = stack((c) => {
      c["data-platform:golden"].maskingRules = FIXTURE;
    });
    expect(stackMaskingRules(name, dir)).to.equal(path.resolve(PACKAGE_ROOT, FIXTURE));
  });

  it("takes the QA clones' rules when the stack has no golden, and sql/masking.yaml when it has neither", () => {
    const qaOnly = stack((c) => {
      delete c["data-platform:golden"];
      c["data-platform:qa"].maskingRules = FIXTURE;
    });
    expect(stackMaskingRules(qaOnly, dir)).to.equal(path.resolve(PACKAGE_ROOT, FIXTURE));
    const neither = stack((c) => {
      delete c["data-platform:golden"];
      delete c["data-platform:qa"];
    });
    expect(stackMaskingRules(neither, dir)).to.equal(path.resolve(PACKAGE_ROOT, "sql/masking.yaml"));
  });

  it("refuses a stack that does not exist or whose config is invalid, naming it", () => {
    expect(() => stackMaskingRules("nope", dir)).to.throw(/Pulumi\.nope\.yaml/);
    const bad = stack((c) => {
      c["data-platform:golden"].maskingRules = "README.md";
    });
    expect(() => stackMaskingRules(bad, dir)).to.throw(/golden\.maskingRules/);
  });
});
