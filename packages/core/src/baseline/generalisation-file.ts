import { fromZodError } from '../errors/from-zod.js';
import { safeParseDocument } from '../readers/document-value.js';
import { readJsonFile } from '../readers/read-json.js';
import { type GeneralisationConfig, GeneralisationConfigSchema } from './generalise.js';

/** Options for {@link readGeneralisationFile}. */
export interface ReadGeneralisationOptions {
  /** Aborts the open (a FIFO nobody writes to) and the read between chunks, with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/**
 * Reads generalisation settings (JSON, {@link GeneralisationConfigSchema})
 * within `INPUT_LIMITS.generalisation` (1 MiB, 8 levels, 100 000 values),
 * checked before anything is parsed. Errors are `VigilError`s naming the
 * file and the place.
 *
 * @example
 * ```ts
 * import { BaselineLearner, readGeneralisationFile } from '@vigil/core';
 *
 * const generalisation = await readGeneralisationFile('generalisation.json');
 * const learner = new BaselineLearner({ generalisation });
 * ```
 */
export async function readGeneralisationFile(
  path: string,
  options: ReadGeneralisationOptions = {},
): Promise<GeneralisationConfig> {
  const raw = await readJsonFile(path, 'generalisation', {
    what: 'generalisation settings',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const r = safeParseDocument(GeneralisationConfigSchema, raw);
  if (!r.success) throw fromZodError(r.error, 'generalisation settings', { file: path });
  return r.data;
}
