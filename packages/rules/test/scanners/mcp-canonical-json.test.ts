// The canonical JSON MCP pins hash: the same text for the same value, whatever the order of its keys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Json } from '../../src/index.js';

/** The definition: every object rebuilt from its entries sorted by key. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** The same value with the keys of every plain object inserted in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).reverse())
    Object.defineProperty(out, k, {
      value: reversed(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

describe('canonicalJson', () => {
  it('is the JSON of the value with the keys of every object sorted', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 0 }] })).toBe('{"a":[2,{"c":0,"d":1}],"b":1}');
    // Integer-like keys first, ascending (as in any object); `__proto__` is a key like any other.
    const parsed: unknown = JSON.parse('{"b":1,"__proto__":{"y":1,"x":2},"10":0,"9":0,"a":null}');
    expect(canonicalJson(parsed)).toBe('{"9":0,"10":0,"__proto__":{"x":2,"y":1},"a":null,"b":1}');
    expect(canonicalJson(parsed)).toBe(reference(parsed));
  });

  it('gives the text of the definition for any value, and the same text whatever the key order', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withNullPrototype: true,
          withObjectString: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withSparseArray: true,
          withTypedArray: true,
          key: fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '10', '9', 'constructor')),
        }),
        (value) => {
          expect(canonicalJson(value)).toBe(reference(value));
        },
      ),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reversed(value))).toBe(canonicalJson(value));
        expect(sha256Json(reversed(value))).toBe(sha256Json(value));
      }),
      { numRuns: 1_000 },
    );
  });
});
