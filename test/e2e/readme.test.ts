import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../support/pulumi";

/** A command the README shows: in a ```sh block, or inline in the text. */
interface ReadmeCommand {
  readonly text: string;
  readonly line: number;
}

/**
 * Every command of the README: each non-comment line of a sh block (continuations joined, the trailing `# …` comment
 * dropped), and each inline code span that starts with `npm ` or `npx `.
 */
export function readmeCommands(markdown: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  const lines = markdown.split("\n");
  let inSh = false;
  let inOther = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const fence = /^```(\w*)/.exec(line);
    if (fence) {
      if (inSh || inOther) {
        inSh = inOther = false;
      } else if (fence[1] === "sh") inSh = true;
      else inOther = true;
      continue;
    }
    if (inSh) {
      let text = line;
      const start = i;
      while (text.endsWith("\\") && i + 1 < lines.length) text = `${text.slice(0, -1)} ${(lines[++i] ?? "").trim()}`;
      text = text.replace(/\s+#\s.*$/, "").trim();
      if (text !== "" && !text.startsWith("#")) out.push({ text, line: start + 1 });
    } else if (!inOther) {
      for (const m of line.matchAll(/`((?:npm|npx) [^`]+)`/g)) out.push({ text: m[1] ?? "", line: i + 1 });
    }
  }
  return out;
}

/** What the test does with a README command: runs it (offline ones), or says why it cannot here. */
type Rule =
  | { readonly match: RegExp; readonly run: string; readonly exit?: number; readonly check?: (stdout: string, stderr: string) => void }
  | { readonly match: RegExp; readonly skip: string };

const isPlan = (stack: string) => (out: string) => expect((JSON.parse(out) as { stack: string }).stack).to.equal(stack);

/**
 * Every README command falls under a rule (the first that matches). Offline ones run as written, from the package
 * root in a shell; the others say what they need. A new README command without a rule fails the test, so it gets one.
 */
const RULES: readonly Rule[] = [
  { match: /^npm ci && npm run plan -- stg$/, run: "npm run plan -- stg", check: (o) => expect(o).to.contain('Offline plan for data-platform stack "stg"') },
  { match: /^npm ci$/, skip: "installs the dependencies, which CI did before running the tests" },
  { match: /^npm test$/, skip: "the test suite this test is part of" },
  { match: /^npm run (-s )?plan -- (stg|prod)( --json > \S+)?$/, run: "$0" },
  { match: /^npm run plan stg --json$/, run: "$0", check: isPlan("stg") },
  { match: /^npx data-platform plan --stack prod --json > \S+$/, run: "$0" },
  { match: /^npx data-platform plan --stack prod --diff \/tmp\/prod-plan\.json$/, run: "$0", check: (o) => expect(o).to.contain("0 to add, 0 to change, 0 to remove") },
  { match: /^npx data-platform plan --stack stg --diff HEAD$/, run: "$0" },
  { match: /^npx data-platform version$/, run: "$0", check: (o) => expect(o.trim()).to.match(/^\d+\.\d+\.\d+$/) },
  { match: /^npx data-platform mask strategies$/, run: "$0", check: (o) => expect(o).to.match(/^email\n {2}writes: /m) },
  { match: /^npm run qa create x --ttl 8h$/, run: "$0", exit: 2, check: (_o, e) => expect(e).to.contain("npm took --ttl as its own option") },
  { match: /^npm run config-schema$/, skip: "rewrites stacks/stack.schema.json; test/unit/stacks/configJsonSchema.test.ts checks the file is what it writes" },
  { match: /^npm run bench:/, skip: "a benchmark, minutes long; it prints figures rather than passing or failing" },
  { match: /^npm run (-s )?mask\b|^npx data-platform mask (scan|validate|run|verify|reset)\b/, skip: "needs a MySQL or MariaDB database: test/e2e/mask.test.ts and maskStart.test.ts run these against the MariaDB the tests start" },
  { match: /^npm run (-s )?qa\b|^npm run qa create /, skip: "needs AWS and a Pulumi backend: test/e2e/qa.test.ts runs the qa commands against a stand-in pulumi" },
  { match: /^npm run (-s )?bq-sync\b/, skip: "reads the Glue catalog or a database: test/unit/automation/bqSync.test.ts and test/e2e/bqSync.test.ts" },
  { match: /\bnpm run doctor\b/, skip: "reads a deployed stack in a real account: test/unit/automation/doctor.test.ts runs it over aws-sdk-client-mock" },
  { match: /^npm install -g \.$|^npm link$/, skip: "installs the bins globally on the user's machine" },
  { match: /^npm run plan$/, run: "$0", check: (o) => expect(o).to.contain('Offline plan for data-platform stack "stg"') },
  { match: /^npm run$/, skip: "npm itself (the README names it, it is not a command of this package)" },
  { match: /<[a-z][a-z ]*>/, skip: "a form with a placeholder (<stack>, <name>); the concrete forms of the same commands run above" },
  { match: /^(pulumi|aws|mysql|export) /, skip: "needs the Pulumi CLI, AWS credentials or a database client" },
];

/** The environment of a user's shell: nothing from the npm script the tests may run in. */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_") && k !== "INIT_CWD" && k !== "DATA_PLATFORM_STACK"));
  return { ...env, NO_COLOR: "1" };
}

describe("the README's commands work as written (child processes)", function () {
  // Offline plans, each a fresh process; --diff HEAD plans twice.
  this.timeout(900_000);
  const commands = readmeCommands(readFileSync(path.join(REPO_ROOT, "README.md"), "utf8"));
  // Commands write plan.json beside the package, as a user would; the test puts back what was there.
  const written = [path.join(REPO_ROOT, "plan.json")];
  const saved = written.map((f) => `${f}.readme-test-saved`);
  before(() => written.forEach((f, i) => existsSync(f) && renameSync(f, saved[i] as string)));
  after(() => written.forEach((f, i) => (rmSync(f, { force: true }), existsSync(saved[i] as string) && renameSync(saved[i] as string, f))));

  it("finds the README's commands, and every one has a rule", () => {
    expect(commands.length).to.be.greaterThan(40);
    const unruled = commands.filter((c) => RULES.filter((r) => r.match.test(c.text)).length === 0).map((c) => `README.md:${c.line}: ${c.text}`);
    expect(unruled).to.deep.equal([]);
  });

  const toRun = readmeCommands(readFileSync(path.join(REPO_ROOT, "README.md"), "utf8")).flatMap((c) => {
    const rule = RULES.find((r) => r.match.test(c.text));
    return rule && "run" in rule ? [{ ...c, rule }] : [];
  });
  const seen = new Set<string>();
  for (const c of toRun) {
    if (seen.has(c.text)) continue;
    seen.add(c.text);
    it(`README.md:${c.line}: ${c.text}`, () => {
      const command = c.rule.run === "$0" ? c.text : c.rule.run;
      const r = spawnSync("bash", ["-c", command], { cwd: REPO_ROOT, encoding: "utf8", env: userEnv(), maxBuffer: 1 << 28 });
      expect(r.status, r.stderr).to.equal(c.rule.exit ?? 0);
      // A command that writes its JSON to a file: the file holds one document.
      const redirected = /> (\S+)$/.exec(command)?.[1];
      const stdout = redirected ? readFileSync(path.resolve(REPO_ROOT, redirected), "utf8") : r.stdout;
      if (redirected) expect(() => JSON.parse(stdout)).to.not.throw();
      c.rule.check?.(stdout, r.stderr);
    });
  }
});
