/**
 * What people who use ephemeral databases (Neon, DBLab) expect next to create and destroy: `qa status <name>`,
 * `qa password <name>`, `qa connect <name>` (tunnel plus mysql client, or `--print` for a connection string) and
 * `qa reset <name>` (the same clone, moved onto the newest masked golden).
 */
import { QA_TAGS, parseInstant } from "../../../contracts/qaStack";
import { CLONE_SPEC_KEY, type CloneSpec, parseCloneStackConfig } from "../../../stacks/qaClone";
import { UsageError } from "../../errors";
import { Progress } from "../../qa/progress";
import type { QaSettings } from "../../qa/settings";
import { type CommandLine, SUGGESTED_LOCAL_PORT, type Tunnel, tunnelCommand } from "../../qa/tunnel";
import type { OutputValues, PendingOperation } from "../../qa/workspace";
import { type QaDeps, selectClone } from "./common";
import { storedConfig } from "./lifecycle";

function text(outputs: OutputValues, key: string): string | null {
  const v = outputs[key]?.value;
  return typeof v === "string" && v !== "" ? v : null;
}

/** What `qa status` prints: one clone in detail, never its password. */
export interface CloneStatus {
  readonly name: string;
  readonly stack: string;
  readonly status: string;
  readonly owner: string | null;
  readonly source: string | null;
  readonly masking: string | null;
  readonly createdAt: string | null;
  readonly expiresAt: string | null;
  readonly endpoint: string | null;
  readonly port: number | null;
  readonly user: string | null;
  /** Operations a killed process left unfinished; `qa recover` clears them. */
  readonly pendingOperations: readonly PendingOperation[];
}

/** One clone's tags, outputs (secrets hidden) and unfinished operations. @throws UsageError for an unknown clone */
export async function cloneStatus(options: { readonly name: string }, deps: QaDeps): Promise<CloneStatus> {
  const stack = await selectClone(deps.workspace, options.name);
  const [tags, outputs, pending] = await Promise.all([deps.workspace.getTags(stack), deps.workspace.outputs(stack), deps.workspace.pendingOperations(stack)]);
  const expires = parseInstant(tags[QA_TAGS.expiresAt]) ?? parseInstant(text(outputs, "expiresAt") ?? undefined);
  let status = tags[QA_TAGS.status] ?? "unknown";
  if (expires && expires.getTime() <= deps.clock().getTime()) status = "expired";
  if (pending.length > 0) status = `${status} (interrupted: run "qa recover ${options.name}")`;
  const port = outputs.port?.value;
  return {
    name: options.name,
    stack,
    status,
    owner: tags[QA_TAGS.owner] ?? null,
    source: tags[QA_TAGS.source] ?? null,
    masking: tags[QA_TAGS.masking] ?? null,
    createdAt: parseInstant(tags[QA_TAGS.createdAt])?.toISOString() ?? null,
    expiresAt: expires?.toISOString() ?? null,
    endpoint: text(outputs, "endpoint"),
    port: typeof port === "number" ? port : null,
    user: text(outputs, "user"),
    pendingOperations: pending,
  };
}

/** Human-readable `qa status`. */
export function renderStatus(s: CloneStatus): string {
  const rows: Array<[string, string | number | null]> = [
    ["name", s.name],
    ["status", s.status],
    ["owner", s.owner],
    ["source", s.source],
    ["masking", s.masking],
    ["created", s.createdAt],
    ["expires", s.expiresAt],
    ["endpoint", s.endpoint === null ? null : `${s.endpoint}:${s.port ?? 3306}`],
    ["user", s.user],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(9)} ${v ?? "-"}`);
  for (const p of s.pendingOperations) lines.push(`pending   ${p.op} ${p.type} (${p.urn})`);
  return lines.join("\n");
}

/** What a clone's client needs; the password only leaves this module when asked for. */
interface Credentials {
  readonly stack: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

async function credentials(deps: QaDeps, name: string): Promise<Credentials> {
  const stack = await selectClone(deps.workspace, name);
  const outputs = await deps.workspace.outputs(stack);
  const host = text(outputs, "endpoint");
  const user = text(outputs, "user");
  const password = text(outputs, "password");
  if (!host || !user || !password) throw new Error(`clone ${name} has no endpoint, user or password yet (see "qa status ${name}")`);
  const port = outputs.port?.value;
  return { stack, host, port: typeof port === "number" ? port : 3306, user, password };
}

/** `qa password <name>`: the clone's admin password (the user asked for it). */
export async function clonePassword(options: { readonly name: string }, deps: QaDeps): Promise<{ readonly name: string; readonly password: string }> {
  return { name: options.name, password: (await credentials(deps, options.name)).password };
}

/** What `qa connect --print` prints. The password is in `url` only with --show-secrets. */
export interface ConnectionString {
  readonly name: string;
  /** Opens 127.0.0.1:<localPort> to the clone; run it first, it stays in the foreground. */
  readonly tunnel: string;
  readonly localPort: number;
  readonly url: string;
}

function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `qa connect --print`: the tunnel command and a mysql:// URL for its local end. */
export async function connectionString(
  settings: QaSettings,
  options: { readonly name: string; readonly showSecrets?: boolean },
  deps: QaDeps,
): Promise<ConnectionString> {
  const c = await credentials(deps, options.name);
  const line = tunnelCommand(settings.qa.connect, { host: c.host, port: c.port }, SUGGESTED_LOCAL_PORT, settings.region);
  const secret = options.showSecrets ? `:${encodeURIComponent(c.password)}` : "";
  return {
    name: options.name,
    tunnel: [line.command, ...line.args].map(shellWord).join(" "),
    localPort: SUGGESTED_LOCAL_PORT,
    url: `mysql://${encodeURIComponent(c.user)}${secret}@127.0.0.1:${SUGGESTED_LOCAL_PORT}/`,
  };
}

