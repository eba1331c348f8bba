/**
 * Which export an RDS event is about. The event itself does not carry the export task's identifier reliably (for
 * snapshot exports its `SourceIdentifier` is the snapshot's), so the task is looked up with DescribeExportTasks and
 * accepted only if its identifier is one of this environment's (contracts/exportLayout `parseExportId`) and it
 * wrote to this stack's bucket. Anything else is ignored, never acted on.
 */
import { type DescribeExportTasksCommandInput, type ExportTask, type RDSClient, paginateDescribeExportTasks } from "@aws-sdk/client-rds";
import { EXPORT_EVENT_OUTCOMES, type ExportOutcome, OUTCOME_STATUS } from "../../contracts/exportEvents";
import { parseExportId } from "../../contracts/exportLayout";

/** The parts of an RDS EventBridge event the pipeline reads. */
export interface ExportEvent {
  readonly eventId: string;
  readonly outcome: ExportOutcome;
  readonly sourceIdentifier: string;
  readonly sourceArn?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The export event in an EventBridge envelope, or undefined when the input is not an RDS export event (a malformed
 * test invoke, another RDS event, anything foreign).
 */
export function parseExportEvent(input: unknown): ExportEvent | undefined {
  if (!isRecord(input) || input.source !== "aws.rds" || !isRecord(input.detail)) return undefined;
  const { EventID, SourceIdentifier, SourceArn } = input.detail;
  if (typeof EventID !== "string" || typeof SourceIdentifier !== "string" || SourceIdentifier === "") return undefined;
  const outcome = EXPORT_EVENT_OUTCOMES[EventID];
  if (outcome === undefined) return undefined;
  return { eventId: EventID, outcome, sourceIdentifier: SourceIdentifier, sourceArn: typeof SourceArn === "string" ? SourceArn : undefined };
}

async function describe(rds: RDSClient, input: DescribeExportTasksCommandInput): Promise<ExportTask[]> {
  const tasks: ExportTask[] = [];
  try {
    for await (const page of paginateDescribeExportTasks({ client: rds }, input)) tasks.push(...(page.ExportTasks ?? []));
  } catch (err) {
    if (!(err instanceof Error && err.name === "ExportTaskNotFoundFault")) throw err;
  }
  return tasks;
}

/** RDS says an export ended one way, DescribeExportTasks another: retried (thrown), never ignored. */
export class StatusMismatchError extends Error {
  override readonly name = "StatusMismatchError";
}

/**
 * This stack's export task that the event reports, or undefined if there is none. When several of our tasks read
 * the same snapshot (a failed attempt and its retry), the one in the event's end state that ended last wins. When
 * our task exists but DescribeExportTasks does not (yet) show the event's end state, StatusMismatchError is thrown,
 * so Lambda retries the event and the scheduled reconcile catches what the retries do not.
 */
export async function findExportTask(rds: RDSClient, environment: string, bucketName: string, event: ExportEvent): Promise<ExportTask | undefined> {
  const ours = (t: ExportTask) =>
    t.ExportTaskIdentifier !== undefined && parseExportId(environment, t.ExportTaskIdentifier) !== undefined && t.S3Bucket === bucketName;
  let candidates: ExportTask[];
  if (parseExportId(environment, event.sourceIdentifier)) {
    candidates = await describe(rds, { ExportTaskIdentifier: event.sourceIdentifier });
  } else if (event.sourceArn) {
    candidates = await describe(rds, { Filters: [{ Name: "source-arn", Values: [event.sourceArn] }] });
  } else {
    return undefined;
  }
  const wanted = OUTCOME_STATUS[event.outcome];
  const mine = candidates.filter(ours);
  const matching = mine.filter((t) => (t.Status ?? "").toUpperCase() === wanted);
  if (matching.length === 0) {
    // A task of ours still running or starting while the event says it ended: the API has not caught up.
    const running = mine.find((t) => ["STARTING", "IN_PROGRESS", "CANCELING"].includes((t.Status ?? "").toUpperCase()));
    if (running) {
      throw new StatusMismatchError(`RDS reported ${event.eventId} (${event.outcome}) but export task ${running.ExportTaskIdentifier} is ${running.Status}`);
    }
    return undefined;
  }
  return matching.reduce((a, b) => ((b.TaskEndTime?.getTime() ?? 0) >= (a.TaskEndTime?.getTime() ?? 0) ? b : a));
}
