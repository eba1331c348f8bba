/**
 * Child-process probe for the tests: runs stacks/platform.ts for a stack under mocks, then prints how many modules of
 * @pulumi/gcp were loaded. A fresh process is needed because the test process itself loads @pulumi/gcp.
 * Usage: tsx test/support/gcpModulesLoaded.ts <stack>
 */
import { runPlatform } from "./pulumi";

runPlatform(process.argv[2] ?? "prod").then(
  () => process.stdout.write(`${Object.keys(require.cache).filter((k) => k.includes("@pulumi/gcp")).length}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
