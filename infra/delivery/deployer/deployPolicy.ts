/**
 * The deploy role's permissions, generated from the provider's calls (./actions.ts): every action of every resource
 * type the program manages, on this environment's resources only (`data-platform-<env>-*` names, this account and
 * Region), or, where AWS names no resource or the name is not ours to choose (key ids, security group ids), on
 * resources carrying this environment's tags. Split into managed policies of at most 6,144 characters
 * (IAM quotas: managed policy size, white space not counted).
 */
import { PROJECT, glueDatabaseName, physicalName } from "../../../contracts/naming";
import { anyResourceOnlyFor } from "../../../policy/wildcardActions";
import type { PolicyStatement } from "../../security/policy";
import { BLOCK_TYPES, type ConfigBlock, type DeployTarget, INVOKE_CALLS, PHASES, type Phase, RESOURCE_CALLS, parseCall } from "./actions";

/** IAM's limit on a managed policy document, characters without white space. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/** Plain values the generated policy is scoped to. */
export interface DeployScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly environment: string;
  /** VPCs the program creates security groups in. */
  readonly vpcIds: readonly string[];
  /** RDS clusters the program looks up (the source). */
  readonly lookedUpClusterIds: readonly string[];
  /** The optional config blocks the stack enables: only their resource types are granted. */
  readonly blocks: readonly ConfigBlock[];
}

/** The resource types whose provider actions the generated policy grants for a stack with these blocks. */
export function grantedResourceTypes(blocks: readonly ConfigBlock[]): string[] {
  const optional = new Map(Object.entries(BLOCK_TYPES).flatMap(([block, types]) => types.map((t) => [t as string, block as ConfigBlock])));
  return Object.keys(RESOURCE_CALLS).filter((t) => !INLINE_TYPES.has(t) && (!optional.has(t) || blocks.includes(optional.get(t)!)));
}

/**
 * Resource types whose permissions the role's inline policy grants and reviewers read there (githubRolePolicies.ts):
 * the platform roles (with the service-role-only attachment rule), the OIDC provider, and PassRole.
 */
const INLINE_TYPES = new Set([
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
]);
const INLINE_ACTIONS = new Set(["iam:PassRole", "iam:ListOpenIDConnectProviders", "iam:GetOpenIDConnectProvider"]);

/**
 * The deploy role's own managed policies are delivery resources: only an administrator changes them (the deploy
 * role would otherwise widen itself), so only their reads are granted.
 */
const POLICY_READS = new Set(["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"]);

type Condition = Record<string, Record<string, string | string[]>>;
interface Grant {
  readonly sid: string;
  readonly resources: readonly string[];
  readonly condition?: Condition;
}

