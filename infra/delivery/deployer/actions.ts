/**
 * What the AWS provider calls to manage each resource type this program deploys, phase by phase: the API actions of
 * create, read (refresh and every preview/up), update, tag and delete, and what each is authorised on. Read from the
 * provider's source (hashicorp/terraform-provider-aws, which @pulumi/aws 7 wraps: `internal/service/<svc>/<file>.go`)
 * and named as the Service Authorization Reference names them
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 *
 * An action is written `service:Action` (authorised on the resource itself) or `service:Action@a+b` (authorised on
 * each of those targets: see DeployTarget). The deploy role's policy is generated from this table
 * (./deployPolicy.ts), and the tests evaluate every request it implies for stg and prod against that policy.
 */

/** Lifecycle phases of a resource under `pulumi up` / `refresh` / `destroy`. */
export const PHASES = ["create", "read", "update", "tag", "delete"] as const;
export type Phase = (typeof PHASES)[number];

/**
 * What an action is authorised on: `self` (the resource), `*` (no resource type), or a resource the resource refers
 * to: its role (PassRole), its KMS key, its VPC, the bucket's objects, the Glue catalog and the database's tables and
 * functions, the security group of a rule, the function of a permission, the rule of a target, the topic of a
 * subscription, the role of a role policy, the user of a user policy or key, the bucket of a bucket setting.
 */
export type DeployTarget =
  | "self"
  | "*"
  | "role"
  | "key"
  | "vpc"
  | "objects"
  | "catalog"
  | "tables"
  | "functions"
  | "securityGroup"
  | "parent";

/** One resource type's calls. */
export interface ResourceCalls {
  /** Where the calls were read: the provider source file. */
  readonly source: string;
  readonly create: readonly string[];
  readonly read: readonly string[];
  readonly update: readonly string[];
  readonly tag: readonly string[];
  readonly delete: readonly string[];
}

const TF = (file: string) => `terraform-provider-aws internal/service/${file}`;

/** Tagging of a resource through its service's TagResource/UntagResource (tags are set on create too). */
const tagging = (svc: string, list = "ListTagsForResource") => ({ tag: [`${svc}:TagResource`, `${svc}:UntagResource`, `${svc}:${list}`] });

/** S3 bucket-level settings resources: put on create and update, get on read, put (or delete) on delete. */
const bucketSetting = (file: string, put: string, get: string, del = put): ResourceCalls => ({
  source: TF(`s3/${file}`),
  create: [`s3:${put}@parent`],
  read: [`s3:${get}@parent`],
  update: [`s3:${put}@parent`],
  tag: [],
  delete: [`s3:${del}@parent`],
});

