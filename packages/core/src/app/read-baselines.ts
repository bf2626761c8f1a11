import { readBaselineFile } from '../baseline/codec.js';
import type { BaselineSet } from '../baseline/set.js';
import { SqliteBaselineStore } from '../baseline/sqlite-store.js';
import { systemReason } from '../errors/system-reason.js';
import { isVigilError, VigilError } from '../errors/vigil-error.js';
import { sniffInput } from './sniff-input.js';

/** Options for {@link readBaselines}. */
export interface ReadBaselinesOptions {
  /** Aborts the open (a FIFO nobody writes to) and the read between chunks, with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/**
 * Reads baselines from a baseline file (JSON or msgpack, see
 * {@link readBaselineFile}) or a SQLite baseline store
 * ({@link SqliteBaselineStore}, opened read-only), told apart by the first
 * bytes of a regular file ({@link sniffInput}). A FIFO, a pipe (`<(…)`) or a device is read as a
 * baseline file, and looking at it never blocks: only regular files are
 * sniffed. Every error is a `VigilError` naming the file.
 *
 * @example
 * ```ts
 * import { readBaselines } from '@vigil/core';
 *
 * const set = await readBaselines('/var/lib/vigil/baselines.db');
 * console.log(set.size);
 * ```
 */
export async function readBaselines(path: string, options: ReadBaselinesOptions = {}): Promise<BaselineSet> {
  if ((await sniffInput(path, { what: 'baseline' })) === 'baseline-store') {
    try {
      await using store = await SqliteBaselineStore.open(path, { readonly: true });
      return await store.loadSet();
    } catch (cause) {
      // SQLite's own messages ("database disk image is malformed") do not say which file.
      if (isVigilError(cause) && cause.location?.file === path) throw cause;
      throw new VigilError('STORE', `cannot read the baseline store: ${systemReason(cause)}`, {
        cause,
        location: { file: path },
      });
    }
  }
  return readBaselineFile(path, options.signal ? { signal: options.signal } : {});
}
