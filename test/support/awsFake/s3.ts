/**
 * A stateful fake of the S3 object calls the BigQuery publisher and the catalog reader make, behind
 * aws-sdk-client-mock. Each rule cites the API reference it follows. Objects live in one map per bucket; a test reads
 * `keys()` to see what a prefix holds at any moment, and `onCall` to look at the bucket between two calls.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { type CallRecord, Faults, dispatcher, stubSend } from "./faults";

const meta = { $metadata: {} };

/** One stored object. */
export interface FakeObject {
  readonly body: Buffer;
  readonly lastModified: Date;
}

/** CopyObject copies at most 5 GB in one request (CopyObject API reference). */
const MAX_COPY_BYTES = 5 * 1024 ** 3;

export class S3Fake {
  readonly faults = new Faults();
  readonly calls: CallRecord[] = [];
  readonly buckets = new Map<string, Map<string, FakeObject>>();
  /** Sizes a test declares for objects it does not want to hold in memory (key → bytes). */
  readonly declaredSizes = new Map<string, number>();
  /** Called before each operation is answered, with the operation's name: a test inspects the bucket mid-run. */
  onCall?: (operation: string, input: Record<string, unknown>) => void;
  private readonly stub;

  constructor(private readonly now: () => Date = () => new Date()) {
    this.stub = stubSend(S3Client);
    const answer = dispatcher(
      "S3",
      [
        [ListObjectsV2Command, "ListObjectsV2", (i) => this.observe("ListObjectsV2", i, () => this.list(i))],
        [GetObjectCommand, "GetObject", (i) => this.observe("GetObject", i, () => this.get(i))],
        [PutObjectCommand, "PutObject", (i) => this.observe("PutObject", i, () => this.put(i))],
        [CopyObjectCommand, "CopyObject", (i) => this.observe("CopyObject", i, () => this.copy(i))],
        [DeleteObjectsCommand, "DeleteObjects", (i) => this.observe("DeleteObjects", i, () => this.deleteMany(i))],
      ],
      this.faults,
      this.calls,
    );
    this.stub.send.callsFake(answer as never);
  }

  restore(): void {
    this.stub.restore();
  }

  /** Creates a bucket (empty). */
  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  /** Stores an object directly, as a writer outside the code under test (RDS's export) would. */
  seed(bucket: string, key: string, body: string | Buffer = "", size?: number): void {
    this.bucket(bucket).set(key, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), lastModified: this.now() });
    if (size !== undefined) this.declaredSizes.set(`${bucket}/${key}`, size);
  }

  /** Every key of a bucket under a prefix, in S3's listing order. */
  keys(bucket: string, prefix = ""): string[] {
    return [...this.bucket(bucket).keys()].filter((k) => k.startsWith(prefix)).sort(utf8Order);
  }

  private observe<T>(operation: string, input: Record<string, unknown>, answer: () => T): T {
    this.onCall?.(operation, input);
    return answer();
  }

  private bucket(name: string): Map<string, FakeObject> {
    const b = this.buckets.get(name);
    // Every object API answers NoSuchBucket for a bucket that does not exist.
    if (!b) throw new NoSuchBucket({ message: "The specified bucket does not exist", ...meta });
    return b;
  }

  private size(bucket: string, key: string): number {
    return this.declaredSizes.get(`${bucket}/${key}`) ?? this.bucket(bucket).get(key)?.body.length ?? 0;
  }

  private list(i: { Bucket: string; Prefix?: string; ContinuationToken?: string; MaxKeys?: number }) {
    // ListObjectsV2 API reference: keys in UTF-8 binary order, at most MaxKeys (default 1,000) per page, and a
    // NextContinuationToken while IsTruncated.
    const all = this.keys(i.Bucket, i.Prefix ?? "");
    const start = i.ContinuationToken ? Number(i.ContinuationToken) : 0;
    const max = Math.min(i.MaxKeys ?? 1000, 1000);
    const page = all.slice(start, start + max);
    const truncated = start + max < all.length;
    return {
      Contents: page.map((Key) => ({ Key, Size: this.size(i.Bucket, Key), LastModified: this.bucket(i.Bucket).get(Key)!.lastModified })),
      KeyCount: page.length,
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: String(start + max) } : {}),
    };
  }

  private get(i: { Bucket: string; Key: string }) {
    const o = this.bucket(i.Bucket).get(i.Key);
    // GetObject API reference: NoSuchKey when the key does not exist.
    if (!o) throw new NoSuchKey({ message: "The specified key does not exist.", ...meta });
    // The code reads bodies only through the SDK stream's transformToString.
    const body = o.body;
    return { Body: { transformToString: async (encoding?: BufferEncoding) => body.toString(encoding ?? "utf-8") }, ContentLength: body.length, LastModified: o.lastModified };
  }

  private put(i: { Bucket: string; Key: string; Body?: string | Buffer }) {
    this.seed(i.Bucket, i.Key, i.Body ?? "");
    return {};
  }

  private copy(i: { Bucket: string; Key: string; CopySource: string }) {
    // CopyObject API reference: CopySource is `<bucket>/<key>`, URL-encoded; NoSuchKey when the source is missing;
    // a source over 5 GB needs a multipart copy (InvalidRequest).
    const [sourceBucket, ...rest] = decodeURIComponent(i.CopySource.replace(/^\//, "")).split("/");
    const sourceKey = rest.join("/");
    const o = this.bucket(sourceBucket).get(sourceKey);
    if (!o) throw new NoSuchKey({ message: "The specified key does not exist.", ...meta });
    const size = this.size(sourceBucket, sourceKey);
    if (size > MAX_COPY_BYTES) {
      throw new S3ServiceException({ name: "InvalidRequest", $fault: "client", message: "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120", ...meta });
    }
    this.seed(i.Bucket, i.Key, o.body, this.declaredSizes.get(`${sourceBucket}/${sourceKey}`));
    return { CopyObjectResult: { LastModified: this.now() } };
  }

  private deleteMany(i: { Bucket: string; Delete: { Objects: { Key: string }[] } }) {
    // DeleteObjects API reference: at most 1,000 keys (MalformedXML otherwise); a key that does not exist counts as
    // deleted.
    if (i.Delete.Objects.length > 1000) throw new S3ServiceException({ name: "MalformedXML", $fault: "client", message: "The XML you provided was not well-formed", ...meta });
    const b = this.bucket(i.Bucket);
    for (const o of i.Delete.Objects) {
      b.delete(o.Key);
      this.declaredSizes.delete(`${i.Bucket}/${o.Key}`);
    }
    return { Deleted: i.Delete.Objects.map((o) => ({ Key: o.Key })) };
  }
}

/** S3 lists keys in UTF-8 binary order. */
function utf8Order(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
