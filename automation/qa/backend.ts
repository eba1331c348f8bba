/** Which Pulumi state backends need the clone stacks to name a secrets provider. */

/**
 * Why a secrets provider must be configured, or undefined when none is needed. A DIY backend that is shared (s3://,
 * gs://, azblob://, postgres://) has no secrets service: without a provider, Pulumi falls back to a passphrase
 * (pkg/backend/diy/backend.go DefaultSecretManager in pulumi/pulumi), which a CI job or another engineer does not have,
 * and which fails non-interactively. file:// is one machine's own state; Pulumi Cloud (https://) manages secrets
 * itself (https://www.pulumi.com/docs/iac/concepts/secrets/#configuring-secrets-encryption).
 */
export function secretsProviderProblem(backendUrl: string, secretsProvider: string | undefined, platformStack: string): string | undefined {
  if (secretsProvider !== undefined) return undefined;
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(backendUrl)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === "file" || scheme === "https" || scheme === "http") return undefined;
  return (
    `the Pulumi backend ${scheme}://… is shared, but data-platform:qa.secretsProvider is not set in Pulumi.${platformStack}.yaml: ` +
    `set it to a KMS key the deploy role can use (e.g. awskms://<key id>?region=<region>), so that every job and engineer can read the clones' secrets without a passphrase`
  );
}
