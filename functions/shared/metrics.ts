/**
 * Custom metrics as CloudWatch Embedded Metric Format (EMF) log lines
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Written straight to stdout, one JSON document per line: Lambda's console.* would prefix the line with a
 * timestamp and request id, and CloudWatch only extracts metrics from lines that are pure JSON.
 */

/** Where EMF lines go; tests replace it to read them. */
export const metricSink = { write: (line: string): void => void process.stdout.write(line) };

/** Emits count metrics (unit Count) with one set of dimensions, timestamped now. */
export function emitMetrics(namespace: string, dimensions: Readonly<Record<string, string>>, values: Readonly<Record<string, number>>): void {
  const doc = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.keys(values).map((Name) => ({ Name, Unit: "Count" })),
        },
      ],
    },
    ...dimensions,
    ...values,
  };
  metricSink.write(`${JSON.stringify(doc)}\n`);
}
