/**
 * The golden refresh state machine, built from code (Amazon States Language, JSONPath). Pure: ARNs in, a
 * definition object out, so tests validate it with asl-validator and walk every path.
 *
 *   Prepare ─┬─ already published today ─────────────────────────────────────────────► Done
 *            └─ Create (idempotent) → poll until available → RotatePassword → poll → MaskSlice ⟲ (until complete)
 *               → Snapshot → poll until available → [StartExport] → Publish → Cleanup → Done
 *   A failed StartExport alerts and still publishes: the golden itself is good, and the export is retried by hand.
 *   Any step's error (after bounded retries), or a poll that runs out of attempts → Abort (delete the half-built
 *   golden) → NotifyFailure → Failed. The published golden is never touched by Abort.
 *
 * Waiting is a Wait state followed by a status Lambda that returns at once: no Lambda ever sleeps.
 */

/** The Lambda functions the machine invokes (ARNs). */
export interface GoldenFunctions {
  /** Cluster lifecycle: prepare, create, status, rotatePassword, snapshot, snapshotStatus, abort, cleanup. */
  readonly cluster: string;
  /** Masking engine in the cluster's VPC: one time-boxed slice per invocation. */
  readonly mask: string;
  /** Starts the analytics export of the masked snapshot. */
  readonly export: string;
  /** Publishes the golden's identifier to SSM and emits the dead-man's-switch metric. */
  readonly publish: string;
}

export interface GoldenDefinitionArgs {
  readonly functions: GoldenFunctions;
  readonly alertTopicArn: string;
  /** Start the analytics export from the masked snapshot (`exportSource: masked`). */
  readonly exportMasked: boolean;
  /** Seconds between status polls. Default 60. */
  readonly pollSeconds?: number;
  /** Polls before a wait gives up (cluster, instance, snapshot). Default 90, i.e. 1.5 h at 60 s. */
  readonly maxPolls?: number;
  /** Masking slices before the run gives up. Default 200 (each slice is at most the mask Lambda's budget). */
  readonly maxMaskSlices?: number;
}

type State = Record<string, unknown>;

/** Lambda errors worth retrying (AWS's recommended set for the Lambda service integration). */
const LAMBDA_TRANSIENT = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

/** Every state a Task can fail into; retries are bounded, then the half-built golden is deleted. */
const CATCH_TO_ABORT = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Abort" }];

function invoke(functionArn: string, action: string, next: string, resultPath: string | null, extra: Record<string, unknown> = {}): State {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: functionArn, Payload: { action, "golden.$": "$.golden", ...extra } },
    ResultSelector: { "value.$": "$.Payload" },
    ResultPath: resultPath,
    OutputPath: "$",
    TimeoutSeconds: 900,
    Retry: [
      { ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
      { ErrorEquals: ["States.TaskFailed", "States.Timeout"], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 2 },
    ],
    Catch: CATCH_TO_ABORT,
    Next: next,
  };
}

/**
 * A bounded wait: Wait → status Lambda → ready? next : (attempts left? count+1 and wait again : give up).
 * Returns the states, entered at `${name}Init`.
 */
function pollLoop(name: string, fn: string, action: string, next: string, seconds: number, maxPolls: number): Record<string, State> {
  return {
    [`${name}Init`]: { Type: "Pass", Result: { count: 0 }, ResultPath: "$.poll", Next: `${name}Wait` },
    [`${name}Wait`]: { Type: "Wait", Seconds: seconds, Next: `${name}Check` },
    [`${name}Check`]: invoke(fn, action, `${name}Ready`, "$.status"),
    [`${name}Ready`]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.status.value.ready", BooleanEquals: true, Next: next },
        { Variable: "$.poll.count", NumericGreaterThanEquals: maxPolls, Next: `${name}GaveUp` },
      ],
      Default: `${name}Count`,
    },
    [`${name}Count`]: { Type: "Pass", Parameters: { "count.$": "States.MathAdd($.poll.count, 1)" }, ResultPath: "$.poll", Next: `${name}Wait` },
    [`${name}GaveUp`]: {
      Type: "Pass",
      Parameters: { Error: "Golden.WaitExhausted", Cause: `${name}: not ready after ${maxPolls} polls of ${seconds}s` },
      ResultPath: "$.error",
      Next: "Abort",
    },
  };
}

