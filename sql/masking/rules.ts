/**
 * The rules file (`sql/masking.yaml`): which strategy masks which column. Parsed and validated here, before any
 * database is touched; plan.ts then checks the rules against the database itself.
 *
 * ```yaml
 * tables:
 *   users:
 *     email: email
 *     memo: redact
 *     status: "fixed:n/a"   # quote fixed literals that contain ": "
 *     e-mail: email         # any name the server accepts quoted; `e-mail` (backticks) works too
 * ```
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { RulesError } from "./errors";
import { BOOKKEEPING_PREFIX, isValidIdentifier, unquoteIdent } from "./ident";
import { STRATEGY_NAMES, type StrategyName, type StrategySpec } from "./strategies";

/** Parsed rules: table → column → strategy. The salt is never part of them. */
export interface Rules {
  /** Where the rules came from (a path), for messages. */
  readonly source: string;
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, StrategySpec>>;
}

// An empty file, or `tables:` with nothing under it, is a file without rules (scan then lists every PII-looking
// column), not a schema error.
const RulesFile = z
  .object({ tables: z.record(z.string(), z.record(z.string(), z.string())).nullish().transform((t) => t ?? {}) })
  .strict();

/** Parses one strategy as written in the rules; returns a reason when it is not one. */
export function parseStrategy(text: string): StrategySpec | string {
  if (text.startsWith("fixed:")) return { name: "fixed", literal: text.slice("fixed:".length), text };
  if ((STRATEGY_NAMES as readonly string[]).includes(text) && text !== "fixed") return { name: text as StrategyName, text };
  if (text === "fixed") return `"fixed" needs a literal: fixed:<literal>`;
  return `unknown strategy "${text}" (known: ${STRATEGY_NAMES.filter((s) => s !== "fixed").join(", ")}, fixed:<literal>)`;
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`);
}

/** Validates rules text (YAML). Throws RulesError listing every problem, on one line. */
export function parseRules(text: string, source = "rules"): Rules {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new RulesError(`${source}: not valid YAML: ${reason}`, { cause: err });
  }
  const parsed = RulesFile.safeParse(doc ?? {});
  if (!parsed.success) throw new RulesError(`${source}: ${zodProblems(parsed.error).join("; ")}`, { cause: parsed.error });

  const problems: string[] = [];
  const tables = new Map<string, Map<string, StrategySpec>>();
  for (const [writtenTable, columns] of Object.entries(parsed.data.tables)) {
    const table = unquoteIdent(writtenTable);
    if (!isValidIdentifier(table)) problems.push(`tables.${table}: invalid identifier ${JSON.stringify(table)}`);
    else if (table.startsWith(BOOKKEEPING_PREFIX)) problems.push(`tables.${table}: ${BOOKKEEPING_PREFIX}* tables belong to the engine`);
    const specs = new Map<string, StrategySpec>();
    for (const [writtenColumn, strategy] of Object.entries(columns)) {
      const column = unquoteIdent(writtenColumn);
      if (!isValidIdentifier(column)) {
        problems.push(`tables.${table}.${column}: invalid identifier ${JSON.stringify(column)}`);
        continue;
      }
      const spec = parseStrategy(strategy);
      if (typeof spec === "string") problems.push(`tables.${table}.${column}: ${spec}`);
      else specs.set(column, spec);
    }
    tables.set(table, specs);
  }
  if (problems.length > 0) throw new RulesError(`${source}: ${problems.join("; ")}`);
  return { source, tables };
}

/** Reads and validates a rules file. Throws RulesError (exit code 2) when it is missing or invalid. */
export function loadRules(path: string): Rules {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err: unknown) {
    const code = typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
    throw new RulesError(code === "ENOENT" ? `rules file not found: ${path}` : `cannot read rules file ${path}`, { cause: err });
  }
  return parseRules(text, path);
}
