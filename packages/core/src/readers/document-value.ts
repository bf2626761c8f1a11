import { z } from 'zod';
import type { VigilSafeParseResult, VigilSchema } from '../schemas/vigil-schema.js';

// Values read from untrusted documents (JSON, YAML, payloads) are data: a mapping can stand where a
// scalar belongs, with keys such as `toString`, `valueOf` or `__proto__`. These read such a value
// without converting it through JavaScript (which would call what the document put there) and
// key maps by document strings without reaching a prototype.

/**
 * A document value as text: a string as it is, other scalars as YAML or JSON print them, and a
 * mapping or list (which a hostile document can put where a scalar belongs, with keys such as
 * `toString`) as its JSON, so nothing of the document is ever called.
 *
 * @example
 * ```ts
 * import { scalarText } from '@vigil/core';
 *
 * scalarText(8080); // '8080'
 * scalarText(JSON.parse('{"toString":null}')); // '{"toString":null}', where String() throws
 * ```
 */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null)
    return String(value);
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // A cycle (YAML aliases) or a `toJSON` a document cannot set: say what it is, call nothing.
    return Array.isArray(value) ? '[…]' : '{…}';
  }
}

/**
 * A document value as a number: a number, or numeric text; anything else (a mapping with
 * `valueOf`, a list, a boolean) is NaN, never converted by calling it.
 *
 * @example
 * ```ts
 * import { scalarNumber } from '@vigil/core';
 *
 * scalarNumber('8080'); // 8080
 * scalarNumber(JSON.parse('{"valueOf":null,"toString":null}')); // NaN, where Number() throws
 * ```
 */
export function scalarNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
}

/**
 * An empty map for keys taken from a document (environment names, labels, package names): without
 * a prototype, so a key such as `__proto__` or `constructor` is an entry like any other rather than
 * lost, inherited or a way to the prototype.
 *
 * @example
 * ```ts
 * import { documentRecord } from '@vigil/core';
 *
 * const env = documentRecord<string>();
 * env['__proto__'] = 'x'; // an entry, listed by Object.keys(env)
 * ```
 */
export function documentRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The path of the first mapping whose `length` key holds what JavaScript cannot compare with a number. */
function unconvertibleLength(
  v: unknown,
  path: (string | number)[],
  depth: number,
): (string | number)[] | undefined {
  if (v === null || typeof v !== 'object' || depth > 512) return undefined;
  if (!Array.isArray(v) && Object.hasOwn(v, 'length')) {
    const length = (v as { length: unknown }).length;
    if (typeof length === 'object' && length !== null)
      try {
        // Only built-ins run here: a parsed document holds no functions.
        Number(length);
      } catch {
        return path;
      }
  }
  for (const [k, x] of Object.entries(v)) {
    const found = unconvertibleLength(x, [...path, Array.isArray(v) ? Number(k) : k], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * `schema.safeParse(value)` for a value read from a document. Zod runs the length checks of a
 * string or list schema (`.min()`, `.max()`) on a value of the wrong type when it has a `length`
 * key, and compares that key's value with a number: a document can put a mapping there that
 * JavaScript cannot convert (`{"length": {"toString": null}}`), and zod throws a TypeError. Here
 * such a value fails validation like any other value of the wrong type, with an issue at its path.
 *
 * @example
 * ```ts
 * import { fromZodError, safeParseDocument } from '@vigil/core';
 *
 * const r = safeParseDocument(PolicySchema, JSON.parse(text));
 * if (!r.success) throw fromZodError(r.error, 'policy', { file });
 * ```
 */
export function safeParseDocument<T>(schema: VigilSchema<T>, value: unknown): VigilSafeParseResult<T> {
  try {
    return schema.safeParse(value);
  } catch (err) {
    const path = err instanceof TypeError ? unconvertibleLength(value, [], 0) : undefined;
    if (path === undefined) throw err;
    return {
      success: false,
      error: new z.ZodError([
        {
          code: 'custom',
          path,
          message: 'must be a string or a list, not a mapping with a "length" key',
          input: undefined,
        },
      ]),
    };
  }
}
