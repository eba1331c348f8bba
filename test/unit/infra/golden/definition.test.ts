import validator from "asl-validator";
import { expect } from "chai";
import { EXECUTION_TIMEOUT_SECONDS, NOT_RETRYABLE, goldenDefinition, maskDeadlineSeconds, worstTaskSeconds } from "../../../../infra/golden/definition";

const FUNCTIONS = {
  cluster: "arn:aws:lambda:ap-northeast-1:123456789012:function:data-platform-prod-golden-cluster",
  mask: "arn:aws:lambda:ap-northeast-1:123456789012:function:data-platform-prod-golden-mask",
  export: "arn:aws:lambda:ap-northeast-1:123456789012:function:data-platform-prod-golden-export",
  publish: "arn:aws:lambda:ap-northeast-1:123456789012:function:data-platform-prod-golden-publish",
};
const TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:data-platform-prod-alerts";

type States = Record<string, Record<string, any>>;

/** Every state reachable from StartAt, following Next, Default, Choices and Catch. */
function reachable(def: { StartAt: string; States: States }): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const s = def.States[name];
    for (const n of [s.Next, s.Default, ...(s.Choices ?? []).map((c: any) => c.Next), ...(s.Catch ?? []).map((c: any) => c.Next)]) {
      if (n) visit(n);
    }
  };
  visit(def.StartAt);
  return seen;
}

