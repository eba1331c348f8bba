/** Reading `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program, without the CLI. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { UsageError } from "./errors";

/** Placeholder for a `secure:` value; the offline tools never see the decrypted secret. */
export const SECRET_PLACEHOLDER = "[secret]";

/** Config as the Pulumi runtime receives it: every value a string, structured values as JSON. */
export interface StackConfig {
  readonly stack: string;
  readonly file: string;
  readonly config: Record<string, string>;
  /** Keys whose values are `secure:` in the file. */
  readonly secretKeys: string[];
}

/** Stack names that have a `Pulumi.<stack>.yaml` in a directory. */
export function listStacks(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Path of a stack's config file, or a UsageError naming the stacks that exist. */
export function stackFile(stack: string, dir: string): string {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(stack)) throw new UsageError(`invalid stack name "${stack}"`);
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    throw new UsageError(`no Pulumi.${stack}.yaml in ${dir}; known stacks: ${listStacks(dir).join(", ") || "none"}`);
  }
  return file;
}

/** Reads a stack's config file into the string map the Pulumi runtime uses. */
export function readStackConfig(stack: string, dir: string): StackConfig {
  const file = stackFile(stack, dir);
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${path.basename(file)} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const raw = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`${path.basename(file)}: "config" must be a mapping`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (isSecure(value)) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { stack, file, config, secretKeys };
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}
