/**
 * Reading IAM policy documents out of resource inputs, for the guardrails. Inputs arrive as JSON strings (what
 * `pulumi.jsonStringify` produces) or objects; during a CrossGuard preview a document that depends on a resource not
 * yet created is unknown and arrives as `undefined`, which the rules treat as "cannot judge yet", not as a pass.
 */

/** One statement as AWS reads it; Action/Resource may be one string or a list. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** A document found in a resource's inputs, with where it was found (for the violation message). */
export interface FoundDocument {
  /** Input path, e.g. `policy` or `inlinePolicies[0].policy`. */
  readonly path: string;
  readonly statements: readonly Statement[];
}

/** Identity policies: what a principal may do. `Resource: "*"` is judged here. */
const IDENTITY_POLICY_TYPES = new Set([
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
]);

/** Resource policies: who may use one resource. There `"*"` means "this resource" (a KMS key policy must say so). */
const RESOURCE_POLICY_TYPES = new Set([
  "aws:kms/key:Key",
  "aws:kms/keyPolicy:KeyPolicy",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sqs/queuePolicy:QueuePolicy",
]);

/** A list of strings from a one-or-many IAM field. */
export function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Statements of a document given as JSON text or an object; undefined when unknown or unreadable. */
export function parseStatements(doc: unknown): Statement[] | undefined {
  let parsed: unknown = doc;
  if (typeof doc === "string") {
    try {
      parsed = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const st = (parsed as { Statement?: unknown }).Statement;
  if (st === undefined) return [];
  return (Array.isArray(st) ? st : [st]).filter((s): s is Statement => typeof s === "object" && s !== null);
}

function found(path: string, doc: unknown): FoundDocument[] {
  const statements = parseStatements(doc);
  return statements === undefined ? [] : [{ path, statements }];
}

/** Identity-policy documents in a resource's inputs (inline role policies included). */
export function identityDocuments(type: string, props: Record<string, any>): FoundDocument[] {
  if (IDENTITY_POLICY_TYPES.has(type)) return found("policy", props.policy);
  if (type === "aws:iam/role:Role") {
    const inline = Array.isArray(props.inlinePolicies) ? props.inlinePolicies : [];
    return inline.flatMap((p: { policy?: unknown }, i: number) => found(`inlinePolicies[${i}].policy`, p?.policy));
  }
  return [];
}

/** Resource-policy documents in a resource's inputs. */
export function resourceDocuments(type: string, props: Record<string, any>): FoundDocument[] {
  return RESOURCE_POLICY_TYPES.has(type) ? found("policy", props.policy) : [];
}

/** True for a statement that grants something; Deny statements only ever narrow access. */
export function isAllow(s: Statement): boolean {
  return s.Effect === "Allow";
}