/** Where each (type, target) may act, in this environment. */
function grantFor(type: string, target: DeployTarget, action: string, phase: Phase, s: DeployScope): Grant {
  const { partition: p, region, accountId: a, environment: env } = s;
  const prefix = physicalName(env, "");
  const regional = (svc: string, rest: string) => `arn:${p}:${svc}:${region}:${a}:${rest}`;
  const tagged: Condition = { StringEquals: { "aws:ResourceTag/project": PROJECT, "aws:ResourceTag/environment": env } };
  const requestTagged: Condition = { StringEquals: { "aws:RequestTag/project": PROJECT, "aws:RequestTag/environment": env } };
  // A key has no name before it exists: creating one is allowed only with this environment's tags.
  if (action === "kms:CreateKey") return { sid: "CreateKeysTaggedForThisEnvironment", resources: [anyResourceOnlyFor(action)], condition: requestTagged };
  // Throws for an action catalogued on "*" that has a resource type after all.
  if (target === "*") return { sid: "NoResourceType", resources: [anyResourceOnlyFor(action)] };
  const [, svc] = /^aws:([^/]+)\//.exec(type) ?? [];
  if (svc === "s3") {
    return target === "objects"
      ? { sid: "EmptyOwnBucketsOnDestroy", resources: [`arn:${p}:s3:::${prefix}*/*`] }
      : { sid: "OwnBuckets", resources: [`arn:${p}:s3:::${prefix}*`] };
  }
  if (type === "aws:kms/key:Key" || target === "key") {
    if (type === "aws:lambda/function:Function") {
      return {
        sid: "EncryptFunctionEnvironmentsThroughLambda",
        resources: [regional("kms", "key/*")],
        condition: {
          StringEquals: { "kms:ViaService": `lambda.${region}.amazonaws.com`, "aws:ResourceTag/project": PROJECT, "aws:ResourceTag/environment": env },
          ...(action === "kms:CreateGrant" ? { Bool: { "kms:GrantIsForAWSResource": "true" } } : {}),
        },
      };
    }
    return { sid: "OwnKeys", resources: [regional("kms", "key/*")], condition: tagged };
  }
  if (type === "aws:kms/alias:Alias") return { sid: "OwnKeyAliases", resources: [regional("kms", `alias/${prefix}*`)] };
  if (svc === "iam") {
    if (type === "aws:iam/policy:Policy") return { sid: "ReadOwnDeployPolicies", resources: [`arn:${p}:iam::${a}:policy/${prefix}github-deploy-*`] };
    return { sid: "OwnUsers", resources: [`arn:${p}:iam::${a}:user/${prefix}*`] };
  }
  if (svc === "lambda") return { sid: "OwnFunctions", resources: [regional("lambda", `function:${prefix}*`)] };
  if (type === "aws:cloudwatch/logGroup:LogGroup") {
    return { sid: "OwnLogGroups", resources: [regional("logs", `log-group:/aws/lambda/${prefix}*`), regional("logs", `log-group:/aws/vendedlogs/states/${prefix}*`)] };
  }
  if (type === "aws:cloudwatch/metricAlarm:MetricAlarm") return { sid: "OwnAlarms", resources: [regional("cloudwatch", `alarm:${prefix}*`)] };
  if (type.startsWith("aws:cloudwatch/event")) return { sid: "OwnEventRules", resources: [regional("events", `rule/${prefix}*`)] };
  if (svc === "scheduler") return { sid: "OwnSchedules", resources: [regional("scheduler", `schedule/default/${prefix}*`)] };
  // A subscription's ARN is its topic's ARN and an id: the same pattern covers both.
  if (svc === "sns") return { sid: "OwnTopics", resources: [regional("sns", `${prefix}*`)] };
  if (svc === "ec2" || svc === "vpc") {
    if (target === "vpc") return { sid: "SecurityGroupsInTheConfiguredVpcs", resources: s.vpcIds.map((v) => regional("ec2", `vpc/${v}`)) };
    // Only these actions take a security-group-rule ARN (Service Authorization Reference, Amazon EC2); naming one
    // for any other action would be a dead grant.
    const onRules = ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:ModifySecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags"];
    const resources = [regional("ec2", "security-group/*"), ...(onRules.includes(action) ? [regional("ec2", "security-group-rule/*")] : [])];
    if (action === "ec2:CreateTags" && phase === "create") {
      return { sid: "TagOnCreate", resources, condition: { StringEquals: { "ec2:CreateAction": ["CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"] } } };
    }
    const creates = action === "ec2:CreateSecurityGroup" || action.startsWith("ec2:Authorize");
    return creates ? { sid: "CreateTaggedSecurityGroups", resources, condition: requestTagged } : { sid: "OwnSecurityGroups", resources, condition: tagged };
  }
  if (type === "aws:rds/subnetGroup:SubnetGroup") return { sid: "OwnSubnetGroups", resources: [regional("rds", `subgrp:${prefix}*`)] };
  if (svc === "glue") {
    const db = glueDatabaseName(env);
    // This environment's databases: `data_platform_<env>` and `data_platform_<env>_<purpose>`.
    const dbs = [db, `${db}_*`];
    if (target === "catalog") return { sid: "GlueCatalog", resources: [regional("glue", "catalog")] };
    if (target === "tables") return { sid: "OwnGlueTables", resources: dbs.flatMap((d) => [regional("glue", `table/${d}/*`), regional("glue", `userDefinedFunction/${d}/*`)]) };
    if (type === "aws:glue/crawler:Crawler") return { sid: "OwnCrawlers", resources: [regional("glue", `crawler/${prefix}*`)] };
    return { sid: "OwnGlueDatabases", resources: dbs.map((d) => regional("glue", `database/${d}`)) };
  }
  if (svc === "athena") return { sid: "OwnWorkgroups", resources: [regional("athena", `workgroup/${prefix}*`)] };
  if (svc === "secretsmanager") return { sid: "OwnSecrets", resources: [regional("secretsmanager", `secret:${prefix}*`)] };
  if (svc === "ssm") return { sid: "OwnParameters", resources: [regional("ssm", `parameter/${PROJECT}/${env}/*`)] };
  if (svc === "sfn") return { sid: "OwnStateMachines", resources: [regional("states", `stateMachine:${prefix}*`)] };
  if (svc === "budgets") return { sid: "OwnBudgets", resources: [`arn:${p}:budgets::${a}:budget/${prefix}*`] };
  if (svc === "chatbot") return { sid: "OwnChatChannels", resources: [`arn:${p}:chatbot::${a}:chat-configuration/slack-channel/${prefix}*`] };
  if (svc === "quicksight") {
    // A data set's calls on its data source (CreateDataSet, PassDataSource) are authorised on the data source.
    const onSource = target === "parent" || type === "aws:quicksight/dataSource:DataSource";
    return onSource
      ? { sid: "OwnQuickSightDataSources", resources: [regional("quicksight", `datasource/${prefix}*`)] }
      : { sid: "OwnQuickSightDataSets", resources: [regional("quicksight", `dataset/${prefix}*`)] };
  }
  throw new Error(`no scope is defined for ${type} (${target})`);
}

