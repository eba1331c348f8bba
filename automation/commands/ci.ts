/**
 * Small helpers the GitHub workflows call, so that their logic is typed and tested instead of living in shell:
 * `ci stack-facts <stack>` (what a job needs to know about a stack, including its own state backend URL) and `ci clone-summary <file>` (the job summary
 * of a new QA clone, which never contains the password).
 */
import { readFileSync } from "node:fs";
import { type StateLocation, stateBackendUrl, stateLocationProblems } from "../../contracts/stateBackend";
import { ConfigError, type PlatformConfig, parseConfig } from "../../stacks/config";
import { UsageError } from "../errors";
import { listStacks, readStackConfig } from "../stackFiles";

/** What a workflow job needs to know about a stack, as `key=value` lines for `$GITHUB_OUTPUT`. */
export interface StackFacts {
  readonly region: string;
  readonly environment: string;
  /** The stack configures BigQuery: the job must authenticate to Google Cloud too. */
  readonly bigquery: boolean;
  /** `s3://<bucket>/<prefix>?region=…`: this stack's own folder of the state backend (absent without `github`). */
  readonly backendUrl?: string;
}

/** The state location a stack's `github` block names. */
function stateOf(github: NonNullable<PlatformConfig["github"]>): StateLocation {
  return { bucket: github.stateBucket, prefix: github.statePrefix, region: github.stateRegion, keyArn: github.stateKeyArn };
}

/**
 * Reads and validates a stack's config (ConfigError, exit 2, when it is bad), and refuses a state folder or key
 * that another stack in the directory also uses: sharing either would let one stack's roles reach the other's
 * state. A sibling stack whose own config is invalid is left to its own job.
 */
export function stackFacts(stack: string, dir: string = process.cwd()): StackFacts {
  const cfg = parseConfig(readStackConfig(stack, dir).config);
  if (cfg.github === undefined) return { region: cfg.region, environment: cfg.environment, bigquery: cfg.bigquery !== undefined };
  const others = listStacks(dir).filter((s) => s !== stack).flatMap((other) => {
    try {
      const github = parseConfig(readStackConfig(other, dir).config).github;
      return github ? [{ stack: other, state: stateOf(github) }] : [];
    } catch {
      return [];
    }
  });
  const state = stateOf(cfg.github);
  // This stack comes first, so its pairs are the problems that start with its name.
  const problems = stateLocationProblems([{ stack, state }, ...others]).filter((p) => p.startsWith(`stacks ${stack} and `));
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `data-platform:github: ${p}`));
  return { region: cfg.region, environment: cfg.environment, bigquery: cfg.bigquery !== undefined, backendUrl: stateBackendUrl(state) };
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
