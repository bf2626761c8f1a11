import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { inputLimits } from '../limits/input-limits.js';
import { guardJson } from '../limits/json-guard.js';
import { eventsFromOtlp, type OtlpConversionStats } from '../otel/genai-spans.js';
import { OtlpTraceExportSchema } from '../otel/otlp-json.js';
import { safeParseDocument } from '../readers/document-value.js';
import { parseJsonText, readJsonInput } from '../readers/json-input.js';
import { readLines } from '../readers/line-reader.js';
import { EventSourceBase } from './base-source.js';
import type { EventSourceOptions } from './event-source.js';

/** Options for {@link OtelSpanSource}. */
export interface OtelSpanSourceOptions extends EventSourceOptions {
  /** Largest single-document JSON file read into memory. Default 64 MiB. JSON Lines files stream. */
  readonly maxJsonBytes?: number;
  /** Longest line of a JSON Lines file. Default 64 MiB. */
  readonly maxLineBytes?: number;
}

/** Reads one OTLP/JSON document (already parsed) into events, with errors located in `file`. */
function convert(
  raw: unknown,
  file: string,
  line: number | undefined,
  stats: OtlpConversionStats,
): VigilEvent[] {
  const parsed = safeParseDocument(OtlpTraceExportSchema, raw);
  if (!parsed.success) {
    throw fromZodError(
      parsed.error,
      'OTLP/JSON trace export',
      { file, ...(line ? { line } : {}) },
      'INPUT_INVALID',
    );
  }
  return eventsFromOtlp(parsed.data, stats);
}

/**
 * An {@link EventSource} over OpenTelemetry spans in OTLP/JSON files: either
 * one `ExportTraceServiceRequest` (`{"resourceSpans": […]}`) per file, or
 * JSON Lines with one per line (the collector's file exporter; `.jsonl` or
 * `.ndjson`, streamed). GenAI and MCP spans become `model.call`, `tool.call`
 * and `retrieval` events (see {@link eventsFromOtlp}); other spans are
 * counted and skipped.
 *
 * @example
 * ```ts
 * import { AiBomBuilder, OtelSpanSource, Vigil } from '@vigil/core';
 *
 * const builder = new AiBomBuilder();
 * await new Vigil({ source: new OtelSpanSource(['spans.json']), consumers: [builder] }).run();
 * ```
 */
export class OtelSpanSource extends EventSourceBase {
  override readonly name = 'otel';
  readonly paths: readonly string[];
  readonly #options: OtelSpanSourceOptions;
  readonly #conversion: OtlpConversionStats = { spans: 0, converted: 0, ignored: 0 };

  constructor(paths: readonly string[], options: OtelSpanSourceOptions = {}) {
    super();
    if (paths.length === 0) throw new VigilError('USAGE', 'OtelSpanSource needs at least one span file');
    this.paths = paths;
    this.#options = options;
  }

  /** Spans read, converted to events, and ignored so far. */
  spanStats(): Readonly<OtlpConversionStats> {
    return { ...this.#conversion };
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    this.begin('an OtelSpanSource');
    const { signal } = this.#options;
    for (const path of this.paths) {
      if (this.closed) return;
      if (/\.(jsonl|ndjson)$/i.test(path)) {
        const limits = inputLimits('otel-spans');
        for await (const { text, line } of readLines(
          path,
          this.#options.maxLineBytes ?? limits.maxLineBytes,
          signal,
        )) {
          if (this.closed) return;
          if (text.trim() === '') continue;
          guardJson(text, path, limits, 'OTLP/JSON line', line);
          const batch = convert(
            parseJsonText(text, `${path}:${line}`, 'OTLP/JSON line'),
            path,
            line,
            this.#conversion,
          );
          if (batch.length > 0) yield this.deliver(batch);
        }
      } else {
        const { value } = await readJsonInput(path, 'OTLP/JSON span file', 'otel-spans', {
          maxBytes: this.#options.maxJsonBytes,
          signal,
        });
        if (signal?.aborted)
          throw new VigilError('ABORTED', 'span read aborted', { location: { file: path } });
        const batch = convert(value, path, undefined, this.#conversion);
        for (let i = 0; i < batch.length && !this.closed; i += 1024)
          yield this.deliver(batch.slice(i, i + 1024));
      }
    }
  }
}
