import { type Finding, VigilError, type VigilEvent } from '@vigil/core';
import { type OtlpEncodeOptions, toOtlpLogs, toOtlpTraces } from './encode.js';

/** Options for {@link OtlpHttpExporter}. */
export interface OtlpHttpExporterOptions extends OtlpEncodeOptions {
  /**
   * The collector's base URL, e.g. `http://127.0.0.1:4318`: logs go to
   * `/v1/logs` and spans to `/v1/traces` under it (a URL already ending in
   * one of them is used for that signal as it is).
   */
  readonly url: string;
  /** Extra request headers (e.g. an API key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout. Default 10,000 ms. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** What one export sent. */
export interface OtlpExportResult {
  /** Log records sent to `/v1/logs` (0: nothing to send, no request made). */
  readonly logRecords: number;
  /** Spans sent to `/v1/traces`. */
  readonly spans: number;
  /** Records the collector said it rejected (`partialSuccess`). */
  readonly rejected: number;
}

function signalUrl(base: string, path: '/v1/logs' | '/v1/traces'): string {
  const trimmed = base.replace(/\/+$/, '');
  if (trimmed.endsWith('/v1/logs') || trimmed.endsWith('/v1/traces'))
    return trimmed.replace(/\/v1\/(logs|traces)$/, path);
  return `${trimmed}${path}`;
}

/**
 * Sends findings (as OTLP log records) and model and tool calls (as
 * OpenTelemetry GenAI spans) to an OpenTelemetry collector over OTLP/HTTP
 * with the JSON encoding. A refused request, a non-2xx answer or a timeout
 * is a `VigilError` (`IO`) naming the URL and the status; nothing is
 * retried here.
 *
 * @example
 * ```ts
 * import { OtlpHttpExporter } from '@vigil/reporters';
 *
 * const exporter = new OtlpHttpExporter({ url: 'http://127.0.0.1:4318' });
 * const sent = await exporter.export({ findings, events });
 * console.log(sent.logRecords, sent.spans);
 * ```
 */
export class OtlpHttpExporter {
  readonly logsUrl: string;
  readonly tracesUrl: string;
  readonly #options: OtlpHttpExporterOptions;

  constructor(options: OtlpHttpExporterOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch (cause) {
      throw new VigilError('USAGE', `not a URL for OTLP/HTTP: '${options.url}'`, { cause });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new VigilError('USAGE', `OTLP/HTTP needs an http or https URL (got '${options.url}')`);
    this.#options = options;
    this.logsUrl = signalUrl(options.url, '/v1/logs');
    this.tracesUrl = signalUrl(options.url, '/v1/traces');
  }

  /** Exports findings as log records and the `model.call`/`tool.call` events among `events` as spans. */
  async export(input: {
    findings?: readonly Finding[];
    events?: readonly VigilEvent[];
  }): Promise<OtlpExportResult> {
    const logs = toOtlpLogs(input.findings ?? [], this.#options);
    const traces = toOtlpTraces(input.events ?? [], this.#options);
    const logRecords = logs.resourceLogs.reduce(
      (n, r) => n + r.scopeLogs.reduce((m, s) => m + s.logRecords.length, 0),
      0,
    );
    const spans = traces.resourceSpans.reduce(
      (n, r) => n + r.scopeSpans.reduce((m, s) => m + s.spans.length, 0),
      0,
    );
    let rejected = 0;
    if (logRecords > 0) rejected += await this.#post(this.logsUrl, logs, 'rejectedLogRecords');
    if (spans > 0) rejected += await this.#post(this.tracesUrl, traces, 'rejectedSpans');
    return { logRecords, spans, rejected };
  }

  async #post(url: string, body: unknown, rejectedKey: string): Promise<number> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? 10_000);
    const signal = this.#options.signal ? AbortSignal.any([this.#options.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.#options.headers },
        body: JSON.stringify(body),
        signal,
      });
    } catch (cause) {
      throw new VigilError('IO', `OTLP export to ${url} failed: ${(cause as Error).message}`, { cause });
    }
    const text = await res.text();
    if (!res.ok)
      throw new VigilError('IO', `OTLP export to ${url} answered ${res.status}: ${text.slice(0, 200)}`);
    // An ExportServiceResponse may report a partial success.
    try {
      const parsed =
        text.length > 0 ? (JSON.parse(text) as { partialSuccess?: Record<string, unknown> }) : {};
      const n = Number(parsed.partialSuccess?.[rejectedKey] ?? 0);
      return Number.isFinite(n) ? n : 0;
    } catch {
      return 0;
    }
  }
}
