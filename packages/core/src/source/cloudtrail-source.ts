import { StringDecoder } from 'node:string_decoder';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { inputLimits } from '../limits/input-limits.js';
import { guardJson } from '../limits/json-guard.js';
import {
  CloudTrailRecordSchema,
  CloudTrailScanner,
  cloudTrailToVigil,
  type RawRecord,
} from '../permissions/observed/cloudtrail.js';
import { safeParseDocument } from '../readers/document-value.js';
import { type InvalidRecordReason, openMaybeGzip } from '../readers/stream-text.js';
import { EventSourceBase } from './base-source.js';
import type { EventSourceOptions } from './event-source.js';

/** Options for {@link CloudTrailSource}. */
export interface CloudTrailSourceOptions extends EventSourceOptions {
  /**
   * `error` (default) stops at the first invalid record; `skip` counts it in `stats().drops` under
   * its reason (`invalid-json`, `invalid-shape`, `over-limit`) and goes on.
   */
  readonly onInvalid?: 'error' | 'skip';
  /** Largest record accepted, in bytes. Default `INPUT_LIMITS.cloudtrail.maxLineBytes` (1 MiB). */
  readonly maxRecordBytes?: number;
  readonly batchSize?: number;
}

/**
 * Streams CloudTrail logs as `cloud.api` events in constant memory: the
 * `{"Records": [...]}` files CloudTrail delivers to S3 (gzip accepted), a
 * JSON array of records, or one record per line (CloudTrail Lake and
 * EventBridge exports). Errors name the file and line.
 *
 * @example
 * ```ts
 * import { CloudTrailSource, ObservedUseAccumulator, Vigil } from '@vigil/core';
 *
 * const acc = new ObservedUseAccumulator();
 * await new Vigil({ source: new CloudTrailSource('trail.json.gz'), consumers: [acc] }).run();
 * ```
 */
export class CloudTrailSource extends EventSourceBase {
  override readonly name = 'cloudtrail';
  readonly path: string;
  readonly #options: CloudTrailSourceOptions;

  constructor(path: string, options: CloudTrailSourceOptions = {}) {
    super();
    this.path = path;
    this.#options = options;
  }

  #invalid(err: VigilError, reason: InvalidRecordReason): void {
    if (this.#options.onInvalid === 'skip') this.drop(reason);
    else throw err;
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    this.begin('a CloudTrailSource');
    const size = this.#options.batchSize ?? 1024;
    const signal = this.#options.signal;
    const limits = inputLimits('cloudtrail', {
      ...(this.#options.maxRecordBytes !== undefined ? { maxLineBytes: this.#options.maxRecordBytes } : {}),
    });
    const scanner = new CloudTrailScanner(this.path, limits.maxLineBytes);
    const chunks = await openMaybeGzip(this.path, signal);
    const decoder = new StringDecoder('utf8');
    let batch: VigilEvent[] = [];
    const handle = (records: RawRecord[]) => {
      for (const rec of records) {
        if (rec.oversize) {
          this.#invalid(
            new VigilError(
              'INPUT_INVALID',
              `a record is larger than ${limits.maxLineBytes} bytes (the limit for this input)`,
              {
                location: { file: this.path, line: rec.line },
              },
            ),
            'over-limit',
          );
          continue;
        }
        try {
          guardJson(rec.text, this.path, limits, 'CloudTrail record', rec.line);
        } catch (cause) {
          this.#invalid(cause as VigilError, 'over-limit');
          continue;
        }
        let raw: unknown;
        try {
          raw = JSON.parse(rec.text);
        } catch (cause) {
          this.#invalid(
            new VigilError('PARSE', `record is not valid JSON: ${(cause as Error).message}`, {
              cause,
              location: { file: this.path, line: rec.line },
            }),
            'invalid-json',
          );
          continue;
        }
        const r = safeParseDocument(CloudTrailRecordSchema, raw);
        if (!r.success) {
          this.#invalid(
            fromZodError(r.error, 'CloudTrail record', { file: this.path, line: rec.line }),
            'invalid-shape',
          );
          continue;
        }
        batch.push(cloudTrailToVigil(r.data));
      }
    };
    try {
      for await (const chunk of chunks) {
        if (this.closed) return;
        if (signal?.aborted)
          throw new VigilError('ABORTED', 'CloudTrail read aborted', { cause: signal.reason });
        handle(scanner.feed(decoder.write(chunk)));
        if (batch.length >= size) {
          yield this.deliver(batch);
          batch = [];
        }
      }
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      throw new VigilError('IO', `cannot read: ${(cause as Error).message}`, {
        cause,
        location: { file: this.path },
      });
    }
    handle(scanner.feed(decoder.end()));
    scanner.end();
    if (batch.length > 0 && !this.closed) {
      yield this.deliver(batch);
    }
  }
}
