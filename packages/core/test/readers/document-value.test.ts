import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  containersOfDocument,
  documentRecord,
  isVigilError,
  mcpConfiguredServers,
  safeParseDocument,
  scalarNumber,
  scalarText,
} from '../../src/index.js';
import { attributesOf } from '../../src/otel/otlp-json.js';
import { hostileJson, POISON_JSON } from '../helpers/hostile-json.js';

const parse = (text: string): unknown => JSON.parse(text);

describe('document values are read as data, never called', () => {
  it('scalarText: scalars as printed, mappings and lists as their JSON', () => {
    expect(scalarText('x')).toBe('x');
    expect(scalarText(8080)).toBe('8080');
    expect(scalarText(false)).toBe('false');
    expect(scalarText(null)).toBe('null');
    expect(scalarText(parse('{"toString":null}'))).toBe('{"toString":null}');
    expect(scalarText(parse('[{"toString":null,"valueOf":null}]'))).toBe(
      '[{"toString":null,"valueOf":null}]',
    );
    expect(scalarText(parse('{"__proto__":{"toString":null}}'))).toBe('{"__proto__":{"toString":null}}');
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(scalarText(cycle)).toBe('[…]');
  });

  it('scalarNumber: numbers and numeric text; mappings whose valueOf is not callable are NaN', () => {
    expect(scalarNumber(8080)).toBe(8080);
    expect(scalarNumber('8080')).toBe(8080);
    expect(scalarNumber('')).toBeNaN();
    expect(scalarNumber(true)).toBeNaN();
    expect(scalarNumber(parse('{"valueOf":null,"toString":null}'))).toBeNaN();
  });

  it('property: scalarText and scalarNumber never throw on any hostile value', () => {
    fc.assert(
      fc.property(hostileJson(4), (v) => {
        expect(typeof scalarText(v)).toBe('string');
        expect(typeof scalarNumber(v)).toBe('number');
      }),
      { numRuns: 1000 },
    );
  });

  it('documentRecord: __proto__ and constructor are entries, not the prototype', () => {
    const env = documentRecord<string>();
    const proto = '__proto__';
    env[proto] = 'a';
    env['constructor'] = 'b';
    expect(Object.keys(env)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(env))).toEqual(parse('{"__proto__":"a","constructor":"b"}'));
    expect(documentRecord<string>()['toString']).toBeUndefined();
  });

  it('safeParseDocument: a mapping with an unconvertible "length" where a string belongs fails validation at its path', () => {
    const schema = z.object({ name: z.string().min(1), tags: z.array(z.string()).max(3) });
    // zod compares `length` with its bound even when the type is wrong, and that comparison throws.
    expect(() => schema.safeParse(parse('{"name":{"length":{"toString":null}},"tags":[]}'))).toThrow(
      TypeError,
    );
    const r = safeParseDocument(schema, parse('{"name":{"length":[{"toString":null}]},"tags":[]}'));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['name']);
    const tags = safeParseDocument(
      schema,
      parse('{"name":"a","tags":{"length":{"valueOf":null,"toString":null}}}'),
    );
    expect(tags.error?.issues[0]?.path).toEqual(['tags']);
    expect(safeParseDocument(schema, { name: 'a', tags: ['x'] }).success).toBe(true);
  });

  it('property: safeParseDocument with length-checked schemas only accepts or rejects', () => {
    const schema = z.object({
      name: z.string().min(1).max(10),
      args: z.array(z.string().min(1)).max(5).optional(),
      env: z.record(z.string(), z.string().min(1)).optional(),
    });
    const doc = fc.record({ name: hostileJson(2), args: hostileJson(2), env: hostileJson(2) });
    fc.assert(
      fc.property(doc, (d) => {
        const r = safeParseDocument(schema, JSON.parse(JSON.stringify(d)));
        if (!r.success) expect(r.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('maps keyed by document strings keep every key', () => {
  it('an environment variable named __proto__ is an entry (Kubernetes and Compose)', () => {
    const pod = parse(
      '{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","env":[{"name":"__proto__","value":{"toString":null}},{"name":"constructor","value":"x"}]}]}}',
    );
    const [c] = containersOfDocument(pod);
    expect(Object.keys(c!.env)).toEqual(['__proto__', 'constructor']);
    expect(Object.entries(c!.env)[0]).toEqual(['__proto__', '{"toString":null}']);
    const compose = parse(
      '{"services":{"m":{"image":"i","environment":{"__proto__":"a","toString":{"valueOf":null}}}}}',
    );
    const [s] = containersOfDocument(compose);
    expect(Object.keys(s!.env)).toEqual(['__proto__', 'toString']);
  });

  it('an OTLP attribute keyed __proto__ is an attribute, not the prototype of the others', () => {
    const attrs = attributesOf([
      {
        key: '__proto__',
        value: { kvlistValue: { values: [{ key: 'gen_ai.system', value: { stringValue: 'spoofed' } }] } },
      },
      { key: 'service.name', value: { stringValue: 's' } },
    ]);
    expect(Object.keys(attrs)).toEqual(['__proto__', 'service.name']);
    expect(attrs['gen_ai.system']).toBeUndefined();
  });
});

describe('hostile MCP client configurations', () => {
  it('a command that is a mapping with an unconvertible "length" is a VigilError, not a TypeError', () => {
    const config = parse(
      '{"mcpServers":{"fs":{"command":{"length":[{"toString":1,"valueOf":{}}]},"args":[]}}}',
    );
    let caught: unknown;
    try {
      mcpConfiguredServers(config, 'claude_desktop_config.json');
    } catch (err) {
      caught = err;
    }
    expect(caught === undefined || isVigilError(caught)).toBe(true);
  });

  it('property: any poisoned configuration reads or raises a VigilError', () => {
    const server = fc.record({
      command: fc.oneof(fc.constant('npx'), hostileJson(2)),
      args: fc.oneof(fc.constant(['-y', 'x']), hostileJson(2)),
      env: fc.oneof(fc.constant({ A: 'b' }), hostileJson(2)),
      url: fc.oneof(fc.constant('http://x/mcp'), hostileJson(1)),
    });
    const doc = fc
      .tuple(
        fc.constantFrom('mcpServers', 'servers', '__proto__', 'toString'),
        fc.dictionary(fc.constantFrom('fs', '__proto__', 'constructor'), server),
      )
      .map(([k, v]) => parse(`{${JSON.stringify(k)}:${JSON.stringify(v)}}`));
    fc.assert(
      fc.property(fc.oneof(doc, fc.constantFrom(...POISON_JSON).map(parse)), (d) => {
        try {
          mcpConfiguredServers(d, 'mcp.json');
        } catch (err) {
          expect(isVigilError(err)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
