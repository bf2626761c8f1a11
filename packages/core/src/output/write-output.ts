import { closeSync, constants, openSync } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { systemReason } from '../errors/system-reason.js';
import { VigilError } from '../errors/vigil-error.js';
import {
  releasePendingFile,
  removePendingFileSync,
  removePendingFilesSync,
  trackPendingFile,
} from './internal/pending-files.js';
import { checkOutputTarget, type OutputTarget, temporaryNameFor } from './target.js';

const CHUNK = 1 << 20;

/**
 * Options for {@link writeOutput} and {@link OutputFile.open}.
 *
 * @example
 * ```ts
 * const options: WriteOutputOptions = { signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface WriteOutputOptions {
  /** Stops the write; a regular file target is then left as it was and the temporary file removed. */
  readonly signal?: AbortSignal;
}

function writeError(target: OutputTarget, err: unknown): VigilError {
  if (err instanceof VigilError) return err;
  return new VigilError('IO', `cannot write: ${systemReason(err)}`, {
    cause: err,
    location: { file: target.path },
  });
}

function checkAborted(target: OutputTarget, signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new VigilError('ABORTED', 'interrupted; the output was not written', {
      location: { file: target.path },
    });
}

function chunksOf(content: string | Uint8Array): Uint8Array[] {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; off += CHUNK) out.push(bytes.subarray(off, off + CHUNK));
  return out;
}

async function writeAllTo(
  fh: FileHandle,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  target: OutputTarget,
  signal: AbortSignal | undefined,
): Promise<void> {
  for await (const chunk of chunks) {
    checkAborted(target, signal);
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  }
}

async function fsyncFolder(folder: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    await fh.sync();
  } catch (err) {
    // Some file systems cannot fsync a folder; the rename itself has happened.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw err;
  } finally {
    await fh?.close();
  }
}

