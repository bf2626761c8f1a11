import type { CaptureHeader, CaptureTrailer } from '../capture/format.js';
import type { CaptureIntegrity, IncompleteCapture } from '../capture/integrity.js';
import { CaptureReader, type CaptureReaderOptions } from '../capture/reader.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { EventSourceBase } from './base-source.js';
import type { EventSourceOptions } from './event-source.js';

/** Options for {@link ReplaySource}. */
export interface ReplaySourceOptions extends EventSourceOptions, Omit<CaptureReaderOptions, 'signal'> {
  /**
   * Treat a capture without its trailer (left by a killed or crashed writer) as an error
   * (`CAPTURE_TRUNCATED`, naming the file) instead of reporting it in
   * {@link ReplaySource.integrity}. Default false.
   */
  readonly requireTrailer?: boolean;
}

/**
 * Replays one or more capture files, in the order given, as an {@link EventSource}.
 * Drops recorded in the files' trailers are reported in {@link ReplaySource.stats}.
 *
 * @example
 * ```ts
 * import { ReplaySource, Vigil } from '@vigil/core';
 *
 * const vigil = new Vigil({ source: new ReplaySource(['a.vcap', 'b.vcap']) });
 * const summary = await vigil.run();
 * ```
 */
export class ReplaySource extends EventSourceBase {
  override readonly name = 'replay';
  readonly paths: readonly string[];
  /** Header of each file, filled in as the files are opened. */
  readonly headers: CaptureHeader[] = [];
  /**
   * The workloads each file declared, parallel to {@link ReplaySource.headers} (filled in as the
   * file is read): with its header, what a capture says about the workloads it recorded.
   */
  readonly workloads: (readonly WorkloadRef[])[] = [];
  /** Trailer of each file that had one. */
  readonly trailers: CaptureTrailer[] = [];
  readonly #options: ReplaySourceOptions;
  #current: CaptureReader | undefined;
  readonly #incomplete: IncompleteCapture[] = [];
  readonly #interrupted: string[] = [];

  constructor(paths: readonly string[], options: ReplaySourceOptions = {}) {
    super();
    if (paths.length === 0) throw new VigilError('USAGE', 'ReplaySource needs at least one capture file');
    this.paths = paths;
    this.#options = options;
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    this.begin('a ReplaySource');
    const { signal, requireTrailer, ...readerOptions } = this.#options;
    for (const path of this.paths) {
      if (this.closed) return;
      const reader = await CaptureReader.open(path, { ...readerOptions, ...(signal ? { signal } : {}) });
      this.#current = reader;
      this.headers.push(reader.header);
      this.workloads.push(reader.workloads);
      for await (const batch of reader.batches()) {
        if (this.closed) {
          await reader.close();
          return;
        }
        yield this.deliver(batch);
      }
      if (reader.trailer) {
        this.trailers.push(reader.trailer);
        for (const [cause, n] of Object.entries(reader.trailer.drops)) this.drop(cause, n);
        if (reader.trailer.interrupted === true) this.#interrupted.push(path);
      } else {
        if (requireTrailer === true) {
          throw new VigilError(
            'CAPTURE_TRUNCATED',
            'capture has no trailer: its recorder was killed or crashed, so the end of the recording is missing (read without requireTrailer, or without --strict in the CLI, to use what is there)',
            {
              location: {
                file: path,
                ...(reader.truncatedAt !== undefined ? { offset: reader.truncatedAt } : {}),
              },
            },
          );
        }
        this.#incomplete.push({
          path,
          ...(reader.truncatedAt !== undefined ? { truncatedAt: reader.truncatedAt } : {}),
        });
      }
    }
  }

  /** Which of the captures read so far were incomplete or interrupted. */
  integrity(): CaptureIntegrity {
    return {
      complete: this.#incomplete.length === 0 && this.#interrupted.length === 0,
      incomplete: [...this.#incomplete],
      interrupted: [...this.#interrupted],
    };
  }

  protected override async onClose(): Promise<void> {
    await this.#current?.close();
  }
}
