/**
 * The inline program of one QA clone stack (`qa-<name>`), run by the `qa` CLI through the Automation API.
 *
 * Everything it needs is set as the clone stack's config when the clone is created (`clone` spec) and when its TTL
 * moves (`expiresAt`), so a later `up` (from `qa extend`) rebuilds exactly the same clone with a new expiry,
 * whatever has changed in Pulumi.<stack>.yaml since. Pulumi keeps stack config in the workspace folder of the process
 * that set it (`Pulumi.<stack>.yaml`, https://www.pulumi.com/docs/iac/concepts/config/), not in the backend, so the
 * program also exports that config as the output `cloneConfig`: any process on any machine restores it from the
 * stack's state before its own `up`.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isCloneName, parseInstant, qaClusterIdentifier, qaResourceTags } from "../contracts/qaStack";
import { QaCloneCluster } from "../infra/qa/qaCloneCluster";

/** Config namespace of the clone stacks' keys (whatever the project name). */
export const CLONE_CONFIG_NAMESPACE = "data-platform-qa";
/** Config key of the clone's settings (JSON). */
export const CLONE_SPEC_KEY = `${CLONE_CONFIG_NAMESPACE}:spec`;
/** Config key of the clone's expiry (ISO 8601); `qa extend` moves only this one. */
export const CLONE_EXPIRES_KEY = `${CLONE_CONFIG_NAMESPACE}:expiresAt`;
/** Stack output holding the config the clone was last deployed with (plain strings by key; it holds no secret). */
export const CLONE_CONFIG_OUTPUT = "cloneConfig";
/** Config keys a clone stack is deployed with: the AWS region and this namespace. */
const STORED_CONFIG_KEY = new RegExp(`^(aws:region|${CLONE_CONFIG_NAMESPACE}:.+)$`);

/** The part of a config map the clone stack keeps in its state (see CLONE_CONFIG_OUTPUT). */
export function storedCloneConfig(config: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => STORED_CONFIG_KEY.test(key)));
}

const instant = z.string().refine((s) => parseInstant(s) !== undefined, "must be an ISO 8601 instant");

const specSchema = z
  .object({
    environment: z.string().min(1),
    cloneName: z.string().refine(isCloneName, "must be a valid clone name"),
    owner: z.string().min(1),
    sourceClusterIdentifier: z.string().min(1),
    instanceClass: z.string().min(1),
    vpcId: z.string().min(1),
    subnetIds: z.array(z.string()).min(2),
    allowedCidrs: z.array(z.string()),
    allowedSecurityGroupIds: z.array(z.string()),
    createdAt: instant,
  })
  .strict();

/** What a clone is built from; set once by `qa create`. */
export type CloneSpec = z.output<typeof specSchema>;

/** The clone stack's config: its spec and its expiry. */
export function cloneStackConfig(spec: CloneSpec, expiresAt: Date): Record<string, string> {
  return { [CLONE_SPEC_KEY]: JSON.stringify(spec), [CLONE_EXPIRES_KEY]: expiresAt.toISOString() };
}

/** Reads a clone stack's config back (the inverse of cloneStackConfig). Throws an Error naming the bad key. */
export function parseCloneStackConfig(raw: Readonly<Record<string, string>>): { spec: CloneSpec; expiresAt: Date } {
  let json: unknown;
  try {
    json = JSON.parse(raw[CLONE_SPEC_KEY] ?? "");
  } catch {
    throw new Error(`${CLONE_SPEC_KEY} is missing or not JSON`);
  }
  const parsed = specSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${CLONE_SPEC_KEY}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  }
  const expiresAt = parseInstant(raw[CLONE_EXPIRES_KEY]);
  if (!expiresAt) throw new Error(`${CLONE_EXPIRES_KEY} is missing or not an ISO 8601 instant`);
  return { spec: parsed.data, expiresAt };
}

/** The program: one clone, tagged with its owner and expiry. Outputs what a user needs to connect. */
export default async function qaClone() {
  const config = pulumi.runtime.allConfig();
  const { spec, expiresAt } = parseCloneStackConfig(config);
  const clone = new QaCloneCluster("clone", {
    clusterIdentifier: qaClusterIdentifier(spec.environment, spec.cloneName),
    sourceClusterIdentifier: spec.sourceClusterIdentifier,
    instanceClass: spec.instanceClass,
    vpcId: spec.vpcId,
    subnetIds: spec.subnetIds,
    allowedCidrs: spec.allowedCidrs,
    allowedSecurityGroupIds: spec.allowedSecurityGroupIds,
    tags: qaResourceTags({
      environment: spec.environment,
      cloneName: spec.cloneName,
      owner: spec.owner,
      source: spec.sourceClusterIdentifier,
      createdAt: new Date(spec.createdAt),
      expiresAt,
    }),
  });
  return {
    // The endpoint is reported once the instance exists: before that nothing answers on it.
    endpoint: pulumi.all([clone.endpoint, clone.instance.id]).apply(([endpoint]) => endpoint),
    port: clone.port,
    user: clone.username,
    password: pulumi.secret(clone.password),
    expiresAt: expiresAt.toISOString(),
    clusterIdentifier: clone.cluster.clusterIdentifier,
    [CLONE_CONFIG_OUTPUT]: storedCloneConfig(config),
  };
}
