/**
 * The JSON Schema of `Pulumi.<stack>.yaml`, derived from the one config schema (stacks/config.ts), so editors complete
 * and check stack files (the YAML language server reads the `$schema` modeline at the top of each file). Written to
 * stacks/stack.schema.json by `npm run config-schema`; a test fails when the committed file is out of date.
 * Cross-field rules (retention orders, BigQuery schedule against the export) stay in the config schema only.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PROJECT } from "../contracts/naming";
import { configSchema } from "./config";
import { KNOWN_NAMESPACES } from "./configProblems";

/** Where the schema is committed. */
export const STACK_SCHEMA_FILE = path.join(__dirname, "stack.schema.json");

type JsonSchema = { [key: string]: unknown };

/** A value Pulumi stored encrypted (`pulumi config set --secret`). */
const SECURE_VALUE: JsonSchema = {
  type: "object",
  properties: { secure: { type: "string" } },
  required: ["secure"],
  additionalProperties: false,
};

/** The JSON Schema (draft-07) of a stack file. */
export function stackFileJsonSchema(): JsonSchema {
  // The input side: what a person writes (durations as "4h", defaults optional), not what the program receives.
  const inner = z.toJSONSchema(configSchema, { io: "input", target: "draft-7", unrepresentable: "any" }) as JsonSchema & {
    properties: Record<string, JsonSchema>;
    required?: string[];
    definitions?: JsonSchema;
  };
  const keyOf = (field: string) => (field === "region" ? "aws:region" : `${PROJECT}:${field}`);
  const properties: Record<string, JsonSchema> = {};
  for (const [field, schema] of Object.entries(inner.properties)) properties[keyOf(field)] = { anyOf: [schema, SECURE_VALUE] };
  const otherNamespaces = KNOWN_NAMESPACES.filter((n) => n !== PROJECT);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: `${PROJECT} stack file (Pulumi.<stack>.yaml)`,
    description: "Generated from stacks/config.ts by `npm run config-schema`; do not edit.",
    type: "object",
    properties: {
      config: {
        type: "object",
        properties,
        required: (inner.required ?? []).map(keyOf),
        // Keys of the providers' and Pulumi's own namespaces are theirs to check; any other key is a typo.
        patternProperties: { [`^(${otherNamespaces.join("|")}):`]: {} },
        additionalProperties: false,
      },
      secretsprovider: { type: "string" },
      encryptedkey: { type: "string" },
      encryptionsalt: { type: "string" },
    },
    ...(inner.definitions ? { definitions: inner.definitions } : {}),
  };
}

/** The file's text: stable key order, two-space indent, trailing newline. */
export function stackFileJsonSchemaText(): string {
  return `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(STACK_SCHEMA_FILE, stackFileJsonSchemaText());
  process.stderr.write(`wrote ${path.relative(process.cwd(), STACK_SCHEMA_FILE)}\n`);
}
