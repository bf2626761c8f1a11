import { VigilError } from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDnsQuery, parseDnsResponse } from '../src/decode/dns.js';
import { dnsQuery } from '../src/internal/record-builder.js';

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

/** A response to `dnsQuery(name)` with the given A/AAAA answers, names compressed. */
function dnsResponse(name: string, answers: string[], id = 7): Buffer {
  const q = dnsQuery(name, id);
  q.writeUInt16BE(0x8180, 2);
  q.writeUInt16BE(answers.length, 6);
  const rrs = answers.map((a) => {
    const v6 = a.includes(':');
    const data = v6
      ? Buffer.from(
          a
            .split(':')
            .map((g) => g.padStart(4, '0'))
            .join(''),
          'hex',
        )
      : Buffer.from(a.split('.').map(Number));
    const head = Buffer.from([0xc0, 0x0c, 0, v6 ? 28 : 1, 0, 1, 0, 0, 0, 60, 0, data.length]);
    return Buffer.concat([head, data]);
  });
  return Buffer.concat([q, ...rrs]);
}

describe('parseDnsResponse', () => {
  it('reads the question and the A and AAAA answers, following compression pointers', () => {
    const r = parseDnsResponse(
      dnsResponse('api.example.com', ['10.0.0.1', '2001:0db8:0000:0000:0000:0000:0000:0001']),
    );
    expect(r).toEqual({
      id: 7,
      name: 'api.example.com',
      qtype: 'A',
      answers: ['10.0.0.1', '2001:db8::1'],
      rcode: 0,
    });
  });

  it('keeps the answers read before a cut (the capture keeps 512 bytes)', () => {
    const full = dnsResponse('a.example', ['10.0.0.1', '10.0.0.2']);
    expect(parseDnsResponse(full.subarray(0, full.length - 3)).answers).toEqual(['10.0.0.1']);
  });

  it.each([
    ['a query', dnsQuery('a.b'), /found a query/],
    [
      'a forward pointer',
      (() => {
        const m = dnsResponse('a.b', []);
        m[12] = 0xc0;
        m[13] = 0x20;
        return m;
      })(),
      /does not point backwards/,
    ],
    [
      'a pointer to itself',
      (() => {
        const m = dnsResponse('a.b', []);
        m[12] = 0xc0;
        m[13] = 12;
        return m;
      })(),
      /does not point backwards/,
    ],
    ['a short header', Buffer.from([0, 1, 0x81]), /12-byte header/],
  ])('rejects %s', (_n, msg, re) => {
    expect(() => parseDnsResponse(msg)).toThrow(re);
  });

  it('stops at answers whose name loops or runs out, without throwing', () => {
    const m = dnsResponse('a.b', ['10.0.0.1']);
    const at = m.length - 16; // the answer's name pointer
    m[at + 1] = at; // points at itself: not backwards
    expect(parseDnsResponse(m).answers).toEqual([]);
  });

  it('round-trips any set of IPv4 answers (property)', () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.'));
    fc.assert(
      fc.property(fc.array(ip, { maxLength: 20 }), (ips) => {
        expect(parseDnsResponse(dnsResponse('x.example', ips)).answers).toEqual(ips);
      }),
    );
  });

  it('throws only VigilError on arbitrary and mutated bytes (property)', () => {
    const seed = dnsResponse('svc.cluster.local', ['10.0.0.1', '10.0.0.2']);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }).map((flips) => {
            const b = Buffer.from(seed);
            for (const [at, v] of flips) b[at % b.length] = v;
            return b;
          }),
        ),
        (bytes) => {
          try {
            const r = parseDnsResponse(bytes);
            expect(r.answers.length).toBeLessThanOrEqual(64);
          } catch (e) {
            expect(e).toBeInstanceOf(VigilError);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
