import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement, policyDocument, serviceTrustPolicy } from "./policy";

/** An IAM role that one AWS service assumes, with one inline least-privilege policy. */
export interface ServiceRoleArgs {
  /** Physical role name (from contracts/naming), so that the KMS key policy can name it before it exists. */
  readonly roleName: string;
  /** Service principal that assumes the role, e.g. `export.rds.amazonaws.com`. */
  readonly service: string;
  /** Account the service acts for; the trust policy pins `aws:SourceAccount` to it. */
  readonly accountId: pulumi.Input<string>;
  /**
   * Pin `aws:SourceAccount` in the trust policy (confused-deputy protection). Default true. Turn it off only for a
   * service that does not document setting the key when it assumes the role (a positive condition on a missing key
   * denies, so the service could never assume it), and say why at the call site.
   */
  readonly sourceAccountCondition?: boolean;
  /** What the role may do. Each statement names its resources. */
  readonly statements: readonly PolicyStatement[];
  /** Managed policies to attach, e.g. the Lambda VPC execution policy. Default none. */
  readonly managedPolicyArns?: readonly pulumi.Input<string>[];
  /** One-line purpose, kept as the role's description. */
  readonly description: string;
}

/** The small helper every platform role is built with: trust one service, one inline policy. */
export class ServiceRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly policy: aws.iam.RolePolicy;

  constructor(name: string, args: ServiceRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:security:ServiceRole", name, {}, opts);
    if (args.statements.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "statements", reason: "a service role needs at least one statement" });
    }
    this.role = new aws.iam.Role(
      name,
      {
        name: args.roleName,
        description: args.description,
        assumeRolePolicy: serviceTrustPolicy(args.service, (args.sourceAccountCondition ?? true) ? args.accountId : undefined),
        maxSessionDuration: 3600,
      },
      { parent: this },
    );
    this.policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: this.role.name, name: "least-privilege", policy: policyDocument(args.statements) },
      { parent: this },
    );
    (args.managedPolicyArns ?? []).forEach(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: this.role.name, policyArn }, { parent: this }),
    );
    this.arn = this.role.arn;
    this.name = this.role.name;
    this.registerOutputs({ arn: this.arn, name: this.name });
  }
}
