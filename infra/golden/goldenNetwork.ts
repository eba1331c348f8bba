import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Where the golden cluster and its mask Lambda live, and who may reach the golden. */
export interface GoldenNetworkArgs {
  readonly vpcId: string;
  /** Private subnets of the golden's DB subnet group (two AZs at least). */
  readonly subnetIds: readonly string[];
  /** MySQL port of the source (a clone keeps it). */
  readonly port: pulumi.Input<number>;
  /** Security groups of interface endpoints for the mask Lambda's HTTPS; none means 0.0.0.0/0 on 443 (NAT). */
  readonly endpointSecurityGroupIds?: readonly string[];
  readonly names: { readonly subnetGroup: string; readonly goldenSecurityGroup: string; readonly maskSecurityGroup: string };
}

/** The golden's subnet group and security group, and the mask Lambda's security group. */
export interface GoldenNetwork {
  readonly subnetGroup: aws.rds.SubnetGroup;
  readonly goldenSecurityGroup: aws.ec2.SecurityGroup;
  readonly maskSecurityGroup: aws.ec2.SecurityGroup;
}

/**
 * The golden answers on its port to the mask Lambda's security group and to nothing else; it opens no connection
 * itself. The mask Lambda may reach the golden's port and AWS's HTTPS APIs (Secrets Manager, RDS), nothing more.
 * QA clones of the golden get their own security groups (infra/qa): this one is never shared.
 */
export function createGoldenNetwork(name: string, args: GoldenNetworkArgs, opts: pulumi.ComponentResourceOptions): GoldenNetwork {
  if (args.subnetIds.length < 2) {
    throw new pulumi.InputPropertyError({ propertyPath: "network.subnetIds", reason: "RDS needs subnets in at least two availability zones" });
  }
  const subnetGroup = new aws.rds.SubnetGroup(
    `${name}-subnets`,
    { name: args.names.subnetGroup, description: "Private subnets of the masked golden clusters", subnetIds: [...args.subnetIds] },
    opts,
  );
  const goldenSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-golden-sg`,
    {
      name: args.names.goldenSecurityGroup,
      description: "Masked golden clusters: MySQL from the mask Lambda only",
      vpcId: args.vpcId,
      // No egress: the golden never opens connections (replies are allowed by statefulness).
      egress: [],
    },
    opts,
  );
  // No inline rules: the rules below are separate resources, so the provider removes AWS's default allow-all egress.
  const maskSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-mask-sg`,
    { name: args.names.maskSecurityGroup, description: "Golden mask Lambda: MySQL to the golden, HTTPS to AWS APIs", vpcId: args.vpcId },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-golden-in-mask`,
    {
      securityGroupId: goldenSecurityGroup.id,
      ipProtocol: "tcp",
      fromPort: args.port,
      toPort: args.port,
      referencedSecurityGroupId: maskSecurityGroup.id,
      description: "MySQL from the golden mask Lambda",
    },
    opts,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-mask-out-golden`,
    {
      securityGroupId: maskSecurityGroup.id,
      ipProtocol: "tcp",
      fromPort: args.port,
      toPort: args.port,
      referencedSecurityGroupId: goldenSecurityGroup.id,
      description: "MySQL to the golden",
    },
    opts,
  );
  const https = { securityGroupId: maskSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443 };
  if (args.endpointSecurityGroupIds?.length) {
    args.endpointSecurityGroupIds.forEach((sg, i) =>
      new aws.vpc.SecurityGroupEgressRule(`${name}-mask-out-endpoint-${i}`, { ...https, referencedSecurityGroupId: sg, description: "HTTPS to AWS interface endpoints" }, opts),
    );
  } else {
    // Without interface endpoints, Secrets Manager and RDS are reached through a NAT gateway: their addresses are
    // not fixed, so 443 is open to any address (and only 443).
    new aws.vpc.SecurityGroupEgressRule(`${name}-mask-out-https`, { ...https, cidrIpv4: "0.0.0.0/0", description: "HTTPS to AWS APIs through NAT" }, opts);
  }
  return { subnetGroup, goldenSecurityGroup, maskSecurityGroup };
}
