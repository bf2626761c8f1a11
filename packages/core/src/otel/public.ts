// Public surface of this folder, re-exported by the package index. Named exports only.
export type { OtlpConversionStats } from './genai-spans.js';
export { eventsFromOtlp, workloadFromResource } from './genai-spans.js';
export type { OtelSpanSourceOptions } from './otel-span-source.js';
export { OtelSpanSource } from './otel-span-source.js';
export type { OtlpHttpSpanSourceOptions } from './otlp-http-source.js';
export { OtlpHttpSpanSource } from './otlp-http-source.js';
export type { OtlpAnyValue, OtlpKeyValue, OtlpSpan, OtlpTraceExport } from './otlp-json.js';
export { OtlpSpanSchema, OtlpTraceExportSchema } from './otlp-json.js';
