import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { WebIdentityRole } from "../security/webIdentityRole";
import { type DeployScope, deployerStatements, splitIntoManagedPolicies } from "./deployer/deployPolicy";
import { type StateBackend, deployRoleStatements, previewRoleStatements } from "./githubRolePolicies";

/** The GitHub Actions token issuer. */
export const GITHUB_OIDC_ISSUER = "token.actions.githubusercontent.com";

/** GitHub Actions → AWS through OIDC, for one environment. */
export interface GitHubOidcArgs {
  /** `owner/repo`. */
  readonly repository: string;
  /** Create the account's OIDC provider (true) or look up the one another stack created (false). */
  readonly createOidcProvider: boolean;
  /** GitHub environment whose jobs may deploy (its protection rules are the approval gate). */
  readonly deployEnvironment: string;
  /**
   * GitHub environment whose jobs may preview (required reviewers make it an approval gate). Absent: any
   * pull-request job of the repository may preview.
   */
  readonly previewEnvironment?: string;
  readonly previewRoleName: string;
  readonly deployRoleName: string;
  /**
   * Physical name prefix of this environment (`data-platform-<env>-`): the roles the deploy role may manage, and the
   * buckets whose objects it may touch besides the state.
   */
  readonly rolePrefix: string;
  /** This stack's own folder of the state bucket and its own secrets-provider key. */
  readonly state: Omit<StateBackend, "partition">;
  /** What the deploy role's generated policies are scoped to, besides account, partition and names. */
  readonly deploy: Pick<DeployScope, "region" | "vpcIds" | "lookedUpClusterIds" | "blocks">;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
}

/**
 * The OIDC provider for token.actions.githubusercontent.com, a read-only preview role trusted only for pull-request
 * jobs of the repository (or of its preview environment), and a deploy role trusted only for jobs in the deploy
 * environment, whose permissions are generated from the AWS provider's calls for this program
 * (./deployer/): customer-managed policies `<deploy role>-<n>`, which only an administrator changes.
 */
export class GitHubOidc extends pulumi.ComponentResource {
  readonly providerArn: pulumi.Output<string>;
  readonly previewRole: WebIdentityRole;
  readonly deployRole: WebIdentityRole;
  readonly deployPolicies: aws.iam.Policy[];

  constructor(name: string, args: GitHubOidcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:delivery:GitHubOidc", name, {}, opts);
    const url = `https://${GITHUB_OIDC_ISSUER}`;
    if (!/^[^/\s]+\/[^/\s]+$/.test(args.repository)) {
      throw new pulumi.InputPropertyError({ propertyPath: "repository", reason: 'must be "owner/repo"' });
    }
    if (args.createOidcProvider) {
      // No thumbprints: AWS validates GitHub's certificate against its own trusted CAs for this issuer.
      const provider = new aws.iam.OpenIdConnectProvider(
        `${name}-provider`,
        { url, clientIdLists: ["sts.amazonaws.com"] },
        { parent: this },
      );
      this.providerArn = provider.arn;
    } else {
      this.providerArn = aws.iam.getOpenIdConnectProviderOutput({ url }, { parent: this }).arn;
    }
    const state: StateBackend = { ...args.state, partition: args.partition };
    const subject = (suffix: string) => `repo:${args.repository}:${suffix}`;
    const roleArn = (roleName: string) => pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:role/${roleName}`;
    const managed = (policy: string) => pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${policy}`;
    const child = { parent: this };

    this.previewRole = new WebIdentityRole(
      `${name}-preview`,
      {
        roleName: args.previewRoleName,
        providerArn: this.providerArn,
        issuer: GITHUB_OIDC_ISSUER,
        // A job in an environment presents `environment:<name>` whatever triggered it, and only once the
        // environment's reviewers approved; a pull_request job without one presents `pull_request`. Forks get no
        // id-token at all. ("About security hardening with OpenID Connect", GitHub Docs: example subject claims.)
        subjects: [subject(args.previewEnvironment === undefined ? "pull_request" : `environment:${args.previewEnvironment}`)],
        description:
          args.previewEnvironment === undefined
            ? `pulumi preview from pull requests of ${args.repository} (read-only)`
            : `pulumi preview from the ${args.previewEnvironment} environment of ${args.repository} (read-only)`,
        managedPolicyArns: [managed("ReadOnlyAccess")],
        statements: previewRoleStatements({ state }),
      },
      child,
    );
    this.deployPolicies = createDeployPolicies(name, args, child);
    this.deployRole = new WebIdentityRole(
      `${name}-deploy`,
      {
        roleName: args.deployRoleName,
        providerArn: this.providerArn,
        issuer: GITHUB_OIDC_ISSUER,
        // A job that names an environment presents this subject, whatever its branch: the environment's
        // protection rules (reviewers, deployment branches) are what gate it.
        subjects: [subject(`environment:${args.deployEnvironment}`)],
        description: `pulumi up from the ${args.deployEnvironment} environment of ${args.repository}`,
        managedPolicyArns: this.deployPolicies.map((p) => p.arn),
        statements: deployRoleStatements({
          state,
          ownBucketArns: [pulumi.interpolate`arn:${args.partition}:s3:::${args.rolePrefix}*`],
          accountId: args.accountId,
          rolePrefix: args.rolePrefix,
          deliveryRoleArns: [roleArn(args.previewRoleName), roleArn(args.deployRoleName)],
          oidcProviderArn: pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:oidc-provider/${GITHUB_OIDC_ISSUER}`,
          deployPolicyArns: pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:policy/${args.deployRoleName}-*`,
          manageOidcProvider: args.createOidcProvider,
        }),
      },
      child,
    );
    this.registerOutputs({ providerArn: this.providerArn, previewRoleArn: this.previewRole.arn, deployRoleArn: this.deployRole.arn });
  }
}

/**
 * The deploy role's generated permissions as customer-managed policies `<deploy role>-1…n`, each within IAM's size
 * limit. The split is decided with placeholder account and partition of maximal length, so that the number of
 * policies is known before the account is.
 */
function createDeployPolicies(name: string, args: GitHubOidcArgs, opts: pulumi.ComponentResourceOptions): aws.iam.Policy[] {
  const scope = (partition: string, accountId: string): DeployScope => ({ ...args.deploy, partition, accountId, environment: environmentOf(args.rolePrefix) });
  const documents = splitIntoManagedPolicies(deployerStatements(scope("aws-us-gov", "000000000000")));
  let first = 0;
  return documents.map((statements, i) => {
    const [from, to] = [first, first + statements.length];
    first = to;
    const policy = pulumi
      .all([args.partition, args.accountId])
      .apply(([partition, accountId]) => ({ Version: "2012-10-17", Statement: deployerStatements(scope(partition, accountId)).slice(from, to) }));
    return new aws.iam.Policy(
      `${name}-deploy-policy-${i + 1}`,
      {
        name: `${args.deployRoleName}-${i + 1}`,
        description: `pulumi up of this environment, part ${i + 1} of ${documents.length}: generated from the AWS provider's calls`,
        policy: pulumi.jsonStringify(policy),
      },
      opts,
    );
  });
}

/** `data-platform-<env>-` → `<env>`. */
function environmentOf(rolePrefix: string): string {
  return rolePrefix.replace(/^data-platform-/, "").replace(/-$/, "");
}
