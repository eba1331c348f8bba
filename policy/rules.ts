/**
 * The guardrails as pure functions over resources (type + inputs). Two runners use exactly these functions: the
 * CrossGuard pack (policy/policies.ts, `pulumi preview --policy-pack policy`) and the offline plan
 * (automation/commands/plan.ts). A rule never reads the cloud, the Pulumi runtime or the clock.
 */
import { type Statement, asList, identityDocuments, isAllow, parseStatements, resourceDocuments } from "./documents";
import { budgetNotifiesAndIsScoped, chatChannelReadOnly, quickSightScoped, servicePrincipalsConditioned } from "./analyticsRules";
import { isWildcardOnlyAction } from "./wildcardActions";

/** A resource as the rules see it. */
export interface PolicyResourceView {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Inputs; a value unknown during preview is undefined. */
  readonly props: Record<string, any>;
  /** Physical id, when known (the offline plan knows it; CrossGuard joins through propertyDependencies instead). */
  readonly id?: string;
  /** `defaultTags.tags` of the provider that manages the resource. */
  readonly providerDefaultTags?: Record<string, string>;
  /** URNs each input depends on (CrossGuard's `propertyDependencies`), to join resources whose ids are unknown. */
  readonly propertyDependencies?: Record<string, readonly string[]>;
}

/** Mandatory violations fail the plan and block `pulumi up`; advisory ones are printed only. */
export type EnforcementLevel = "mandatory" | "advisory";

/** One broken rule on one resource. */
export interface Violation {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly urn: string;
  readonly message: string;
}

interface RuleBase {
  /** Kebab-case id, shown in both runners. */
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
}

/** A rule judged one resource at a time. Returns one message per problem. */
export interface ResourceRule extends RuleBase {
  readonly check: (r: PolicyResourceView) => string[];
}

/** A rule that joins resources (S3 bucket settings live on separate resources in the AWS provider v7). */
export interface StackRule extends RuleBase {
  readonly checkStack: (rs: readonly PolicyResourceView[]) => { urn: string; message: string }[];
}

/** Tags every AWS resource carries (through the provider's default tags). */
export const REQUIRED_TAGS = ["project", "environment", "managed-by"] as const;

/** The oldest Lambda Node.js runtime allowed. */
export const MIN_NODEJS_RUNTIME = 22;

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const ENCRYPTION_TYPES = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);
const PUBLIC_ACCESS_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BUCKET_POLICY_TYPE = "aws:s3/bucketPolicy:BucketPolicy";
const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/**
 * `defaultTags.tags` from a provider's inputs. The engine may hand provider inputs over JSON-encoded (provider
 * config travels as strings), so both shapes are read.
 */
export function providerDefaultTags(props: Record<string, any> | undefined): Record<string, string> | undefined {
  let dt: unknown = props?.defaultTags;
  if (typeof dt === "string") {
    try {
      dt = JSON.parse(dt);
    } catch {
      return undefined;
    }
  }
  const tags = (dt as { tags?: unknown } | undefined)?.tags;
  return tags && typeof tags === "object" ? (tags as Record<string, string>) : undefined;
}

/** Provider default tags overlaid by the resource's own tags: what AWS ends up with. */
export function effectiveTags(r: PolicyResourceView): Record<string, string> {
  const own = r.props.tags && typeof r.props.tags === "object" ? (r.props.tags as Record<string, string>) : {};
  return { ...(r.providerDefaultTags ?? {}), ...own };
}

const kmsKeyRotation: ResourceRule = {
  name: "kms-key-rotation",
  description: "Symmetric KMS keys rotate their key material.",
  enforcementLevel: "mandatory",
  check: (r) => {
    if (r.type !== "aws:kms/key:Key") return [];
    const spec = r.props.customerMasterKeySpec ?? r.props.keySpec ?? "SYMMETRIC_DEFAULT";
    if (spec !== "SYMMETRIC_DEFAULT") return []; // AWS cannot rotate asymmetric or HMAC keys
    return r.props.enableKeyRotation === true ? [] : ["key rotation is off: set enableKeyRotation: true"];
  },
};

/** "*", "s3:*", "S3:*": grants every action of everything or of one service. */
function isServiceWildcard(action: string): boolean {
  return action === "*" || /^[a-z0-9-]+:\*$/i.test(action);
}

function statementLabel(path: string, s: Statement, i: number): string {
  return `${path} statement ${s.Sid ? `"${s.Sid}"` : `#${i}`}`;
}