/** Builds the definition. */
export function goldenDefinition(args: GoldenDefinitionArgs): { Comment: string; StartAt: string; TimeoutSeconds: number; States: Record<string, State> } {
  const seconds = args.pollSeconds ?? 60;
  const maxPolls = args.maxPolls ?? 90;
  const maxSlices = args.maxMaskSlices ?? 200;
  const f = args.functions;
  const afterSnapshot = args.exportMasked ? "StartExport" : "Publish";

  const states: Record<string, State> = {
    Prepare: invoke(f.cluster, "prepare", "AlreadyPublished", "$.golden", { "input.$": "$$.Execution.Input" }),
    AlreadyPublished: {
      Type: "Choice",
      Choices: [{ Variable: "$.golden.value.alreadyPublished", BooleanEquals: true, Next: "Done" }],
      Default: "Unwrap",
    },
    // Lambda results arrive under `value`; keep the golden's identity flat for the steps that follow.
    Unwrap: { Type: "Pass", InputPath: "$.golden.value", ResultPath: "$.golden", Next: "Create" },
    Create: invoke(f.cluster, "create", "ClusterInit", null),
    ...pollLoop("Cluster", f.cluster, "status", "RotatePassword", seconds, maxPolls),
    RotatePassword: invoke(f.cluster, "rotatePassword", "RotatedInit", null),
    ...pollLoop("Rotated", f.cluster, "status", "MaskInit", seconds, maxPolls),
    MaskInit: { Type: "Pass", Result: { count: 0 }, ResultPath: "$.slices", Next: "MaskSlice" },
    MaskSlice: invoke(f.mask, "mask", "MaskDone", "$.mask"),
    MaskDone: {
      Type: "Choice",
      Choices: [
        { Variable: "$.mask.value.complete", BooleanEquals: true, Next: "Snapshot" },
        { Variable: "$.slices.count", NumericGreaterThanEquals: maxSlices, Next: "MaskGaveUp" },
      ],
      Default: "MaskCount",
    },
    MaskCount: { Type: "Pass", Parameters: { "count.$": "States.MathAdd($.slices.count, 1)" }, ResultPath: "$.slices", Next: "MaskSlice" },
    MaskGaveUp: {
      Type: "Pass",
      Parameters: { Error: "Golden.MaskingIncomplete", Cause: `masking not complete after ${maxSlices} slices` },
      ResultPath: "$.error",
      Next: "Abort",
    },
    Snapshot: invoke(f.cluster, "snapshot", "SnapshotInit", null),
    ...pollLoop("Snapshot", f.cluster, "snapshotStatus", afterSnapshot, seconds, maxPolls),
    ...(args.exportMasked
      ? {
          StartExport: {
            ...invoke(f.export, "export", "Publish", "$.export"),
            // The golden is masked, verified and snapshotted: a failed export start must not throw it away. Alert,
            // publish it for QA anyway; the export is retried by hand (golden-export with {"day": …}) and the
            // export's own dead-man's switch pages if nobody does.
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.exportError", Next: "NotifyExportFailure" }],
          },
          NotifyExportFailure: {
            Type: "Task",
            Resource: "arn:aws:states:::sns:publish",
            Parameters: {
              TopicArn: args.alertTopicArn,
              Subject: "Masked export did not start; the golden is published anyway",
              "Message.$": "States.JsonToString($)",
            },
            Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
            // Even if the alert cannot be sent, the golden is good: publish it (the export alarms catch the gap).
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.alertError", Next: "Publish" }],
            ResultPath: null,
            Next: "Publish",
          },
        }
      : {}),
    Publish: invoke(f.publish, "publish", "Cleanup", "$.published"),
    Cleanup: {
      ...invoke(f.cluster, "cleanup", "Done", "$.cleanup"),
      // The new golden is already published: a failed cleanup must not delete it. Alert and stop instead.
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailure" }],
    },
    Done: { Type: "Succeed" },
    Abort: {
      ...invoke(f.cluster, "abort", "NotifyFailure", "$.abort"),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.abortError", Next: "NotifyFailure" }],
    },
    NotifyFailure: {
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Parameters: {
        TopicArn: args.alertTopicArn,
        Subject: "Golden refresh failed; the previous golden stays published",
        "Message.$": "States.JsonToString($)",
      },
      Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
      ResultPath: null,
      Next: "Failed",
    },
    Failed: { Type: "Fail", Error: "GoldenRefreshFailed", Cause: "see the alert topic for the failing step" },
  };

  return {
    Comment: "Daily masked golden: clone, mask, verify, snapshot, export, publish, clean up",
    StartAt: "Prepare",
    // A run that outlives this alarms through the ExecutionsTimedOut metric; the previous golden stays published.
    TimeoutSeconds: 12 * 3600,
    States: states,
  };
}
