import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { eventJsonSchema, findingJsonSchema, lazySchema } from '../../src/index.js';
import * as zodSchemas from '../../src/schemas/zod.js';

describe('lazySchema', () => {
  it('builds the schema on first use, once', () => {
    let builds = 0;
    const Ticket = lazySchema(() => {
      builds += 1;
      return z.object({ id: z.string(), severity: z.enum(['low', 'high']) });
    });
    expect(builds).toBe(0);
    expect(Ticket.parse({ id: 'T-1', severity: 'high' })).toEqual({ id: 'T-1', severity: 'high' });
    expect(builds).toBe(1);
    expect(Ticket.safeParse({ id: 1 }).success).toBe(false);
    expect(Object.keys(Ticket.shape)).toEqual(['id', 'severity']);
    expect(builds).toBe(1);
  });

  it('is the schema in every respect a program uses: instanceof, `in`, methods, composition', () => {
    const Inner = lazySchema(() => z.object({ n: z.number().int() }));
    expect(Inner instanceof z.ZodObject).toBe(true);
    expect(Inner instanceof z.ZodString).toBe(false);
    expect('safeParse' in Inner).toBe(true);

    // Nested before either is built; extended and picked after.
    const Outer = lazySchema(() => z.object({ inner: Inner, list: z.array(Inner).optional() }));
    expect(Outer.parse({ inner: { n: 1 }, list: [{ n: 2 }] })).toEqual({ inner: { n: 1 }, list: [{ n: 2 }] });
    const r = Outer.safeParse({ inner: { n: 1.5 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['inner', 'n']);
    expect(Inner.extend({ m: z.string() }).parse({ n: 1, m: 'x' })).toEqual({ n: 1, m: 'x' });
    expect(Outer.pick({ inner: true }).parse({ inner: { n: 3 }, extra: 1 })).toEqual({ inner: { n: 3 } });
  });

  it('lets a definition refer to one defined after it', () => {
    const First = lazySchema(() => z.object({ second: Second }));
    const Second = lazySchema(() => z.literal('second'));
    expect(First.parse({ second: 'second' })).toEqual({ second: 'second' });
  });

  it('names a definition that reads itself while being built, and builds again after a failed build', () => {
    const Self: z.ZodObject = lazySchema(() => z.object({ self: Self.optional() }));
    expect(() => Self.parse({})).toThrow(/read itself while being built/);

    let fail = true;
    const Flaky = lazySchema(() => {
      if (fail) throw new Error('not yet');
      return z.string();
    });
    expect(() => Flaky.parse('a')).toThrow('not yet');
    fail = false;
    expect(Flaky.parse('a')).toBe('a');
  });

  it('keeps enums usable: options and values', () => {
    const Level = lazySchema(() => z.enum(['a', 'b']));
    expect(Level.options).toEqual(['a', 'b']);
    expect(Level.parse('b')).toBe('b');
  });

  it("gives JSON Schema the same answer as an eagerly built schema (core's event and finding schemas)", () => {
    const eager = z.object({ a: z.string(), b: z.array(z.number()).optional() });
    const lazy = lazySchema(() => z.object({ a: z.string(), b: z.array(z.number()).optional() }));
    expect(z.toJSONSchema(lazy)).toEqual(z.toJSONSchema(eager));
    // Every event kind and the finding, through lazily built nested schemas.
    const events = eventJsonSchema() as { anyOf?: unknown[]; oneOf?: unknown[] };
    expect((events.oneOf ?? events.anyOf)?.length).toBe(zodSchemas.EventSchema.options.length);
    expect(JSON.stringify(findingJsonSchema())).toContain('"owaspLlm"');
  });
});

describe("core's schemas", () => {
  it('are built on first use, not when the package is imported', async () => {
    // A fresh copy of the package's modules: count the zod objects its import builds.
    vi.resetModules();
    let built = 0;
    const config = globalThis as {
      __zod_globalConfig?: { postProcessor?: (schema: unknown) => void } | undefined;
    };
    const previous = config.__zod_globalConfig;
    config.__zod_globalConfig = {
      ...previous,
      postProcessor: () => {
        built += 1;
      },
    };
    try {
      const core = await import('../../src/index.js');
      // A handful of one-line enums whose values other constants list; no object schema.
      expect(built).toBeLessThan(10);
      core.FindingSchema.safeParse({});
      expect(built).toBeGreaterThan(100);
    } finally {
      config.__zod_globalConfig = previous;
      vi.resetModules();
    }
  });
});
