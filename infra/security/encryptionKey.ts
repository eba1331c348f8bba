import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement, policyDocument } from "./policy";

/** In a key policy `"*"` is the key the policy is attached to; KMS accepts no other value. */
const THIS_KEY = "*";

/**
 * What administering this key takes, named one by one: every action here has the key as a resource type in the
 * Service Authorization Reference (AWS KMS), so none is dead in a key policy. Pulumi's AWS provider calls these to
 * create, read, tag, rotate, re-describe, re-policy, alias and schedule deletion of the key and its alias.
 * Grants are not administration: CreateGrant is allowed only for AWS resources (GrantsOnlyForAwsResources).
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:ListKeyRotations",
  "kms:RotateKeyOnDemand",
  "kms:ListKeyPolicies",
  "kms:ListResourceTags",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:ListGrants",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

/** Cryptographic use of the key by the platform's roles: S3 and SNS data keys, decrypting, describing. */
export const KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"];

/**
 * What CloudWatch Logs asks of the key for an encrypted log group ("Encrypt log data in CloudWatch Logs using AWS
 * KMS", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html): the page's
 * `kms:Encrypt*`, `kms:Decrypt*`, `kms:ReEncrypt*`, `kms:GenerateDataKey*`, `kms:Describe*`, expanded to the
 * actions that exist and apply to a key. The page grants them under a condition on the `aws:logs:arn` encryption
 * context, which a DescribeKey request cannot carry (it takes no encryption context): DescribeKey under that
 * condition is never allowed, so it is left out rather than granted dead.
 */
export const LOGS_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey"];

/** The customer-managed key that encrypts every bucket, topic and log group of one environment. */
export interface EncryptionKeyArgs {
  /** Alias without the `alias/` prefix, e.g. `data-platform-stg`. */
  readonly aliasName: string;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  /**
   * Principals (role or user ARNs) that administer the key: the role that runs `pulumi up` must be one, or the next
   * update of the key policy is refused. The account's root user is always added, as the break-glass
   * administrator (it can rewrite the key policy when every named administrator is gone). At least one.
   */
  readonly administratorArns: readonly pulumi.Input<string>[];
  /**
   * Roles that may use the key (encrypt, decrypt, data keys). They are matched on `aws:PrincipalArn`, so they may
   * be created after the key; each role still needs its own identity policy as well.
   */
  readonly userRoleArns: readonly pulumi.Input<string>[];
  /** Roles that start AWS jobs (RDS exports) and so must create grants; only with `kms:GrantIsForAWSResource`. */
  readonly grantRoleArns?: readonly pulumi.Input<string>[];
  /**
   * Principals (users or roles) that may only decrypt, and only through S3 in this region (`kms:ViaService`): readers
   * of export objects such as BigQuery's transfer user. Matched on `aws:PrincipalArn`, so they may be created after
   * the key. Default none.
   */
  readonly s3DecryptPrincipalArns?: readonly pulumi.Input<string>[];
  /**
   * Principals that may decrypt and generate data keys, and only through S3 in this region (`kms:ViaService`):
   * readers that also write SSE-KMS objects, such as QuickSight's role writing Athena query results. Matched on
   * `aws:PrincipalArn`, so they may be created after the key. Default none.
   */
  readonly s3ReadWritePrincipalArns?: readonly pulumi.Input<string>[];
  /**
   * Principals that create and read Lambda functions whose environment the key encrypts (CI's deploy role): Lambda
   * calls kms:Encrypt, kms:CreateGrant and kms:Decrypt with the caller's rights ("Securing Lambda environment
   * variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html). Allowed only
   * through Lambda (`kms:ViaService`), grants only for AWS resources, so they can never decrypt exports or secrets
   * themselves. Default none.
   */
  readonly lambdaDeployerArns?: readonly pulumi.Input<string>[];
  /** Service principals that publish to encrypted SNS topics, e.g. `events.amazonaws.com`. Default none. */
  readonly publisherServices?: readonly string[];
  /**
   * The topics those services publish to. Their use of the key is scoped to these topics through the encryption
   * context SNS sends (`aws:sns:topicArn`): a service's request to KMS carries no `aws:SourceAccount`. Required with
   * `publisherServices`.
   */
  readonly encryptedTopicArns?: readonly pulumi.Input<string>[];
  /**
   * Let CloudWatch Logs encrypt log groups whose names start with one of these prefixes (e.g. the Glue crawler's
   * `/aws-glue/crawlers` and the platform's `/aws/lambda/data-platform-<env>-`). Default none.
   */
  readonly logGroupPrefixes?: readonly pulumi.Input<string>[];
  /** Days before a scheduled deletion completes. Default 30. */
  readonly deletionWindowInDays?: number;
}

