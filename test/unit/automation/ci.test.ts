import { expect } from "chai";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { renderCloneSummary, renderFacts, stackFacts } from "../../../automation/commands/ci";
import { ConfigError } from "../../../stacks/config";
import { REPO_ROOT } from "../../support/pulumi";

/** A directory with the repository's stack files, the prod one edited. */
function withProdFile(edit: (text: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "stack-facts-"));
  copyFileSync(path.join(REPO_ROOT, "Pulumi.stg.yaml"), path.join(dir, "Pulumi.stg.yaml"));
  writeFileSync(path.join(dir, "Pulumi.prod.yaml"), edit(readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8")));
  return dir;
}

describe("ci helpers for the workflows", () => {
  it("reads a stack's region, environment, BigQuery switch and own state backend as $GITHUB_OUTPUT lines", () => {
    expect(renderFacts(stackFacts("prod", REPO_ROOT))).to.equal(
      "region=ap-northeast-1\nenvironment=prod\nbigquery=false\nbackendUrl=s3://example-org-pulumi-state/data-platform/prod?region=ap-northeast-1",
    );
    expect(stackFacts("stg", REPO_ROOT).backendUrl).to.equal("s3://example-org-pulumi-state/data-platform/stg?region=ap-northeast-1");
  });

  describe("refuses state that two stacks share", () => {
    const problemsFor = (dir: string, stack: string) => {
      try {
        stackFacts(stack, dir);
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return [];
    };

    it("the same key", () => {
      const dir = withProdFile((t) => t.replace("key/7d2e9f10-5a4b-4c3d-8e2f-1a0b9c8d7e6f", "key/0b7c4a55-3f0e-4a8e-9d51-6f1f2c9e7a10"));
      expect(problemsFor(dir, "stg")).to.deep.equal([
        "data-platform:github: stacks stg and prod share stateKeyArn arn:aws:kms:ap-northeast-1:123456789012:key/0b7c4a55-3f0e-4a8e-9d51-6f1f2c9e7a10: give each stack its own key",
      ]);
    });

    it("the same folder, or one inside the other", () => {
      expect(problemsFor(withProdFile((t) => t.replace("statePrefix: data-platform/prod", "statePrefix: data-platform/stg")), "prod")).to.deep.equal([
        "data-platform:github: stacks prod and stg share state folder s3://example-org-pulumi-state/data-platform/stg: give each stack its own statePrefix, neither inside the other",
      ]);
      expect(problemsFor(withProdFile((t) => t.replace("statePrefix: data-platform/prod", "statePrefix: data-platform")), "stg")).to.have.length(1);
    });

    it("but not separate folders of one bucket, or a sibling stack whose own config is broken", () => {
      expect(problemsFor(withProdFile((t) => t), "stg")).to.deep.equal([]);
      expect(problemsFor(withProdFile((t) => t.replace("environment: prod", "environment: Prod!")), "stg")).to.deep.equal([]);
    });
  });

  it("renders endpoint, port, user and expiry of a new clone", () => {
    const summary = renderCloneSummary(JSON.stringify({ endpoint: "qa-x.cluster.example", port: 3306, user: "qa_admin", expiresAt: "2026-01-01T04:00:00Z" }), "x");
    expect(summary).to.contain("| endpoint | `qa-x.cluster.example` |");
    expect(summary).to.contain("| port | `3306` |");
    expect(summary).to.contain("| user | `qa_admin` |");
    expect(summary).to.contain("| expiresAt | `2026-01-01T04:00:00Z` |");
  });

  it("never puts a password in the summary, even when the CLI printed one", () => {
    const summary = renderCloneSummary(JSON.stringify({ endpoint: "e", password: "hunter2-s3cret", masterSecretArn: "arn:aws:secretsmanager:x" }), "x");
    expect(summary).to.not.contain("hunter2-s3cret");
    expect(summary).to.not.contain("arn:aws:secretsmanager:x");
    expect(summary).to.contain("Withheld from this summary: password, masterSecretArn.");
  });

  it("rejects output that is not a JSON object", () => {
    expect(() => renderCloneSummary("creating clone…", "x")).to.throw(/not JSON/);
    expect(() => renderCloneSummary("[]", "x")).to.throw(/not a JSON object/);
  });
});
