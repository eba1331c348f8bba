/**
 * Stateful fakes of SSM Parameter Store, Secrets Manager, SNS and CloudWatch metrics, behind aws-sdk-client-mock.
 * Each rule cites the API reference it follows.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { InvalidParameterException, NotFoundException, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DeleteParameterCommand, GetParameterCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { FakeClock } from "./clock";
import { type CallRecord, Faults, type Route, type SendStub, dispatcher, stubSend } from "./faults";

const meta = { $metadata: {} };
const REGION = "ap-northeast-1";
const ACCOUNT = "123456789012";

/** What every service fake shares: faults, a call log, and the mock it installed. */
abstract class ServiceFake {
  readonly faults = new Faults();
  readonly calls: CallRecord[] = [];
  private readonly stub: SendStub;

  protected constructor(service: string, client: { prototype: object }, routes: () => Route[]) {
    this.stub = stubSend(client);
    this.stub.send.callsFake(dispatcher(service, routes(), this.faults, this.calls));
  }

  restore(): void {
    this.stub.restore();
  }
}

export class SsmFake extends ServiceFake {
  readonly parameters = new Map<string, { value: string; type: string; version: number; modified: Date }>();

  constructor(private readonly clock: FakeClock) {
    super("SSM", SSMClient, () => [
      [GetParameterCommand, "GetParameter", (i) => this.get(i)],
      [PutParameterCommand, "PutParameter", (i) => this.put(i)],
      [DeleteParameterCommand, "DeleteParameter", (i) => this.delete(i)],
    ]);
  }

  private get(i: { Name: string }) {
    const p = this.parameters.get(i.Name);
    // GetParameter API reference: ParameterNotFound.
    if (!p) throw new ParameterNotFound({ message: `parameter ${i.Name} not found`, ...meta });
    return { Parameter: { Name: i.Name, Value: p.value, Type: p.type, Version: p.version, LastModifiedDate: p.modified } };
  }

  private put(i: { Name: string; Value: string; Type?: string; Overwrite?: boolean }) {
    const existing = this.parameters.get(i.Name);
    // PutParameter API reference: ParameterAlreadyExists unless Overwrite is true; each write is a new Version.
    if (existing && !i.Overwrite) throw new ParameterAlreadyExists({ message: `parameter ${i.Name} already exists`, ...meta });
    const version = (existing?.version ?? 0) + 1;
    this.parameters.set(i.Name, { value: i.Value, type: i.Type ?? existing?.type ?? "String", version, modified: this.clock.now() });
    return { Version: version, Tier: "Standard" };
  }

  private delete(i: { Name: string }) {
    if (!this.parameters.delete(i.Name)) throw new ParameterNotFound({ message: `parameter ${i.Name} not found`, ...meta });
    return {};
  }

  /** The parameter's value, or undefined. */
  value(name: string): string | undefined {
    return this.parameters.get(name)?.value;
  }
}

export class SecretsFake extends ServiceFake {
  readonly secrets = new Map<string, { arn: string; name: string; value: string; kmsKeyId?: string; deletedAt?: Date }>();

  constructor(private readonly clock: FakeClock) {
    super("Secrets Manager", SecretsManagerClient, () => [
      [GetSecretValueCommand, "GetSecretValue", (i) => this.getValue(i)],
      [CreateSecretCommand, "CreateSecret", (i) => ({ ARN: this.create(i.Name, i.SecretString, i.KmsKeyId), Name: i.Name })],
      [DeleteSecretCommand, "DeleteSecret", (i) => this.delete(i)],
    ]);
  }

