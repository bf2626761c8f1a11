import { readFile } from 'node:fs/promises';
import { VigilError } from '@vigil/core';
import { parse as parseYaml } from 'yaml';
import { type ExceptionsDocument, parseExceptionsDocument } from '../api/exceptions.js';

/**
 * Reads an exceptions document from a JSON or YAML file and validates it.
 * Errors name the file and the path of each problem.
 *
 * @example
 * ```ts
 * import { loadExceptions, RuleEngine, builtinPacks } from '@vigil/rules';
 *
 * const { exceptions } = await loadExceptions('vigil-exceptions.yaml');
 * const engine = new RuleEngine({ packs: builtinPacks(), exceptions });
 * ```
 */
export async function loadExceptions(path: string): Promise<ExceptionsDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new VigilError(
      'IO',
      `cannot read exceptions file: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
        location: { file: path },
      },
    );
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (cause) {
    const pos = (cause as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new VigilError(
      'PARSE',
      `exceptions file is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`,
      {
        cause,
        location: pos ? { file: path, line: pos.line, column: pos.col } : { file: path },
      },
    );
  }
  return parseExceptionsDocument(raw, path);
}
