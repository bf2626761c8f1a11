import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { VigilError } from '../../errors/vigil-error.js';

function ioError(what: string, path: string, cause: unknown): VigilError {
  return new VigilError('IO', `${what}: ${(cause as Error).message}`, { cause, location: { file: path } });
}

/**
 * Makes sure least-privilege artifacts can be written into a folder, before
 * any work is done: creates the missing folders one level at a time (so a
 * parent that refuses new entries, like `/proc`, is an error rather than a
 * retry loop) and writes and removes a probe file in it. Throws a
 * `VigilError` (`IO`) naming the folder.
 *
 * @example
 * ```ts
 * import { prepareArtifactFolder } from '@vigil/core';
 *
 * await prepareArtifactFolder('policies/'); // before reading any input
 * ```
 */
export async function prepareArtifactFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  let cur = resolve(dir);
  for (;;) {
    try {
      const st = await stat(cur);
      if (!st.isDirectory())
        throw new VigilError('IO', `${cur} exists and is not a folder`, { location: { file: dir } });
      break;
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT')
        throw ioError('cannot use output folder', cur, cause);
      missing.unshift(cur);
      const parent = dirname(cur);
      if (parent === cur) throw ioError('cannot use output folder', cur, cause);
      cur = parent;
    }
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(d)).isDirectory()) continue;
      throw ioError('cannot create output folder', d, cause);
    }
  }
  const probe = join(dir, `.vigil-write-check.${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(probe, 'wx');
    await fh.close();
  } catch (cause) {
    throw ioError('cannot write into output folder', dir, cause);
  }
  await rm(probe, { force: true });
}
