/**
 * What the GitHub Actions roles may do. The preview role reads; the deploy role builds the platform. Each reaches
 * only its own stack's folder of the Pulumi state bucket and its own secrets-provider key, and explicit Denies keep
 * it there whatever else is attached: a stg role never reads or writes prod's state nor decrypts prod's key.
 */
import * as pulumi from "@pulumi/pulumi";
import { stateLocksPrefix, stateObjectsPrefix } from "../../contracts/stateBackend";
import { anyResourceOnlyFor } from "../../policy/wildcardActions";
import type { PolicyStatement } from "../security/policy";

/** This stack's folder of the Pulumi state backend and its secrets-provider key (contracts/stateBackend.ts). */
export interface StateBackend {
  readonly bucket: string;
  /** The stack's folder in the bucket; its objects are `<prefix>/.pulumi/…`. */
  readonly prefix: string;
  /** KMS key of the stack's `awskms://` secrets provider. */
  readonly keyArn: string;
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

/** IAM actions that change a managed policy: the deploy role may not use them on its own policies. */
export const POLICY_MUTATIONS = [
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:TagPolicy",
  "iam:UntagPolicy",
];

/** Direct uses of a KMS key: the secrets provider encrypts and decrypts stack secrets with these. */
const KEY_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"];

/**
 * Read this stack's state; write only lock files (the DIY backend locks a stack for preview as well as update) or
 * everything under the folder; use the stack's key. Then the Denies that confine both roles to this stack.
 */
function stateStatements(state: StateBackend, write: "locks" | "all", ownBuckets: readonly pulumi.Input<string>[]): PolicyStatement[] {
  const bucketArn = pulumi.interpolate`arn:${state.partition}:s3:::${state.bucket}`;
  const objects = stateObjectsPrefix(state.prefix);
  const ownObjects = pulumi.interpolate`${bucketArn}/${objects}*`;
  // The backend lists keys under `<prefix>/.pulumi/` (stacks, history, backups, locks).
  const ownListing = [objects.replace(/\/$/, ""), `${objects}*`];
  return [
    { Sid: "ListState", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": ownListing } } },
    {
      Sid: write === "all" ? "ReadWriteState" : "ReadState",
      Effect: "Allow",
      Action: write === "all" ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : "s3:GetObject",
      Resource: ownObjects,
    },
    ...(write === "locks"
      ? [{ Sid: "LockStacks", Effect: "Allow" as const, Action: ["s3:PutObject", "s3:DeleteObject"], Resource: pulumi.interpolate`${bucketArn}/${stateLocksPrefix(state.prefix)}*` }]
      : []),
    {
      Sid: "UseStateKey",
      Effect: "Allow",
      // Decrypt: stack secrets; Encrypt/GenerateDataKey: new secrets and the data key of a new stack (deploys only).
      Action: ["kms:Decrypt", "kms:DescribeKey", ...(write === "all" ? ["kms:Encrypt", "kms:GenerateDataKey"] : [])],
      Resource: state.keyArn,
    },
    {
      Sid: "DenyListingOtherStacksState",
      Effect: "Deny",
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: bucketArn,
      // A negated operator also matches a listing without any prefix (IAM JSON policy elements: condition operators).
      Condition: { StringNotLike: { "s3:prefix": ownListing } },
    },
    {
      Sid: "DenyObjectsOutsideThisStack",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
      // Everything but this stack's state folder (and, for the deploy role, this environment's own buckets, which
      // `pulumi destroy` empties): no other stack's state, whatever managed policy is attached.
      NotResource: [ownObjects, ...ownBuckets.map((b) => pulumi.interpolate`${b}/*`)],
    },
    {
      Sid: "DenyOtherKeysDirectly",
      Effect: "Deny",
      Action: KEY_USE,
      NotResource: state.keyArn,
      // Direct calls only: services acting for the caller (Lambda encrypting a function's environment, S3 reading a
      // bucket-encrypted object) carry kms:ViaService and are governed by the key policies.
      Condition: { Null: { "kms:ViaService": "true" } },
    },
  ];
}

/**
 * Preview role: read-only. ReadOnlyAccess (attached alongside) covers `pulumi preview --refresh` and provider
 * lookups for every service the platform uses; these statements add the state backend and deny what read-only
 * would otherwise expose: any object but this stack's state (export data, query results, other stacks' state),
 * Athena results, secret values and parameters.
 */
export function previewRoleStatements(args: { readonly state: StateBackend }): PolicyStatement[] {
  return [
    ...stateStatements(args.state, "locks", []),
    {
      Sid: "DenyQueryResultsAndSecretValues",
      Effect: "Deny",
      Action: ["athena:GetQueryResults", "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: "*", // a Deny on "*" only narrows
    },
  ];
}

/**
 * Deploy role, inline part: the state, this environment's roles (attaching only AWS service-role policies), the
 * OIDC provider, and never the delivery roles or the deploy role's own policies (an administrator changes those), so
 * a workflow cannot widen its own permissions. Everything else it builds is granted by the generated managed
 * policies (./deployer/deployPolicy.ts).
 */
export function deployRoleStatements(args: {
  readonly state: StateBackend;
  /** Object ARN patterns of this environment's buckets (`arn:aws:s3:::data-platform-<env>-*`). */
  readonly ownBucketArns: readonly pulumi.Input<string>[];
  readonly accountId: pulumi.Input<string>;
  /** Physical role name prefix of this environment, e.g. `data-platform-stg-`. */
  readonly rolePrefix: string;
  readonly deliveryRoleArns: readonly pulumi.Input<string>[];
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly manageOidcProvider: boolean;
  /** ARN pattern of the deploy role's own managed policies, which only an administrator changes. */
  readonly deployPolicyArns: pulumi.Input<string>;
}): PolicyStatement[] {
  const iamArn = (resource: string) => pulumi.interpolate`arn:${args.state.partition}:iam::${args.accountId}:${resource}`;
  const platformRoles = iamArn(`role/${args.rolePrefix}*`);
  const statements: PolicyStatement[] = [
    ...stateStatements(args.state, "all", args.ownBucketArns),
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
      // Creating them too: after an administrator deletes one, CI must not recreate it.
      Action: ["iam:CreateRole", ...ROLE_MUTATIONS],
      Resource: [...args.deliveryRoleArns],
    },
    {
      Sid: "DenyDeployPolicyChanges",
      Effect: "Deny",
      Action: POLICY_MUTATIONS,
      Resource: args.deployPolicyArns,
    },
  ];
  if (!args.manageOidcProvider) {
    statements.push({
      Sid: "FindGitHubOidcProvider",
      Effect: "Allow",
      Action: "iam:ListOpenIDConnectProviders",
      Resource: anyResourceOnlyFor("iam:ListOpenIDConnectProviders"), // account-level listing: no resource type
    });
  }
  return statements;
}