/** A KMS CMK with rotation on, an alias, and a key policy that names who may use it. */
export class EncryptionKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:security:EncryptionKey", name, {}, opts);
    const deletionWindowInDays = args.deletionWindowInDays ?? 30;
    if (args.userRoleArns.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "userRoleArns", reason: "name at least one role that uses the key" });
    }
    if (args.administratorArns.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "administratorArns", reason: "name at least one administrator: the principal that runs pulumi up" });
    }
    const root = pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:root`;
    const statements: PolicyStatement[] = [
      {
        // Only the named administrators, not every principal the account's IAM policies allow: otherwise anyone with
        // `kms:*` in an identity policy could rewrite this policy or create grants
        // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
        // The root user stays in the list so that the account can never be locked out of the key.
        Sid: "NamedAdministratorsAdministerKey",
        Effect: "Allow",
        Principal: { AWS: root },
        Action: KEY_ADMIN_ACTIONS,
        Resource: THIS_KEY,
        Condition: { ArnEquals: { "aws:PrincipalArn": [root, ...args.administratorArns] } },
      },
      {
        Sid: "PlatformRolesUseKey",
        Effect: "Allow",
        Principal: { AWS: root },
        Action: KEY_USE_ACTIONS,
        Resource: THIS_KEY,
        Condition: { ArnEquals: { "aws:PrincipalArn": [...args.userRoleArns] } },
      },
    ];
    if (args.grantRoleArns?.length) {
      statements.push({
        Sid: "GrantsOnlyForAwsResources",
        Effect: "Allow",
        Principal: { AWS: root },
        Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        Resource: THIS_KEY,
        Condition: {
          Bool: { "kms:GrantIsForAWSResource": "true" },
          ArnEquals: { "aws:PrincipalArn": [...args.grantRoleArns] },
        },
      });
    }
    if (args.lambdaDeployerArns?.length) {
      const throughLambda = pulumi.interpolate`lambda.${args.region}.amazonaws.com`;
      const deployers = { ArnEquals: { "aws:PrincipalArn": [...args.lambdaDeployerArns] } };
      statements.push(
        {
          Sid: "DeployerUsesKeyThroughLambda",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: ["kms:Encrypt", "kms:Decrypt"],
          Resource: THIS_KEY,
          Condition: { ...deployers, StringEquals: { "kms:ViaService": throughLambda } },
        },
        {
          Sid: "DeployerGrantsToLambda",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: "kms:CreateGrant",
          Resource: THIS_KEY,
          Condition: { ...deployers, StringEquals: { "kms:ViaService": throughLambda }, Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
      );
    }
    if (args.s3DecryptPrincipalArns?.length) {
      statements.push({
        Sid: "S3ReadersDecryptThroughS3",
        Effect: "Allow",
        Principal: { AWS: root },
        Action: "kms:Decrypt",
        Resource: THIS_KEY,
        Condition: {
          ArnEquals: { "aws:PrincipalArn": [...args.s3DecryptPrincipalArns] },
          StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${args.region}.amazonaws.com` },
        },
      });
    }
    if (args.s3ReadWritePrincipalArns?.length) {
      statements.push({
        Sid: "S3ReadWritersThroughS3",
        Effect: "Allow",
        Principal: { AWS: root },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: THIS_KEY,
        Condition: {
          ArnEquals: { "aws:PrincipalArn": [...args.s3ReadWritePrincipalArns] },
          StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${args.region}.amazonaws.com` },
        },
      });
    }
    if (args.publisherServices?.length) {
      if (!args.encryptedTopicArns?.length) {
        throw new pulumi.InputPropertyError({ propertyPath: "encryptedTopicArns", reason: "name the topics the publisher services may use the key for" });
      }
      statements.push({
        Sid: "ServicesPublishToEncryptedTopics",
        Effect: "Allow",
        Principal: { Service: [...args.publisherServices] },
        // What SNS asks KMS for on the publishing service's behalf, for these topics only
        // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: THIS_KEY,
        Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": [...args.encryptedTopicArns] } },
      });
    }
    if (args.logGroupPrefixes?.length) {
      const logGroupArn = (prefix: pulumi.Input<string>) =>
        pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:${prefix}*`;
      statements.push({
        Sid: "CloudWatchLogsEncryptsPlatformLogGroups",
        Effect: "Allow",
        Principal: { Service: pulumi.interpolate`logs.${args.region}.amazonaws.com` },
        Action: LOGS_KEY_ACTIONS,
        Resource: THIS_KEY,
        // Only for the named log groups: CloudWatch Logs passes the group's ARN as encryption context.
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": args.logGroupPrefixes.map(logGroupArn) } },
      });
    }
    this.key = new aws.kms.Key(
      name,
      {
        description: `Encrypts the ${args.aliasName} data platform: exports, query results, alerts, logs`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays,
        keyUsage: "ENCRYPT_DECRYPT",
        policy: policyDocument(statements),
      },
      { parent: this },
    );
    this.alias = new aws.kms.Alias(`${name}-alias`, { name: `alias/${args.aliasName}`, targetKeyId: this.key.keyId }, { parent: this });
    this.arn = this.key.arn;
    this.registerOutputs({ arn: this.arn, alias: this.alias.name });
  }
}
