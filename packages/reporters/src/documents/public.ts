// Public surface of this folder, re-exported by the package index. Named exports only.

export { renderAiBomText } from './aibom-text.js';
export { renderCheckText } from './check-text.js';
export { renderGapText } from './gap-text.js';
export type { ReportDocuments, ReportedPack, ReportKind, ReportOptions } from './registry.js';
export { renderReport, reportFormats } from './registry.js';
