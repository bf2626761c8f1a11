// Public surface of this folder, re-exported by the package index. Named exports only.

export { flowGraphSvg } from './flow-svg.js';
export type { HtmlReportInput, HtmlTable } from './html.js';
export { renderHtml } from './html.js';
export { renderMaturityHtml } from './maturity.js';
