// Public surface of this folder, re-exported by the package index. Named exports only.
// The application layer: what the `vigil` commands do, as facades a vendor calls in a few lines.

export type { BuildAiBomOptions } from './build-aibom.js';
export { buildAiBom } from './build-aibom.js';
export type { CheckCapturesOptions, CheckDetector, CheckResult } from './check.js';
export { checkCaptures } from './check.js';
export type { AnalyseGapOptions, GapResult } from './gap.js';
export { analyseGap, describeSkipped, readFindingsFile } from './gap.js';
export type { CaptureInspection, InspectCapturesOptions } from './inspect.js';
export { inspectCaptures } from './inspect.js';
export type { LearnBaselinesOptions, LearnResult } from './learn.js';
export { learnBaselines } from './learn.js';
export type { ReadBaselinesOptions } from './read-baselines.js';
export { readBaselines } from './read-baselines.js';
export type { CaptureReadOptions } from './run.js';
export type { SniffedInput, SniffInputOptions } from './sniff-input.js';
export { sniffInput } from './sniff-input.js';
