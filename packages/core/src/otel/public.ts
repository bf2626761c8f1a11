// Public surface of this folder, re-exported by the package index. Named exports only.
export type { OtlpConversionStats } from './genai-spans.js';
export { eventsFromOtlp, workloadFromResource } from './genai-spans.js';
export type { OtlpAnyValue, OtlpKeyValue, OtlpSpan, OtlpTraceExport } from './otlp-json.js';
