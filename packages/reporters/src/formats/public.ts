// Public surface of this folder, re-exported by the package index. Named exports only.

export type { ConsoleOptions } from './console.js';
export { renderConsole } from './console.js';
export type { FindingsReport, FindingsReportOptions } from './findings-report.js';
export { buildFindingsReport, FINDINGS_REPORT_SCHEMA_VERSION } from './findings-report.js';
export { renderMarkdown } from './markdown.js';
export type { OcsfDetectionFinding } from './ocsf.js';
export { OCSF_VERSION, toOcsf } from './ocsf.js';
export type { SarifOptions } from './sarif.js';
export { toSarif } from './sarif.js';
