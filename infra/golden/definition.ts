/**
 * The golden refresh state machine, built from code (Amazon States Language, JSONPath). Pure: ARNs in, a
 * definition object out, so tests validate it with asl-validator and walk every path.
 *
 *   Prepare ─┬─ already published today ─────────────────────────────────────────────────────────────► Done
 *            └─ Create (cluster) → poll until available → CreateInstance → poll → RotatePassword → poll
 *               → MaskSlice ⟲ (until verified, resuming; bounded by a slice count and a deadline)
 *               → Snapshot → poll until available → Publish → [StartExport] → Cleanup → Done
 *   A failed StartExport alerts; the golden is already published and the export is retried by hand.
 *   Any step's error before publishing (after bounded retries; errors no retry can fix are never retried), a poll
 *   that runs out of attempts, or masking that misses its deadline → Abort (delete the half-built golden) →
 *   NotifyFailure → Failed. The published golden is never touched by Abort. A failed cleanup alerts on its own.
 *
 * The execution's input is whatever starts it (the schedule sends `{"source": …}`; a person may send
 * `{"day": "yyyymmdd"}`): no state reads anything from it but Prepare, through `$$.Execution.Input`.
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
  /** Lambda timeouts, seconds (they bound how long a Task can take). Default 60, and 900 for the mask function. */
  readonly timeouts?: { readonly cluster?: number; readonly mask?: number; readonly export?: number; readonly publish?: number };
}

/** Seconds an execution may run before Step Functions stops it (no Catch runs then: it only alarms). */
export const EXECUTION_TIMEOUT_SECONDS = 12 * 3600;

type State = Record<string, unknown>;

/** Lambda errors worth retrying (AWS's recommended set for the Lambda service integration). */
const LAMBDA_TRANSIENT = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

/**
 * Errors the step functions raise for what no retry can fix (a wrong target, a failed verify, an unmasked schema, an
 * export refused for a missing permission or a missing snapshot: functions/shared/exportTask `PERMANENT_EXPORT_ERRORS`).
 * They are matched first and never retried: `MaxAttempts: 0` (Amazon States Language, "Retrying after an error").
 */
export const NOT_RETRYABLE = ["GoldenStepError", "GoldenTargetError", "GoldenSchemaError", "MaskVerificationError", "GoldenExportRequestError", "ExportRefusedError"];

/** Attempts a Task gets for a function error or timeout (the first try included). */
const TASK_ATTEMPTS = 3;

/** Worst case seconds of one Task whose Lambda times out after `timeout` s: every attempt and back-off. */
export function worstTaskSeconds(timeout: number): number {
  return TASK_ATTEMPTS * timeout + 30 + 60 + (2 + 4 + 8 + 16 + 32 + 64);
}

/** Every state a Task can fail into; retries are bounded, then the half-built golden is deleted. */
const CATCH_TO_ABORT = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Abort" }];

