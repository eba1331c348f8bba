/**
 * The one list of IAM actions that AWS authorises only on `Resource: "*"`: the Service Authorization Reference
 * lists no resource type for them, so no narrower ARN can ever match. The guardrail `iam-resource-wildcard` allows
 * `"*"` for exactly these actions and nothing else. Add to it (with the reason) when a new component needs one;
 * never add an action that has a resource type just because its ARN is inconvenient.
 */
/**
 * What a service's vended-log delivery (Step Functions execution logs) needs from the role that configures it; all
 * of it is authorised on "*" only. The golden refresh's state machine role uses exactly this list.
 */
export const VENDED_LOG_DELIVERY_ACTIONS: readonly string[] = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  // Listing log groups has no resource type either.
  "logs:DescribeLogGroups",
];

export const WILDCARD_ONLY_ACTIONS: readonly string[] = [
  // Glue looks up security configurations by name but authorises the call only on "*".
  "glue:GetSecurityConfiguration",
  // Custom metrics: CloudWatch has no resource type for PutMetricData (scope it with cloudwatch:namespace).
  "cloudwatch:PutMetricData",
  // Export tasks looked up by identifier: the request names no resource (StartExportTask names its snapshot).
  "rds:DescribeExportTasks",
  // X-Ray trace upload from Lambda (active tracing) has no resource type.
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  // Secrets Manager's random string generator (the masking salt's value) touches no secret: no resource type.
  "secretsmanager:GetRandomPassword",
  // What CI's deploy role needs to build the platform (infra/delivery/deployer/actions.ts), none of which has a
  // resource type: lookups of security groups, subnets, VPCs, parameters and aliases; creating a key (only with
  // this environment's tags), a crawler, and Glue security configurations.
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSecurityGroupRules",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcs",
  "ssm:DescribeParameters",
  "kms:ListAliases",
  "kms:CreateKey",
  "glue:CreateCrawler",
  "glue:CreateSecurityConfiguration",
  "glue:DeleteSecurityConfiguration",
  // The analytics blocks: creating a Chatbot channel configuration or a QuickSight data source, and listing channel
  // configurations and their tags, name no resource.
  "chatbot:CreateSlackChannelConfiguration",
  "chatbot:DescribeSlackChannelConfigurations",
  "chatbot:ListTagsForResource",
  "quicksight:CreateDataSource",
  // Metric data and rendered metric images (AWS Chatbot's alarm charts): no resource type.
  "cloudwatch:GetMetricData",
  "cloudwatch:GetMetricWidgetImage",
  // Who am I: no resource type.
  "sts:GetCallerIdentity",
  // Account-level listing: a lookup of the GitHub OIDC provider by URL lists every provider first.
  "iam:ListOpenIDConnectProviders",
  // CloudWatch Logs vended-log deliveries, which Step Functions uses to write execution logs: no resource type
  // (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). The log group is named in the state
  // machine's logging configuration, and the group is KMS-encrypted with the CMK.
  // Includes the account-level resource policies of CloudWatch Logs (vended-log delivery writes one).
  ...VENDED_LOG_DELIVERY_ACTIONS,
];

const lowerCased = new Set(WILDCARD_ONLY_ACTIONS.map((a) => a.toLowerCase()));

/** True when AWS grants `action` only on `"*"`. Action names are case-insensitive in IAM; patterns never match. */
export function isWildcardOnlyAction(action: string): boolean {
  return lowerCased.has(action.toLowerCase());
}

/**
 * The `Resource` of a statement whose every action AWS authorises on `"*"` (WILDCARD_ONLY_ACTIONS): the call site
 * says which actions need it, and an action with a required resource type throws here instead of reaching a policy.
 * The static checks (policy/permissions/staticChecks.ts) confirm each against the Service Authorization Reference.
 */
export function anyResourceOnlyFor(actions: string | readonly string[]): "*" {
  const named = typeof actions === "string" ? [actions] : actions;
  const narrowable = named.filter((a) => !isWildcardOnlyAction(a));
  if (named.length === 0 || narrowable.length > 0) {
    throw new RangeError(`Resource "*" is only for actions AWS authorises on "*" alone; name the resource of ${narrowable.join(", ") || "(no action)"}`);
  }
  return "*";
}
