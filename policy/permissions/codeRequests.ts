/**
 * The requests the functions' own code makes, for one deployed stack: the SDK commands the handler tests recorded,
 * with each test stand-in swapped for the deployed function's environment value, mapped to IAM requests
 * (sdkRequests.ts) and signed by the function's execution role.
 */
import { type RecordedResource, mockClusterKmsKeyArn } from "../../automation/plan/mockRuntime";
import { QA_PURPOSE, QA_TAGS } from "../../contracts/qaStack";
import type { DeployedPolicies } from "./collect";
import type { IamRequest } from "./evaluate";
import { type RequestScope, iamRequestsFor } from "./sdkRequests";
import { derivation } from "./serviceRequests";

/** One command as a handler test sent it. */
export interface RecordedCommand {
  readonly command: string;
  readonly input: unknown;
}

/** The commands a function's tests sent, and the stand-in each test used for an environment variable. */
export interface CommandRecording {
  readonly fixture: Readonly<Record<string, string>>;
  /** The commands of each test, in order. */
  readonly tests: readonly (readonly RecordedCommand[])[];
}

/** A deployed function with no recording: its code's requests are not simulated, which the simulation reports. */
export interface UnrecordedFunction {
  readonly name: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Swaps a test's stand-ins for the deployed values, longest first. The environment name is swapped only as a whole
 * word (`golden-prod-20261121` → `golden-stg-20261121`), since it appears inside identifiers the code derives.
 */
export function rebind(value: unknown, fixture: Readonly<Record<string, string>>, deployed: Readonly<Record<string, string>>): unknown {
  let text = JSON.stringify(value);
  const swaps = Object.entries(fixture)
    .filter(([k, v]) => k !== "ENVIRONMENT" && deployed[k] !== undefined && deployed[k] !== v && v.length > 2)
    .sort(([, a], [, b]) => b.length - a.length);
  for (const [k, v] of swaps) text = text.split(JSON.stringify(v).slice(1, -1)).join(JSON.stringify(deployed[k]).slice(1, -1));
  const env = fixture.ENVIRONMENT;
  if (env && deployed.ENVIRONMENT && env !== deployed.ENVIRONMENT) {
    text = text.replace(new RegExp(`(?<![A-Za-z0-9])${escape(env)}(?![A-Za-z0-9])`, "g"), deployed.ENVIRONMENT);
  }
  return JSON.parse(text);
}

/** `data-platform-stg-export-snapshot` → `export-snapshot`. */
export function shortFunctionName(name: string, environment: string): string {
  return name.replace(new RegExp(`^data-platform-${escape(environment)}-`), "");
}

/**
 * The code's requests for every deployed function, plus the functions no test recorded. `environment` is the
 * stack's environment name (`data-platform:environment`).
 */
export function codeRequests(
  recordings: ReadonlyMap<string, CommandRecording>,
  resources: readonly RecordedResource[],
  policies: DeployedPolicies,
  environment: string,
): { requests: IamRequest[]; unrecorded: UnrecordedFunction[] } {
  const at = derivation(resources, policies);
  const requests: IamRequest[] = [];
  const unrecorded: UnrecordedFunction[] = [];
  const seen = new Set<string>();
  for (const fn of at.ofType("aws:lambda/function:Function")) {
    const name = String(fn.inputs.name);
    const short = shortFunctionName(name, environment);
    const recording = recordings.get(short);
    if (!recording) {
      unrecorded.push({ name });
      continue;
    }
    const deployed: Record<string, string> = { ...(fn.inputs.environment?.variables ?? {}) };
    for (const recorded of recording.tests) {
      const calls = rebind(recorded, recording.fixture, deployed) as RecordedCommand[];
      // RDS tags a managed master secret with its cluster (Secrets Manager integration, "Tags"): the cluster the
      // same test described is the one whose secret it reads.
      const cluster = (calls.find((c) => c.command === "DescribeDBClustersCommand")?.input as { DBClusterIdentifier?: string } | undefined)?.DBClusterIdentifier;
      const scope: RequestScope = {
        partition: policies.partition,
        region: policies.region,
        accountId: policies.accountId,
        keyOf: (arn) => at.keyOf(arn) ?? (/:rds:[^:]+:[^:]+:cluster:/.test(arn) ? mockClusterKmsKeyArn(policies.region, arn.split(":").pop()!) : undefined),
        tagsOf: (arn): Record<string, string> | undefined => {
          if (arn.includes(":secret:rds!cluster-") && cluster) return { "aws:rds:primaryDBClusterArn": at.arn("rds", `cluster:${cluster}`) };
          // Every QA clone's cluster, instances and subnet group carry the QA tags (contracts/qaStack.ts, set by `qa create`).
          if (new RegExp(`:(cluster|db|subgrp):data-platform-${escape(environment)}-qa-`).test(arn)) return { [QA_TAGS.purpose]: QA_PURPOSE };
          // The reaper deletes only security groups it found by the QA and environment tags (functions/qa-reaper).
          if (/:security-group\/sg-/.test(arn)) return { [QA_TAGS.purpose]: QA_PURPOSE, [QA_TAGS.environment]: environment };
          return undefined;
        },
      };
      for (const call of calls) {
        for (const r of iamRequestsFor(call.command, call.input, scope)) {
          const request: IamRequest = {
            principal: r.principal ?? String(fn.inputs.role),
            action: r.action,
            resource: r.resource,
            context: r.context,
            origin: `${name} ${call.command.replace(/Command$/, "")}`,
            documentation: r.documentation,
          };
          const key = JSON.stringify([request.principal, request.action, request.resource, request.context]);
          if (!seen.has(key)) {
            seen.add(key);
            requests.push(request);
          }
        }
      }
    }
  }
  return { requests, unrecorded };
}
