import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A sanity-check query saved in the workgroup. */
export interface NamedQuerySpec {
  /** Short name, unique in the workgroup. */
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** The Athena workgroup analysts query the export through. */
export interface AthenaWorkgroupArgs {
  /** Workgroup name. */
  readonly workgroupName: string;
  /** Bucket that receives query results; must already be KMS-encrypted and private. */
  readonly resultsBucketName: pulumi.Input<string>;
  /** CMK that encrypts query results (SSE_KMS). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Per-query cutoff in bytes scanned; a query past it is cancelled. */
  readonly bytesScannedCutoffPerQuery: number;
  /** Glue database the named queries run in. */
  readonly databaseName: pulumi.Input<string>;
  /** Saved sanity-check queries. Default none. */
  readonly namedQueries?: readonly NamedQuerySpec[];
  /** Let `pulumi destroy` delete a workgroup that has saved queries and history. Default false. */
  readonly forceDestroy?: boolean;
}

/** Athena workgroup whose settings are enforced on every query: results SSE_KMS with the CMK, a scan cutoff, metrics. */
export class AthenaWorkgroup extends pulumi.ComponentResource {
  readonly workgroup: aws.athena.Workgroup;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: AthenaWorkgroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:query:AthenaWorkgroup", name, {}, opts);
    this.workgroup = new aws.athena.Workgroup(
      name,
      {
        name: args.workgroupName,
        description: "Queries over the latest Aurora export; settings enforced",
        state: "ENABLED",
        forceDestroy: args.forceDestroy ?? false,
        configuration: {
          // Enforced: a client cannot pick its own (unencrypted) output location or lift the cutoff.
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: args.bytesScannedCutoffPerQuery,
          engineVersion: { selectedEngineVersion: "AUTO" },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${args.resultsBucketName}/athena/`,
            encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: args.kmsKeyArn },
          },
        },
      },
      { parent: this },
    );
    this.name = this.workgroup.name;
    for (const q of args.namedQueries ?? []) {
      new aws.athena.NamedQuery(
        `${name}-query-${q.name}`,
        { name: q.name, description: q.description, database: args.databaseName, workgroup: this.workgroup.name, query: q.sql },
        { parent: this },
      );
    }
    this.registerOutputs({ name: this.name });
  }
}
