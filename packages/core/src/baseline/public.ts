// Public surface of this folder, re-exported by the package index. Named exports only.
export type {
  BaselineCoverage,
  BaselineCreateOptions,
  BaselineEntry,
  BaselineView,
  Introducer,
  QuarantineItem,
  ReadonlyBaseline,
} from './baseline.js';
export { Baseline, quarantineId } from './baseline.js';
export type { BaselineEncoding, ReadBaselineOptions } from './codec.js';
export {
  BASELINE_MSGPACK_MAGIC,
  decodeBaselineSet,
  encodeBaselineSet,
  MAX_BASELINE_BYTES,
  readBaselineFile,
  writeBaselineFile,
} from './codec.js';
export type { EventFamily, LearnedCoverage } from './coverage.js';
export {
  captureCoverage,
  coverageLabel,
  describeCoverage,
  EVENT_FAMILIES,
  eventFamily,
  FAMILY_DOMAINS,
  FAMILY_EVENTS,
  mergeCoverage,
} from './coverage.js';
export type {
  CriticalBehaviour,
  CriticalCheckOptions,
  CriticalContext,
  CriticalHit,
  CriticalMatch,
} from './critical.js';
export { CriticalGuard, TOKEN_EGRESS_WINDOW_NS } from './critical.js';
export type {
  BaselineLookup,
  DriftAssessment,
  DriftAssessor,
  DriftCheck,
  DriftDetail,
  DriftDetectorOptions,
  DriftFinding,
  DriftVerdict,
  UncoveredObservation,
} from './drift.js';
export { DriftDetector, driftFindingId, PROVISIONAL_CAP } from './drift.js';
export type { LearningExplanation } from './explain.js';
export { explainLearning, oneRunBaselines } from './explain.js';
export type { ReadGeneralisationOptions } from './generalisation-file.js';
export { readGeneralisationFile } from './generalisation-file.js';
export type { BaselineDomain, CollapseRule, GeneralisationConfig } from './generalise.js';
export {
  BASELINE_DOMAINS,
  CollapsePolicy,
  DEFAULT_GENERALISATION,
  sameGeneralisation,
} from './generalise.js';
export type { BaselineLearnerOptions, LearnerNotice } from './learner.js';
export { BaselineLearner } from './learner.js';
export type { NearestBaseline } from './nearest.js';
export { nearestBaselines } from './nearest.js';
export type { BaselineObservation } from './observation.js';
export { describePattern, expandIpv6, observeEvent, retrievalObservations } from './observation.js';
export type { ReviewItem } from './review.js';
export { admitReviewed, reviewQueue } from './review.js';
export type {
  BaselineDocument,
  BaselineEntries,
  BaselineEntryDocument,
  BaselineSetDocument,
  LearningReopened,
  LearningState,
  QuarantineItemDocument,
  ReviewRecord,
  StabilityPolicy,
} from './schema.js';
export { BASELINE_SCHEMA_VERSION, READABLE_BASELINE_VERSIONS } from './schema.js';
export { BaselineSet } from './set.js';
export type { ShellContext } from './shell-context.js';
export { shellContextOf, shellObservations } from './shell-context.js';
export type { SqliteBaselineStoreOptions } from './sqlite-store.js';
export { SQLITE_STORE_VERSION, SqliteBaselineStore } from './sqlite-store.js';
export { DEFAULT_STABILITY, StabilityTracker } from './stability.js';
export type { BaselineStore, MergeAllOptions, StoredBaselineInfo } from './store.js';
export { MemoryBaselineStore } from './store.js';
export type { BaselineKey, BaselineKeyFn } from './subject.js';
export {
  APP_VERSION_LABELS,
  baselineKeyString,
  defaultBaselineKey,
  MODEL_VERSION_LABELS,
  replicaName,
} from './subject.js';
export { toolEffectObservations } from './tool-effects.js';