const iamNoWildcardActions: ResourceRule = {
  name: "iam-no-wildcard-actions",
  description: 'No Allow statement grants Action "*" or "<service>:*", or uses NotAction.',
  enforcementLevel: "mandatory",
  check: (r) => {
    const docs = [...identityDocuments(r.type, r.props), ...resourceDocuments(r.type, r.props)];
    const problems: string[] = [];
    for (const doc of docs) {
      doc.statements.forEach((s, i) => {
        if (!isAllow(s)) return; // a Deny on s3:* (the TLS-only policy) narrows access: that is the point
        const wild = asList(s.Action).filter(isServiceWildcard);
        if (wild.length > 0) problems.push(`${statementLabel(doc.path, s, i)} allows ${wild.join(", ")}: name the actions`);
        if (s.NotAction !== undefined) problems.push(`${statementLabel(doc.path, s, i)} allows NotAction: name the actions`);
      });
    }
    return problems;
  },
};

const iamResourceWildcard: ResourceRule = {
  name: "iam-resource-wildcard",
  description: 'Identity policies use Resource "*" only for actions AWS grants only on "*" (policy/wildcardActions.ts).',
  enforcementLevel: "mandatory",
  check: (r) => {
    const problems: string[] = [];
    for (const doc of identityDocuments(r.type, r.props)) {
      doc.statements.forEach((s, i) => {
        if (!isAllow(s)) return;
        if (s.NotResource !== undefined) {
          problems.push(`${statementLabel(doc.path, s, i)} uses NotResource: name the resources`);
          return;
        }
        if (!asList(s.Resource).includes("*")) return;
        const notListed = asList(s.Action).filter((a) => !isWildcardOnlyAction(a));
        if (notListed.length > 0) {
          problems.push(`${statementLabel(doc.path, s, i)} grants ${notListed.join(", ")} on "*": scope it to ARNs`);
        }
      });
    }
    return problems;
  },
};

const lambdaRuntime: ResourceRule = {
  name: "lambda-nodejs-runtime",
  description: `Lambda functions run nodejs${MIN_NODEJS_RUNTIME}.x or newer.`,
  enforcementLevel: "mandatory",
  check: (r) => {
    if (r.type !== "aws:lambda/function:Function") return [];
    if (r.props.packageType === "Image") return []; // container images carry their own runtime
    const runtime = r.props.runtime;
    if (runtime === undefined) return ["runtime is not set"];
    const major = /^nodejs(\d+)\.x$/.exec(String(runtime))?.[1];
    return major !== undefined && Number(major) >= MIN_NODEJS_RUNTIME
      ? []
      : [`runtime ${runtime} is not nodejs${MIN_NODEJS_RUNTIME}.x or newer`];
  },
};

const requiredTags: ResourceRule = {
  name: "required-tags",
  description: `Every AWS resource carries the tags ${REQUIRED_TAGS.join(", ")} (normally through the provider's default tags).`,
  enforcementLevel: "mandatory",
  check: (r) => {
    if (!r.type.startsWith("aws:")) return []; // providers, components, other clouds
    const tags = effectiveTags(r);
    const missing = REQUIRED_TAGS.filter((t) => typeof tags[t] !== "string" || tags[t].trim() === "");
    return missing.length === 0 ? [] : [`missing tags: ${missing.join(", ")}`];
  },
};

const rdsEncryptionAndExpiry: ResourceRule = {
  name: "rds-encrypted-and-qa-expiry",
  description: "RDS clusters are storage-encrypted; QA clones (tag purpose=qa) carry an expires-at tag with an ISO-8601 time.",
  enforcementLevel: "mandatory",
  check: (r) => {
    const cluster = r.type === "aws:rds/cluster:Cluster";
    if (!cluster && r.type !== "aws:rds/clusterInstance:ClusterInstance") return [];
    const problems: string[] = [];
    // A copy-on-write clone inherits encryption, but the flag must still be explicit so that this is checkable.
    if (cluster && r.props.storageEncrypted !== true) problems.push("storageEncrypted is not true");
    const tags = effectiveTags(r);
    if (tags.purpose === "qa") {
      const expires = tags["expires-at"];
      if (expires === undefined) problems.push("a QA clone (purpose=qa) has no expires-at tag");
      else if (!/^\d{4}-\d{2}-\d{2}T/.test(expires) || Number.isNaN(Date.parse(expires))) {
        problems.push(`expires-at "${expires}" is not an ISO-8601 time`);
      }
    }
    return problems;
  },
};

