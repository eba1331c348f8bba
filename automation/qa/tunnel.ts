/**
 * Reaching a clone in private subnets: an SSM port-forwarding session through a forwarding instance, or an SSH
 * tunnel through a bastion. The same command lines are printed for the user and used by the masking runner, so
 * what we tell people is what we ran.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, connect as tcpConnect } from "node:net";
import type { QaConfig } from "../../stacks/config";

/** The configured connect path. */
export type ConnectPath = NonNullable<QaConfig["connect"]>;

/** Where the clone listens inside the VPC. */
export interface RemoteEndpoint {
  readonly host: string;
  readonly port: number;
}

/** A program and its arguments (never run through a shell). */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
}

/** Local port suggested to people; the masking runner picks a free one instead. */
export const SUGGESTED_LOCAL_PORT = 13306;

/** The command that forwards `127.0.0.1:<localPort>` to the clone. */
export function tunnelCommand(connect: ConnectPath, remote: RemoteEndpoint, localPort: number, region: string): CommandLine {
  if (connect.via === "ssm") {
    return {
      command: "aws",
      args: [
        "ssm",
        "start-session",
        "--region",
        region,
        "--target",
        connect.instanceId,
        "--document-name",
        "AWS-StartPortForwardingSessionToRemoteHost",
        "--parameters",
        JSON.stringify({ host: [remote.host], portNumber: [String(remote.port)], localPortNumber: [String(localPort)] }),
      ],
    };
  }
  return {
    command: "ssh",
    args: ["-N", "-o", "ExitOnForwardFailure=yes", "-L", `127.0.0.1:${localPort}:${remote.host}:${remote.port}`, `${connect.user}@${connect.host}`],
  };
}

/** Quotes one argument for a POSIX shell, for display only. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** How a person connects: the tunnel, then a MySQL client on the local end. The password is never in these lines. */
export function connectInstructions(connect: ConnectPath, remote: RemoteEndpoint, user: string, region: string): string[] {
  const tunnel = tunnelCommand(connect, remote, SUGGESTED_LOCAL_PORT, region);
  return [
    [tunnel.command, ...tunnel.args].map(shellQuote).join(" "),
    `mysql --host 127.0.0.1 --port ${SUGGESTED_LOCAL_PORT} --user ${shellQuote(user)} --password`,
  ];
}

/** A free TCP port on the loopback interface. */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** An open tunnel; close() ends the forwarding process. */
export interface Tunnel {
  readonly localPort: number;
  close(): Promise<void>;
}

/**
 * Starts the forwarding process and waits until the local port accepts connections.
 * @throws Error when the process exits first or the port is not open within `timeoutMs` (default 60 s).
 */
export async function openTunnel(line: CommandLine, localPort: number, options: { timeoutMs?: number; onOutput?: (text: string) => void } = {}): Promise<Tunnel> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child: ChildProcess = spawn(line.command, [...line.args], { stdio: ["ignore", "pipe", "pipe"] });
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with ${signal ?? code}`));
  child.once("error", (err) => (exited = err.message));
  child.stdout?.on("data", (d: Buffer) => options.onOutput?.(d.toString()));
  child.stderr?.on("data", (d: Buffer) => options.onOutput?.(d.toString()));
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${line.command} tunnel ${exited} before the port opened`);
    if (await portAccepts(localPort)) return { localPort, close };
    await new Promise((r) => setTimeout(r, 250));
  }
  await close();
  throw new Error(`${line.command} tunnel did not open 127.0.0.1:${localPort} within ${Math.round(timeoutMs / 1000)} s`);
}