// Keeps the replaced file's owner and mode: chown first (it clears set-id
// bits), then chmod. Only root may give a file to another owner; anyone else
// ends up owning the result, as with any editor that replaces files.
async function keepOwnerAndMode(fh: FileHandle, existing: NonNullable<OutputTarget['existing']>) {
  try {
    await fh.chown(existing.uid, existing.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
  await fh.chmod(existing.mode);
}

async function replaceAtomically(
  target: OutputTarget,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const tmp = temporaryNameFor(target.file);
  trackPendingFile(tmp);
  let fh: FileHandle | undefined;
  try {
    // Created synchronously, then reopened without O_CREAT: an exit that
    // removes pending files (a broken pipe on stderr, a signal) must never race
    // a create still queued on the thread pool, which would bring the file back
    // after the removal.
    closeSync(
      openSync(
        tmp,
        constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
        target.existing ? 0o600 : 0o666,
      ),
    );
    fh = await open(tmp, constants.O_WRONLY);
    await writeAllTo(fh, chunks, target, signal);
    if (target.existing) await keepOwnerAndMode(fh, target.existing);
    await fh.sync();
    await fh.close();
    fh = undefined;
    checkAborted(target, signal);
    await rename(tmp, target.file);
    releasePendingFile(tmp);
    await fsyncFolder(dirname(target.file));
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    releasePendingFile(tmp);
    throw writeError(target, err);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

// Opening a FIFO for writing blocks until a reader opens it, in a thread that
// cannot be interrupted; wait for the reader without blocking instead.
async function openFifo(target: OutputTarget, signal: AbortSignal | undefined): Promise<FileHandle> {
  for (;;) {
    checkAborted(target, signal);
    try {
      const probe = await open(target.file, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        // A reader is there: the blocking open returns at once.
        return await open(target.file, constants.O_WRONLY);
      } finally {
        await probe.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
    }
    await sleep(50, signal);
  }
}

async function writeInPlace(
  target: OutputTarget,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh =
      target.kind === 'fifo'
        ? await openFifo(target, signal)
        : await open(target.file, constants.O_WRONLY | constants.O_NOCTTY);
    await writeAllTo(fh, chunks, target, signal);
  } catch (err) {
    throw writeError(target, err);
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

async function writeToSocket(
  target: OutputTarget,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const socket = createConnection({ path: target.file });
  const failed = new Promise<never>((_, reject) => socket.once('error', reject));
  failed.catch(() => undefined);
  const onAbort = () => socket.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([new Promise((r) => socket.once('connect', r)), failed]);
    for await (const chunk of chunks) {
      checkAborted(target, signal);
      if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once('drain', r)), failed]);
    }
    await Promise.race([new Promise<void>((r) => socket.end(r)), failed]);
  } catch (err) {
    socket.destroy();
    throw writeError(target, err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function writeToStdout(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  target: OutputTarget,
  signal: AbortSignal | undefined,
): Promise<void> {
  for await (const chunk of chunks) {
    checkAborted(target, signal);
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(chunk, (err) => (err ? reject(writeError(target, err)) : resolve())),
    );
  }
}

async function writeChunks(
  target: OutputTarget,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<void> {
  switch (target.kind) {
    case 'stdout':
      return writeToStdout(chunks, target, signal);
    case 'file':
      return replaceAtomically(target, chunks, signal);
    case 'socket':
      return writeToSocket(target, chunks, signal);
    default:
      return writeInPlace(target, chunks, signal);
  }
}

/**
 * Writes a result to an output path the way every Vigil command does: a
 * regular file is replaced atomically and durably (a temporary file in the
 * same folder, fsync, rename, fsync of the folder), keeping an existing
 * file's mode and owner; a symbolic link is followed and its target written;
 * devices, FIFOs and sockets are written in place and never replaced; `-` is
 * stdout. Nothing half-written is ever left at the target, and the temporary
 * file is removed on every exit path (errors, abort, process exit). Errors
 * are `VigilError`s naming the target, never the temporary file.
 *
 * @example
 * ```ts
 * import { checkOutputTarget, writeOutput } from '@vigil/core';
 *
 * const target = await checkOutputTarget('report.json'); // before the work
 * // … the work …
 * await writeOutput(target, JSON.stringify({ ok: true }));
 * ```
 */
export async function writeOutput(
  target: string | OutputTarget,
  content: string | Uint8Array,
  options: WriteOutputOptions = {},
): Promise<void> {
  const t = typeof target === 'string' ? await checkOutputTarget(target) : target;
  await writeChunks(t, chunksOf(content), options.signal);
}

/**
 * An output written incrementally by something that needs a file path (a
 * capture writer): bytes go to a temporary file, and {@link OutputFile.commit}
 * puts them at the target the way {@link writeOutput} would: renamed over a
 * regular file (mode and owner kept, symbolic links followed), copied into a
 * device, FIFO or socket. {@link OutputFile.discard} removes the temporary
 * file; so does process exit.
 *
 * @example
 * ```ts
 * import { CaptureWriter, OutputFile } from '@vigil/core';
 *
 * const out = await OutputFile.open('run.vcap');
 * const writer = CaptureWriter.create(out.path); // opens the file it was given synchronously
 * // … write events …
 * writer.close();
 * await out.commit();
 * ```
 */
export class OutputFile {
  /** The checked target. */
  readonly target: OutputTarget;
  /** Where to write now: a temporary file, beside the target when it is a regular file. */
  readonly path: string;
  #done = false;

  private constructor(target: OutputTarget, path: string) {
    this.target = target;
    this.path = path;
  }

  /**
   * Checks the target (see {@link checkOutputTarget}) and creates the
   * temporary file, empty, at {@link OutputFile.path}. Open that path without
   * `O_CREAT` (flags `'r+'`, or `O_WRONLY` alone): a create still queued on
   * the thread pool when the process exits (a second signal, a broken pipe)
   * would bring the file back after the exit removed it.
   */
  static async open(target: string | OutputTarget): Promise<OutputFile> {
    const t = typeof target === 'string' ? await checkOutputTarget(target) : target;
    const path =
      t.kind === 'file' ? temporaryNameFor(t.file) : temporaryNameFor(join(tmpdir(), 'vigil-output'));
    trackPendingFile(path);
    try {
      // Synchronous, so no exit can run between the create and the tracking.
      closeSync(
        openSync(
          path,
          constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
          t.kind === 'file' && t.existing ? 0o600 : 0o666,
        ),
      );
    } catch (err) {
      releasePendingFile(path);
      throw writeError(t, err);
    }
    return new OutputFile(t, path);
  }

  /** Moves what was written to {@link OutputFile.path} to the target. */
  async commit(options: WriteOutputOptions = {}): Promise<void> {
    if (this.#done) throw new VigilError('INTERNAL', 'this output was already committed or discarded');
    this.#done = true;
    const t = this.target;
    try {
      if (t.kind === 'file') {
        const fh = await open(this.path, constants.O_RDWR);
        try {
          if (t.existing) await keepOwnerAndMode(fh, t.existing);
          await fh.sync();
        } finally {
          await fh.close();
        }
        checkAborted(t, options.signal);
        await rename(this.path, t.file);
        releasePendingFile(this.path);
        await fsyncFolder(dirname(t.file));
      } else {
        const src = await open(this.path, constants.O_RDONLY);
        try {
          await writeChunks(t, src.createReadStream({ autoClose: false }), options.signal);
        } finally {
          await src.close();
        }
      }
    } catch (err) {
      throw writeError(t, err);
    } finally {
      await unlink(this.path).catch(() => undefined);
      releasePendingFile(this.path);
    }
  }

  /** Removes the temporary file; the target is left as it was. Idempotent. */
  discard(): void {
    this.#done = true;
    removePendingFileSync(this.path);
  }
}

/**
 * Removes every temporary output file still pending in this process, at
 * once and synchronously: for a host's own signal or fatal-error handler just
 * before it exits (process exit already does it).
 *
 * @example
 * ```ts
 * import { discardPendingOutputs } from '@vigil/core';
 *
 * process.on('SIGTERM', () => { discardPendingOutputs(); process.exit(143); });
 * ```
 */
export function discardPendingOutputs(): number {
  return removePendingFilesSync();
}
