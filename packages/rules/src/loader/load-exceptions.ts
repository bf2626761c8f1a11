import { readJsonFile, readYamlFile } from '@vigil/core';
import { type ExceptionsDocument, parseExceptionsDocument } from '../api/exceptions.js';

/**
 * Reads an exceptions document from a JSON or YAML file and validates it.
 * Errors name the file and the path of each problem; size, nesting and the
 * number of values are bounded by `INPUT_LIMITS.exceptions` before parsing.
 *
 * @example
 * ```ts
 * import { loadExceptions, RuleEngine, builtinPacks } from '@vigil/rules';
 *
 * const { exceptions } = await loadExceptions('vigil-exceptions.yaml');
 * const engine = new RuleEngine({ packs: builtinPacks(), exceptions });
 * ```
 */
export async function loadExceptions(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<ExceptionsDocument> {
  const read = /\.json$/i.test(path) ? readJsonFile : readYamlFile;
  const raw = await read(path, 'exceptions', {
    what: 'exceptions file',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return parseExceptionsDocument(raw, path);
}
