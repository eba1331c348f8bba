/**
 * Runs a Pulumi program in-process under `pulumi.runtime.setMocks`: no CLI, no plugins, no credentials. Records
 * every resource the program registers, with its parent and resolved inputs. The offline plan and the tests use it.
 */
import * as pulumi from "@pulumi/pulumi";

/** Fake account the mocks answer with. */
export const MOCK_ACCOUNT_ID = "123456789012";

/** Access key id and secret the mocks give every `aws.iam.AccessKey`. */
export const MOCK_ACCESS_KEY_ID = "AKIAMOCKOFFLINEPLAN0";
export const MOCK_SECRET_ACCESS_KEY = "mock-secret-access-key-never-real";

/** One resource the program would create. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent (the stack for top-level resources). */
  readonly parent?: string;
  readonly custom: boolean;
  readonly protect: boolean;
  /** Physical id the mocks gave the resource (custom resources only). */
  readonly id?: string;
  /** URN of the provider that manages it (custom resources only; explicit or default provider). */
  readonly provider?: string;
  /** Inputs as the provider would receive them, Outputs resolved, secrets replaced by "[secret]". */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider inputs are arbitrary JSON
  readonly inputs: Record<string, any>;
  /** Paths of inputs that hold secrets; their values read "[secret]". */
  readonly secretInputs: readonly string[];
}

/** What a mocked run produced. */
/** One provider function (invoke) the program called, with its inputs (secrets replaced by "[secret]"). */
export interface RecordedInvoke {
  readonly token: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider inputs are arbitrary JSON
  readonly inputs: Record<string, any>;
}

export interface MockRun<T> {
  readonly resources: RecordedResource[];
  /** Provider functions the program called, in call order: they are API requests too (the deployer's). */
  readonly invokes: RecordedInvoke[];
  readonly result: T;
}

