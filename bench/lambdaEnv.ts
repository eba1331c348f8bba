/**
 * Placeholder environment for loading a bundle outside Lambda (bench, bundle tests): each handler reads its
 * required variables at cold start and would refuse to load without them. Values are fake and never used.
 */
export const BENCH_ENV: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "export-snapshot": {
    ENVIRONMENT: "bench",
    ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:bench",
    SNAPSHOT_TYPE: "cluster",
    SOURCE_IDENTIFIER: "bench-cluster",
    EXPORT_BUCKET: "bench-bucket",
    EXPORT_ROLE_ARN: "arn:aws:iam::123456789012:role/bench",
    KMS_KEY_ARN: "arn:aws:kms:ap-northeast-1:123456789012:key/bench",
    EXPORT_ONLY: "[]",
    SCHEDULE_TIMEZONE: "Asia/Tokyo",
  },
  "export-events": {
    ENVIRONMENT: "bench",
    EXPORT_BUCKET: "bench-bucket",
    GLUE_DATABASE: "bench",
    ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:bench",
    EXPORT_FUNCTION_NAME: "bench-export-snapshot",
  },
};
