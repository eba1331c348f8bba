/**
 * What the GitHub Actions roles may do. The preview role reads; the deploy role builds the platform. Both reach the
 * Pulumi state backend (an S3 bucket, optionally with an `awskms://` secrets provider key).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../security/policy";

/** Where the Pulumi state lives. */
export interface StateBackend {
  readonly bucket: string;
  /** KMS key of the secrets provider / bucket encryption. */
  readonly keyArn?: string;
  readonly partition: pulumi.Input<string>;
}

/** IAM actions that change a role: the deploy role may not use them on the delivery roles themselves. */
export const ROLE_MUTATIONS = [
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:DeleteRole",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:TagRole",
  "iam:UntagRole",
];

/** Read the state; write only lock files (the diy backend locks a stack for preview as well as update). */
function stateStatements(state: StateBackend, write: "locks" | "all"): PolicyStatement[] {
  const bucketArn = pulumi.interpolate`arn:${state.partition}:s3:::${state.bucket}`;
  const statements: PolicyStatement[] = [
    {
      Sid: "ListState",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [".pulumi", ".pulumi/*"] } },
    },
    {
      Sid: write === "all" ? "ReadWriteState" : "ReadState",
      Effect: "Allow",
      Action: write === "all" ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : "s3:GetObject",
      Resource: pulumi.interpolate`${bucketArn}/.pulumi/*`,
    },
  ];
  if (write === "locks") {
    statements.push({
      Sid: "LockStacks",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: pulumi.interpolate`${bucketArn}/.pulumi/locks/*`,
    });
  }
  if (state.keyArn !== undefined) {
    statements.push({
      Sid: "UseStateKey",
      Effect: "Allow",
      // Decrypt: stack secrets and state objects; GenerateDataKey/Encrypt: writing lock files (and, for deploys,
      // the state and new secrets) under SSE-KMS.
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", ...(write === "all" ? ["kms:Encrypt"] : [])],
      Resource: state.keyArn,
    });
  }
  return statements;
}

/**
 * Preview role: read-only. ReadOnlyAccess (attached alongside) covers `pulumi preview --refresh` and provider
 * lookups for every service the platform uses; these statements add the state backend and deny what read-only
 * would otherwise expose: export data, Athena results, secret values and parameters.
 */
export function previewRoleStatements(args: { readonly state: StateBackend; readonly dataBucketArns: readonly pulumi.Input<string>[] }): PolicyStatement[] {
  return [
    ...stateStatements(args.state, "locks"),
    {
      Sid: "DenyPlatformData",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: args.dataBucketArns.map((arn) => pulumi.interpolate`${arn}/*`),
    },
    {
      Sid: "DenyQueryResultsAndSecretValues",
      Effect: "Deny",
      Action: ["athena:GetQueryResults", "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: "*", // a Deny on "*" only narrows
    },
  ];
}

/**
 * Deploy role: PowerUserAccess (attached alongside) builds everything except IAM; IAM is limited to this
 * environment's roles, attaching only AWS service-role policies, and never the delivery roles themselves (an
 * administrator changes those), so a workflow cannot widen its own permissions.
 */
export function deployRoleStatements(args: {
  readonly state: StateBackend;
  readonly accountId: pulumi.Input<string>;
  /** Physical role name prefix of this environment, e.g. `data-platform-stg-`. */
  readonly rolePrefix: string;
  readonly deliveryRoleArns: readonly pulumi.Input<string>[];
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly manageOidcProvider: boolean;
}): PolicyStatement[] {
  const iamArn = (resource: string) => pulumi.interpolate`arn:${args.state.partition}:iam::${args.accountId}:${resource}`;
  const platformRoles = iamArn(`role/${args.rolePrefix}*`);
  const statements: PolicyStatement[] = [
    ...stateStatements(args.state, "all"),
    {
      Sid: "ManagePlatformRoles",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:GetRole",
        "iam:ListRoleTags",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:PassRole",
        ...ROLE_MUTATIONS.filter((a) => a !== "iam:AttachRolePolicy" && a !== "iam:DetachRolePolicy"),
      ],
      Resource: platformRoles,
    },
    {
      Sid: "AttachOnlyServiceRolePolicies",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: platformRoles,
      Condition: { ArnLike: { "iam:PolicyARN": pulumi.interpolate`arn:${args.state.partition}:iam::aws:policy/service-role/*` } },
    },
    {
      Sid: args.manageOidcProvider ? "ManageGitHubOidcProvider" : "ReadGitHubOidcProvider",
      Effect: "Allow",
      Action: args.manageOidcProvider
        ? [
            "iam:CreateOpenIDConnectProvider",
            "iam:GetOpenIDConnectProvider",
            "iam:DeleteOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
            "iam:ListOpenIDConnectProviderTags",
          ]
        : ["iam:GetOpenIDConnectProvider"],
      Resource: args.oidcProviderArn,
    },
    {
      Sid: "DenyDeliveryRoleChanges",
      Effect: "Deny",
      Action: ROLE_MUTATIONS,
      Resource: [...args.deliveryRoleArns],
    },
  ];
  if (!args.manageOidcProvider) {
    statements.push({
      Sid: "FindGitHubOidcProvider",
      Effect: "Allow",
      Action: "iam:ListOpenIDConnectProviders",
      Resource: "*", // account-level listing: IAM has no resource type for it (policy/wildcardActions.ts)
    });
  }
  return statements;
}
