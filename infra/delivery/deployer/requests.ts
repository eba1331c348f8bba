/**
 * The requests the deploy role makes for a program run: for every resource the program registers and every phase of
 * its life (./actions.ts), one request per action and per resource the action is authorised on; plus the provider
 * functions (invokes) the program calls. Built from a recorded run under mocks, so what is evaluated is exactly
 * what `pulumi up` would manage.
 */
import { STANDARD_TAG_KEYS, standardTags } from "../../../contracts/naming";
import { type Call, type DeployTarget, INVOKE_CALLS, PHASES, type Phase, RESOURCE_CALLS, parseCall } from "./actions";

/** A registered resource as the mocks record it (automation/plan/mockRuntime.ts). */
export interface DeployedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly id?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider inputs are arbitrary JSON
  readonly inputs: Record<string, any>;
}

/** A provider function the program called. */
export interface DeployInvoke {
  readonly token: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider inputs are arbitrary JSON
  readonly inputs: Record<string, any>;
}

/** Where the stack is deployed. */
export interface DeployContext {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly environment: string;
  /** The principal that signs every request: the stack's deploy role. */
  readonly principal: string;
}

/** One request of the deployer, in the shape of the project's evaluator (policy/permissions). */
export interface DeployRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** `<type> <name> <phase>`, or `invoke <token>`. */
  readonly origin: string;
  /** Resource type (or invoke token) and phase, for reports and for the admin-only list. */
  readonly type: string;
  readonly name: string;
  readonly phase: Phase | "invoke";
}

/**
 * Actions that change the delivery roles (their creation, trust, inline policy, attachments, tags, deletion) or the
 * deploy role's own managed policies: only an administrator makes these requests, and the deploy role is denied each
 * one explicitly (infra/delivery/githubRolePolicies.ts), so that a workflow cannot widen its own permissions.
 */
const ADMINISTRATOR_ONLY_ACTIONS = new Set([
  "iam:CreateRole",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:DeleteRole",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:CreatePolicy",
  "iam:TagPolicy",
  "iam:UntagPolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicyVersion",
  "iam:DeletePolicy",
]);
/** Recorded names of the delivery roles and their policies (infra/delivery/githubOidc.ts). */
const DELIVERY_RESOURCE = /^github-(preview|deploy)(-policy|-managed-\d+|-policy-\d+)?$/;

/** True for a request only an administrator may make: the deploy role must be denied it explicitly. */
export function isAdministratorOnly(r: Pick<DeployRequest, "name" | "action">): boolean {
  return DELIVERY_RESOURCE.test(r.name) && ADMINISTRATOR_ONLY_ACTIONS.has(r.action);
}

/** Types that carry no API calls of their own (the provider itself, components, GCP resources). */
function managedByAws(r: DeployedResource): boolean {
  return r.custom && r.type.startsWith("aws:");
}

/** The ARN of a resource, as AWS names it. */
function selfArn(r: DeployedResource, c: DeployContext): string | undefined {
  const { partition: p, region, accountId: a } = c;
  const i = r.inputs;
  const regional = (svc: string, rest: string) => `arn:${p}:${svc}:${region}:${a}:${rest}`;
  switch (r.type) {
    case "aws:s3/bucket:Bucket":
      return `arn:${p}:s3:::${i.bucket}`;
    case "aws:kms/key:Key":
      return keyArn(`mock-key-${r.name}`, c);
    case "aws:kms/alias:Alias":
      return regional("kms", i.name);
    case "aws:iam/role:Role":
      return `arn:${p}:iam::${a}:role/${i.name}`;
    case "aws:iam/user:User":
      return `arn:${p}:iam::${a}:user/${i.name}`;
    case "aws:iam/policy:Policy":
      return `arn:${p}:iam::${a}:policy/${i.name}`;
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return `arn:${p}:iam::${a}:oidc-provider/${String(i.url).replace(/^https:\/\//, "")}`;
    case "aws:lambda/function:Function":
      return regional("lambda", `function:${i.name}`);
    case "aws:cloudwatch/logGroup:LogGroup":
      return regional("logs", `log-group:${i.name}`);
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return regional("cloudwatch", `alarm:${i.name}`);
    case "aws:cloudwatch/eventRule:EventRule":
      return regional("events", `rule/${i.name}`);
    case "aws:scheduler/schedule:Schedule":
      return regional("scheduler", `schedule/${i.groupName ?? "default"}/${i.name}`);
    case "aws:sns/topic:Topic":
      return regional("sns", i.name);
    case "aws:sns/topicSubscription:TopicSubscription":
      return `${i.topic}:${r.id}`;
    case "aws:ec2/securityGroup:SecurityGroup":
      return regional("ec2", `security-group/${r.id}`);
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return regional("ec2", `security-group-rule/${r.id}`);
    case "aws:rds/subnetGroup:SubnetGroup":
      return regional("rds", `subgrp:${i.name}`);
    case "aws:glue/catalogDatabase:CatalogDatabase":
      return regional("glue", `database/${i.name}`);
    case "aws:glue/crawler:Crawler":
      return regional("glue", `crawler/${i.name}`);
    case "aws:athena/workgroup:Workgroup":
      return regional("athena", `workgroup/${i.name}`);
    case "aws:secretsmanager/secret:Secret":
      // Secrets Manager appends six random characters to the name (the mocks use "AbCdEf").
      return regional("secretsmanager", `secret:${i.name}-AbCdEf`);
    case "aws:ssm/parameter:Parameter":
      return regional("ssm", `parameter${String(i.name).startsWith("/") ? "" : "/"}${i.name}`);
    case "aws:sfn/stateMachine:StateMachine":
      return regional("states", `stateMachine:${i.name}`);
    case "aws:budgets/budget:Budget":
      return `arn:${p}:budgets::${a}:budget/${i.name}`;
    case "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration":
      return `arn:${p}:chatbot::${a}:chat-configuration/slack-channel/${i.configurationName}`;
    case "aws:quicksight/dataSource:DataSource":
      return regional("quicksight", `datasource/${i.dataSourceId}`);
    case "aws:quicksight/dataSet:DataSet":
      return regional("quicksight", `dataset/${i.dataSetId}`);
    default:
      return undefined;
  }
}

