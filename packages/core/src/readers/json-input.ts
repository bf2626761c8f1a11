import { VigilError } from '../errors/vigil-error.js';
import { INPUT_LIMITS, type InputKind, inputLimits } from '../limits/input-limits.js';
import { JsonGuard } from '../limits/json-guard.js';
import { readBoundedFile } from './read-bounded.js';

/** Default largest JSON input read into memory (64 MiB, `INPUT_LIMITS['lockfile-json']`). */
export const DEFAULT_MAX_JSON_BYTES: number = INPUT_LIMITS['lockfile-json'].maxBytes!;

/** A parsed JSON file and its text, for finding lines later. */
export interface JsonInput {
  readonly value: unknown;
  readonly text: string;
}

/**
 * Reads and parses a JSON file within the limits of its input kind: a file
 * over the size limit is an error before anything is read; nesting and the
 * number of values are checked while it streams in, before it is parsed.
 * Syntax errors name the line and column.
 */
export async function readJsonInput(
  path: string,
  what: string,
  kind: InputKind,
  options: { readonly maxBytes?: number | undefined; readonly signal?: AbortSignal | undefined } = {},
): Promise<JsonInput> {
  const limits = inputLimits(kind, options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {});
  const guard = new JsonGuard(path, limits, what);
  const bytes = await readBoundedFile(path, {
    what,
    maxBytes: limits.maxBytes,
    signal: options.signal,
    onChunk: (c) => guard.feed(c),
  });
  const text = bytes.toString('utf8');
  return { value: parseJsonText(text, path, what), text };
}

/**
 * Parses JSON text; a syntax error becomes a `PARSE` error with line, column and what was expected.
 *
 * @example
 * ```ts
 * import { parseJsonText } from '@vigil/core';
 *
 * parseJsonText('{"a": 1}', 'a.json', 'settings'); // { a: 1 }
 * ```
 */
export function parseJsonText(text: string, file: string, what: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (cause) {
    // V8's messages do not always carry a position: find the first error ourselves.
    const found = locateJsonError(body);
    const { line, column } = lineColumn(body, found.offset);
    throw new VigilError('PARSE', `${what} is not valid JSON: expected ${found.expected}`, {
      cause,
      location: { file, line, column },
    });
  }
}

/** The offset of the first syntax error in JSON text and what was expected there. */
export function locateJsonError(text: string): { offset: number; expected: string } {
  let i = 0;
  const n = text.length;
  const fail = (expected: string): never => {
    throw { offset: Math.min(i, n), expected: i >= n ? `${expected}, but the document ends` : expected };
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const str = () => {
    if (text[i] !== '"') fail('a string');
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail('a closing quote (control character in string)');
      if (c === 92) {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('four hex digits after \\u');
          i += 5;
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else fail('a valid escape');
      } else i++;
    }
    fail('a closing quote');
  };
  const value = (depth: number): void => {
    if (depth > 512) fail('less nesting (over 512 levels)');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail("':' after a property name");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail("',' or ']'");
      }
    }
    if (c === '"') {
      str();
      return;
    }
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i, i + 400),
    );
    if (!lit) fail('a value (object, array, string, number, true, false or null)');
    i += lit![0].length;
  };
  try {
    value(0);
    ws();
    if (i < n) fail('the end of the document');
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'offset' in e)
      return e as { offset: number; expected: string };
    throw e;
  }
  return { offset: n, expected: 'valid JSON' };
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: end - last };
}

/** The line of the first `"key"` after `from` in JSON text, for pointing at a declaration. */
export function lineOfKey(text: string, key: string, from = 0): number | undefined {
  const at = text.indexOf(JSON.stringify(key), from);
  return at < 0 ? undefined : lineColumn(text, at).line;
}
