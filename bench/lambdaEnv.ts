import { readFileSync } from "node:fs";
import path from "node:path";
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
  "qa-reaper": {
    ENVIRONMENT: "bench",
    ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:bench",
    GRACE_PERIOD_MINUTES: "120",
  },
  "golden-cluster": {
    ENVIRONMENT: "bench",
    SOURCE_CLUSTER_ID: "bench-cluster",
    INSTANCE_CLASS: "db.r6g.large",
    DB_SUBNET_GROUP: "bench",
    SECURITY_GROUP_IDS: "sg-bench",
    KMS_KEY_ARN: "arn:aws:kms:ap-northeast-1:123456789012:key/bench",
    GOLDEN_PARAMETER: "/data-platform/bench/golden/cluster-id",
    RETENTION_DAYS: "3",
    TIME_ZONE: "Asia/Tokyo",
    DAY_LEAD_HOURS: "3",
  },
  "golden-mask": {
    ENVIRONMENT: "bench",
    SOURCE_CLUSTER_ID: "bench-cluster",
    DATABASES: "shop",
    SALT_SECRET_ARN: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:bench",
    MASK_BUDGET_SECONDS: "600",
  },
  "golden-export": {
    ENVIRONMENT: "bench",
    ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:bench",
    EXPORT_BUCKET: "bench-bucket",
    EXPORT_ROLE_ARN: "arn:aws:iam::123456789012:role/bench",
    KMS_KEY_ARN: "arn:aws:kms:ap-northeast-1:123456789012:key/bench",
  },
  "golden-publish": {
    ENVIRONMENT: "bench",
    GOLDEN_PARAMETER: "/data-platform/bench/golden/cluster-id",
  },
  "bigquery-publish": {
    ENVIRONMENT: "bench",
    EXPORT_BUCKET: "bench-exports",
    ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:bench",
    BIGQUERY_TABLES: JSON.stringify([{ database: "shop", table: "users" }]),
    TRANSFER_MINUTE_UTC: "180",
  },
};

/**
 * Build-time constants a bundle needs (esbuild `define`), as the stack passes them: golden-mask carries the masking
 * rules file (sql/masking.yaml) inside the bundle.
 */
export const BENCH_DEFINE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "golden-mask": {
    __MASKING_RULES__: JSON.stringify(readFileSync(path.join(__dirname, "../sql/masking.yaml"), "utf8")),
    __MASKING_RULES_PATH__: JSON.stringify("sql/masking.yaml"),
  },
};