function keyArn(key: string, c: DeployContext): string {
  return key.startsWith("arn:") ? key : `arn:${c.partition}:kms:${c.region}:${c.accountId}:key/${key}`;
}

/** The resource a dependent resource configures (bucket setting → bucket, role policy → role, …). */
function parentArn(r: DeployedResource, c: DeployContext): string | undefined {
  const { partition: p, region, accountId: a } = c;
  const i = r.inputs;
  if (r.type.startsWith("aws:s3/")) return `arn:${p}:s3:::${i.bucket}`;
  if (r.type === "aws:iam/rolePolicy:RolePolicy" || r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment") return `arn:${p}:iam::${a}:role/${i.role}`;
  if (r.type === "aws:iam/userPolicy:UserPolicy" || r.type === "aws:iam/accessKey:AccessKey") return `arn:${p}:iam::${a}:user/${i.user}`;
  if (r.type === "aws:cloudwatch/eventTarget:EventTarget") return `arn:${p}:events:${region}:${a}:rule/${i.rule}`;
  if (r.type === "aws:sns/topicPolicy:TopicPolicy") return i.arn;
  if (r.type === "aws:sns/topicSubscription:TopicSubscription") return i.topic;
  if (r.type === "aws:athena/namedQuery:NamedQuery") return `arn:${p}:athena:${region}:${a}:workgroup/${i.workgroup}`;
  // A data set's tables name the data source they read.
  if (r.type === "aws:quicksight/dataSet:DataSet") return /"dataSourceArn":"([^"]+)"/.exec(JSON.stringify(i.physicalTableMaps ?? []))?.[1];
  return undefined;
}

/** Every ARN an action of `r` is authorised on, for one target. */
function targetArns(target: DeployTarget, r: DeployedResource, c: DeployContext): string[] {
  const { partition: p, region, accountId: a } = c;
  const i = r.inputs;
  const one = (v: string | undefined) => (v === undefined ? [] : [v]);
  switch (target) {
    case "*":
      return ["*"];
    case "self":
      return one(selfArn(r, c));
    case "parent":
      return one(parentArn(r, c));
    case "role":
      return one(i.role ?? i.roleArn ?? i.target?.roleArn ?? i.iamRoleArn ?? i.parameters?.athena?.roleArn);
    case "key": {
      const key = i.kmsKeyArn ?? i.targetKeyId;
      return key === undefined ? [] : [keyArn(String(key), c)];
    }
    case "vpc":
      return one(i.vpcId && `arn:${p}:ec2:${region}:${a}:vpc/${i.vpcId}`);
    case "objects":
      // DeleteObjectVersion is authorised on each object; any key under the bucket stands for all of them.
      return one(selfArn(r, c) && `${selfArn(r, c)}/exports/object`);
    case "catalog":
      return [`arn:${p}:glue:${region}:${a}:catalog`];
    case "tables":
      // DeleteDatabase deletes the database's tables and functions too and is authorised on each of them.
      return [`arn:${p}:glue:${region}:${a}:table/${i.name}/table`, `arn:${p}:glue:${region}:${a}:userDefinedFunction/${i.name}/function`];
    case "functions":
      return one((i.function ?? i.functionName) && `arn:${p}:lambda:${region}:${a}:function:${i.function ?? i.functionName}`);
    case "securityGroup":
      return one(i.securityGroupId && `arn:${p}:ec2:${region}:${a}:security-group/${i.securityGroupId}`);
  }
}

