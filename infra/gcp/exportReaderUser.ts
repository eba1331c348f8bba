import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement, policyDocument } from "../security/policy";

/** The AWS identity BigQuery's Amazon S3 transfers sign in with: an IAM user that can only read the exports. */
export interface ExportReaderUserArgs {
  /** Physical user name (contracts/naming `userName`), so that the KMS key policy can name it before it exists. */
  readonly userName: string;
  readonly exportsBucketArn: pulumi.Input<string>;
  /** Key prefix the exports land under, without slashes, e.g. `exports`. */
  readonly exportsPrefix: string;
  /** CMK that encrypts the export objects. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Region of the bucket and key; decryption is allowed only through S3 in this region. */
  readonly region: pulumi.Input<string>;
  /**
   * Generation of the access key, part of its resource name: raising it creates a new key, moves every transfer to
   * it, then deletes the old one. Default 1.
   */
  readonly accessKeyRotation?: number;
}

/** What the transfer user may do: list and read the export prefix, and decrypt its objects through S3. */
export function exportReaderStatements(args: Pick<ExportReaderUserArgs, "exportsBucketArn" | "exportsPrefix" | "kmsKeyArn" | "region">): PolicyStatement[] {
  return [
    {
      Sid: "ListExportPrefix",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: args.exportsBucketArn,
      Condition: { StringLike: { "s3:prefix": [`${args.exportsPrefix}/*`, `${args.exportsPrefix}/`] } },
    },
    {
      Sid: "LocateExportBucket",
      Effect: "Allow",
      // Reveals only the bucket's region, which a client reading from another cloud needs to pick the endpoint.
      Action: "s3:GetBucketLocation",
      Resource: args.exportsBucketArn,
    },
    {
      Sid: "ReadExportObjects",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: pulumi.interpolate`${args.exportsBucketArn}/${args.exportsPrefix}/*`,
    },
    {
      Sid: "DecryptExportObjectsThroughS3",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: args.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${args.region}.amazonaws.com` } },
    },
  ];
}

/**
 * IAM user + inline read-only policy + access key. BigQuery's Amazon S3 transfer accepts only an access key pair
 * (https://cloud.google.com/bigquery/docs/s3-transfer-intro), so this is the one platform principal that is a user.
 * The secret exists only as a Pulumi secret: in the encrypted state and in the transfers' `sensitiveParams`.
 */
export class ExportReaderUser extends pulumi.ComponentResource {
  readonly user: aws.iam.User;
  readonly policy: aws.iam.UserPolicy;
  readonly accessKey: aws.iam.AccessKey;
  readonly arn: pulumi.Output<string>;
  readonly accessKeyId: pulumi.Output<string>;
  /** Always a secret Output. */
  readonly secretAccessKey: pulumi.Output<string>;

  constructor(name: string, args: ExportReaderUserArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:gcp:ExportReaderUser", name, {}, opts);
    const rotation = args.accessKeyRotation ?? 1;
    if (!Number.isInteger(rotation) || rotation < 1) {
      throw new pulumi.InputPropertyError({ propertyPath: "accessKeyRotation", reason: "must be a whole number of at least 1" });
    }
    this.user = new aws.iam.User(
      name,
      { name: args.userName, tags: { purpose: "BigQuery Data Transfer Service reads the exports" } },
      { parent: this },
    );
    this.policy = new aws.iam.UserPolicy(
      `${name}-policy`,
      { user: this.user.name, name: "read-exports", policy: policyDocument(exportReaderStatements(args)) },
      { parent: this },
    );
    // The generation is part of the name: a new name is a new resource, created before the old one is deleted.
    this.accessKey = new aws.iam.AccessKey(`${name}-key-${rotation}`, { user: this.user.name }, { parent: this });
    this.arn = this.user.arn;
    // Consumers get the key id only once the policy exists, so a transfer never signs in without read access.
    this.accessKeyId = pulumi.all([this.accessKey.id, this.policy.id]).apply(([id]) => id);
    this.secretAccessKey = pulumi.secret(this.accessKey.secret);
    this.registerOutputs({ arn: this.arn, accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey });
  }
}
