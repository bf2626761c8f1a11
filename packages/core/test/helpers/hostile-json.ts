// Hostile JSON for the property tests of every parser of untrusted documents: objects whose keys
// shadow what code calls on a value (`toString`, `valueOf`, `toJSON`, `then`…), `__proto__` as the
// own key JSON.parse makes of it, and values of the wrong type where scalars belong. Everything is
// built by JSON.parse from text, so a value is exactly what a parser gets from a document.
import fc from 'fast-check';

/** Keys that shadow what code calls or reads on a value, or that reach a prototype. */
export const HOSTILE_KEYS = [
  'toString',
  'valueOf',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'then',
  'toJSON',
  'length',
] as const;

/** The smallest values that break code which converts, calls or reads through a document value. */
export const POISON_JSON = [
  '{"toString":null}',
  '{"toString":null,"valueOf":null}',
  '{"toString":1,"valueOf":{}}',
  '{"__proto__":null}',
  '{"__proto__":{"toString":null}}',
  '{"__proto__":[]}',
  '{"constructor":null}',
  '{"hasOwnProperty":null}',
  '{"then":null}',
  '{"toJSON":null}',
  '{"length":1e9}',
  '[{"toString":null}]',
  '"__proto__"',
  '"constructor"',
  '"toString"',
] as const;

const leafText = fc.oneof(
  fc.constantFrom(...POISON_JSON),
  fc.constantFrom('null', 'true', 'false', '0', '-1', '1e400', '""', '"__proto__"', '"toString"', '[]', '{}'),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
);

const keyText = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  )
  .map((k) => JSON.stringify(k));

/** JSON text whose objects use {@link HOSTILE_KEYS} (each value a scalar, a list or such an object). */
export function hostileJsonText(maxDepth = 3): fc.Arbitrary<string> {
  const { node } = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      leafText,
      fc.array(tie('node'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
      fc
        .array(fc.tuple(keyText, tie('node')), { minLength: 1, maxLength: 4 })
        .map((es) => `{${es.map(([k, v]) => `${k}:${v}`).join(',')}}`),
    ),
  }));
  return node;
}

/**
 * A JSON value as a parser gets it from a hostile document: mostly objects keyed by
 * {@link HOSTILE_KEYS} (`{"toString":null}`, `{"__proto__":{"valueOf":1}}` with `__proto__` an own
 * key), sometimes a list or a scalar of any type.
 */
export function hostileJson(maxDepth = 3): fc.Arbitrary<unknown> {
  return hostileJsonText(maxDepth).map((t) => JSON.parse(t) as unknown);
}

/** Every place in a JSON value: the containers and keys a replacement can go into. */
function places(v: unknown, out: { parent: unknown[] | Record<string, unknown>; key: string | number }[]) {
  if (Array.isArray(v))
    v.forEach((x, i) => {
      out.push({ parent: v, key: i });
      places(x, out);
    });
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) {
      out.push({ parent: v as Record<string, unknown>, key: k });
      places(x, out);
    }
  return out;
}

/**
 * A document from `valid` with some of its values replaced by {@link hostileJson} values (a
 * mapping where a string belongs, `{"toString":null}` where a port belongs…) and, now and then,
 * hostile keys added to its objects; re-parsed from its JSON, so `__proto__` is an own key.
 * Shrinks towards the valid document.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(withHostileValues(podArbitrary), (doc) => { parse(doc) }));
 * ```
 */
export function withHostileValues<T>(valid: fc.Arbitrary<T>, maxReplacements = 3): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.constantFrom(...HOSTILE_KEYS), hostileJson(2)), {
        maxLength: maxReplacements,
      }),
    )
    .map(([doc, edits]) => {
      const copy = JSON.parse(JSON.stringify(doc) ?? 'null') as unknown;
      if (typeof copy !== 'object' || copy === null) return edits.length > 0 ? edits[0]![3] : copy;
      const all = places(copy, []);
      for (const [at, addKey, key, value] of edits) {
        const p = all[at % Math.max(all.length, 1)];
        if (!p) continue;
        if (addKey && !Array.isArray(p.parent))
          Object.defineProperty(p.parent, key, {
            value,
            enumerable: true,
            configurable: true,
            writable: true,
          });
        else (p.parent as Record<string | number, unknown>)[p.key] = value;
      }
      return JSON.parse(JSON.stringify(copy)) as unknown;
    });
}
