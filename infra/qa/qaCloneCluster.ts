import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** A short-lived, isolated copy-on-write clone of an Aurora MySQL cluster. */
export interface QaCloneClusterArgs {
  /** RDS identifier of the clone (`data-platform-<env>-qa-<name>`, see contracts/qaStack.ts). */
  readonly clusterIdentifier: string;
  /** The cluster to clone; it must be encrypted. */
  readonly sourceClusterIdentifier: string;
  /** Class of the clone's one instance, e.g. db.r6g.large. */
  readonly instanceClass: string;
  readonly vpcId: string;
  /** Private subnets in at least two availability zones. */
  readonly subnetIds: readonly string[];
  /** IPv4 CIDRs that may connect to the clone's port. */
  readonly allowedCidrs: readonly string[];
  /** Security groups whose members may connect to the clone's port. */
  readonly allowedSecurityGroupIds: readonly string[];
  /** Tags for every resource (purpose, owner, expires-at, stack, …: contracts/qaStack.ts qaResourceTags). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * RDS rejects `/`, `@`, `"` and spaces in a master password; everything else in this set is safe in a MySQL
 * password and needs no shell quoting in MYSQL_PWD.
 */
const PASSWORD_SPECIALS = "!#$%^&*()-_=+[]{}<>:?";

/**
 * A copy-on-write Aurora clone with its own master password, a private subnet group, a security group open only to
 * the configured CIDRs and security groups, and one instance. Nothing protects it: it is meant to be thrown away.
 */
export class QaCloneCluster extends pulumi.ComponentResource {
  readonly cluster: aws.rds.Cluster;
  readonly instance: aws.rds.ClusterInstance;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly endpoint: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Master user name, inherited from the source (a restore cannot change it). */
  readonly username: pulumi.Output<string>;
  /** The clone's new master password (secret). */
  readonly password: pulumi.Output<string>;

  constructor(name: string, args: QaCloneClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:qa:QaCloneCluster", name, {}, opts);
    if (args.subnetIds.length < 2) {
      throw new pulumi.InputPropertyError({ propertyPath: "subnetIds", reason: "RDS needs subnets in at least two availability zones" });
    }
    if (args.allowedCidrs.length === 0 && args.allowedSecurityGroupIds.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "allowedCidrs", reason: "a clone nobody may connect to is useless: list a CIDR or a security group" });
    }
    const tags = { ...args.tags };

    // Engine, port and user come from the source: a copy-on-write restore must use the source's engine.
    const source = aws.rds.getClusterOutput({ clusterIdentifier: args.sourceClusterIdentifier }, { parent: this });
    const engine = source.apply((s) => {
      // A clone of an encrypted cluster is encrypted with the same KMS key; an unencrypted source would give an
      // unencrypted clone of production-shaped data, which we refuse.
      if (!s.storageEncrypted) throw new Error(`source cluster ${args.sourceClusterIdentifier} is not encrypted; refusing to clone it`);
      return s.engine;
    });
    this.port = source.port;
    this.username = source.masterUsername;
    // The clone runs with the source's parameter groups: a restore without DBClusterParameterGroupName gets the
    // engine's default group (RestoreDBClusterToPointInTime API reference), and so would a new instance (CreateDBInstance
    // DBParameterGroupName), which changes SQL modes, time zone and character sets from what the application sees.
    const sourceInstanceParameterGroup = source.clusterMembers.apply((members = []) => {
      if (members.length === 0) throw new Error(`source cluster ${args.sourceClusterIdentifier} has no instance to take the instance parameter group from`);
      return aws.rds.getInstanceOutput({ dbInstanceIdentifier: [...members].sort()[0] }, { parent: this }).dbParameterGroups.apply((groups) => groups[0]);
    });

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: true, overrideSpecial: PASSWORD_SPECIALS }, { parent: this });
    this.password = password.result;

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { name: args.clusterIdentifier, description: `Private subnets of QA clone ${args.clusterIdentifier}`, subnetIds: [...args.subnetIds], tags },
      { parent: this },
    );

    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        name: args.clusterIdentifier,
        description: `MySQL access to QA clone ${args.clusterIdentifier}`,
        vpcId: args.vpcId,
        // No egress: the clone never opens connections (replies to clients are allowed by SG statefulness).
        egress: [],
        tags,
      },
      { parent: this },
    );
    const ingress = (suffix: string, peer: { cidrIpv4?: string; referencedSecurityGroupId?: string }, who: string) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-in-${suffix}`,
        { securityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: this.port, toPort: this.port, description: `MySQL from ${who}`, tags, ...peer },
        { parent: this },
      );
    args.allowedCidrs.forEach((cidr, i) => ingress(`cidr-${i}`, { cidrIpv4: cidr }, cidr));
    args.allowedSecurityGroupIds.forEach((sg, i) => ingress(`sg-${i}`, { referencedSecurityGroupId: sg }, sg));

    this.cluster = new aws.rds.Cluster(
      name,
      {
        clusterIdentifier: args.clusterIdentifier,
        engine,
        restoreToPointInTime: {
          restoreType: "copy-on-write",
          useLatestRestorableTime: true,
          sourceClusterIdentifier: args.sourceClusterIdentifier,
        },
        // The provider applies the password with ModifyDBCluster right after the restore: until then the clone
        // answers to the source's password, but only from the networks allowed below and before anyone is handed it.
        masterPassword: this.password,
        port: this.port,
        dbClusterParameterGroupName: source.dbClusterParameterGroupName,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        // No kmsKeyId: a copy-on-write clone shares the source's storage pages, so it keeps the source's key.
        storageEncrypted: true,
        skipFinalSnapshot: true,
        deletionProtection: false,
        backupRetentionPeriod: 1,
        applyImmediately: true,
        tags,
      },
      { parent: this },
    );

    this.instance = new aws.rds.ClusterInstance(
      `${name}-instance`,
      {
        identifier: `${args.clusterIdentifier}-1`,
        clusterIdentifier: this.cluster.id,
        instanceClass: args.instanceClass,
        // The provider types the instance engine as a closed union; this value is what RDS reported for the source.
        engine: this.cluster.engine.apply((e) => e as aws.rds.EngineType),
        dbSubnetGroupName: subnetGroup.name,
        dbParameterGroupName: sourceInstanceParameterGroup,
        publiclyAccessible: false,
        applyImmediately: true,
        tags,
      },
      { parent: this },
    );
    this.endpoint = this.cluster.endpoint;
    this.registerOutputs({ endpoint: this.endpoint, port: this.port, username: this.username, password: this.password });
  }
}
