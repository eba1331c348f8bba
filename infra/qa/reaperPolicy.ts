/**
 * What the AWS-side QA clone reaper (functions/qa-reaper) needs, for whoever wires it into the platform stack:
 * its role's least-privilege statements, its environment and its schedule.
 */
import * as pulumi from "@pulumi/pulumi";
import { QA_PURPOSE, QA_TAGS, qaClusterIdentifierPrefix } from "../../contracts/qaStack";
import { anyResourceOnlyFor } from "../../policy/wildcardActions";
import type { PolicyStatement } from "../security/policy";

/** Short role name (contracts/naming.ts roleName): `data-platform-<env>-qa-reaper`. */
export const QA_REAPER_ROLE = "qa-reaper";

/** Hourly: with the default 2h grace period a clone outlives its expiry by at most about 3h. */
export const QA_REAPER_SCHEDULE = "rate(1 hour)";

/** Function timeout, seconds: long enough to wait for instance deletions (INSTANCE_DELETE_WAIT_SECONDS = 600). */
export const QA_REAPER_TIMEOUT_SECONDS = 900;

/** Arguments of the reaper's statements. */
export interface QaReaperPolicyArgs {
  readonly partition: pulumi.Input<string>;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly environment: string;
}

/**
 * Describe every cluster and instance of the account and region; delete only instances and clusters that are both
 * named `data-platform-<env>-qa-*` and tagged `purpose=qa`, and, once a clone is gone, its subnet group (same name
 * and tag) and its security group (tagged `purpose=qa` and this environment). Publishing to the (encrypted) alert topic comes with
 * every NodeFunction, so it is not repeated here.
 */
export function qaReaperStatements(args: QaReaperPolicyArgs): PolicyStatement[] {
  const rdsArn = (kind: "cluster" | "db", name: string) => pulumi.interpolate`arn:${args.partition}:rds:${args.region}:${args.accountId}:${kind}:${name}`;
  const prefix = qaClusterIdentifierPrefix(args.environment);
  const taggedQa = { StringEquals: { [`aws:ResourceTag/${QA_TAGS.purpose}`]: QA_PURPOSE } };
  const subgrpArn = (name: string) => pulumi.interpolate`arn:${args.partition}:rds:${args.region}:${args.accountId}:subgrp:${name}`;
  return [
    {
      Sid: "FindClones",
      Effect: "Allow",
      // DescribeDBClusters cannot filter by tag or name prefix, so it lists every cluster of the account and region;
      // it reads configuration and tags only, never data.
      Action: "rds:DescribeDBClusters",
      Resource: rdsArn("cluster", "*"),
    },
    {
      Sid: "WatchCloneInstances",
      Effect: "Allow",
      Action: "rds:DescribeDBInstances",
      Resource: rdsArn("db", `${prefix}*`),
    },
    {
      Sid: "DeleteQaCloneInstances",
      Effect: "Allow",
      Action: "rds:DeleteDBInstance",
      Resource: rdsArn("db", `${prefix}*`),
      Condition: taggedQa,
    },
    {
      Sid: "DeleteQaClones",
      Effect: "Allow",
      Action: "rds:DeleteDBCluster",
      Resource: rdsArn("cluster", `${prefix}*`),
      Condition: taggedQa,
    },
    {
      Sid: "FindCloneSubnetGroups",
      Effect: "Allow",
      // DescribeDBSubnetGroups cannot filter by tag: it lists every subnet group (names and subnets, no data).
      Action: "rds:DescribeDBSubnetGroups",
      Resource: subgrpArn("*"),
    },
    { Sid: "ReadCloneSubnetGroupTags", Effect: "Allow", Action: "rds:ListTagsForResource", Resource: subgrpArn(`${prefix}*`) },
    {
      Sid: "DeleteGoneCloneSubnetGroups",
      Effect: "Allow",
      Action: "rds:DeleteDBSubnetGroup",
      Resource: subgrpArn(`${prefix}*`),
      Condition: taggedQa,
    },
    {
      Sid: "FindCloneSecurityGroups",
      Effect: "Allow",
      // The Service Authorization Reference lists no resource type for DescribeSecurityGroups.
      Action: "ec2:DescribeSecurityGroups",
      Resource: anyResourceOnlyFor("ec2:DescribeSecurityGroups"),
    },
    {
      Sid: "DeleteGoneCloneSecurityGroups",
      Effect: "Allow",
      // A security group's ARN carries its id, not its name: the QA and environment tags scope it.
      Action: "ec2:DeleteSecurityGroup",
      Resource: pulumi.interpolate`arn:${args.partition}:ec2:${args.region}:${args.accountId}:security-group/*`,
      Condition: { StringEquals: { [`aws:ResourceTag/${QA_TAGS.purpose}`]: QA_PURPOSE, [`aws:ResourceTag/${QA_TAGS.environment}`]: args.environment } },
    },
  ];
}

/** The Lambda's environment variables. */
export function qaReaperEnvironment(args: { readonly alertTopicArn: pulumi.Input<string>; readonly environment: string; readonly gracePeriodMs: number }) {
  return {
    ALERT_TOPIC_ARN: args.alertTopicArn,
    ENVIRONMENT: args.environment,
    GRACE_PERIOD_MINUTES: String(Math.ceil(args.gracePeriodMs / 60_000)),
    INSTANCE_DELETE_WAIT_SECONDS: "600",
  };
}
