// Public surface of this folder, re-exported by the package index. Named exports only.
export type { OtlpEncodeOptions, OtlpLogsRequest, OtlpTracesRequest } from './encode.js';
export { OTLP_SCOPE_NAME, toOtlpLogs, toOtlpTraces } from './encode.js';
export type { OtlpExportResult, OtlpHttpExporterOptions } from './exporter.js';
export { OtlpHttpExporter } from './exporter.js';
