import { VigilError } from '../errors/vigil-error.js';
import { type InputKind, type InputLimits, inputLimits } from '../limits/input-limits.js';
import { guardJson, JsonGuard } from '../limits/json-guard.js';
import { parseJsonText } from './json-input.js';
import { readBoundedFile } from './read-bounded.js';

/** Options for {@link readJsonFile}. */
export interface ReadJsonFileOptions {
  /** What the file is, for messages. Default: the input kind. */
  readonly what?: string;
  /** Overrides of the kind's limits. */
  readonly limits?: InputLimits;
  /** Aborts the open (a FIFO nobody writes to) and the read between chunks, with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/**
 * Reads and parses a JSON file within the limits of its input kind
 * ({@link INPUT_LIMITS}): size is checked before reading (or while reading a
 * pipe), nesting and the number of values while the bytes stream in, all
 * before `JSON.parse` builds anything. Errors are `VigilError`s naming the
 * file and the line.
 *
 * @example
 * ```ts
 * import { readJsonFile } from '@vigil/core';
 *
 * const findings = await readJsonFile('findings.json', 'findings');
 * ```
 */
export async function readJsonFile(
  path: string,
  kind: InputKind,
  options: ReadJsonFileOptions = {},
): Promise<unknown> {
  const limits = inputLimits(kind, options.limits);
  const what = options.what ?? kind;
  const guard = new JsonGuard(path, limits, what);
  const bytes = await readBoundedFile(path, {
    what,
    maxBytes: limits.maxBytes,
    signal: options.signal,
    onChunk: (c) => guard.feed(c),
  });
  return parseJsonText(bytes.toString('utf8'), path, what);
}

/**
 * Parses JSON text already in memory within the limits of its input kind
 * (size, nesting, number of values), for callers that read the text
 * themselves. Errors name the file and the line.
 *
 * @example
 * ```ts
 * import { parseJsonWithin } from '@vigil/core';
 *
 * const pkg = parseJsonWithin(text, 'node_modules/pack/package.json', 'rule-pack');
 * ```
 */
export function parseJsonWithin(
  text: string,
  file: string,
  kind: InputKind,
  options: { readonly what?: string; readonly limits?: InputLimits } = {},
): unknown {
  const limits = inputLimits(kind, options.limits);
  const what = options.what ?? kind;
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes)
    throw new VigilError(
      'INPUT_INVALID',
      `${what} is ${bytes} bytes, over the ${limits.maxBytes}-byte limit for this input`,
      { location: { file } },
    );
  guardJson(text, file, limits, what);
  return parseJsonText(text, file, what);
}