export const RESOURCE_CALLS: Readonly<Record<string, ResourceCalls>> = {
  "aws:s3/bucket:Bucket": {
    source: TF("s3/bucket.go"),
    create: ["s3:CreateBucket", "s3:PutBucketTagging"],
    // resourceBucketRead: HeadBucket, then every bucket-level configuration, then the tags.
    read: [
      "s3:ListBucket",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketWebsite",
      "s3:GetBucketVersioning",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketLogging",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketTagging",
    ],
    update: [],
    tag: ["s3:PutBucketTagging", "s3:GetBucketTagging"],
    // forceDestroy (stg) empties every object version first.
    delete: ["s3:ListBucketVersions", "s3:DeleteObjectVersion@objects", "s3:DeleteBucket"],
  },
  // DeleteBucketLifecycle, DeleteBucketOwnershipControls, DeletePublicAccessBlock and DeleteBucketEncryption are
  // authorised as the matching Put action (Service Authorization Reference, Amazon S3).
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketSetting("bucket_lifecycle_configuration.go", "PutLifecycleConfiguration", "GetLifecycleConfiguration"),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketSetting("bucket_ownership_controls.go", "PutBucketOwnershipControls", "GetBucketOwnershipControls"),
  "aws:s3/bucketPolicy:BucketPolicy": bucketSetting("bucket_policy.go", "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketSetting("bucket_public_access_block.go", "PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock"),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketSetting(
    "bucket_server_side_encryption_configuration.go",
    "PutEncryptionConfiguration",
    "GetEncryptionConfiguration",
  ),

  "aws:kms/key:Key": {
    source: TF("kms/key.go"),
    // Tags are passed to CreateKey, which then also needs kms:TagResource (KMS: ABAC, tagging on create).
    create: ["kms:CreateKey@*", "kms:TagResource", "kms:EnableKeyRotation"],
    read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
    update: ["kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:UpdateKeyDescription"],
    tag: ["kms:TagResource", "kms:UntagResource", "kms:ListResourceTags"],
    delete: ["kms:ScheduleKeyDeletion"],
  },
  "aws:kms/alias:Alias": {
    source: TF("kms/alias.go"),
    create: ["kms:CreateAlias@self+key"],
    read: ["kms:ListAliases@*"],
    update: ["kms:UpdateAlias@self+key"],
    tag: [],
    delete: ["kms:DeleteAlias@self+key"],
  },

  "aws:iam/role:Role": {
    source: TF("iam/role.go"),
    create: ["iam:CreateRole", "iam:TagRole"],
    read: ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
    update: ["iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"],
    tag: ["iam:TagRole", "iam:UntagRole"],
    // deleteRole detaches the role from instance profiles first.
    delete: ["iam:ListInstanceProfilesForRole", "iam:DeleteRole"],
  },
  "aws:iam/rolePolicy:RolePolicy": {
    source: TF("iam/role_policy.go"),
    create: ["iam:PutRolePolicy@parent"],
    read: ["iam:GetRolePolicy@parent"],
    update: ["iam:PutRolePolicy@parent"],
    tag: [],
    delete: ["iam:DeleteRolePolicy@parent"],
  },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    source: TF("iam/role_policy_attachment.go"),
    create: ["iam:AttachRolePolicy@parent"],
    read: ["iam:ListAttachedRolePolicies@parent"],
    update: [],
    tag: [],
    delete: ["iam:DetachRolePolicy@parent"],
  },
  "aws:iam/user:User": {
    source: TF("iam/user.go"),
    create: ["iam:CreateUser", "iam:TagUser"],
    read: ["iam:GetUser"],
    update: ["iam:UpdateUser"],
    tag: ["iam:TagUser", "iam:UntagUser"],
    delete: ["iam:DeleteUser"],
  },
  "aws:iam/userPolicy:UserPolicy": {
    source: TF("iam/user_policy.go"),
    create: ["iam:PutUserPolicy@parent"],
    read: ["iam:GetUserPolicy@parent"],
    update: ["iam:PutUserPolicy@parent"],
    tag: [],
    delete: ["iam:DeleteUserPolicy@parent"],
  },
  // The BigQuery transfer user's key: rotation (accessKeyRotation) replaces it, which is a create then a delete.
  "aws:iam/accessKey:AccessKey": {
    source: TF("iam/access_key.go"),
    create: ["iam:CreateAccessKey@parent"],
    read: ["iam:ListAccessKeys@parent"],
    update: ["iam:UpdateAccessKey@parent"],
    tag: [],
    delete: ["iam:DeleteAccessKey@parent"],
  },
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
    source: TF("iam/openid_connect_provider.go"),
    create: ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"],
    read: ["iam:GetOpenIDConnectProvider"],
    update: ["iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider"],
    tag: ["iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"],
    delete: ["iam:DeleteOpenIDConnectProvider"],
  },
  "aws:iam/policy:Policy": {
    source: TF("iam/policy.go"),
    create: ["iam:CreatePolicy", "iam:TagPolicy"],
    read: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
    update: ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:ListPolicyVersions"],
    tag: ["iam:TagPolicy", "iam:UntagPolicy"],
    delete: ["iam:ListPolicyVersions", "iam:DeletePolicy"],
  },

  "aws:lambda/function:Function": {
    source: TF("lambda/function.go"),
    // The execution role is passed; a VPC function's subnets and groups are looked up with the caller's rights
    // (Lambda: VPC permissions of the user); an environment encrypted with a customer managed key needs the caller's
    // kms:Encrypt and kms:CreateGrant, through Lambda ("Securing Lambda environment variables").
    create: [
      "lambda:CreateFunction",
      "iam:PassRole@role",
      "ec2:DescribeSecurityGroups@*",
      "ec2:DescribeSubnets@*",
      "ec2:DescribeVpcs@*",
      "kms:Encrypt@key",
      "kms:CreateGrant@key",
      "lambda:TagResource",
      "lambda:PutFunctionConcurrency",
    ],
    // GetFunction returns the environment decrypted with the caller's kms:Decrypt, through Lambda.
    read: ["lambda:GetFunction", "kms:Decrypt@key", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:GetRuntimeManagementConfig"],
    update: [
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "iam:PassRole@role",
      "kms:Encrypt@key",
      "kms:CreateGrant@key",
      "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency",
    ],
    tag: ["lambda:TagResource", "lambda:UntagResource", "lambda:ListTags"],
    delete: ["lambda:DeleteFunction"],
  },
  "aws:lambda/permission:Permission": {
    source: TF("lambda/permission.go"),
    create: ["lambda:AddPermission@functions"],
    read: ["lambda:GetPolicy@functions"],
    update: [],
    tag: [],
    delete: ["lambda:RemovePermission@functions"],
  },
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
    source: TF("lambda/function_event_invoke_config.go"),
    create: ["lambda:PutFunctionEventInvokeConfig@functions"],
    read: ["lambda:GetFunctionEventInvokeConfig@functions"],
    update: ["lambda:PutFunctionEventInvokeConfig@functions"],
    tag: [],
    delete: ["lambda:DeleteFunctionEventInvokeConfig@functions"],
  },

  "aws:cloudwatch/logGroup:LogGroup": {
    source: TF("logs/group.go"),
    create: ["logs:CreateLogGroup", "logs:TagResource", "logs:PutRetentionPolicy"],
    read: ["logs:DescribeLogGroups@*", "logs:ListTagsForResource"],
    update: ["logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"],
    tag: ["logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"],
    delete: ["logs:DeleteLogGroup"],
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    source: TF("cloudwatch/metric_alarm.go"),
    create: ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"],
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    update: ["cloudwatch:PutMetricAlarm"],
    ...tagging("cloudwatch"),
    delete: ["cloudwatch:DeleteAlarms"],
  },
  "aws:cloudwatch/eventRule:EventRule": {
    source: TF("events/rule.go"),
    create: ["events:PutRule", "events:TagResource"],
    read: ["events:DescribeRule", "events:ListTagsForResource"],
    update: ["events:PutRule"],
    ...tagging("events"),
    delete: ["events:ListTargetsByRule", "events:DeleteRule"],
  },
  "aws:cloudwatch/eventTarget:EventTarget": {
    source: TF("events/target.go"),
    create: ["events:PutTargets@parent"],
    read: ["events:ListTargetsByRule@parent"],
    update: ["events:PutTargets@parent"],
    tag: [],
    delete: ["events:RemoveTargets@parent"],
  },
  "aws:scheduler/schedule:Schedule": {
    source: TF("scheduler/schedule.go"),
    create: ["scheduler:CreateSchedule", "iam:PassRole@role"],
    read: ["scheduler:GetSchedule"],
    update: ["scheduler:UpdateSchedule", "iam:PassRole@role"],
    tag: [],
    delete: ["scheduler:DeleteSchedule"],
  },
  "aws:sns/topic:Topic": {
    source: TF("sns/topic.go"),
    create: ["sns:CreateTopic", "sns:TagResource", "sns:SetTopicAttributes"],
    read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
    update: ["sns:SetTopicAttributes"],
    ...tagging("sns"),
    delete: ["sns:DeleteTopic"],
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    source: TF("sns/topic_policy.go"),
    create: ["sns:SetTopicAttributes@parent"],
    read: ["sns:GetTopicAttributes@parent"],
    update: ["sns:SetTopicAttributes@parent"],
    tag: [],
    delete: ["sns:SetTopicAttributes@parent"],
  },
  // A subscription's own ARN is "<topic ARN>:<id>"; the Service Authorization Reference lists only the topic
  // resource type for the subscription actions, so they are evaluated on the topic (the granted topic pattern
  // matches the subscription ARN too).
  "aws:sns/topicSubscription:TopicSubscription": {
    source: TF("sns/topic_subscription.go"),
    create: ["sns:Subscribe@parent"],
    read: ["sns:GetSubscriptionAttributes@parent"],
    update: ["sns:SetSubscriptionAttributes@parent"],
    tag: [],
    delete: ["sns:Unsubscribe@parent"],
  },

  "aws:ec2/securityGroup:SecurityGroup": {
    source: TF("ec2/vpc_security_group.go"),
    // The provider removes the default allow-all egress rule right after creating a group in a VPC.
    create: ["ec2:CreateSecurityGroup@self+vpc", "ec2:CreateTags", "ec2:RevokeSecurityGroupEgress"],
    read: ["ec2:DescribeSecurityGroups@*"],
    update: [],
    tag: ["ec2:CreateTags", "ec2:DeleteTags"],
    delete: ["ec2:DeleteSecurityGroup"],
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    source: TF("ec2/vpc_security_group_ingress_rule.go"),
    create: ["ec2:AuthorizeSecurityGroupIngress@securityGroup+self", "ec2:CreateTags"],
    read: ["ec2:DescribeSecurityGroupRules@*"],
    update: ["ec2:ModifySecurityGroupRules@securityGroup+self"],
    tag: ["ec2:CreateTags", "ec2:DeleteTags"],
    delete: ["ec2:RevokeSecurityGroupIngress@securityGroup"],
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    source: TF("ec2/vpc_security_group_egress_rule.go"),
    create: ["ec2:AuthorizeSecurityGroupEgress@securityGroup+self", "ec2:CreateTags"],
    read: ["ec2:DescribeSecurityGroupRules@*"],
    update: ["ec2:ModifySecurityGroupRules@securityGroup+self"],
    tag: ["ec2:CreateTags", "ec2:DeleteTags"],
    delete: ["ec2:RevokeSecurityGroupEgress@securityGroup"],
  },
  "aws:rds/subnetGroup:SubnetGroup": {
    source: TF("rds/subnet_group.go"),
    create: ["rds:CreateDBSubnetGroup", "rds:AddTagsToResource"],
    read: ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"],
    update: ["rds:ModifyDBSubnetGroup"],
    tag: ["rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"],
    delete: ["rds:DeleteDBSubnetGroup"],
  },

  "aws:glue/catalogDatabase:CatalogDatabase": {
    source: TF("glue/catalog_database.go"),
    create: ["glue:CreateDatabase@catalog+self", "glue:TagResource"],
    read: ["glue:GetDatabase@catalog+self", "glue:GetTags"],
    update: ["glue:UpdateDatabase@catalog+self"],
    tag: ["glue:TagResource", "glue:UntagResource", "glue:GetTags"],
    delete: ["glue:DeleteDatabase@catalog+self+tables"],
  },
  "aws:glue/crawler:Crawler": {
    source: TF("glue/crawler.go"),
    create: ["glue:CreateCrawler@*", "iam:PassRole@role", "glue:TagResource"],
    read: ["glue:GetCrawler", "glue:GetTags"],
    update: ["glue:UpdateCrawler", "iam:PassRole@role"],
    tag: ["glue:TagResource", "glue:UntagResource", "glue:GetTags"],
    delete: ["glue:DeleteCrawler"],
  },
  "aws:glue/securityConfiguration:SecurityConfiguration": {
    source: TF("glue/security_configuration.go"),
    create: ["glue:CreateSecurityConfiguration@*"],
    read: ["glue:GetSecurityConfiguration@*"],
    update: [],
    tag: [],
    delete: ["glue:DeleteSecurityConfiguration@*"],
  },
  "aws:athena/workgroup:Workgroup": {
    source: TF("athena/workgroup.go"),
    create: ["athena:CreateWorkGroup", "athena:TagResource"],
    read: ["athena:GetWorkGroup", "athena:ListTagsForResource"],
    update: ["athena:UpdateWorkGroup"],
    ...tagging("athena"),
    delete: ["athena:DeleteWorkGroup"],
  },
  // Named queries have no ARN of their own: Athena authorises them on their workgroup.
  "aws:athena/namedQuery:NamedQuery": {
    source: TF("athena/named_query.go"),
    create: ["athena:CreateNamedQuery@parent"],
    read: ["athena:GetNamedQuery@parent"],
    update: [],
    tag: [],
    delete: ["athena:DeleteNamedQuery@parent"],
  },

  "aws:secretsmanager/secret:Secret": {
    source: TF("secretsmanager/secret.go"),
    create: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
    read: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
    update: ["secretsmanager:UpdateSecret"],
    tag: ["secretsmanager:TagResource", "secretsmanager:UntagResource"],
    delete: ["secretsmanager:DeleteSecret"],
  },
  "aws:ssm/parameter:Parameter": {
    source: TF("ssm/parameter.go"),
    create: ["ssm:PutParameter", "ssm:AddTagsToResource"],
    read: ["ssm:GetParameter", "ssm:DescribeParameters@*", "ssm:ListTagsForResource"],
    update: ["ssm:PutParameter"],
    tag: ["ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"],
    delete: ["ssm:DeleteParameter"],
  },
  "aws:sfn/stateMachine:StateMachine": {
    source: TF("sfn/state_machine.go"),
    // Execution logging to CloudWatch Logs: Step Functions sets up a vended-log delivery with the caller's rights
    // (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
    create: [
      "states:CreateStateMachine",
      "iam:PassRole@role",
      "states:TagResource",
      "logs:CreateLogDelivery@*",
      "logs:GetLogDelivery@*",
      "logs:ListLogDeliveries@*",
      "logs:PutResourcePolicy@*",
      "logs:DescribeResourcePolicies@*",
      "logs:DescribeLogGroups@*",
    ],
    read: ["states:DescribeStateMachine", "states:ListTagsForResource"],
    update: ["states:UpdateStateMachine", "iam:PassRole@role", "logs:UpdateLogDelivery@*", "logs:GetLogDelivery@*", "logs:ListLogDeliveries@*"],
    tag: ["states:TagResource", "states:UntagResource", "states:ListTagsForResource"],
    delete: ["states:DeleteStateMachine", "logs:DeleteLogDelivery@*"],
  },

  // Optional analytics blocks: a cost budget, AWS Chatbot in Slack, QuickSight over Athena.
  // Budgets authorises every write of a budget, its notifications and subscribers as ModifyBudget, every read as
  // ViewBudget (Service Authorization Reference, AWS Budget Service).
  "aws:budgets/budget:Budget": {
    source: TF("budgets/budget.go"),
    create: ["budgets:ModifyBudget", "budgets:TagResource"],
    read: ["budgets:ViewBudget", "budgets:ListTagsForResource"],
    update: ["budgets:ModifyBudget"],
    tag: ["budgets:TagResource", "budgets:UntagResource", "budgets:ListTagsForResource"],
    delete: ["budgets:ModifyBudget"],
  },
  "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": {
    source: TF("chatbot/slack_channel_configuration.go"),
    create: ["chatbot:CreateSlackChannelConfiguration@*", "iam:PassRole@role", "chatbot:TagResource"],
    read: ["chatbot:DescribeSlackChannelConfigurations@*", "chatbot:ListTagsForResource@*"],
    update: ["chatbot:UpdateSlackChannelConfiguration", "iam:PassRole@role"],
    tag: ["chatbot:TagResource", "chatbot:UntagResource", "chatbot:ListTagsForResource@*"],
    delete: ["chatbot:DeleteSlackChannelConfiguration"],
  },
  // The Athena data source runs with its own role, which the caller passes to QuickSight.
  "aws:quicksight/dataSource:DataSource": {
    source: TF("quicksight/data_source.go"),
    create: ["quicksight:CreateDataSource@*", "iam:PassRole@role", "quicksight:TagResource"],
    read: ["quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions", "quicksight:ListTagsForResource"],
    update: ["quicksight:UpdateDataSource", "quicksight:UpdateDataSourcePermissions", "iam:PassRole@role"],
    tag: ["quicksight:TagResource", "quicksight:UntagResource", "quicksight:ListTagsForResource"],
    delete: ["quicksight:DeleteDataSource"],
  },
  // A data set is created on its data source (CreateDataSet's one resource type) and uses it (PassDataSource).
  "aws:quicksight/dataSet:DataSet": {
    source: TF("quicksight/data_set.go"),
    create: ["quicksight:CreateDataSet@parent", "quicksight:PassDataSource@parent", "quicksight:TagResource"],
    read: ["quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions", "quicksight:DescribeDataSetRefreshProperties", "quicksight:ListTagsForResource"],
    update: ["quicksight:UpdateDataSet@self+parent", "quicksight:UpdateDataSetPermissions", "quicksight:PassDataSource@parent"],
    tag: ["quicksight:TagResource", "quicksight:UntagResource", "quicksight:ListTagsForResource"],
    delete: ["quicksight:DeleteDataSet"],
  },
};

