/**
 * The one evaluator of the project: an IAM request against the identity policies of its principal and the resource
 * policy of its resource (key, bucket, topic, function), with AWS's evaluation logic as @cloud-copilot/iam-simulate
 * implements it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html),
 * including KMS's rule that the key policy itself must allow the request
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 */
import { type EvaluationResult, type RequestAnalysis, getDenialReasons, runSimulation } from "@cloud-copilot/iam-simulate";
import type { CollectedDocument, DeployedPolicies } from "./collect";

/** One request AWS authorises. */
export interface IamRequest {
  /** Who signs it: an IAM role or user ARN of the program, or a service principal such as `events.amazonaws.com`. */
  readonly principal: string;
  /** `service:Action`, as the Service Authorization Reference spells it. */
  readonly action: string;
  /** The resource ARN the request is authorised on; `*` for actions that have no resource type. */
  readonly resource: string;
  /** Request context keys the caller or service sets (`kms:ViaService`, `aws:SourceAccount`, ...). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** What makes the request, for reports: `export-snapshot StartExportTaskCommand`, `EventBridge → SNS`. */
  readonly origin?: string;
  /** The AWS page that documents a request a service makes on the program's behalf. */
  readonly documentation?: string;
}

/** The verdict on one request. */
export interface Decision {
  readonly request: IamRequest;
  readonly allowed: boolean;
  /** The simulator's verdict; "Invalid" when the request or a policy could not be evaluated at all. */
  readonly result: EvaluationResult | "Invalid";
  /** Why it was denied (every blocking policy, and the near-miss statement if one nearly allowed it); empty when allowed. */
  readonly reason: string;
}

const isServicePrincipal = (p: string) => p.endsWith(".amazonaws.com");

/**
 * The key policy assumed for a KMS key the program does not create (the source cluster's key): AWS's default key
 * policy, which lets the account's IAM policies govern the key
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 */
function defaultKeyPolicy(policies: DeployedPolicies, key: string): CollectedDocument {
  const root = `arn:${policies.partition}:iam::${policies.accountId}:root`;
  const document = { Version: "2012-10-17", Statement: [{ Sid: "EnableIAMUserPermissions", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" }] };
  return { kind: "key", resource: "(default key policy, assumed)", owner: key, document };
}

/**
 * iam-simulate resolves a condition key with a variable part only after a "/" (`aws:ResourceTag/<key>`), while KMS
 * puts it after a ":" (`kms:EncryptionContext:<key>`). Both sides are rewritten to the global
 * `aws:RequestTag/kms:EncryptionContext:<key>`, a String key the simulator resolves with the same operators.
 */
const EC = /^kms:encryptioncontext:(?!keys$)/i;
const EC_STANDIN = "aws:RequestTag/";
function rewriteEncryptionContext<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteEncryptionContext) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [EC.test(k) ? `${EC_STANDIN}${k}` : k, rewriteEncryptionContext(v)]),
  ) as T;
}

/**
 * The resource policy AWS consults for a request: a role's trust policy for sts:AssumeRole, else the key, bucket
 * (for the bucket and its objects), topic or function policy of the resource.
 */
export function resourcePolicyFor(policies: DeployedPolicies, resource: string, action = ""): CollectedDocument | undefined {
  if (/^sts:AssumeRole/i.test(action)) {
    const trust = policies.principals.get(resource)?.trustPolicy;
    return trust ? { kind: "trust", resource, owner: resource, document: trust } : undefined;
  }
  const direct = policies.resourcePolicies.get(resource);
  if (direct) return direct;
  const bucket = /^(arn:[^:]+:s3:::[^/]+)(?:\/.*)?$/.exec(resource);
  if (bucket) return policies.resourcePolicies.get(bucket[1]);
  const fn = /^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+)(?::.+)?$/.exec(resource);
  if (fn) return policies.resourcePolicies.get(fn[1]);
  return undefined;
}

/** Context keys every signed request carries (global condition keys reference). */
function defaultContext(policies: DeployedPolicies, principal: string): Record<string, string> {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
  const common = { "aws:SecureTransport": "true", "aws:RequestedRegion": policies.region, "aws:CurrentTime": new Date().toISOString() };
  if (isServicePrincipal(principal)) return { ...common, "aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": principal };
  return {
    ...common,
    "aws:PrincipalArn": principal,
    "aws:PrincipalAccount": policies.accountId,
    "aws:PrincipalType": principal.includes(":role/") ? "AssumedRole" : "User",
    "aws:PrincipalIsAWSService": "false",
  };
}

type Analysed = NonNullable<RequestAnalysis["identityAnalysis"]>;

