/**
 * Physical names of the platform's AWS resources. One module owns the scheme, so the stack, the KMS key policy
 * (which names roles before they exist) and the CLI all agree.
 *
 * Every name starts with `data-platform-<env>-`, so two environments in one account never collide and an IAM
 * reviewer can tell at a glance which stack owns a role.
 */

/** The Pulumi project name; also the prefix of every physical name. */
export const PROJECT = "data-platform";

/** An environment name: lower case, starts with a letter, at most 12 characters (it ends up in bucket names). */
export const ENVIRONMENT_PATTERN = /^[a-z][a-z0-9]{0,11}$/;

/** `data-platform-<env>-<role>`: the name of a role, function, topic, crawler or rule. */
export function physicalName(environment: string, role: string): string {
  return `${PROJECT}-${environment}-${role}`;
}

/** IAM role name for a platform role. IAM allows 64 characters; the longest we build is well below that. */
export function roleName(environment: string, role: string): string {
  const name = physicalName(environment, role);
  if (name.length > 64) throw new RangeError(`IAM role name ${name} is longer than 64 characters`);
  return name;
}

/** ARN of a platform role in an account, known before the role exists (the KMS key policy needs this). */
export function roleArn(partition: string, accountId: string, environment: string, role: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName(environment, role)}`;
}

/** IAM user name for a platform principal that AWS cannot give a role (BigQuery's S3 transfer takes access keys only). */
export function userName(environment: string, purpose: string): string {
  const name = physicalName(environment, purpose);
  if (name.length > 64) throw new RangeError(`IAM user name ${name} is longer than 64 characters`);
  return name;
}

/** ARN of a platform IAM user, known before the user exists (the KMS key policy needs this). */
export function userArn(partition: string, accountId: string, environment: string, purpose: string): string {
  return `arn:${partition}:iam::${accountId}:user/${userName(environment, purpose)}`;
}

/**
 * Bucket name, unique per account, region and environment:
 * `data-platform-<env>-<purpose>-<account>-<region>`. S3 allows 63 characters.
 */
export function bucketName(environment: string, purpose: string, accountId: string, region: string): string {
  const name = `${PROJECT}-${environment}-${purpose}-${accountId}-${region}`;
  if (name.length > 63) throw new RangeError(`bucket name ${name} is longer than 63 characters`);
  return name;
}

/** Glue database name: Glue and Athena want lower case with underscores. */
export function glueDatabaseName(environment: string): string {
  return `${PROJECT}_${environment}`.replace(/-/g, "_");
}

/** Tag keys every AWS resource of the project carries (the guardrail `required-tags` checks them). */
export const STANDARD_TAG_KEYS = ["project", "environment", "managed-by"] as const;

/**
 * The tags every AWS resource of an environment carries, applied as the AWS provider's default tags so that no
 * resource can forget them: `project`, `environment`, `managed-by`.
 */
export function standardTags(environment: string): Record<(typeof STANDARD_TAG_KEYS)[number], string> {
  return { project: PROJECT, environment, "managed-by": "pulumi" };
}

/**
 * Roles GitHub Actions assumes (config `github`). Deliberately not in ROLES: they never use the data key, so a
 * pull request's preview cannot decrypt exports.
 */
export const DELIVERY_ROLES = {
  preview: "github-preview",
  deploy: "github-deploy",
} as const;
