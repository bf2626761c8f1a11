// Public surface of this folder, re-exported by the package index. Named exports only.

export { renderAiBomText } from './aibom-text.js';
export { renderCheckText } from './check-text.js';
export { renderGapText } from './gap-text.js';
export type { SummaryNotes } from './inspect-text.js';
export { renderSummaryText, renderTimelineText } from './inspect-text.js';
export type { ProbeDocument, ProbeFeatureStatus } from './probe-text.js';
export { renderProbeText } from './probe-text.js';
export type {
  BaselineAdmission,
  BaselineReview,
  ReportDocuments,
  ReportedPack,
  ReportKind,
  ReportOptions,
} from './registry.js';
export { renderReport, reportFormats } from './registry.js';
export { renderAdmissionText, renderReviewText } from './review-text.js';
export { describeScanConnection, describeScanError, renderScanText } from './scan-text.js';
