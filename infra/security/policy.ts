/**
 * IAM policy documents for the whole project. Every document is built here with `pulumi.jsonStringify`, never by
 * string concatenation, so an Output inside a statement is resolved and escaped correctly.
 */
import * as pulumi from "@pulumi/pulumi";

type OneOrMany<T> = T | T[];

/** One IAM statement. `Resource` (or, in a Deny, `NotResource`) is required: there is no implicit "*". */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: pulumi.Input<Record<string, pulumi.Input<OneOrMany<pulumi.Input<string>>>> | "*">;
  readonly Action: OneOrMany<string>;
  readonly Resource?: pulumi.Input<OneOrMany<pulumi.Input<string>>>;
  /** Only in a Deny: "everything but these" (the guardrails refuse it in an Allow). */
  readonly NotResource?: pulumi.Input<OneOrMany<pulumi.Input<string>>>;
  readonly Condition?: pulumi.Input<Record<string, Record<string, pulumi.Input<OneOrMany<pulumi.Input<string>>>>>>;
}

/** A policy document (version 2012-10-17) as a JSON string Output. */
export function policyDocument(statements: readonly PolicyStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * A trust policy that lets one AWS service assume the role, only on behalf of this account (confused deputy) when
 * `accountId` is given.
 */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string> | undefined): pulumi.Output<string> {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      ...(accountId === undefined ? {} : { Condition: { StringEquals: { "aws:SourceAccount": accountId } } }),
    },
  ]);
}

/** A statement that denies every request to a bucket that does not arrive over TLS. */
export function denyInsecureTransport(bucketArn: pulumi.Input<string>): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * A trust policy for an OIDC identity provider (web identity federation, e.g. GitHub Actions): the token must be
 * issued for `audience` and its `sub` must equal one of `subjects` exactly (no wildcards, so a fork, another
 * branch or another environment never matches).
 */
export function webIdentityTrustPolicy(args: {
  readonly providerArn: pulumi.Input<string>;
  /** Issuer host without scheme, e.g. `token.actions.githubusercontent.com`; the prefix of the condition keys. */
  readonly issuer: string;
  readonly audience: string;
  readonly subjects: readonly string[];
}): pulumi.Output<string> {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: args.providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { [`${args.issuer}:aud`]: args.audience, [`${args.issuer}:sub`]: [...args.subjects] },
      },
    },
  ]);
}
