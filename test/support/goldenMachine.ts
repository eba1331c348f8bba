/**
 * Runs the deployed golden refresh state machine in a local Amazon States Language interpreter
 * (aws-local-stepfunctions), with the definition, the schedule's input and each step function's environment taken
 * from the platform program under mocks (as the offline plan builds them), and the Task states bound to the step
 * handlers, whose SDK clients talk to the stateful AWS fakes.
 *
 * Time is simulated: a Wait state, a retry's back-off and a Lambda's run each move the fake clock (and `Date`) by
 * what they would take in AWS, while the interpreter runs them at once. The execution's TimeoutSeconds is enforced
 * on that clock: past it, the run is stopped where it stands, as Step Functions stops a timed-out execution (no
 * Catch runs, nothing alerts).
 */
import { StateMachine } from "aws-local-stepfunctions";
import type { RecordedResource } from "../../automation/plan/mockRuntime";
import type { AwsFake, PublishedMessage } from "./awsFake";
import { find, runPlatform } from "./pulumi";

type Json = Record<string, any>;

/** One step function as deployed: its ARN, environment and timeout. */
export interface DeployedFunction {
  readonly arn: string;
  readonly env: Record<string, string>;
  readonly timeoutSeconds: number;
}

/** What the program deploys for the golden refresh. */
export interface DeployedGolden {
  readonly definition: Json;
  /** The JSON the EventBridge schedule hands to StartExecution. */
  readonly scheduleInput: Json;
  readonly alertTopicArn: string;
  readonly functions: { readonly cluster: DeployedFunction; readonly mask: DeployedFunction; readonly publish: DeployedFunction; readonly export?: DeployedFunction };
  readonly resources: RecordedResource[];
}

/** The deployed golden refresh of a stack, with config overrides (e.g. `{ "data-platform:golden": … }`). */
export async function deployedGolden(stack: string, overrides: Record<string, unknown> = {}): Promise<DeployedGolden> {
  const { resources } = await runPlatform(stack, overrides);
  const machine = find(resources, "aws:sfn/stateMachine:StateMachine", "golden").inputs;
  const schedule = find(resources, "aws:scheduler/schedule:Schedule", "golden-schedule").inputs;
  const fn = (role: string): DeployedFunction | undefined => {
    const f = resources.find((r) => r.type === "aws:lambda/function:Function" && r.inputs.name === `data-platform-${machine.name.split("-")[2]}-golden-${role}`);
    if (!f) return undefined;
    const name = f.inputs.name as string;
    const arn = `arn:aws:lambda:${f.inputs.arn?.split(":")[3] ?? "ap-northeast-1"}:123456789012:function:${name}`;
    return { arn, env: { ...(f.inputs.environment?.variables ?? {}) }, timeoutSeconds: Number(f.inputs.timeout ?? 3) };
  };
  const definition = JSON.parse(machine.definition) as Json;
  const topic = Object.values(definition.States as Record<string, Json>).find((s) => s.Resource === "arn:aws:states:::sns:publish")?.Parameters?.TopicArn as string;
  const [cluster, mask, publish] = [fn("cluster"), fn("mask"), fn("publish")];
  if (!cluster || !mask || !publish) throw new Error(`the ${stack} program deploys no golden step functions`);
  return { definition, scheduleInput: JSON.parse(schedule.target.input) as Json, alertTopicArn: topic, functions: { cluster, mask, publish, export: fn("export") }, resources };
}

/** A step handler as the state machine calls it: the Lambda payload in, the function's result out. */
export type StepHandler = (payload: Json) => Promise<unknown>;

export interface RunOptions {
  /** Handlers by function role ("cluster", "mask", "export", "publish"). */
  readonly handlers: Readonly<Record<string, StepHandler>>;
  /** Execution input. Default: the schedule's. */
  readonly input?: Json;
  /** Simulated seconds one Lambda invocation takes, by role. Default 2 s (mask: its own `elapsedMs`, if any). */
  readonly seconds?: Readonly<Record<string, number>>;
  /**
   * Errors of the Lambda service itself (not the function), by state name, thrown before the function runs, one per
   * entry: e.g. `{ Snapshot: ["Lambda.TooManyRequestsException"] }`.
   */
  readonly lambdaFaults?: Readonly<Record<string, string[]>>;
  /** Stop after this many state transitions (a loop that never ends fails the test instead of hanging it). */
  readonly maxTransitions?: number;
}

export interface RunOutcome {
  readonly status: "SUCCEEDED" | "FAILED" | "TIMED_OUT";
  readonly error?: string;
  readonly cause?: string;
  /** Every state entered, in order. */
  readonly states: string[];
  /** Every retry: the state and the error retried. */
  readonly retries: { readonly state: string; readonly error: string }[];
  /** Every error a state raised (caught, retried or fatal). */
  readonly failures: { readonly state: string; readonly error: string; readonly cause: string }[];
  /** Messages published to the alert topic during the run. */
  readonly alerts: PublishedMessage[];
  /** Simulated seconds from start to end. */
  readonly elapsedSeconds: number;
  readonly output?: unknown;
}

