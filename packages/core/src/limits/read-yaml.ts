import { parse } from 'yaml';
import { VigilError } from '../errors/vigil-error.js';
import { type InputKind, inputLimits } from './input-limits.js';
import { readBoundedFile } from './internal/read-bounded.js';
import { guardYaml } from './internal/yaml-guard.js';
import type { ReadJsonFileOptions } from './read-json.js';

/**
 * Reads and parses a single-document YAML file (JSON is YAML too) within the
 * limits of its input kind ({@link INPUT_LIMITS}): size before reading,
 * nesting, values and documents on the lexer's tokens before any tree is
 * built, alias expansion while composing. Errors are `VigilError`s naming the
 * file and the line.
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
  guardYaml(text, path, { ...limits, maxDocuments: 1 });
  try {
    return parse(text, { maxAliasCount: Number.isFinite(limits.maxAliasCount) ? limits.maxAliasCount : 100 });
  } catch (cause) {
    const pos = (cause as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new VigilError('PARSE', `${what} is not valid YAML: ${(cause as Error).message.split('\n')[0]}`, {
      cause,
      location: pos ? { file: path, line: pos.line, column: pos.col } : { file: path },
    });
  }
}