/** A statement that matched action and resource but failed on its condition: the usual cause of a surprise denial. */
function nearMiss(analysis: Analysed | undefined, where: string): string | undefined {
  const miss = analysis?.unmatchedStatements.find(
    (s) => s.statement.isAllow() && s.actionMatch && s.resourceMatch && s.principalMatch !== "NoMatch" && s.conditionMatch === "NoMatch",
  );
  if (!miss) return undefined;
  const failed = (miss.explain.conditions ?? [])
    .filter((c) => !c.matches)
    .map((c) => `${c.operator} ${c.conditionKeyValue}${c.failedBecauseMissing ? " (the request does not carry this key)" : ""}`);
  return `statement ${miss.explain.identifier} of the ${where} would allow it but its condition fails: ${failed.join("; ")}`;
}

function describeDenial(policies: DeployedPolicies, request: IamRequest, analysis: RequestAnalysis, resourceDoc: CollectedDocument | undefined): string {
  const identityOf = `identity policies of ${request.principal}`;
  const resourceOf = resourceDoc ? `${resourceDoc.kind} policy of ${resourceDoc.owner}` : "resource policy";
  const parts = getDenialReasons(analysis).map((d) => {
    const where = d.policyType === "identity" ? identityOf : d.policyType === "resource" ? resourceOf : `${d.policyType} policy`;
    if (d.denialType === "Explicit") return `explicitly denied by statement ${d.statementId ?? `#${d.statementIndex}`} of the ${where}`;
    const analysed = d.policyType === "identity" ? analysis.identityAnalysis : d.policyType === "resource" ? analysis.resourceAnalysis : undefined;
    return nearMiss(analysed as Analysed | undefined, where) ?? `no statement of the ${where} allows ${request.action} on ${request.resource}`;
  });
  const unknown = policies.principals.get(request.principal)?.unknownManagedPolicyArns ?? [];
  if (unknown.length > 0) parts.push(`not simulated: ${unknown.join(", ")}`);
  return parts.join("; ") || "denied";
}

/** Evaluates one request against the deployed policies. Never throws for a bad request: it comes back Invalid. */
export async function evaluateRequest(policies: DeployedPolicies, request: IamRequest): Promise<Decision> {
  const principal = policies.principals.get(request.principal);
  if (!isServicePrincipal(request.principal) && !principal) {
    return { request, allowed: false, result: "Invalid", reason: `${request.principal} is not a role or user of this program` };
  }
  const isKey = /^arn:[^:]+:kms:[^:]+:[^:]+:key\//.test(request.resource);
  const resourceDoc = resourcePolicyFor(policies, request.resource, request.action) ?? (isKey ? defaultKeyPolicy(policies, request.resource) : undefined);
  const context: Record<string, string | string[]> = { ...defaultContext(policies, request.principal) };
  for (const [k, v] of Object.entries(request.context ?? {})) context[EC.test(k) ? `${EC_STANDIN}${k}` : k] = typeof v === "string" ? v : [...v];
  const result = await runSimulation(
    {
      request: { principal: request.principal, action: request.action, resource: { resource: request.resource, accountId: policies.accountId }, contextVariables: context },
      identityPolicies: principal ? principal.identityPolicies.map((p) => ({ name: p.name, policy: rewriteEncryptionContext(p.policy) })) : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourceDoc ? rewriteEncryptionContext(resourceDoc.document) : undefined,
    },
    { simulationMode: "Strict" },
  ).catch((err: unknown) => err as Error);
  if (result instanceof Error) return { request, allowed: false, result: "Invalid", reason: `cannot simulate: ${result.message}` };
  if (result.resultType === "error") {
    return { request, allowed: false, result: "Invalid", reason: `cannot simulate: ${JSON.stringify(result.errors)}` };
  }
  // "*" for an action without a resource type, or a listing over every resource of a type (`cluster:*`).
  const analysis = result.resultType === "single" ? result.result.analysis : result.results[0]?.analysis;
  const allowed = result.overallResult === "Allowed";
  const reason = allowed ? "" : analysis ? describeDenial(policies, request, analysis, resourceDoc) : `no statement allows ${request.action} on ${request.resource}`;
  return { request, allowed, result: result.overallResult, reason: reason.replaceAll(EC_STANDIN, "") };
}

/** Evaluates requests in order. */
export async function evaluateRequests(policies: DeployedPolicies, requests: readonly IamRequest[]): Promise<Decision[]> {
  const out: Decision[] = [];
  for (const r of requests) out.push(await evaluateRequest(policies, r));
  return out;
}