  /** Creates a secret (also how RDS's managed master secrets appear); returns its ARN. */
  create(name: string, value: string, kmsKeyId?: string): string {
    // Secrets Manager appends a hyphen and six random characters to the name in the ARN (CreateSecret reference).
    const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${Math.random().toString(36).slice(2, 8).padEnd(6, "x")}`;
    this.secrets.set(arn, { arn, name, value, kmsKeyId });
    return arn;
  }

  /** Seeds a secret under a known ARN (one the program under mocks deployed). */
  seed(arn: string, value: string): void {
    this.secrets.set(arn, { arn, name: arn.split(":")[6]?.replace(/-[A-Za-z0-9]{6}$/, "") ?? arn, value });
  }

  private find(id: string) {
    const s = this.secrets.get(id) ?? [...this.secrets.values()].find((x) => x.name === id);
    // GetSecretValue API reference: ResourceNotFoundException for an unknown secret.
    if (!s) throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta });
    return s;
  }

  private getValue(i: { SecretId: string }) {
    const s = this.find(i.SecretId);
    // GetSecretValue API reference: InvalidRequestException for a secret that is scheduled for deletion.
    if (s.deletedAt) throw new InvalidRequestException({ message: "You can't perform this operation on the secret because it was marked for deletion.", ...meta });
    return { ARN: s.arn, Name: s.name, SecretString: s.value };
  }

  private delete(i: { SecretId: string }) {
    const s = this.find(i.SecretId);
    s.deletedAt = this.clock.now();
    return { ARN: s.arn, Name: s.name, DeletionDate: s.deletedAt };
  }
}

/** One message the fake accepted. */
export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageStructure?: string;
}

function hasDefaultString(message: string): boolean {
  try {
    const parsed = JSON.parse(message) as unknown;
    return typeof parsed === "object" && parsed !== null && typeof (parsed as { default?: unknown }).default === "string";
  } catch {
    return false;
  }
}

export class SnsFake extends ServiceFake {
  readonly topics = new Set<string>();
  readonly published: PublishedMessage[] = [];

  constructor() {
    super("SNS", SNSClient, () => [[PublishCommand, "Publish", (i) => this.publish(i)]]);
  }

  /**
   * Publish, with the API's checks. Used by the SDK route and by the Step Functions `sns:publish` integration,
   * which calls the same API with the same parameters (Step Functions developer guide, "Call Amazon SNS").
   */
  publish(i: { TopicArn?: string; Subject?: string; Message?: string; MessageStructure?: string }): { MessageId: string } {
    // Publish API reference: NotFoundException for a topic that does not exist.
    if (!i.TopicArn || !this.topics.has(i.TopicArn)) throw new NotFoundException({ message: "Topic does not exist", ...meta });
    // Publish API reference: Subject must be ASCII, start with a letter, number or punctuation, hold no line breaks
    // or control characters, and be under 100 characters; Message at most 256 KB.
    if (i.Subject !== undefined && (i.Subject.length >= 100 || !/^[\x21-\x7e][\x20-\x7e]*$/.test(i.Subject))) {
      throw new InvalidParameterException({ message: "Invalid parameter: Subject", ...meta });
    }
    if (!i.Message || Buffer.byteLength(i.Message) > 262_144) throw new InvalidParameterException({ message: "Invalid parameter: Message", ...meta });
    // Publish API reference, MessageStructure: with "json", Message must be a JSON object whose "default" key holds
    // a string (the message for protocols without their own key).
    if (i.MessageStructure === "json" && !hasDefaultString(i.Message)) throw new InvalidParameterException({ message: "Invalid parameter: Message Structure - No default entry in JSON message body", ...meta });
    this.published.push({ topicArn: i.TopicArn, ...(i.Subject !== undefined ? { subject: i.Subject } : {}), message: i.Message, ...(i.MessageStructure ? { messageStructure: i.MessageStructure } : {}) });
    return { MessageId: `message-${this.published.length}` };
  }
}

export class CloudWatchFake extends ServiceFake {
  readonly metrics: { namespace: string; name: string; value: number; dimensions: Record<string, string> }[] = [];

  constructor() {
    super("CloudWatch", CloudWatchClient, () => [[PutMetricDataCommand, "PutMetricData", (i) => this.put(i)]]);
  }

  private put(i: { Namespace: string; MetricData: { MetricName: string; Value?: number; Dimensions?: { Name: string; Value: string }[] }[] }) {
    for (const m of i.MetricData) {
      this.metrics.push({ namespace: i.Namespace, name: m.MetricName, value: m.Value ?? 0, dimensions: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, d.Value])) });
    }
    return {};
  }
}