/** A Task invoking a step function; `payload` replaces the default `{ action, golden }` (Prepare has no golden yet). */
function invoke(functionArn: string, action: string, next: string, resultPath: string | null, extra: Record<string, unknown> = {}, payload?: Record<string, unknown>): State {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: functionArn, Payload: payload ?? { action, "golden.$": "$.golden", ...extra } },
    ResultSelector: { "value.$": "$.Payload" },
    ResultPath: resultPath,
    OutputPath: "$",
    TimeoutSeconds: 900,
    Retry: [
      { ErrorEquals: NOT_RETRYABLE, MaxAttempts: 0 },
      { ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
      { ErrorEquals: ["States.TaskFailed", "States.Timeout"], IntervalSeconds: 30, MaxAttempts: TASK_ATTEMPTS - 1, BackoffRate: 2 },
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

/**
 * Seconds after the start by which masking must be done: what is left of the execution once the worst case of
 * everything after it is kept back (the slice in flight, the snapshot and its wait, publish, export, cleanup, and
 * abort with its alert). The loop stops there, so a run that cannot finish masking aborts and alerts instead of
 * being stopped by the execution timeout with its half-built golden left behind.
 */
export function maskDeadlineSeconds(args: Pick<GoldenDefinitionArgs, "pollSeconds" | "maxPolls" | "timeouts">): number {
  const t = { cluster: 60, mask: 900, export: 60, publish: 60, ...args.timeouts };
  const poll = (args.pollSeconds ?? 60) + t.cluster;
  const reserve =
    worstTaskSeconds(t.mask) +
    worstTaskSeconds(t.cluster) + // Snapshot
    (args.maxPolls ?? 90) * poll +
    worstTaskSeconds(t.publish) +
    worstTaskSeconds(t.export) +
    worstTaskSeconds(t.cluster) * 2 + // Cleanup or Abort
    3 * 60; // the alert and its retries
  return EXECUTION_TIMEOUT_SECONDS - reserve;
}

/** Builds the definition. */
export function goldenDefinition(args: GoldenDefinitionArgs): { Comment: string; StartAt: string; TimeoutSeconds: number; States: Record<string, State> } {
  const seconds = args.pollSeconds ?? 60;
  const maxPolls = args.maxPolls ?? 90;
  const maxSlices = args.maxMaskSlices ?? 200;
  const f = args.functions;
  const deadline = maskDeadlineSeconds(args);
  if (deadline < 3600) throw new RangeError(`the polls and timeouts leave ${deadline}s of the ${EXECUTION_TIMEOUT_SECONDS}s execution for masking; at least an hour is needed`);
  const afterPublish = args.exportMasked ? "StartExport" : "Cleanup";
  const notify = (subject: string, next: string): State => ({
    Type: "Task",
    Resource: "arn:aws:states:::sns:publish",
    // Subjects stay under SNS's 100 characters; the message is the execution's state (identifiers, never data).
    Parameters: { TopicArn: args.alertTopicArn, Subject: subject, "Message.$": "States.JsonToString($)" },
    Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
    ResultPath: null,
    Next: next,
  });

  const states: Record<string, State> = {
    // The only state that reads the execution's input, and only through the context object.
    Prepare: invoke(f.cluster, "prepare", "AlreadyPublished", "$.golden", {}, {
      action: "prepare",
      "input.$": "$$.Execution.Input",
      "startedAt.$": "$$.Execution.StartTime",
      maskDeadlineSeconds: deadline,
    }),
    AlreadyPublished: {
      Type: "Choice",
      Choices: [{ Variable: "$.golden.value.alreadyPublished", BooleanEquals: true, Next: "Done" }],
      Default: "Unwrap",
    },
    // Lambda results arrive under `value`; keep the golden's identity flat for the steps that follow.
    Unwrap: { Type: "Pass", InputPath: "$.golden.value", ResultPath: "$.golden", Next: "Create" },
    Create: invoke(f.cluster, "create", "ClusterInit", null),
    ...pollLoop("Cluster", f.cluster, "clusterStatus", "CreateInstance", seconds, maxPolls),
    // RDS adds instances to a restored cluster only once it is available (RestoreDBClusterToPointInTime reference).
    CreateInstance: invoke(f.cluster, "createInstance", "InstanceInit", null),
    ...pollLoop("Instance", f.cluster, "status", "RotatePassword", seconds, maxPolls),
    RotatePassword: invoke(f.cluster, "rotatePassword", "RotatedInit", null),
    ...pollLoop("Rotated", f.cluster, "status", "MaskInit", seconds, maxPolls),
    MaskInit: { Type: "Pass", Result: { count: 0, resume: null }, ResultPath: "$.slices", Next: "MaskSlice" },
    MaskSlice: invoke(f.mask, "mask", "MaskDone", "$.mask", { "resume.$": "$.slices.resume" }),
    MaskDone: {
      Type: "Choice",
      Choices: [
        { Variable: "$.mask.value.complete", BooleanEquals: true, Next: "Snapshot" },
        { Variable: "$.slices.count", NumericGreaterThanEquals: maxSlices - 1, Next: "MaskGaveUp" },
        // The slice reports when it finished; past the deadline no further slice starts.
        { Variable: "$.mask.value.finishedAt", TimestampGreaterThanEqualsPath: "$.golden.maskDeadline", Next: "MaskGaveUp" },
      ],
      Default: "MaskCount",
    },
    MaskCount: {
      Type: "Pass",
      Parameters: { "count.$": "States.MathAdd($.slices.count, 1)", "resume.$": "$.mask.value.resume" },
      ResultPath: "$.slices",
      Next: "MaskSlice",
    },
    MaskGaveUp: {
      Type: "Pass",
      Parameters: { Error: "Golden.MaskingIncomplete", Cause: `masking not verified within ${maxSlices} slices or ${Math.floor(deadline / 60)} minutes of the start` },
      ResultPath: "$.error",
      Next: "Abort",
    },
    Snapshot: invoke(f.cluster, "snapshot", "SnapshotInit", null),
    ...pollLoop("Snapshot", f.cluster, "snapshotStatus", "Publish", seconds, maxPolls),
    // Published before the export starts: a publish that fails aborts before anything reads the snapshot.
    Publish: invoke(f.publish, "publish", afterPublish, "$.published"),
    ...(args.exportMasked
      ? {
          StartExport: {
            ...invoke(f.export, "export", "Cleanup", "$.export"),
            // The golden is masked, verified, snapshotted and published: a failed export start must not throw it
            // away. Alert; the export is retried by hand (golden-export with {"day": …}) and the export's own
            // dead-man's switch pages if nobody does.
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.exportError", Next: "NotifyExportFailure" }],
          },
          NotifyExportFailure: {
            ...notify("Golden published, but its masked export did not start", "Cleanup"),
            // Even if the alert cannot be sent, go on (the export alarms catch the gap).
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.alertError", Next: "Cleanup" }],
          },
        }
      : {}),
    Cleanup: {
      ...invoke(f.cluster, "cleanup", "Done", "$.cleanup"),
      // The new golden is already published: a failed cleanup must not delete it. Alert and stop instead.
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyCleanupFailure" }],
    },
    NotifyCleanupFailure: notify("Golden published, but the cleanup of old goldens failed", "CleanupFailed"),
    CleanupFailed: { Type: "Fail", Error: "GoldenCleanupFailed", Cause: "the new golden is published; old goldens may be left (see the alert)" },
    Done: { Type: "Succeed" },
    Abort: {
      ...invoke(f.cluster, "abort", "NotifyFailure", "$.abort"),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.abortError", Next: "NotifyFailure" }],
    },
    NotifyFailure: notify("Golden refresh failed; the previous golden stays published", "Failed"),
    Failed: { Type: "Fail", Error: "GoldenRefreshFailed", Cause: "see the alert topic for the failing step" },
  };

  return {
    Comment: "Daily masked golden: clone, mask, verify, snapshot, publish, export, clean up",
    StartAt: "Prepare",
    // A run that outlives this alarms through the ExecutionsTimedOut metric; the mask deadline keeps runs inside it.
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    States: states,
  };
}