/** The generated statements: one per scope, each listing every action granted there, sorted. */
export function deployerStatements(s: DeployScope): PolicyStatement[] {
  const grants = new Map<string, { grant: Grant; actions: Set<string> }>();
  const add = (grant: Grant, action: string) => {
    const key = JSON.stringify([grant.resources, grant.condition ?? null]);
    const entry = grants.get(key) ?? { grant, actions: new Set<string>() };
    entry.actions.add(action);
    grants.set(key, entry);
  };
  const granted = new Set(grantedResourceTypes(s.blocks));
  for (const [type, calls] of Object.entries(RESOURCE_CALLS)) {
    if (!granted.has(type)) continue;
    for (const phase of PHASES) {
      for (const call of calls[phase].map(parseCall)) {
        if (INLINE_ACTIONS.has(call.action)) continue;
        if (type === "aws:iam/policy:Policy" && !POLICY_READS.has(call.action)) continue;
        for (const target of call.on) add(grantFor(type, target, call.action, phase, s), call.action);
      }
    }
  }
  const clusters = s.lookedUpClusterIds.map((id) => `arn:${s.partition}:rds:${s.region}:${s.accountId}:cluster:${id}`);
  for (const call of INVOKE_CALLS["aws:rds/getCluster:getCluster"].actions.map(parseCall)) {
    if (clusters.length > 0) add({ sid: "LookUpTheSourceCluster", resources: clusters }, call.action);
  }
  const sids = new Map<string, number>();
  return [...grants.values()].map(({ grant, actions }) => {
    const n = (sids.get(grant.sid) ?? 0) + 1;
    sids.set(grant.sid, n);
    return {
      Sid: n === 1 ? grant.sid : `${grant.sid}${n}`,
      Effect: "Allow" as const,
      Action: [...actions].sort(),
      Resource: grant.resources.length === 1 ? grant.resources[0] : [...grant.resources],
      ...(grant.condition ? { Condition: grant.condition } : {}),
    };
  });
}

/**
 * Packs statements, in order, into as few documents as fit IAM's managed-policy size. The split is computed with the
 * longest partition name, so that the real documents (any partition) never exceed the limit.
 */
export function splitIntoManagedPolicies<T>(statements: readonly T[], sizeOf: (statements: readonly T[]) => number = (st) => documentSize(st)): T[][] {
  const documents: T[][] = [];
  let current: T[] = [];
  for (const statement of statements) {
    if (sizeOf([statement]) > MANAGED_POLICY_MAX_CHARS) throw new RangeError(`one statement exceeds ${MANAGED_POLICY_MAX_CHARS} characters`);
    if (current.length > 0 && sizeOf([...current, statement]) > MANAGED_POLICY_MAX_CHARS) {
      documents.push(current);
      current = [];
    }
    current.push(statement);
  }
  if (current.length > 0) documents.push(current);
  return documents;
}

/** Characters IAM counts for a policy document: its JSON without white space. */
export function documentSize(statements: readonly unknown[]): number {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements }).length;
}
