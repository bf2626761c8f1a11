import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { access, lstat, open, readdir, readlink, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { systemReason } from '../errors/system-reason.js';
import { VigilError } from '../errors/vigil-error.js';

/**
 * What an output path names: `stdout` (`-`), a regular `file` (existing or
 * not; replaced atomically), or something written in place and never
 * replaced: a `device` (character or block), a `fifo` or a `socket`.
 *
 * @example
 * ```ts
 * const kind: OutputTargetKind = (await checkOutputTarget('/dev/null')).kind; // 'device'
 * ```
 */
export type OutputTargetKind = 'stdout' | 'file' | 'device' | 'fifo' | 'socket';

/**
 * A checked output target: where the bytes will go and how they get there.
 *
 * @example
 * ```ts
 * const t = await checkOutputTarget('report.json');
 * if (t.kind === 'file' && t.existing) console.log(`replacing ${t.file} (mode ${t.existing.mode.toString(8)})`);
 * ```
 */
export interface OutputTarget {
  /** The path as given (`-` for stdout). */
  readonly path: string;
  readonly kind: OutputTargetKind;
  /**
   * The file the bytes go to: for a regular file, the real path with every
   * symbolic link followed (the link is kept, its target written); for
   * devices, FIFOs and sockets, the path as given.
   */
  readonly file: string;
  /** For a regular file that exists: its permission bits and owner, kept on replacement. */
  readonly existing?: { readonly mode: number; readonly uid: number; readonly gid: number };
}

const MAX_LINKS = 40;

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function targetError(path: string, message: string, cause?: unknown): VigilError {
  return new VigilError('IO', `cannot write here: ${message}`, {
    location: { file: path },
    ...(cause !== undefined ? { cause } : {}),
  });
}

// Follows a chain of symbolic links whose last target does not exist yet.
async function followDangling(path: string): Promise<string> {
  let p = resolve(path);
  for (let i = 0; i < MAX_LINKS; i++) {
    let st: Stats;
    try {
      st = await lstat(p);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return p;
      throw err;
    }
    if (!st.isSymbolicLink()) return p;
    p = resolve(dirname(p), await readlink(p));
  }
  const loop = new Error('too many levels of symbolic links') as NodeJS.ErrnoException;
  loop.code = 'ELOOP';
  throw loop;
}

function kindOf(st: Stats): OutputTargetKind | 'directory' | 'other' {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'other';
}

/** The name of a temporary file for `file`: hidden, in the same folder, with the writer's pid. */
export function temporaryNameFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

// A writer killed with SIGKILL cannot clean up; the next write to the same
// target removes what it left (temporary files of processes that are gone).
async function removeStaleTemporaries(file: string): Promise<void> {
  const base = basename(file);
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    await unlink(join(dirname(file), name)).catch(() => undefined);
  }
}

// The truest test that a folder takes new files is to make one.
async function assertFolderWritable(path: string, folder: string): Promise<void> {
  let st: Stats;
  try {
    st = await stat(folder);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') throw targetError(path, `the folder ${folder} does not exist`, err);
    throw targetError(path, `cannot use the folder ${folder}: ${systemReason(err)}`, err);
  }
  if (!st.isDirectory()) throw targetError(path, `${folder} is not a folder`);
  const probe = temporaryNameFor(join(folder, 'vigil-write-check'));
  try {
    const fh = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    await fh.close();
    await unlink(probe);
  } catch (err) {
    await unlink(probe).catch(() => undefined);
    throw targetError(path, `the folder ${folder} does not take new files: ${systemReason(err)}`, err);
  }
}

/**
 * Checks an output path before any work is done and says how it will be
 * written: `-` is stdout; a regular file (or a path to create) is replaced
 * atomically in its real folder (symbolic links followed); devices, FIFOs and
 * sockets are written in place. Throws a `VigilError` (`IO`) naming the path
 * when it cannot be written: a directory, a missing or read-only folder, a
 * device without write permission. Also removes temporary files that a killed
 * earlier write to the same target left behind.
 *
 * @example
 * ```ts
 * import { checkOutputTarget } from '@vigil/core';
 *
 * const target = await checkOutputTarget('out/report.json'); // throws now, not after the work
 * ```
 */
export async function checkOutputTarget(path: string): Promise<OutputTarget> {
  if (path === '-') return { path, kind: 'stdout', file: '-' };
  if (path === '') throw targetError(path, 'the output path is empty');
  let st: Stats | undefined;
  try {
    st = await stat(path);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOTDIR') throw targetError(path, 'a part of the path is not a folder', err);
    if (code === 'ELOOP') throw targetError(path, 'too many levels of symbolic links', err);
    if (code !== 'ENOENT') throw targetError(path, systemReason(err), err);
  }
  if (st === undefined) {
    let file: string;
    try {
      file = await followDangling(path);
    } catch (err) {
      throw targetError(path, systemReason(err), err);
    }
    await assertFolderWritable(path, dirname(file));
    await removeStaleTemporaries(file);
    return { path, kind: 'file', file };
  }
  const kind = kindOf(st);
  if (kind === 'directory') throw targetError(path, 'it is a directory; name a file');
  if (kind === 'other') throw targetError(path, 'it is neither a file, a device, a FIFO nor a socket');
  if (kind === 'file') {
    let file: string;
    try {
      file = await realpath(path);
    } catch (err) {
      throw targetError(path, systemReason(err), err);
    }
    await assertFolderWritable(path, dirname(file));
    await removeStaleTemporaries(file);
    return { path, kind, file, existing: { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } };
  }
  try {
    await access(path, constants.W_OK);
  } catch (err) {
    throw targetError(path, systemReason(err), err);
  }
  return { path, kind, file: path };
}