/** The error a Lambda function's failure surfaces as in Step Functions: its errorType, and a JSON cause. */
class StepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs one execution of the deployed machine against the fakes. */
export async function runGolden(deployed: DeployedGolden, aws: AwsFake, options: RunOptions): Promise<RunOutcome> {
  const def = deployed.definition;
  const states = def.States as Record<string, Json>;
  const roleOf = new Map<string, string>(Object.entries(deployed.functions).flatMap(([role, f]) => (f ? [[f.arn, role] as [string, string]] : [])));
  const started = aws.clock.nowMs();
  const alertsBefore = aws.sns.published.length;
  const faults = Object.fromEntries(Object.entries(options.lambdaFaults ?? {}).map(([k, v]) => [k, [...v]]));
  let timedOut = false;
  let execution: ReturnType<StateMachine["run"]> | undefined;
  const elapsed = () => (aws.clock.nowMs() - started) / 1000;
  /** Moves the clock; past the execution's TimeoutSeconds the run stops where it is. */
  const pass = (seconds: number) => {
    aws.clock.advance(seconds);
    if (def.TimeoutSeconds !== undefined && elapsed() > def.TimeoutSeconds && !timedOut) {
      timedOut = true;
      execution?.abort();
    }
  };

  const taskHandlers: Record<string, (input: any) => Promise<any>> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type !== "Task") continue;
    if (state.Resource === "arn:aws:states:::sns:publish") {
      taskHandlers[name] = async (input: Json) => {
        await flush();
        try {
          return aws.sns.publish(input);
        } catch (err) {
          // Service integrations name AWS errors `<Service>.<code>` (Step Functions developer guide, "Handling errors").
          throw new StepError(`SNS.${(err as Error).name}`, (err as Error).message);
        }
      };
      continue;
    }
    const role = roleOf.get(state.Parameters?.FunctionName);
    if (state.Resource !== "arn:aws:states:::lambda:invoke" || !role) throw new Error(`state ${name}: no binding for ${state.Resource} ${state.Parameters?.FunctionName}`);
    const fn = deployed.functions[role as keyof DeployedGolden["functions"]] as DeployedFunction;
    taskHandlers[name] = async (input: Json) => {
      await flush();
      const fault = faults[name]?.shift();
      if (fault) throw new StepError(fault, `${fault} (planted)`);
      const handler = options.handlers[role];
      if (!handler) throw new Error(`no handler for the ${role} function`);
      const before = aws.clock.nowMs();
      let payload: unknown;
      try {
        payload = await handler(structuredClone(input.Payload));
      } catch (err) {
        pass(options.seconds?.[role] ?? 2);
        const e = err instanceof Error ? err : new Error(String(err));
        // lambda:invoke reports a function error under its errorType, with the error as a JSON cause.
        throw new StepError(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message }));
      }
      const ran = (aws.clock.nowMs() - before) / 1000;
      const modelled = (payload as { elapsedMs?: number } | undefined)?.elapsedMs;
      pass(Math.max(0, (modelled !== undefined ? modelled / 1000 : (options.seconds?.[role] ?? 2)) - ran));
      // Lambda stops a function at its timeout (Lambda developer guide, "Configure function timeout").
      if ((aws.clock.nowMs() - before) / 1000 > fn.timeoutSeconds) throw new StepError("Sandbox.Timedout", `${role} ran past its ${fn.timeoutSeconds}s timeout`);
      // The integration's result: the function's JSON reply under Payload (Step Functions, "Invoke an AWS Lambda function").
      return { ExecutedVersion: "$LATEST", StatusCode: 200, Payload: JSON.parse(JSON.stringify(payload ?? null)) };
    };
  }
  const zero = (pick: (s: Json) => boolean) => Object.fromEntries(Object.entries(states).filter(([, s]) => pick(s)).map(([n]) => [n, 0]));

  const machine = new StateMachine(def as never, { validationOptions: { checkArn: true, checkPaths: true } });
  execution = machine.run((options.input ?? deployed.scheduleInput) as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers, waitTimeOverrides: zero((s) => s.Type === "Wait"), retryIntervalOverrides: zero((s) => Array.isArray(s.Retry)) },
    noThrowOnAbort: true,
  });

  const entered: string[] = [];
  const retries: RunOutcome["retries"][number][] = [];
  const failures: RunOutcome["failures"][number][] = [];
  const max = options.maxTransitions ?? 5000;
  const consume = (async () => {
    for await (const e of execution.eventLogs) {
      if (e.type === "StateEntered") {
        entered.push(e.state.name);
        if (entered.length > max) execution.abort();
        const s = states[e.state.name];
        if (s.Type === "Wait") pass(Number(s.Seconds ?? 0));
      } else if (e.type === "StateFailed") {
        failures.push({ state: e.state.name, error: e.Error, cause: String(e.Cause) });
      } else if (e.type === "StateRetried") {
        retries.push({ state: e.state.name, error: failures[failures.length - 1]?.error ?? "" });
        const r = e.retry.retrier;
        const interval = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** (e.retry.attempt - 1);
        pass(r.MaxDelaySeconds !== undefined ? Math.min(interval, r.MaxDelaySeconds) : interval);
      }
    }
  })();

  let status: RunOutcome["status"] = "SUCCEEDED";
  let error: string | undefined;
  let cause: string | undefined;
  let output: unknown;
  try {
    output = await execution.result;
  } catch (err) {
    status = "FAILED";
    const inner = (err as { cause?: { name?: string; message?: string } }).cause;
    error = inner?.name ?? (err as Error).name;
    cause = inner?.message ?? (err as Error).message;
  }
  await consume;
  if (timedOut) status = "TIMED_OUT";
  else if (entered.length > max) throw new Error(`the execution did not end within ${max} state transitions: ${entered.slice(-12).join(" → ")}`);
  // A Fail state ends the execution with its own Error and Cause.
  const last = states[entered[entered.length - 1]];
  if (status === "FAILED" && last?.Type === "Fail") ({ Error: error, Cause: cause } = last as { Error: string; Cause: string });
  return { status, error, cause, states: entered, retries, failures, alerts: aws.sns.published.slice(alertsBefore), elapsedSeconds: elapsed(), output };
}
