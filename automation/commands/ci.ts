/**
 * Small helpers the GitHub workflows call, so that their logic is typed and tested instead of living in shell:
 * `ci stack-facts <stack>` (what a job needs to know about a stack) and `ci clone-summary <file>` (the job summary
 * of a new QA clone, which never contains the password).
 */
import { readFileSync } from "node:fs";
import { parseConfig } from "../../stacks/config";
import { UsageError } from "../errors";
import { readStackConfig } from "../stackFiles";

/** What a workflow job needs to know about a stack, as `key=value` lines for `$GITHUB_OUTPUT`. */
export interface StackFacts {
  readonly region: string;
  readonly environment: string;
  /** The stack configures BigQuery: the job must authenticate to Google Cloud too. */
  readonly bigquery: boolean;
}

/** Reads and validates a stack's config (ConfigError, exit 2, when it is bad). */
export function stackFacts(stack: string, dir: string = process.cwd()): StackFacts {
  const cfg = parseConfig(readStackConfig(stack, dir).config);
  return { region: cfg.region, environment: cfg.environment, bigquery: cfg.bigquery !== undefined };
}

/** `key=value` lines, the format of `$GITHUB_OUTPUT`. */
export function renderFacts(facts: StackFacts): string {
  return Object.entries(facts).map(([k, v]) => `${k}=${String(v)}`).join("\n");
}

/** Keys that must never reach a job summary, whatever the QA CLI prints. */
const SECRET_KEY = /pass(word)?|secret|token|credential/i;

/**
 * Markdown for the job summary of `qa create --json`: endpoint, port, user and expiry. Any secret-looking field
 * (password, secret, token) is left out even if the CLI was asked to print one.
 */
export function renderCloneSummary(json: string, name: string): string {
  let clone: Record<string, unknown>;
  try {
    clone = JSON.parse(json) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError("the QA CLI's output is not JSON", { cause: err });
  }
  if (typeof clone !== "object" || clone === null || Array.isArray(clone)) throw new UsageError("the QA CLI's output is not a JSON object");
  const shown = (["endpoint", "port", "user", "expiresAt"] as const).filter((k) => clone[k] !== undefined);
  const cell = (v: unknown) => String(v).replace(/[|\n\r`]/g, " ");
  const lines = [
    `## QA clone \`${cell(name)}\``,
    "",
    "| | |",
    "| --- | --- |",
    ...shown.map((k) => `| ${k} | \`${cell(clone[k])}\` |`),
    "",
    "The password is not shown here. Fetch it with `npm run qa -- create` locally or from the secret store, as the README describes.",
  ];
  const withheld = Object.keys(clone).filter((k) => SECRET_KEY.test(k));
  if (withheld.length > 0) lines.push("", `Withheld from this summary: ${withheld.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}

/** Reads the QA CLI's JSON output file and renders the summary. */
export function cloneSummaryFromFile(file: string, name: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}`, { cause: err });
  }
  return renderCloneSummary(text, name);
}