/** The service a role is passed to, for iam:PassedToService. */
const PASSED_TO: Readonly<Record<string, string>> = {
  "aws:lambda/function:Function": "lambda.amazonaws.com",
  "aws:glue/crawler:Crawler": "glue.amazonaws.com",
  "aws:sfn/stateMachine:StateMachine": "states.amazonaws.com",
  "aws:scheduler/schedule:Schedule": "scheduler.amazonaws.com",
  "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": "chatbot.amazonaws.com",
  "aws:quicksight/dataSource:DataSource": "quicksight.amazonaws.com",
};

/** EC2's `ec2:CreateAction` for tags set in a create call. */
const EC2_CREATE_ACTION: Readonly<Record<string, string>> = {
  "aws:ec2/securityGroup:SecurityGroup": "CreateSecurityGroup",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "AuthorizeSecurityGroupIngress",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "AuthorizeSecurityGroupEgress",
};

/**
 * The request context a call carries. Tags: the provider's default tags (contracts/naming standardTags) are on every
 * resource, sent with every create and tag call (aws:RequestTag, aws:TagKeys) and present on the resource from its
 * creating call on (aws:ResourceTag), so only the creating call itself has no resource tags.
 */
function contextOf(call: Call, target: DeployTarget, phase: Phase, r: DeployedResource, c: DeployContext): Record<string, string | string[]> {
  const tags = standardTags(c.environment);
  const context: Record<string, string | string[]> = {};
  if (phase === "create" || phase === "tag") {
    for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v;
    context["aws:TagKeys"] = [...STANDARD_TAG_KEYS];
  }
  const creating = phase === "create" && target === "self" && RESOURCE_CALLS[r.type].create[0] !== undefined && parseCall(RESOURCE_CALLS[r.type].create[0]).action === call.action;
  if (!creating) for (const [k, v] of Object.entries(tags)) context[`aws:ResourceTag/${k}`] = v;
  if (call.action === "iam:PassRole" && PASSED_TO[r.type]) context["iam:PassedToService"] = PASSED_TO[r.type];
  if (call.action === "iam:AttachRolePolicy" || call.action === "iam:DetachRolePolicy") context["iam:PolicyARN"] = r.inputs.policyArn;
  if (call.action === "ec2:CreateTags" && phase === "create") context["ec2:CreateAction"] = EC2_CREATE_ACTION[r.type];
  if (call.action.startsWith("kms:") && r.type === "aws:lambda/function:Function") {
    // Lambda calls KMS with the caller's credentials, for its own resources.
    context["kms:ViaService"] = `lambda.${c.region}.amazonaws.com`;
    if (call.action === "kms:CreateGrant") context["kms:GrantIsForAWSResource"] = "true";
  }
  return context;
}

/** Every request of the deployer for a recorded program run, in registration order. */
export function deployRequests(resources: readonly DeployedResource[], invokes: readonly DeployInvoke[], c: DeployContext): DeployRequest[] {
  const requests: DeployRequest[] = [];
  for (const r of resources.filter(managedByAws)) {
    const calls = RESOURCE_CALLS[r.type];
    if (calls === undefined) throw new Error(`no deployer actions are catalogued for ${r.type} (infra/delivery/deployer/actions.ts)`);
    for (const phase of PHASES) {
      for (const call of calls[phase].map(parseCall)) {
        for (const target of call.on) {
          const arns = targetArns(target, r, c);
          if (arns.length === 0) throw new Error(`${r.type} ${r.name}: cannot tell what ${call.action} is authorised on (${target})`);
          for (const resource of arns) {
            requests.push({
              principal: c.principal,
              action: call.action,
              resource,
              context: contextOf(call, target, phase, r, c),
            origin: `${r.type} ${r.name} ${phase}`,
              type: r.type,
              name: r.name,
              phase,
            });
          }
        }
      }
    }
  }
  for (const invoke of invokes) {
    const calls = INVOKE_CALLS[invoke.token];
    if (calls === undefined) throw new Error(`no deployer actions are catalogued for the provider function ${invoke.token}`);
    for (const call of calls.actions.map(parseCall)) {
      const resource = call.on[0] === "*" ? "*" : invokeArn(invoke, c);
      requests.push({ principal: c.principal, action: call.action, resource, origin: `invoke ${invoke.token}`, type: invoke.token, name: invoke.token, phase: "invoke" });
    }
  }
  return requests;
}

function invokeArn(invoke: DeployInvoke, c: DeployContext): string {
  const { partition: p, region, accountId: a } = c;
  if (invoke.token === "aws:rds/getCluster:getCluster") return `arn:${p}:rds:${region}:${a}:cluster:${invoke.inputs.clusterIdentifier}`;
  if (invoke.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider") {
    return `arn:${p}:iam::${a}:oidc-provider/${String(invoke.inputs.url).replace(/^https:\/\//, "")}`;
  }
  throw new Error(`no resource is known for the provider function ${invoke.token}`);
}
