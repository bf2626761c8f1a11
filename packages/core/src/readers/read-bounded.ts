import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { VigilError } from '../errors/vigil-error.js';

/** Options for {@link openAbortable} and {@link readBoundedFile}. */
export interface BoundedReadOptions {
  /** What the file is, for messages ("baseline", "declared input"). */
  readonly what: string;
  /** Largest number of bytes read; more is an error before anything past it is read. */
  readonly maxBytes: number;
  /** Aborts the open (even of a FIFO nobody writes to) and the read between chunks. */
  readonly signal?: AbortSignal | undefined;
  /** Sees every chunk as it arrives (limit checks that must run while streaming). */
  readonly onChunk?: (chunk: Uint8Array) => void;
  /** Bytes read at a time. Default 1 MiB. */
  readonly chunkBytes?: number;
}

function aborted(file: string, what: string, signal: AbortSignal): VigilError {
  return new VigilError('ABORTED', `reading ${what} interrupted`, {
    cause: signal.reason,
    location: { file },
  });
}

/**
 * Opens a file for reading so that an abort ends the wait at once: opening a
 * FIFO blocks until a writer comes, in a libuv thread the abort cannot reach.
 * On abort the FIFO is opened for writing (non-blocking), which releases the
 * pending open, and the call rejects with `ABORTED`.
 */
export async function openAbortable(path: string, what: string, signal?: AbortSignal): Promise<FileHandle> {
  if (signal?.aborted) throw aborted(path, what, signal);
  const pending = open(path, 'r');
  if (!signal) return await wrapOpen(pending, path, what);
  let onAbort: (() => void) | undefined;
  const abortedOpen = new Promise<never>((_, reject) => {
    onAbort = () => {
      // Release a blocked FIFO open; anything opened late is closed below.
      stat(path)
        .then((st) => (st.isFIFO() ? open(path, constants.O_WRONLY | constants.O_NONBLOCK) : undefined))
        .then((w) => w?.close())
        .catch(() => undefined);
      pending.then((fh) => fh.close()).catch(() => undefined);
      reject(aborted(path, what, signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([wrapOpen(pending, path, what), abortedOpen]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

async function wrapOpen(pending: Promise<FileHandle>, path: string, what: string): Promise<FileHandle> {
  try {
    return await pending;
  } catch (cause) {
    throw new VigilError('IO', `cannot read ${what}: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
}

/**
 * Reads a whole file with a bound on its size: a regular file over the limit
 * is refused from its size before anything is read, and a pipe, FIFO or
 * device is read in chunks until the limit is passed. Between chunks the
 * event loop runs, so SIGINT and SIGTERM handlers see their signal.
 */
export async function readBoundedFile(path: string, options: BoundedReadOptions): Promise<Buffer> {
  const { what, maxBytes, signal } = options;
  const fh = await openAbortable(path, what, signal);
  try {
    let size: number;
    let regular: boolean;
    try {
      const st = await fh.stat();
      if (st.isDirectory())
        throw new VigilError('INPUT_INVALID', `${what} is a folder, expected a file`, {
          location: { file: path },
        });
      size = st.size;
      regular = st.isFile();
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      throw new VigilError('IO', `cannot read ${what}: ${(cause as Error).message}`, {
        cause,
        location: { file: path },
      });
    }
    if (regular && size > maxBytes) throw tooBig(path, what, maxBytes, size);
    const chunkBytes = options.chunkBytes ?? 1 << 20;
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (signal?.aborted) throw aborted(path, what, signal);
      const buf = Buffer.allocUnsafe(chunkBytes);
      let n: number;
      try {
        n = (await fh.read(buf, 0, chunkBytes, null)).bytesRead;
      } catch (cause) {
        throw new VigilError('IO', `cannot read ${what}: ${(cause as Error).message}`, {
          cause,
          location: { file: path, offset: total },
        });
      }
      if (n === 0) break;
      if (total + n > maxBytes) throw tooBig(path, what, maxBytes);
      const chunk = n === chunkBytes ? buf : Buffer.from(buf.subarray(0, n));
      options.onChunk?.(chunk);
      parts.push(chunk);
      total += n;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  } finally {
    await fh.close();
  }
}

function tooBig(file: string, what: string, maxBytes: number, size?: number): VigilError {
  return new VigilError(
    'INPUT_INVALID',
    `${what} is ${size === undefined ? 'larger than' : `${size} bytes, over`} the ${maxBytes}-byte limit for this input`,
    { location: { file } },
  );
}
