import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement, policyDocument, webIdentityTrustPolicy } from "./policy";

/** An IAM role assumed through an OIDC identity provider (GitHub Actions), with one inline policy. */
export interface WebIdentityRoleArgs {
  /** Physical role name (from contracts/naming). */
  readonly roleName: string;
  /** ARN of the IAM OIDC identity provider that issues the tokens. */
  readonly providerArn: pulumi.Input<string>;
  /** Issuer host, e.g. `token.actions.githubusercontent.com`. */
  readonly issuer: string;
  /** `aud` the token must carry. Default `sts.amazonaws.com` (what aws-actions/configure-aws-credentials asks for). */
  readonly audience?: string;
  /** Exact `sub` values that may assume the role, e.g. `repo:org/repo:environment:prod`. */
  readonly subjects: readonly string[];
  /** Inline permissions. Default none (a role may live on managed policies alone). */
  readonly statements?: readonly PolicyStatement[];
  /** Managed policies to attach. Default none. */
  readonly managedPolicyArns?: readonly pulumi.Input<string>[];
  /** One-line purpose, kept as the role's description. */
  readonly description: string;
  /** Session length in seconds. Default 3600: a CI job re-assumes rather than holding long sessions. */
  readonly maxSessionDuration?: number;
}

/** The sibling of ServiceRole for federated principals: trust one provider, for exact subjects only. */
export class WebIdentityRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: WebIdentityRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:security:WebIdentityRole", name, {}, opts);
    const audience = args.audience ?? "sts.amazonaws.com";
    const maxSessionDuration = args.maxSessionDuration ?? 3600;
    if (args.subjects.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "subjects", reason: "name at least one subject that may assume the role" });
    }
    const wildcard = args.subjects.find((s) => /[*?]/.test(s));
    if (wildcard !== undefined) {
      throw new pulumi.InputPropertyError({ propertyPath: "subjects", reason: `subjects are matched exactly; "${wildcard}" has a wildcard` });
    }
    if (!args.statements?.length && !args.managedPolicyArns?.length) {
      throw new pulumi.InputPropertyError({ propertyPath: "statements", reason: "a role needs statements or managed policies" });
    }
    this.role = new aws.iam.Role(
      name,
      {
        name: args.roleName,
        description: args.description,
        assumeRolePolicy: webIdentityTrustPolicy({ providerArn: args.providerArn, issuer: args.issuer, audience, subjects: args.subjects }),
        maxSessionDuration,
      },
      { parent: this },
    );
    if (args.statements?.length) {
      new aws.iam.RolePolicy(
        `${name}-policy`,
        { role: this.role.name, name: "least-privilege", policy: policyDocument(args.statements) },
        { parent: this },
      );
    }
    (args.managedPolicyArns ?? []).forEach(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: this.role.name, policyArn }, { parent: this }),
    );
    this.arn = this.role.arn;
    this.name = this.role.name;
    this.registerOutputs({ arn: this.arn, name: this.name });
  }
}
