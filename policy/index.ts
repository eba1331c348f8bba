/**
 * The guardrails as a CrossGuard policy pack: `pulumi preview --policy-pack policy` (CI runs it on every pull
 * request). The rules live in policy/rules.ts; the offline plan (`npm run plan`) runs the very same functions.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("data-platform-guardrails", {
  description: "Security guardrails of the data platform: KMS, S3, IAM, Lambda, tags, RDS.",
  enforcementLevel: "mandatory",
  policies,
});
