import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VigilError } from '@vigil/core';

/**
 * Writes `content` to `path` atomically: a temporary file in the same folder,
 * then a rename, so a reader never sees a half-written result.
 */
export async function writeAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new VigilError('IO', `cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
}