export interface MockRunOptions {
  readonly project: string;
  readonly stack: string;
  /** Full config map (`"data-platform:environment": "stg"`). */
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
  /** Answers for provider functions that replace the defaults below, by token (tests vary a lookup this way). */
  readonly calls?: Readonly<Record<string, (inputs: Record<string, any>) => Record<string, unknown>>>;
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

/**
 * Computed attributes a provider would fill in, so that downstream Outputs resolve to realistic values. Exported so
 * that readers of a recorded run (the permission simulator) derive a resource's ARN exactly as the mocks did.
 */
export function computedState(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
  const [, mod, kind] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [];
  const physical: string = inputs.name ?? inputs.bucket ?? inputs.functionName ?? name;
  const state: Record<string, unknown> = { ...inputs };
  if (type === "aws:s3/bucket:Bucket") {
    Object.assign(state, { bucket: physical, arn: `arn:aws:s3:::${physical}`, bucketRegionalDomainName: `${physical}.s3.${region}.amazonaws.com` });
  } else if (type === "aws:kms/key:Key") {
    Object.assign(state, { keyId: `mock-key-${name}`, arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/mock-key-${name}` });
  } else if (type === "aws:rds/cluster:Cluster") {
    const id = inputs.clusterIdentifier ?? name;
    Object.assign(state, { clusterIdentifier: id, arn: `arn:aws:rds:${region}:${MOCK_ACCOUNT_ID}:cluster:${id}`, endpoint: `${id}.cluster-mock.${region}.rds.amazonaws.com` });
  } else if (type === "random:index/randomPassword:RandomPassword") {
    state.result = `mock-password-${name}`;
  } else if (type === "aws:sns/topic:Topic") {
    state.arn = `arn:aws:sns:${region}:${MOCK_ACCOUNT_ID}:${physical}`;
  } else if (type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
    state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`;
  } else if (type === "aws:lambda/function:Function") {
    state.arn = `arn:aws:lambda:${region}:${MOCK_ACCOUNT_ID}:function:${physical}`;
    state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
  } else if (type === "aws:cloudwatch/eventRule:EventRule") {
    state.arn = `arn:aws:events:${region}:${MOCK_ACCOUNT_ID}:rule/${physical}`;
  } else if (type === "aws:scheduler/schedule:Schedule") {
    state.arn = `arn:aws:scheduler:${region}:${MOCK_ACCOUNT_ID}:schedule/default/${physical}`;
  } else if (type === "aws:cloudwatch/logGroup:LogGroup") {
    // The provider reports a log group's ARN without the trailing ":*".
    state.arn = `arn:aws:logs:${region}:${MOCK_ACCOUNT_ID}:log-group:${physical}`;
  } else if (type === "aws:sfn/stateMachine:StateMachine") {
    // Step Functions ARNs use the service name "states" and a colon before the name.
    state.arn = `arn:aws:states:${region}:${MOCK_ACCOUNT_ID}:stateMachine:${physical}`;
  } else if (type === "aws:secretsmanager/secret:Secret") {
    // Secrets Manager appends six random characters to a secret's name in its ARN.
    state.arn = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:${physical}-AbCdEf`;
  } else if (type === "aws:ssm/parameter:Parameter") {
    state.arn = `arn:aws:ssm:${region}:${MOCK_ACCOUNT_ID}:parameter${physical.startsWith("/") ? "" : "/"}${physical}`;
  } else if (type === "aws:iam/accessKey:AccessKey") {
    // A recognisable fake pair; the secret must flow only into secret inputs, which the tests check.
    Object.assign(state, { secret: MOCK_SECRET_ACCESS_KEY, status: "Active" });
  } else if (type === "aws:quicksight/dataSource:DataSource" || type === "aws:quicksight/dataSet:DataSet") {
    // QuickSight names these by their id: arn:aws:quicksight:<region>:<account>:datasource/<id> (or dataset/<id>).
    const kindOf = type.endsWith("DataSource") ? "datasource" : "dataset";
    state.arn = `arn:aws:quicksight:${region}:${MOCK_ACCOUNT_ID}:${kindOf}/${String(inputs.dataSourceId ?? inputs.dataSetId)}`;
  } else if (mod === "iam") {
    state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:${kind}/${physical}`;
    state.name = physical;
  } else if (mod !== undefined) {
    state.arn = `arn:aws:${mod}:${region}:${MOCK_ACCOUNT_ID}:${kind}/${physical}`;
    state.name ??= physical;
  }
  return state;
}

/** A provider reference is `<provider urn>::<provider id>`; URNs contain "::" themselves, so cut at the last one. */
function providerUrn(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  const cut = reference.lastIndexOf("::");
  return cut > 0 ? reference.slice(0, cut) : reference;
}

/** KMS key of a cluster that `aws.rds.getCluster` looks up under the mocks (every source is encrypted). */
export function mockClusterKmsKeyArn(region: string, clusterId: string): string {
  return `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/mock-key-${clusterId}`;
}

/** Answers for provider functions the programs call. */
function mockCall(token: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/offline`, userId: "AIDAOFFLINE", id: MOCK_ACCOUNT_ID };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
      const host = String(inputs.url ?? "").replace(/^https:\/\//, "");
      const arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${host}`;
      return { arn, id: arn, url: host, clientIdLists: ["sts.amazonaws.com"], thumbprintLists: [], tags: {} };
    }
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region };
    case "aws:rds/getCluster:getCluster": {
      // An encrypted Aurora MySQL 3 cluster, as the QA clone program expects its source to be.
      const id = String(inputs.clusterIdentifier);
      return {
        id,
        clusterIdentifier: id,
        arn: `arn:aws:rds:${region}:${MOCK_ACCOUNT_ID}:cluster:${id}`,
        engine: "aurora-mysql",
        engineVersion: "8.0.mysql_aurora.3.08.0",
        port: 3306,
        masterUsername: "admin",
        storageEncrypted: true,
        kmsKeyId: mockClusterKmsKeyArn(region, id),
        endpoint: `${id}.cluster-mock.${region}.rds.amazonaws.com`,
        dbClusterParameterGroupName: `${id}-cluster-params`,
        clusterMembers: [`${id}-1`],
      };
    }
    case "aws:rds/getInstance:getInstance": {
      const id = String(inputs.dbInstanceIdentifier);
      return { id, dbInstanceIdentifier: id, dbParameterGroups: [`${id}-params`], engine: "aurora-mysql" };
    }
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
  const registrations = new Map<string, { inputs: Record<string, unknown>; id: string; provider?: string }>();
  const invokes: RecordedInvoke[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const state = computedState(args.type, args.name, args.inputs, region);
        const id =
          args.type === "aws:s3/bucket:Bucket"
            ? (state.bucket as string)
            : args.type === "aws:iam/accessKey:AccessKey"
              ? MOCK_ACCESS_KEY_ID
              : `${args.name}-id`;
        registrations.set(`${args.type}::${args.name}`, { inputs: args.inputs, id, provider: providerUrn(args.provider) });
        return { id, state: { ...state, id } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        invokes.push({ token: args.token, inputs: redactSecrets(args.inputs) as Record<string, unknown> });
        const override = opts.calls?.[args.token];
        return override ? override(args.inputs) : mockCall(args.token, args.inputs, region);
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
    const reg = registrations.get(`${s.type}::${s.name}`);
    const inputs = redactSecrets(reg?.inputs ?? {}, "", secretInputs) as Record<string, unknown>;
    const physical = s.custom && reg ? { id: reg.id, provider: reg.provider } : {};
    resources.push({ urn, type: s.type, name: s.name, parent, custom: s.custom, protect, ...physical, inputs, secretInputs });
  }
  return { resources, invokes, result };
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
