import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport, policyDocument } from "../security/policy";

/** A private, KMS-encrypted, TLS-only bucket whose objects expire. */
export interface SecureBucketArgs {
  /** Physical bucket name (contracts/naming `bucketName`). */
  readonly bucketName: pulumi.Input<string>;
  /** KMS key that encrypts every object (SSE-KMS with the bucket key on). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Days an object is kept before it expires. */
  readonly expirationDays: number;
  /** Days before an incomplete multipart upload is aborted. Default 1. */
  readonly abortIncompleteUploadDays?: number;
  /** Let `pulumi destroy` delete a bucket that still holds objects. Default false. */
  readonly forceDestroy?: boolean;
}

/** Private S3 bucket: SSE-KMS with bucket key, all public access blocked, owner-enforced, TLS only, lifecycle. */
export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:storage:SecureBucket", name, {}, opts);
    const abortIncompleteUploadDays = args.abortIncompleteUploadDays ?? 1;
    if (!Number.isInteger(args.expirationDays) || args.expirationDays < 1) {
      throw new pulumi.InputPropertyError({ propertyPath: "expirationDays", reason: "must be a whole number of days, at least 1" });
    }
    const child = { parent: this };
    this.bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false }, child);

    // The public access block comes first: the bucket policy below must never be evaluated as public.
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
            // The bucket key cuts KMS requests (and their cost) by caching a data key per bucket.
            bucketKeyEnabled: true,
          },
        ],
      },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          { id: "expire-objects", status: "Enabled", filter: {}, expiration: { days: args.expirationDays } },
          {
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: abortIncompleteUploadDays },
          },
        ],
      },
      child,
    );
    this.arn = this.bucket.arn;
    this.name = this.bucket.bucket;
    this.policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: this.bucket.id,
        policy: policyDocument([denyInsecureTransport(this.arn)]),
      },
      { parent: this, dependsOn: [publicAccess] },
    );
    this.registerOutputs({ arn: this.arn, name: this.name });
  }
}
