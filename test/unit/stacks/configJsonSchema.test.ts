import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import { expect } from "chai";
import YAML from "yaml";
import { STACK_SCHEMA_FILE, stackFileJsonSchema, stackFileJsonSchemaText } from "../../../stacks/configJsonSchema";
import { REPO_ROOT } from "../../support/pulumi";

describe("JSON Schema of the stack file (stacks/stack.schema.json)", () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(stackFileJsonSchema());
  const stackFile = (stack: string) => YAML.parse(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  const errorsOf = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

  it("is current: the committed file is what `npm run config-schema` generates from stacks/config.ts", () => {
    expect(readFileSync(STACK_SCHEMA_FILE, "utf8")).to.equal(stackFileJsonSchemaText());
  });

  for (const stack of ["stg", "prod"]) {
    it(`accepts Pulumi.${stack}.yaml, which points editors at it`, () => {
      expect(errorsOf(stackFile(stack))).to.deep.equal([]);
      expect(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).to.match(/^# yaml-language-server: \$schema=\.\/stacks\/stack\.schema\.json\n/);
    });
  }

  it("flags a misspelled key, a misspelled namespace, a wrong type and a bad enum value, as an editor would", () => {
    const { config } = stackFile("stg");
    expect(errorsOf({ config: { ...config, "data-platform:exportRetentionDay": 3 } })).to.not.deep.equal([]);
    expect(errorsOf({ config: { ...config, "data-platfrom:databases": ["shop"] } })).to.not.deep.equal([]);
    expect(errorsOf({ config: { ...config, "data-platform:exportRetentionDays": "14 days" } })).to.not.deep.equal([]);
    expect(errorsOf({ config: { ...config, "data-platform:snapshotType": "clustr" } })).to.not.deep.equal([]);
    expect(errorsOf({ config: { ...config, "aws:profile": "dev", "data-platform:alertEmails": { secure: "v1:abc" } } })).to.deep.equal([]);
  });
});
