/**
 * Guardrails for the analytics and on-call blocks (cost budget, AWS service principals in resource policies). Pure
 * functions over resource type + inputs, run by both runners through policy/rules.ts.
 */
import { asList, isAllow, resourceDocuments } from "./documents";
import type { ResourceRule } from "./rules";

const BUDGET_TYPE = "aws:budgets/budget:Budget";
const SLACK_TYPE = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration";
const QUICKSIGHT_TYPES = new Set(["aws:quicksight/dataSource:DataSource", "aws:quicksight/dataSet:DataSet"]);
const QUICKSIGHT_PRINCIPAL = /^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/[^*]+$/;

/** AWS managed policies that only read: the guardrails a chat channel may have. */
export const READ_ONLY_MANAGED_POLICIES = ["CloudWatchReadOnlyAccess", "ReadOnlyAccess"] as const;

/** Provider inputs travel JSON-encoded when they are objects. */
function decoded(v: unknown): any {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * A budget alerts somebody on every notification, and counts only a filtered part of the account: an unfiltered
 * budget would page one stack's on-call for every other team's spend.
 */
export const budgetNotifiesAndIsScoped: ResourceRule = {
  name: "budget-notifies-and-is-scoped",
  description: "AWS Budgets budgets have at least one notification, each with a subscriber, and a cost filter.",
  enforcementLevel: "mandatory",
  check: (r) => {
    if (r.type !== BUDGET_TYPE) return [];
    const problems: string[] = [];
    const notifications = (decoded(r.props.notifications) ?? []) as Record<string, unknown>[];
    if (notifications.length === 0) problems.push("no notifications: the budget alerts nobody");
    notifications.forEach((n, i) => {
      if (asList(n.subscriberSnsTopicArns).length + asList(n.subscriberEmailAddresses).length === 0) {
        problems.push(`notification #${i} has no subscriber`);
      }
    });
    const filters = decoded(r.props.filterExpression) ?? decoded(r.props.costFilters);
    const empty = filters === undefined || filters === null || (Array.isArray(filters) && filters.length === 0) || (typeof filters === "object" && Object.keys(filters).length === 0);
    if (empty) problems.push("no cost filter: the budget counts the whole account's cost");
    return problems;
  },
};

/**
 * Resource policies (topic, key, bucket, queue) that allow an AWS service principal carry a condition, so that the
 * service acts only for this account or resource (the confused-deputy problem,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
 */
export const servicePrincipalsConditioned: ResourceRule = {
  name: "service-principal-conditioned",
  description: "Resource policies allow an AWS service principal only with a condition (source account, source ARN or encryption context).",
  enforcementLevel: "mandatory",
  check: (r) => {
    const problems: string[] = [];
    for (const doc of resourceDocuments(r.type, r.props)) {
      doc.statements.forEach((s, i) => {
        if (!isAllow(s) || typeof s.Principal !== "object" || s.Principal === null) return;
        const services = asList((s.Principal as { Service?: unknown }).Service);
        if (services.length === 0) return;
        if (s.Condition === undefined || Object.keys(s.Condition).length === 0) {
          problems.push(`${doc.path} statement ${s.Sid ? `"${s.Sid}"` : `#${i}`} allows ${services.join(", ")} without a condition`);
        }
      });
    }
    return problems;
  },
};

/**
 * A chat channel's guardrails are read-only AWS managed policies. Without any, AWS Chatbot applies
 * AdministratorAccess (https://docs.aws.amazon.com/chatbot/latest/adminguide/understanding-permissions.html), so
 * anyone in the channel could change the account from Slack.
 */
export const chatChannelReadOnly: ResourceRule = {
  name: "chat-channel-read-only",
  description: `AWS Chatbot Slack channels name guardrail policies, each one of ${READ_ONLY_MANAGED_POLICIES.join(", ")}.`,
  enforcementLevel: "mandatory",
  check: (r) => {
    if (r.type !== SLACK_TYPE) return [];
    const arns = asList(decoded(r.props.guardrailPolicyArns));
    if (arns.length === 0) return ["no guardrail policies: AWS Chatbot would apply AdministratorAccess"];
    const readOnly = new RegExp(`^arn:aws[a-z-]*:iam::aws:policy/(${READ_ONLY_MANAGED_POLICIES.join("|")})$`);
    return arns.filter((a) => !readOnly.test(a)).map((a) => `guardrail ${a} is not a read-only policy`);
  },
};

/**
 * QuickSight data sources and data sets are shared only with named QuickSight users and groups of one account (no
 * wildcard, no namespace-wide or account-wide principal), and an Athena data source names a workgroup: only the
 * platform's workgroup enforces encrypted results and a scan cutoff (the default `primary` does neither).
 */
export const quickSightScoped: ResourceRule = {
  name: "quicksight-scoped",
  description: "QuickSight data sources and data sets are shared with named users or groups only; Athena data sources name a workgroup.",
  enforcementLevel: "mandatory",
  check: (r) => {
    if (!QUICKSIGHT_TYPES.has(r.type)) return [];
    const problems: string[] = [];
    for (const p of (decoded(r.props.permissions) ?? []) as { principal?: unknown }[]) {
      if (typeof p.principal === "string" && !QUICKSIGHT_PRINCIPAL.test(p.principal)) {
        problems.push(`shared with ${p.principal}: name a QuickSight user or group`);
      }
    }
    if (r.type === "aws:quicksight/dataSource:DataSource" && r.props.type === "ATHENA") {
      const workGroup = decoded(r.props.parameters)?.athena?.workGroup;
      if (typeof workGroup !== "string" || workGroup === "" || workGroup === "primary") {
        problems.push("the Athena data source does not name the platform's workgroup (results would be unencrypted and unbounded)");
      }
    }
    return problems;
  },
};
