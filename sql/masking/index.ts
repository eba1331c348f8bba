/**
 * The masking engine, as a library: `scan`, `run`, `verify` and `loadRules`. It never exits the process and never
 * prints; progress goes to an injected callback. The CLI (`npm run mask`) and the QA-clone and golden jobs use it.
 */
export type { ConnectionOptions, MaskConnection } from "./connection";
export type { Finding } from "./detect";
export { MaskingError, MaskingUsageError, RulesError } from "./errors";
export type { MaskPhase, ProgressCallback, ProgressEvent } from "./progress";
export { type Rules, loadRules, parseRules } from "./rules";
export { DEFAULT_CHUNK_SIZE, type RunOptions, type RunReport, type TableReport, run } from "./run";
export { type Covered, type ScanOptions, type ScanReport, scan } from "./scan";
export { MIN_SALT_LENGTH } from "./session";
export { STRATEGY_NAMES, type StrategyName } from "./strategies";
export {
  type CheckName, VERIFY_CHUNKS_PER_STEP, type VerifyCheck, type VerifyOptions, type VerifyReport, type VerifyResume, verify,
} from "./verify";
