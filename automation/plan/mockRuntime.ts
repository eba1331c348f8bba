/**
 * Runs a Pulumi program in-process under `pulumi.runtime.setMocks`: no CLI, no plugins, no credentials. Records
 * every resource the program registers, with its parent and resolved inputs. The offline plan and the tests use it.
 */
import * as pulumi from "@pulumi/pulumi";

/** Fake account the mocks answer with. */
export const MOCK_ACCOUNT_ID = "123456789012";

/** One resource the program would create. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent (the stack for top-level resources). */
  readonly parent?: string;
  readonly custom: boolean;
  readonly protect: boolean;
  /** Inputs as the provider would receive them, Outputs resolved, secrets replaced by "[secret]". */
  readonly inputs: Record<string, unknown>;
  /** Paths of inputs that hold secrets; their values read "[secret]". */
  readonly secretInputs: readonly string[];
}

/** What a mocked run produced. */
export interface MockRun<T> {
  readonly resources: RecordedResource[];
  readonly result: T;
}

export interface MockRunOptions {
  readonly project: string;
  readonly stack: string;
  /** Full config map (`"data-platform:environment": "stg"`). */
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
}

/** How the SDK marks a secret value when it serialises inputs (pulumi/sdk/nodejs/runtime/rpc.ts). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces every secret in a value with "[secret]" and collects the paths of the secrets. */
export function redactSecrets(value: unknown, path = "", found: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => redactSecrets(v, `${path}[${i}]`, found));
  if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG_KEY] === SECRET_SIG) {
      found.push(path);
      return "[secret]";
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, redactSecrets(v, path ? `${path}.${k}` : k, found)]));
  }
  return value;
}

/** Computed attributes a provider would fill in, so that downstream Outputs resolve to realistic values. */
function computedState(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
  const [, mod, kind] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [];
  const physical: string = inputs.name ?? inputs.bucket ?? inputs.functionName ?? name;
  const state: Record<string, unknown> = { ...inputs };
  if (type === "aws:s3/bucket:Bucket") {
    Object.assign(state, { bucket: physical, arn: `arn:aws:s3:::${physical}`, bucketRegionalDomainName: `${physical}.s3.${region}.amazonaws.com` });
  } else if (type === "aws:kms/key:Key") {
    Object.assign(state, { keyId: `mock-key-${name}`, arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/mock-key-${name}` });
  } else if (type === "aws:sns/topic:Topic") {
    state.arn = `arn:aws:sns:${region}:${MOCK_ACCOUNT_ID}:${physical}`;
  } else if (mod === "iam") {
    state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:${kind}/${physical}`;
    state.name = physical;
  } else if (mod !== undefined) {
    state.arn = `arn:aws:${mod}:${region}:${MOCK_ACCOUNT_ID}:${kind}/${physical}`;
    state.name ??= physical;
  }
  return state;
}

/** Answers for provider functions the programs call. */
function mockCall(token: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/offline`, userId: "AIDAOFFLINE", id: MOCK_ACCOUNT_ID };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region };
    default:
      return { ...inputs };
  }
}

/**
 * Runs `program` as the root of a mocked stack and returns every resource it registered.
 * Config is installed before the program runs, so `pulumi.Config` and `pulumi.runtime.allConfig()` see it.
 */
export async function runUnderMocks<T>(program: () => T, opts: MockRunOptions): Promise<MockRun<Awaited<T>>> {
  const region = opts.config["aws:region"] ?? "us-east-1";
  const seen: { resource: pulumi.Resource; type: string; name: string; custom: boolean; parent?: pulumi.Resource }[] = [];
  // Resource names are unique per type within these programs, so type + name identifies a registration.
  const inputsByKey = new Map<string, Record<string, unknown>>();

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        inputsByKey.set(`${args.type}::${args.name}`, args.inputs);
        const state = computedState(args.type, args.name, args.inputs, region);
        const id = args.type === "aws:s3/bucket:Bucket" ? (state.bucket as string) : `${args.name}-id`;
        return { id, state: { ...state, id } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return mockCall(args.token, args.inputs, region);
      },
    },
    opts.project,
    opts.stack,
    false,
  );
  pulumi.runtime.setAllConfig(opts.config, [...(opts.secretKeys ?? [])]);

  let result!: Awaited<T>;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      seen.push({ resource: args.resource, type: args.type, name: args.name, custom: args.resource instanceof pulumi.CustomResource, parent: args.opts.parent });
      return undefined;
    });
    result = await program();
    return result as Record<string, unknown>;
  });

  const resources: RecordedResource[] = [];
  for (const s of seen) {
    const urn = await promiseOf(s.resource.urn);
    const parent = s.parent ? await promiseOf(s.parent.urn) : undefined;
    // `__protect` is where the SDK keeps the resolved (inherited) protect flag; there is no public getter.
    const protect = Boolean((s.resource as unknown as { __protect?: boolean }).__protect);
    const secretInputs: string[] = [];
    const inputs = redactSecrets(inputsByKey.get(`${s.type}::${s.name}`) ?? {}, "", secretInputs) as Record<string, unknown>;
    resources.push({ urn, type: s.type, name: s.name, parent, custom: s.custom, protect, inputs, secretInputs });
  }
  return { resources, result };
}

/** Resolves a program's returned outputs; secret outputs read "[secret]". */
export async function resolveOutputs(result: unknown): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (typeof result !== "object" || result === null) return out;
  for (const [key, value] of Object.entries(result)) {
    const o = pulumi.output(value);
    out[key] = (await pulumi.isSecret(o)) ? "[secret]" : await promiseOf(o);
  }
  return out;
}

/** The value of an Output, for code that runs under mocks. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}
