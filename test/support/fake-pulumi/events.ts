/**
 * Engine events for the stand-in CLI. Since v3.205 the Automation API passes `--event-log tcp://host:port` and
 * listens on the pulumirpc.Events/StreamEvents gRPC stream, one JSON engine event per request
 * (sdk/nodejs/automation/stack.ts setupEventLog); older CLIs append JSON lines to a file instead.
 */
import { appendFileSync } from "node:fs";

/** Sends the events to where `--event-log` points, then closes the stream. */
export async function emitEvents(target: string | undefined, events: readonly unknown[]): Promise<void> {
  if (!target) return;
  const stamped = events.map((e, i) => ({ sequence: i, timestamp: Math.floor(Date.now() / 1000), ...(e as object) }));
  if (!target.startsWith("tcp://")) {
    for (const e of stamped) appendFileSync(target, `${JSON.stringify(e)}\n`);
    return;
  }
  const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  // Generated code shipped inside @pulumi/pulumi (no type declarations are needed for two calls).
  const services = require("@pulumi/pulumi/proto/events_grpc_pb") as { EventsClient: new (address: string, credentials: unknown) => EventsClient };
  const messages = require("@pulumi/pulumi/proto/events_pb") as { EventRequest: new () => { setEvent(text: string): void } };
  const client = new services.EventsClient(target.slice("tcp://".length), grpc.credentials.createInsecure());
  await new Promise<void>((resolve) => {
    const call = client.streamEvents(() => resolve());
    for (const e of stamped) {
      const req = new messages.EventRequest();
      req.setEvent(JSON.stringify(e));
      call.write(req);
    }
    call.end();
  });
  client.close();
}

interface EventsClient {
  streamEvents(callback: (err: unknown) => void): { write(req: unknown): void; end(): void };
  close(): void;
}
