import { VigilError } from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDnsQuery } from '../src/decode/dns.js';
import { dnsQuery } from './record-builder.js';

describe('parseDnsQuery', () => {
  it('reads the name, type and id of a query', () => {
    expect(parseDnsQuery(dnsQuery('api.openai.com', 7))).toEqual({
      id: 7,
      name: 'api.openai.com',
      qtype: 'A',
    });
    expect(parseDnsQuery(dnsQuery('x.example', 1, 28)).qtype).toBe('AAAA');
    expect(parseDnsQuery(dnsQuery('x.example', 1, 65)).qtype).toBe('HTTPS');
    expect(parseDnsQuery(dnsQuery('x.example', 1, 999)).qtype).toBe('TYPE999');
  });

  it('escapes bytes that are not printable in a label', () => {
    const msg = dnsQuery('ab.c');
    msg[14] = 0x2e; // a '.' inside the first label
    expect(parseDnsQuery(msg).name).toBe('a\\046.c');
  });

  it.each([
    ['an empty message', Buffer.alloc(0), /12-byte header/],
    [
      'a response',
      (() => {
        const m = dnsQuery('a.b');
        m[2] = 0x81;
        return m;
      })(),
      /found a response/,
    ],
    [
      'no question',
      (() => {
        const m = dnsQuery('a.b');
        m.writeUInt16BE(0, 4);
        return m;
      })(),
      /QDCOUNT=0/,
    ],
    [
      'a compression pointer',
      (() => {
        const m = dnsQuery('a.b');
        m[12] = 0xc0;
        return m;
      })(),
      /label length/,
    ],
    ['a label past the end', dnsQuery('abcdef.b').subarray(0, 16), /runs past the end/],
    ['no QTYPE', dnsQuery('a.b').subarray(0, 17), /QTYPE/],
  ])('rejects %s with the offset', (_name, msg, re) => {
    expect(() => parseDnsQuery(msg, 'payload')).toThrow(re);
    try {
      parseDnsQuery(msg, 'payload');
    } catch (e) {
      expect(e).toBeInstanceOf(VigilError);
      expect((e as VigilError).location?.file).toBe('payload');
      expect((e as VigilError).location?.offset).toBeTypeOf('number');
    }
  });

  it('rejects names longer than 253 characters', () => {
    const long = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.');
    expect(() => parseDnsQuery(dnsQuery(long))).toThrow(/longer than 253/);
  });

  it('round-trips any valid name (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 6 }), (labels) => {
        const name = labels.join('.');
        expect(parseDnsQuery(dnsQuery(name)).name).toBe(name);
      }),
    );
  });

  it('throws only VigilError on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const q = parseDnsQuery(bytes);
          expect(q.name.length).toBeLessThanOrEqual(253 * 4);
        } catch (e) {
          expect(e).toBeInstanceOf(VigilError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