describe("golden state machine definition", () => {
  for (const exportMasked of [true, false]) {
    it(`is valid Amazon States Language (exportMasked=${exportMasked})`, () => {
      const result = validator(goldenDefinition({ functions: FUNCTIONS, alertTopicArn: TOPIC, exportMasked }));
      expect(result.errors).to.deep.equal([]);
      expect(result.isValid).to.equal(true);
    });
  }

  it("the validator rejects a broken definition (so the test above can fail)", () => {
    const def = goldenDefinition({ functions: FUNCTIONS, alertTopicArn: TOPIC, exportMasked: true });
    (def.States.Publish as any).Next = "NoSuchState";
    expect(validator(def).isValid).to.equal(false);
  });

  const def = goldenDefinition({ functions: FUNCTIONS, alertTopicArn: TOPIC, exportMasked: true }) as { StartAt: string; States: States };
  const tasks = Object.entries(def.States).filter(([, s]) => s.Type === "Task");

  it("has no unreachable states", () => {
    expect(Object.keys(def.States).filter((n) => !reachable(def).has(n))).to.deep.equal([]);
  });

  it("gives every Task bounded retries, and a Catch except the final alerts", () => {
    for (const [name, s] of tasks) {
      expect(s.Retry, name).to.be.an("array").that.is.not.empty;
      for (const r of s.Retry) expect(r.MaxAttempts, name).to.be.within(0, 10);
      // If even the alert fails, the execution fails, and the ExecutionsFailed alarm reports it.
      if (name === "NotifyFailure" || name === "NotifyCleanupFailure") continue;
      expect(s.Catch, name).to.be.an("array").that.is.not.empty;
      expect(s.Catch[0].ErrorEquals, name).to.deep.equal(["States.ALL"]);
    }
  });

  it("never retries the step functions' errors that no retry can fix, and matches them before any other retrier", () => {
    for (const [name, s] of tasks.filter(([, st]) => st.Resource === "arn:aws:states:::lambda:invoke")) {
      expect(s.Retry[0], name).to.deep.equal({ ErrorEquals: NOT_RETRYABLE, MaxAttempts: 0 });
    }
  });

  it("routes every failure before publishing to Abort, which deletes the half-built golden and alerts", () => {
    const beforePublish = tasks.filter(([n]) => !["StartExport", "NotifyExportFailure", "Cleanup", "NotifyCleanupFailure", "Abort", "NotifyFailure"].includes(n));
    for (const [name, s] of beforePublish) expect(s.Catch[0].Next, name).to.equal("Abort");
    expect(def.States.Abort.Parameters.Payload.action).to.equal("abort");
    expect(def.States.Abort.Next).to.equal("NotifyFailure");
    expect(def.States.Abort.Catch[0].Next, "a failed abort still alerts").to.equal("NotifyFailure");
    expect(def.States.NotifyFailure.Parameters.TopicArn).to.equal(TOPIC);
    expect(def.States.NotifyFailure.Next).to.equal("Failed");
  });

  it("never aborts once the new golden is published: a failed cleanup alerts on its own", () => {
    expect(def.States.Publish.Next).to.equal("StartExport");
    expect(def.States.StartExport.Next).to.equal("Cleanup");
    expect(def.States.Cleanup.Catch[0].Next).to.equal("NotifyCleanupFailure");
    expect(def.States.NotifyCleanupFailure.Parameters.Subject).to.match(/^Golden published, but the cleanup/);
    expect(def.States.NotifyCleanupFailure.Next).to.equal("CleanupFailed");
  });

  it("reads the execution's input only in Prepare, through the context object (the schedule sends no golden)", () => {
    const paths = JSON.stringify(def.States).match(/"[^"]+\.\$":"\$\.golden[^"]*"/g) ?? [];
    expect(def.States.Prepare.Parameters.Payload).to.deep.include({ "input.$": "$$.Execution.Input", "startedAt.$": "$$.Execution.StartTime" });
    expect(JSON.stringify(def.States.Prepare.Parameters)).to.not.contain("$.golden");
    expect(paths.length).to.be.greaterThan(5);
  });

  it("waits with Wait states and bounded poll counters, never a sleeping Lambda", () => {
    for (const loop of ["Cluster", "Instance", "Rotated", "Snapshot"]) {
      expect(def.States[`${loop}Wait`]).to.include({ Type: "Wait", Seconds: 60 });
      const choices = def.States[`${loop}Ready`].Choices;
      expect(choices[1]).to.include({ Variable: "$.poll.count", NumericGreaterThanEquals: 90, Next: `${loop}GaveUp` });
      expect(def.States[`${loop}GaveUp`].Next).to.equal("Abort");
    }
    for (const [, s] of tasks) expect(s.TimeoutSeconds ?? 0).to.be.at.most(900);
  });

  it("masks in bounded, resumable slices until the engine reports completion, handing each slice the last one's resume", () => {
    expect(def.States.MaskSlice.Parameters.FunctionName).to.equal(FUNCTIONS.mask);
    expect(def.States.MaskSlice.Parameters.Payload["resume.$"]).to.equal("$.slices.resume");
    expect(def.States.MaskCount.Parameters["resume.$"]).to.equal("$.mask.value.resume");
    expect(def.States.MaskDone.Choices[0]).to.include({ Variable: "$.mask.value.complete", BooleanEquals: true, Next: "Snapshot" });
    expect(def.States.MaskDone.Choices[2]).to.include({ Variable: "$.mask.value.finishedAt", TimestampGreaterThanEqualsPath: "$.golden.maskDeadline", Next: "MaskGaveUp" });
    expect(def.States.MaskDone.Default).to.equal("MaskCount");
    expect(def.States.MaskCount.Next).to.equal("MaskSlice");
    expect(def.States.MaskGaveUp.Next).to.equal("Abort");
  });

  it("is a no-op when today's golden is already published", () => {
    expect(def.States.AlreadyPublished.Choices[0]).to.include({ Variable: "$.golden.value.alreadyPublished", Next: "Done" });
  });

  it("keeps a published golden when its export fails to start: alerts, then cleans up", () => {
    expect(def.States.StartExport.Catch[0].Next).to.equal("NotifyExportFailure");
    expect(def.States.NotifyExportFailure).to.deep.include({ Next: "Cleanup" });
    expect(def.States.NotifyExportFailure.Parameters.TopicArn).to.equal(TOPIC);
    expect(def.States.NotifyExportFailure.Catch[0].Next).to.equal("Cleanup");
  });

  it("stops masking early enough that the worst case of everything after it still ends before the execution timeout", () => {
    const deadline = maskDeadlineSeconds({});
    expect(def.States.Prepare.Parameters.Payload.maskDeadlineSeconds).to.equal(deadline);
    // The slice in flight, the snapshot wait, publish, export, cleanup/abort and the alert, all at their worst.
    const after = worstTaskSeconds(900) + worstTaskSeconds(60) * 5 + 90 * (60 + 60) + 180;
    expect(deadline + after).to.be.at.most(EXECUTION_TIMEOUT_SECONDS);
    expect(deadline).to.be.greaterThan(6 * 3600);
    expect(() => goldenDefinition({ functions: FUNCTIONS, alertTopicArn: TOPIC, exportMasked: true, maxPolls: 400 })).to.throw(RangeError, /leave .* for masking/);
  });

  it("exports the masked snapshot only when the export source is masked", () => {
    expect(def.States.SnapshotReady.Choices[0].Next).to.equal("Publish");
    const raw = goldenDefinition({ functions: FUNCTIONS, alertTopicArn: TOPIC, exportMasked: false }) as { States: States };
    expect(raw.States.StartExport).to.equal(undefined);
    expect(raw.States.NotifyExportFailure).to.equal(undefined);
    expect(raw.States.Publish.Next).to.equal("Cleanup");
  });
});