/** Processes `qa connect` starts; injected so tests run without aws, ssh or mysql. */
export interface ConnectRunner {
  freePort(): Promise<number>;
  openTunnel(line: CommandLine, localPort: number): Promise<Tunnel>;
  /** Runs the client attached to the terminal; resolves with its exit code. */
  runClient(line: CommandLine, env: Readonly<Record<string, string>>): Promise<number>;
}

/**
 * `qa connect <name>`: opens the tunnel on a free local port, runs `mysql` against it (the password goes through
 * MYSQL_PWD, never argv, https://dev.mysql.com/doc/refman/8.0/en/environment-variables.html), closes the tunnel when
 * the client exits. Resolves with the client's exit code.
 */
export async function connectClone(settings: QaSettings, options: { readonly name: string }, deps: QaDeps, runner: ConnectRunner): Promise<number> {
  const c = await credentials(deps, options.name);
  const progress = new Progress(deps.stderr, deps.clock, c.stack);
  const localPort = await runner.freePort();
  progress.phase(`opening the tunnel on 127.0.0.1:${localPort}`);
  const tunnel = await runner.openTunnel(tunnelCommand(settings.qa.connect, { host: c.host, port: c.port }, localPort, settings.region), localPort);
  try {
    progress.phase("mysql");
    return await runner.runClient({ command: "mysql", args: ["--host", "127.0.0.1", "--port", String(localPort), "--user", c.user] }, { MYSQL_PWD: c.password });
  } finally {
    await tunnel.close();
  }
}

/** What `qa reset` prints. */
export interface ResetClone {
  readonly name: string;
  readonly previousSource: string;
  readonly source: string;
  readonly endpoint: string;
  readonly expiresAt: string;
}

/**
 * `qa reset <name>`: the clone is destroyed and created again, under the same name, stack, endpoint and expiry, from
 * the newest published golden (masked and verified before it was published: nothing to mask). Destroy first: the
 * new cluster reuses the identifier, which RDS allows only once the old one is gone.
 * @throws UsageError without a published golden or for an unknown clone
 */
export async function resetClone(settings: QaSettings, options: { readonly name: string }, deps: QaDeps, publishedGolden: string | undefined): Promise<ResetClone> {
  if (!settings.golden || !publishedGolden) {
    throw new UsageError(`qa reset moves a clone onto the newest masked golden, and stack ${settings.stack} has ${settings.golden ? "no published golden yet" : "no golden"}`);
  }
  const stack = await selectClone(deps.workspace, options.name);
  const config = await storedConfig(deps.workspace, stack);
  const { spec, expiresAt } = parseCloneStackConfig(config);
  const next: CloneSpec = { ...spec, sourceClusterIdentifier: publishedGolden };
  const progress = new Progress(deps.stderr, deps.clock, stack);
  progress.phase(`destroying the clone of ${spec.sourceClusterIdentifier}`);
  await deps.workspace.setTags(stack, { [QA_TAGS.status]: "creating" });
  await deps.workspace.destroy(stack, { onOutput: (t) => progress.output(t) });
  progress.phase(`cloning ${publishedGolden}`);
  await deps.workspace.setConfig(stack, { ...config, [CLONE_SPEC_KEY]: JSON.stringify(next) });
  const outputs = await deps.workspace.up(stack, { onOutput: (t) => progress.output(t) });
  await deps.workspace.setTags(stack, { [QA_TAGS.source]: publishedGolden, [QA_TAGS.masking]: `golden:${publishedGolden}`, [QA_TAGS.status]: "ready" });
  progress.done(`${options.name} now holds ${publishedGolden}`);
  return { name: options.name, previousSource: spec.sourceClusterIdentifier, source: publishedGolden, endpoint: text(outputs, "endpoint") ?? "", expiresAt: expiresAt.toISOString() };
}