/** Does `child` (a bucket-level resource) configure `bucket`? By dependency when known, else by name or id. */
export function configuresBucket(child: PolicyResourceView, bucket: PolicyResourceView): boolean {
  if (child.propertyDependencies?.bucket?.includes(bucket.urn)) return true;
  const ref = child.props.bucket;
  if (typeof ref !== "string") return false;
  return ref === bucket.id || (bucket.props.bucket !== undefined && ref === bucket.props.bucket);
}

function kmsEncrypted(rules: unknown): boolean {
  return asArray(rules).some((rule) => {
    const d = (rule as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string } })
      ?.applyServerSideEncryptionByDefault;
    return (d?.sseAlgorithm === "aws:kms" || d?.sseAlgorithm === "aws:kms:dsse") && typeof d.kmsMasterKeyId === "string";
  });
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

/** A Deny for anyone of s3 actions when aws:SecureTransport is false. */
export function isTlsOnlyStatement(s: Statement): boolean {
  const anyone = s.Principal === "*" || asList((s.Principal as { AWS?: unknown } | undefined)?.AWS).includes("*");
  const actions = asList(s.Action);
  const secure = s.Condition?.Bool?.["aws:SecureTransport"];
  return s.Effect === "Deny" && anyone && (actions.includes("s3:*") || actions.includes("*")) && String(secure) === "false";
}

const s3Buckets: StackRule = {
  name: "s3-bucket-guardrails",
  description: "Every S3 bucket is SSE-KMS encrypted with a named key, sets all four public-access blocks and has a TLS-only policy.",
  enforcementLevel: "mandatory",
  checkStack: (rs) => {
    const out: { urn: string; message: string }[] = [];
    for (const bucket of rs.filter((r) => BUCKET_TYPES.has(r.type))) {
      const of = (types: Set<string> | string) =>
        rs.filter((r) => (typeof types === "string" ? r.type === types : types.has(r.type)) && configuresBucket(r, bucket));
      const report = (message: string) => out.push({ urn: bucket.urn, message: `bucket "${bucket.name}": ${message}` });

      const encrypted = kmsEncrypted(bucket.props.serverSideEncryptionConfiguration?.rule ?? bucket.props.serverSideEncryptionConfiguration?.rules)
        || of(ENCRYPTION_TYPES).some((e) => kmsEncrypted(e.props.rules));
      if (!encrypted) report("no SSE-KMS default encryption with a KMS key (aws:kms + kmsMasterKeyId)");

      const blocks = of(PUBLIC_ACCESS_TYPE);
      if (blocks.length === 0) report("no BucketPublicAccessBlock");
      for (const b of blocks) {
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => b.props[f] !== true);
        if (off.length > 0) report(`public access blocks not set: ${off.join(", ")}`);
      }

      const policies = [...of(BUCKET_POLICY_TYPE).map((p) => p.props.policy), ...(bucket.props.policy ? [bucket.props.policy] : [])];
      if (policies.length === 0) report("no bucket policy denying non-TLS requests");
      else {
        const docs = policies.map(parseStatements);
        // An unknown document (preview, before its inputs exist) cannot be judged yet; `pulumi up` judges it.
        if (docs.every((d) => d !== undefined) && !docs.some((d) => d!.some(isTlsOnlyStatement))) {
          report("bucket policy does not deny requests without aws:SecureTransport");
        }
      }
    }
    return out;
  },
};

/** Every per-resource rule. */
export const RESOURCE_RULES: readonly ResourceRule[] = [
  kmsKeyRotation,
  iamNoWildcardActions,
  iamResourceWildcard,
  lambdaRuntime,
  requiredTags,
  rdsEncryptionAndExpiry,
  servicePrincipalsConditioned,
  budgetNotifiesAndIsScoped,
  chatChannelReadOnly,
  quickSightScoped,
];

/** Every rule that needs the whole stack. */
export const STACK_RULES: readonly StackRule[] = [s3Buckets];

/** Runs every rule over a stack's resources: the offline plan's runner. */
export function evaluate(resources: readonly PolicyResourceView[]): Violation[] {
  const violations: Violation[] = [];
  for (const rule of RESOURCE_RULES) {
    for (const r of resources) {
      for (const message of rule.check(r)) violations.push({ policy: rule.name, enforcementLevel: rule.enforcementLevel, urn: r.urn, message });
    }
  }
  for (const rule of STACK_RULES) {
    for (const v of rule.checkStack(resources)) violations.push({ policy: rule.name, enforcementLevel: rule.enforcementLevel, ...v });
  }
  return violations;
}
