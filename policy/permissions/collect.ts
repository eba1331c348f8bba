/**
 * Every policy document a mocked run of the program would deploy, indexed the way AWS looks them up when it
 * authorises a request: identity policies by principal ARN, resource policies by the resource's ARN.
 */
import { type RecordedResource, computedState } from "../../automation/plan/mockRuntime";
import { AWS_MANAGED_POLICIES } from "./managedPolicies";

/** An IAM policy document as AWS stores it (parsed JSON). */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[] | Record<string, unknown>;
}

/** Where a document lives, for messages and for the static checks. */
export interface DocumentSource {
  /** identity: a role's or user's policy; key/bucket/topic/function: a resource policy; trust: a role's trust policy. */
  readonly kind: "identity" | "key" | "bucket" | "topic" | "function" | "trust";
  /** Recorded resource name (`export-pipeline-export-snapshot-role-policy`) or AWS-managed policy ARN. */
  readonly resource: string;
  /** The principal (identity, trust) or resource (key, bucket, topic, function) the document belongs to. */
  readonly owner: string;
}

/** One document with its source. */
export interface CollectedDocument extends DocumentSource {
  readonly document: PolicyDocument;
}

/** A role or user of the program, with everything attached to it. */
export interface PrincipalPolicies {
  readonly arn: string;
  readonly kind: "role" | "user";
  /** Inline, customer-managed and known AWS-managed policies attached to the principal. */
  readonly identityPolicies: { readonly name: string; readonly policy: PolicyDocument }[];
  /** AWS-managed policies attached whose document this project does not carry (see managedPolicies.ts). */
  readonly unknownManagedPolicyArns: string[];
  /** A role's trust policy. */
  readonly trustPolicy?: PolicyDocument;
}

/** Everything the simulator needs from one stack. */
export interface DeployedPolicies {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** Roles and users by ARN. */
  readonly principals: ReadonlyMap<string, PrincipalPolicies>;
  /** Resource policies by resource ARN: KMS keys, S3 buckets (bucket ARN), SNS topics, Lambda functions. */
  readonly resourcePolicies: ReadonlyMap<string, CollectedDocument>;
  /** Every document the program writes (identity, resource, trust), in registration order; not AWS-managed ones. */
  readonly documents: readonly CollectedDocument[];
}

type Inputs = Record<string, any>;

function parse(doc: unknown): PolicyDocument | undefined {
  const parsed = typeof doc === "string" ? (JSON.parse(doc) as unknown) : doc;
  if (typeof parsed !== "object" || parsed === null || !("Statement" in parsed)) return undefined;
  return parsed as PolicyDocument;
}

/**
 * The resource policy a `lambda.Permission` adds to its function, as Lambda writes it (AddPermission API reference:
 * https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html, "SourceArn" becomes an `ArnLike` on
 * `AWS:SourceArn`, "SourceAccount" a `StringEquals` on `AWS:SourceAccount`).
 */