/**
 * Resource types that only an optional config block builds. The deploy policy grants their actions only in stacks
 * that enable the block, so a stack without, say, QuickSight gives CI no QuickSight rights at all.
 */
export const BLOCK_TYPES = {
  bigquery: ["aws:iam/user:User", "aws:iam/userPolicy:UserPolicy", "aws:iam/accessKey:AccessKey"],
  budget: ["aws:budgets/budget:Budget"],
  slack: ["aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"],
  quicksight: ["aws:quicksight/dataSource:DataSource", "aws:quicksight/dataSet:DataSet"],
  golden: [
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:secretsmanager/secret:Secret",
    "aws:ssm/parameter:Parameter",
    "aws:sfn/stateMachine:StateMachine",
  ],
} as const satisfies Record<string, readonly (keyof typeof RESOURCE_CALLS)[]>;

/** An optional config block that brings resource types of its own. */
export type ConfigBlock = keyof typeof BLOCK_TYPES;

/** Provider functions (invokes) the program calls, and what each needs. */
export interface InvokeCalls {
  readonly source: string;
  readonly actions: readonly string[];
}

export const INVOKE_CALLS: Readonly<Record<string, InvokeCalls>> = {
  // sts:GetCallerIdentity needs no permission ("No permissions are required", STS API reference).
  "aws:index/getCallerIdentity:getCallerIdentity": { source: TF("sts/caller_identity_data_source.go"), actions: [] },
  // Answered from the provider's own configuration, no API call.
  "aws:index/getPartition:getPartition": { source: TF("meta/partition_data_source.go"), actions: [] },
  "aws:index/getRegion:getRegion": { source: TF("meta/region_data_source.go"), actions: [] },
  // Looked up by URL: lists every provider, then reads the match.
  "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
    source: TF("iam/openid_connect_provider_data_source.go"),
    actions: ["iam:ListOpenIDConnectProviders@*", "iam:GetOpenIDConnectProvider"],
  },
  "aws:rds/getCluster:getCluster": { source: TF("rds/cluster_data_source.go"), actions: ["rds:DescribeDBClusters"] },
};

/** A parsed `service:Action@a+b` entry. */
export interface Call {
  readonly action: string;
  readonly on: readonly DeployTarget[];
}

/** Parses one entry of the tables above. */
export function parseCall(entry: string): Call {
  const [action, targets] = entry.split("@");
  return { action, on: targets === undefined ? ["self"] : (targets.split("+") as DeployTarget[]) };
}
