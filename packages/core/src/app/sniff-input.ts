import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { CAPTURE_MAGIC } from '../capture/format.js';
import { systemReason } from '../errors/system-reason.js';
import { VigilError } from '../errors/vigil-error.js';

/** The 16 bytes every SQLite database file starts with. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/**
 * What an input file holds, told by its first bytes:
 * - `capture`: a capture file (`vigil record`, `CaptureWriter`), read with seeks, so a regular file;
 * - `baseline-store`: a SQLite baseline store (`vigil learn --store`, `SqliteBaselineStore`);
 * - `stream`: not a regular file (a FIFO, a pipe such as `<(…)`, a device): read once, front to back,
 *   as a document (a baseline file, a log) and never sniffed, so looking at it never blocks;
 * - `document`: any other regular file (a baseline file in JSON or msgpack, a manifest, a log);
 *   its reader checks its content.
 */
export type SniffedInput = 'capture' | 'baseline-store' | 'stream' | 'document';

/** Options for {@link sniffInput}. */
export interface SniffInputOptions {
  /** What the input is to the caller, for messages ("cannot read baseline: …"). Default `input`. */
  readonly what?: string;
}

/**
 * Tells what an input file holds from its first bytes (see {@link SniffedInput}): the one place
 * Vigil sniffs its inputs, so every command and facade reads the same files the same way.
 * Opening never blocks: a FIFO swapped in after the `stat` is opened with `O_NONBLOCK` and left
 * unread. A folder is an `INPUT_INVALID` error, a missing or unreadable file an `IO` error, both
 * naming the file.
 *
 * @example
 * ```ts
 * import { sniffInput } from '@vigil/core';
 *
 * if ((await sniffInput('run.vcap')) === 'capture') console.log('a capture');
 * ```
 */
export async function sniffInput(path: string, options: SniffInputOptions = {}): Promise<SniffedInput> {
  const what = options.what ?? 'input';
  const cannotRead = (cause: unknown) =>
    new VigilError('IO', `cannot read ${what}: ${systemReason(cause)}`, { cause, location: { file: path } });
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (cause) {
    throw cannotRead(cause);
  }
  if (st.isDirectory())
    throw new VigilError('INPUT_INVALID', `${what} is a folder, expected a file`, {
      location: { file: path },
    });
  if (!st.isFile()) return 'stream';
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!(await fh.stat()).isFile()) return 'stream';
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const got = head.subarray(0, bytesRead);
    if (got.equals(SQLITE_MAGIC)) return 'baseline-store';
    if (got.subarray(0, CAPTURE_MAGIC.length).equals(CAPTURE_MAGIC)) return 'capture';
    return 'document';
  } catch (cause) {
    throw cannotRead(cause);
  } finally {
    await fh?.close();
  }
}