function permissionStatement(inputs: Inputs, functionArn: string): Record<string, unknown> {
  const condition: Record<string, Record<string, string>> = {};
  if (inputs.sourceArn) condition.ArnLike = { "AWS:SourceArn": inputs.sourceArn };
  if (inputs.sourceAccount) condition.StringEquals = { "AWS:SourceAccount": inputs.sourceAccount };
  const principal = String(inputs.principal);
  return {
    Sid: inputs.statementId ?? "lambda-permission",
    Effect: "Allow",
    Principal: principal.endsWith(".amazonaws.com") ? { Service: principal } : { AWS: principal },
    Action: inputs.action,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/**
 * Collects every policy document of a mocked run. `accountId` and `region` are those the mocks answered with
 * (MOCK_ACCOUNT_ID and the stack's `aws:region`); ARNs are derived exactly as the mocks derived them.
 */
export function collectPolicies(resources: readonly RecordedResource[], opts: { accountId: string; region: string; partition?: string }): DeployedPolicies {
  const partition = opts.partition ?? "aws";
  const arnOf = (r: RecordedResource) => String(computedState(r.type, r.name, r.inputs, opts.region).arn);
  const custom = resources.filter((r) => r.custom);
  const documents: CollectedDocument[] = [];
  const principals = new Map<string, { arn: string; kind: "role" | "user"; identityPolicies: PrincipalPolicies["identityPolicies"]; unknownManagedPolicyArns: string[]; trustPolicy?: PolicyDocument }>();
  const byName = new Map<string, string>();
  const resourcePolicies = new Map<string, CollectedDocument>();

  const principalArn = (kind: "role" | "user", name: string, path = "/") => `arn:${partition}:iam::${opts.accountId}:${kind}${path}${name}`;
  for (const r of custom) {
    if (r.type !== "aws:iam/role:Role" && r.type !== "aws:iam/user:User") continue;
    const kind = r.type === "aws:iam/role:Role" ? "role" : "user";
    const name = String(r.inputs.name ?? r.name);
    const arn = principalArn(kind, name, r.inputs.path);
    const trustPolicy = kind === "role" ? parse(r.inputs.assumeRolePolicy) : undefined;
    principals.set(arn, { arn, kind, identityPolicies: [], unknownManagedPolicyArns: [], trustPolicy });
    byName.set(`${kind}:${name}`, arn);
    if (trustPolicy) documents.push({ kind: "trust", resource: r.name, owner: arn, document: trustPolicy });
  }

  const addIdentity = (kind: "role" | "user", name: unknown, policyName: string, resource: string, doc: PolicyDocument | undefined) => {
    const arn = byName.get(`${kind}:${String(name)}`);
    if (!doc || !arn) return;
    principals.get(arn)?.identityPolicies.push({ name: policyName, policy: doc });
    documents.push({ kind: "identity", resource, owner: arn, document: doc });
  };
  const customerManaged = new Map(
    custom.filter((r) => r.type === "aws:iam/policy:Policy").map((r) => [arnOf(r), { resource: r.name, doc: parse(r.inputs.policy) }]),
  );
  const attach = (kind: "role" | "user", name: unknown, policyArn: string) => {
    const own = customerManaged.get(policyArn);
    if (own) return addIdentity(kind, name, policyArn, own.resource, own.doc);
    // AWS-managed documents are AWS's to write: they join the evaluation, not the project's documents.
    const principal = principals.get(byName.get(`${kind}:${String(name)}`) ?? "");
    const managed = AWS_MANAGED_POLICIES[policyArn.replace(/^arn:[^:]+:iam::aws:policy\//, "")];
    if (managed) principal?.identityPolicies.push({ name: policyArn, policy: managed });
    else principal?.unknownManagedPolicyArns.push(policyArn);
  };

  for (const r of custom) {
    const i = r.inputs;
    switch (r.type) {
      case "aws:iam/role:Role":
        (i.inlinePolicies ?? []).forEach((p: Inputs, n: number) => addIdentity("role", i.name ?? r.name, p.name ?? `inline-${n}`, r.name, parse(p.policy)));
        (i.managedPolicyArns ?? []).forEach((a: string) => attach("role", i.name ?? r.name, a));
        break;
      case "aws:iam/rolePolicy:RolePolicy":
        addIdentity("role", i.role, i.name ?? r.name, r.name, parse(i.policy));
        break;
      case "aws:iam/userPolicy:UserPolicy":
        addIdentity("user", i.user, i.name ?? r.name, r.name, parse(i.policy));
        break;
      case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        attach("role", i.role, String(i.policyArn));
        break;
      case "aws:iam/userPolicyAttachment:UserPolicyAttachment":
        attach("user", i.user, String(i.policyArn));
        break;
      case "aws:kms/key:Key":
      case "aws:sns/topicPolicy:TopicPolicy":
      case "aws:s3/bucketPolicy:BucketPolicy": {
        const doc = parse(i.policy);
        if (!doc) break;
        const kind = r.type === "aws:kms/key:Key" ? "key" : r.type === "aws:s3/bucketPolicy:BucketPolicy" ? "bucket" : "topic";
        const owner = kind === "key" ? arnOf(r) : kind === "bucket" ? `arn:${partition}:s3:::${String(i.bucket)}` : String(i.arn);
        const collected: CollectedDocument = { kind, resource: r.name, owner, document: doc };
        resourcePolicies.set(owner, collected);
        documents.push(collected);
        break;
      }
      case "aws:lambda/permission:Permission": {
        const fn = `arn:${partition}:lambda:${opts.region}:${opts.accountId}:function:${String(i.function)}`;
        const existing = resourcePolicies.get(fn);
        const statements = existing ? [...(existing.document.Statement as Record<string, unknown>[])] : [];
        statements.push(permissionStatement(i, fn));
        const collected: CollectedDocument = { kind: "function", resource: r.name, owner: fn, document: { Version: "2012-10-17", Statement: statements } };
        if (existing) documents.splice(documents.indexOf(existing), 1, collected);
        else documents.push(collected);
        resourcePolicies.set(fn, collected);
        break;
      }
      default:
        break;
    }
  }
  return { accountId: opts.accountId, region: opts.region, partition, principals, resourcePolicies, documents };
}

/** Statements of a document as a list (IAM allows one statement object in place of a list). */
export function statementsOf(doc: PolicyDocument): Record<string, unknown>[] {
  return Array.isArray(doc.Statement) ? [...doc.Statement] : [doc.Statement as Record<string, unknown>];
}
