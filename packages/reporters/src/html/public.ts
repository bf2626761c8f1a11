// Public surface of this folder, re-exported by the package index. Named exports only.

export { renderComplianceHtml } from './compliance.js';
export { flowGraphSvg } from './flow-svg.js';
export type { HtmlReportInput, HtmlTable } from './html.js';
export { renderHtml } from './html.js';
export { renderMaturityHtml } from './maturity.js';
