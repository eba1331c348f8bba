import { expect } from "chai";
import { renderCloneSummary, renderFacts, stackFacts } from "../../../automation/commands/ci";
import { REPO_ROOT } from "../../support/pulumi";

describe("ci helpers for the workflows", () => {
  it("reads a stack's region, environment and BigQuery switch as $GITHUB_OUTPUT lines", () => {
    expect(renderFacts(stackFacts("prod", REPO_ROOT))).to.equal("region=ap-northeast-1\nenvironment=prod\nbigquery=false");
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
