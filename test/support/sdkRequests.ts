/**
 * Records every SDK command a handler test sends (aws-sdk-client-mock keeps each call with its input) so that the
 * permission simulation evaluates the requests the code really makes. Each recorded command must have an IAM
 * mapping (policy/permissions/sdkRequests.ts): a command without one fails the test that sent it.
 */
import type { AwsStub } from "aws-sdk-client-mock";
import { iamRequestsFor } from "../../policy/permissions/sdkRequests";

/** One command as the code sent it. */
export interface RecordedCall {
  readonly command: string;
  readonly input: unknown;
}

/** What the handler tests of one function recorded, with the fixture values they used. */
export interface FunctionRecording {
  /**
   * The test's stand-ins for the function's environment variables, by variable name (`KMS_KEY_ARN`,
   * `ENVIRONMENT`, ...): the simulation swaps each for the deployed function's value.
   */
  readonly fixture: Readonly<Record<string, string>>;
  /** The commands of each test, in the order the tests ran. */
  readonly tests: RecordedCall[][];
}

const recordings = new Map<string, FunctionRecording>();
/** Tests already attributed to a function: the innermost recorder (mocha runs inner afterEach hooks first) wins. */
const attributed = new WeakSet<object>();
const excluded = new WeakSet<object>();

/** Every recording so far, by function name without the `data-platform-<env>-` prefix (`export-snapshot`). */
export function sdkRecordings(): ReadonlyMap<string, FunctionRecording> {
  return recordings;
}

// Any scope works for the mapping check: it only has to know the command.
const CHECK_SCOPE = { partition: "aws", region: "ap-northeast-1", accountId: "123456789012" };

/**
 * Call inside a handler test's `describe`: after each test, every call on `mocks` is recorded for `fn` and checked
 * for an IAM mapping. `fixture` names the test's stand-in for each environment variable of the deployed function.
 * In nested describes the innermost recorder attributes a test, so a file can cover two functions.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stubs of any client
export function recordSdkRequests(fn: string, fixture: Readonly<Record<string, string>>, ...mocks: AwsStub<any, any, any>[]): void {
  afterEach(function recordSdkCalls() {
    const test = this.currentTest;
    if (!test || attributed.has(test)) return;
    attributed.add(test);
    const calls: RecordedCall[] = mocks.flatMap((m) =>
      m.calls().map((c) => {
        const command = c.args[0] as { constructor: { name: string }; input: unknown };
        return { command: command.constructor.name, input: command.input };
      }),
    );
    for (const c of calls) iamRequestsFor(c.command, c.input, CHECK_SCOPE);
    if (excluded.has(test)) return;
    const rec = recordings.get(fn) ?? { fixture: {}, tests: [] };
    recordings.set(fn, { fixture: { ...rec.fixture, ...fixture }, tests: [...rec.tests, calls] });
  });
}

/**
 * Call first thing in a handler test (`it(..., function () { notInAnyStack(this); ... })`) that exercises a
 * configuration neither stack file deploys: its commands are still checked for a mapping but not simulated.
 */
export function notInAnyStack(context: Mocha.Context): void {
  if (context.test) excluded.add(context.test);
}
