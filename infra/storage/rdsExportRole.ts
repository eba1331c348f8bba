import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../security/policy";

/**
 * What `export.rds.amazonaws.com` needs to write a snapshot export: objects under one prefix of one bucket, and the
 * CMK that the bucket encrypts with. The actions are those the RDS user guide lists for the export role
 * ("Exporting DB cluster snapshot data to Amazon S3", setting up access), with its patterns expanded to the ones an
 * export uses.
 */
export function rdsExportRoleStatements(args: {
  readonly bucketArn: pulumi.Input<string>;
  readonly prefix: string;
  readonly kmsKeyArn: pulumi.Input<string>;
}): PolicyStatement[] {
  return [
    {
      Sid: "LocateExportBucket",
      Effect: "Allow",
      // RDS lists and locates the bucket itself before it writes; object access stays limited to the prefix.
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: args.bucketArn,
    },
    {
      Sid: "WriteExportPrefix",
      Effect: "Allow",
      // The guide's policy grants `s3:PutObject*`, `s3:GetObject*` and `s3:DeleteObject*` (34 actions, object ACLs,
      // legal holds and retention among them); an export writes, reads back and deletes objects, nothing else.
      Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
      Resource: pulumi.interpolate`${args.bucketArn}/${args.prefix}/*`,
    },
    {
      Sid: "EncryptExportObjects",
      Effect: "Allow",
      // SSE-KMS writes ask for a data key and reads (multipart upload parts included) decrypt it
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms).
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: args.kmsKeyArn,
    },
  ];
}
