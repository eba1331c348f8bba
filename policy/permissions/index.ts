/**
 * Permissions proven by simulation: what AWS would allow, for the policies this program deploys.
 *
 * API (one source of truth; import from `policy/permissions`):
 * - `stackPolicies(stack, { dir?, overrides? })` runs the platform program under mocks for a stack and returns
 *   `{ policies, resources }`; `policiesOfRun(resources, region)` does the same for an existing mocked run.
 * - `collectPolicies(resources, { accountId, region })` → `DeployedPolicies`: every role and user with its identity
 *   policies (inline, attached customer-managed, and the AWS-managed ones in managedPolicies.ts), its trust policy,
 *   and every resource policy by ARN (KMS key policies, S3 bucket policies, SNS topic policies, Lambda permissions).
 *   `documents` lists every document the program writes, for static checks.
 * - `evaluateRequest(policies, request)` → `Decision { allowed, result, reason }` for one `IamRequest`
 *   `{ principal, action, resource, context?, origin?, documentation? }`: the identity policies of the principal (a
 *   role/user ARN, or a service principal such as `events.amazonaws.com` which has none), plus the resource policy
 *   of the resource, through @cloud-copilot/iam-simulate in strict mode. Global keys a signed request always carries
 *   (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:SecureTransport`, ...) are filled in; anything else the
 *   request carries must be in `context`. A denial's `reason` names each blocking policy and, when a statement
 *   nearly allowed it, the condition that failed. `evaluateRequests` runs a list in order.
 */
export * from "./collect";
export * from "./evaluate";
export * from "./stack";
export { AWS_MANAGED_POLICIES } from "./managedPolicies";
export * from "./sdkRequests";
export * from "./serviceRequests";
export * from "./codeRequests";
export * from "./simulate";
export * from "./staticChecks";
