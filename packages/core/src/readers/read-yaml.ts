import { type InputKind, inputLimits } from '../limits/input-limits.js';
import { readBoundedFile } from './read-bounded.js';
import type { ReadJsonFileOptions } from './read-json.js';
import { parseYamlOffThread } from './yaml-off-thread.js';

/**
 * Reads and parses a single-document YAML file (JSON is YAML too) within the
 * limits of its input kind ({@link INPUT_LIMITS}): size before reading,
 * nesting, values and documents on the lexer's tokens before any tree is
 * built, alias expansion while composing. A large document (256 KiB or more)
 * is parsed in a worker thread, so `signal` stops the parse at once too.
 * Errors are `VigilError`s naming the file and the line.
 *
 * @example
 * ```ts
 * import { readYamlFile } from '@vigil/core';
 *
 * const doc = await readYamlFile('vigil-exceptions.yaml', 'exceptions');
 * ```
 */
export async function readYamlFile(
  path: string,
  kind: InputKind,
  options: ReadJsonFileOptions = {},
): Promise<unknown> {
  const limits = inputLimits(kind, options.limits);
  const what = options.what ?? kind;
  const text = (
    await readBoundedFile(path, { what, maxBytes: limits.maxBytes, signal: options.signal })
  ).toString('utf8');
  // A large document is parsed in a worker thread, so the signal stops the parse too.
  return parseYamlOffThread('single', [text, path, what, limits], {
    file: path,
    what,
    signal: options.signal,
  });
}
