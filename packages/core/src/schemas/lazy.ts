// Schemas built on first use. A package that defines a few hundred zod schemas at module level
// builds every one of them (thousands of zod objects) when it is imported, whether or not the
// program parses a single document; a command that reads a capture should not pay for the
// AI-BOM, gap-report and posture schemas. This module imports nothing, so any layer may use it.

/**
 * Defers building a schema until it is first used: returns an object that stands for the schema
 * `build` returns and becomes that schema, with all its properties, the first time any property
 * of it is read (`parse`, `safeParse`, `shape`, `options`, zod's internals when another schema
 * nests it, `instanceof`). The type is the schema's own (a `z.ZodObject<…>` stays one), and every
 * later use is as fast as the schema built eagerly: nothing stands between the caller and zod
 * once it is built.
 *
 * `build` runs once. It may refer to other lazy schemas (each is built when first read, so the
 * order of definitions in a module no longer matters) but must not read the one it defines
 * (`Self.optional()` inside `Self`'s `build` throws): a recursive schema uses zod's getters or
 * `z.lazy`, as it would eagerly.
 * Listing the object's own keys (`Object.keys`, spreading) reads no property and so shows an
 * empty object until the schema is built; use the schema's `shape` instead, as with any schema.
 *
 * @typeParam T - the schema's type, inferred from `build`.
 * @param build - builds the schema; called once, on first use.
 * @returns the object that becomes the schema.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { lazySchema } from '@vigil/core';
 *
 * export const TicketSchema = lazySchema(() =>
 *   z.object({ id: z.string(), severity: z.enum(['low', 'high']) }),
 * );
 * TicketSchema.parse({ id: 'T-1', severity: 'high' }); // builds the schema, then parses
 * ```
 */
export function lazySchema<T extends object>(build: () => T): T {
  const schema = {};
  let state: 'pending' | 'building' | 'built' = 'pending';
  const materialise = (): void => {
    if (state === 'built') return;
    if (state === 'building')
      throw new Error('a lazy schema read itself while being built: use a getter or z.lazy for recursion');
    state = 'building';
    let built: T;
    try {
      built = build();
    } catch (error) {
      state = 'pending';
      throw error;
    }
    // The standing object takes the built schema's own properties and prototype, so it is that
    // schema in every respect but identity; the built object is dropped.
    Object.defineProperties(schema, Object.getOwnPropertyDescriptors(built));
    Object.setPrototypeOf(schema, Object.getPrototypeOf(built));
    state = 'built';
  };
  // Until then, the only prototype is a trap: a read, an `in` test or a write of any property
  // that the (still empty) object lacks reaches it, builds the schema and is answered by it.
  const trap = new Proxy(Object.create(null) as object, {
    get(_target, key, receiver) {
      materialise();
      return Reflect.get(schema, key, receiver);
    },
    has(_target, key) {
      materialise();
      return key in schema;
    },
    set(_target, key, value, receiver) {
      materialise();
      return Reflect.set(schema, key, value, receiver);
    },
  });
  Object.setPrototypeOf(schema, trap);
  return schema as T;
}
