import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../security/policy";

/**
 * What `export.rds.amazonaws.com` needs to write a snapshot export: objects under one prefix of one bucket, and the
 * CMK that the bucket encrypts with. The actions are the ones the RDS user guide lists for the export role.
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
      Action: ["s3:PutObject*", "s3:GetObject*", "s3:DeleteObject*"],
      Resource: pulumi.interpolate`${args.bucketArn}/${args.prefix}/*`,
    },
    {
      Sid: "EncryptExportObjects",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey*", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:DescribeKey"],
      Resource: args.kmsKeyArn,
    },
  ];
}
