/**
 * The masking engine, as a library: `scan`, `run`, `verify` and `loadRules`, and the tools around them
 * (`suggestRules`, `preview`, `reset`, `STRATEGY_CATALOGUE`). It never exits the process and never prints;
 * progress goes to an injected callback. The CLI (`npm run mask`) and the QA-clone and golden jobs use it.
 */
export { STRATEGY_CATALOGUE, type StrategyInfo } from "./catalogue";
export type { ConnectionOptions, MaskConnection } from "./connection";
export type { Finding } from "./detect";
export { MaskingError, MaskingUsageError, RulesError } from "./errors";
export { DONE_TABLE } from "./bookkeeping";
export { BOOKKEEPING_PREFIX } from "./ident";
export type { FindingKind } from "./names";
export type { PreflightProblem } from "./preflight";
export { type PreviewOptions, type PreviewReport, type ResetOptions, type ResetReport, type TablePreview, preview, reset } from "./preview";
export type { MaskPhase, ProgressCallback, ProgressEvent } from "./progress";
export { type Rules, loadRules, parseRules } from "./rules";
export { DEFAULT_CHUNK_SIZE, type RunOptions, type RunReport, type TableReport, run } from "./run";
export { type Covered, type ScanOptions, type ScanReport, type StarterRules, scan, suggestRules } from "./scan";
export { type ServerKind, type ServerProfile, serverProfile } from "./server";
export { MIN_SALT_LENGTH } from "./session";
export { STRATEGY_NAMES, type StrategyName } from "./strategies";
export type { SuggestedRule } from "./suggest";
export {
  type CheckName, VERIFY_CHUNKS_PER_STEP, type VerifyCheck, type VerifyOptions, type VerifyReport, type VerifyResume, verify,
} from "./verify";
