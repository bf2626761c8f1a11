import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { systemReason } from '../errors/system-reason.js';
import { isVigilError, VigilError } from '../errors/vigil-error.js';
import { readBaselineFile } from './codec.js';
import type { BaselineSet } from './set.js';
import { SqliteBaselineStore } from './sqlite-store.js';

/** The 16 bytes every SQLite database file starts with. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/** Options for {@link readBaselines}. */
export interface ReadBaselinesOptions {
  /** Aborts the open (a FIFO nobody writes to) and the read between chunks, with `ABORTED`. */
  readonly signal?: AbortSignal;
}

function cannotRead(path: string, cause: unknown): VigilError {
  return new VigilError('IO', `cannot read baseline: ${systemReason(cause)}`, {
    cause,
    location: { file: path },
  });
}

// The first 16 bytes of a regular file, or undefined for anything else. The open never
// blocks: O_NONBLOCK makes a FIFO swapped in after the stat open at once, and that is then
// left alone (closing a FIFO reader another process already met would break its writer).
async function regularFileHead(path: string): Promise<Buffer | undefined> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (cause) {
    throw cannotRead(path, cause);
  }
  if (st.isDirectory())
    throw new VigilError('INPUT_INVALID', 'baseline is a folder, expected a baseline file or store', {
      location: { file: path },
    });
  if (!st.isFile()) return undefined;
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!(await fh.stat()).isFile()) return undefined;
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } catch (cause) {
    throw cannotRead(path, cause);
  } finally {
    await fh?.close();
  }
}

/**
 * Reads baselines from a baseline file (JSON or msgpack, see
 * {@link readBaselineFile}) or a SQLite baseline store
 * ({@link SqliteBaselineStore}, opened read-only), told apart by the first
 * bytes of a regular file. A FIFO, a pipe (`<(…)`) or a device is read as a
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
  const head = await regularFileHead(path);
  if (head?.equals(SQLITE_MAGIC)) {
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
