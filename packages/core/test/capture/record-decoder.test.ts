import { Decoder, Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaptureRecordDecoder,
  internalise,
  MAX_DEPTH,
  RecordDecodeError,
} from '../../src/capture/record-decoder.js';

const enc = new Encoder();
const ref = new Decoder();

function decodeAll(bytes: Uint8Array, field?: number, decoder?: CaptureRecordDecoder): unknown[] {
  const d = decoder ?? new CaptureRecordDecoder();
  d.fieldSlots(4);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  d.reset(buf);
  const out: unknown[] = [];
  while (d.more) out.push(field === undefined ? d.value() : d.field(field));
  return out;
}

/** Binary values as plain byte arrays (this decoder returns Buffers, the reference Uint8Arrays). */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Values the capture format can carry: what the reference msgpack decoder returns for them is the contract. */
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }),
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.stringMatching(/^[a-z/._-]{0,200}$/),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 5 }),
    // The reference decoder refuses a __proto__ key (ours keeps it as data, tested below).
    fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
      tie('v'),
      { maxKeys: 5 },
    ),
  ),
})).v;

describe('CaptureRecordDecoder', () => {
  it('property: decodes what @msgpack/msgpack encodes exactly as its own decoder does', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), (values) => {
        const bytes = Buffer.concat(values.map((v) => enc.encode(v)));
        const expected = [...ref.decodeMulti(bytes)];
        expect(decodeAll(bytes)).toEqual(expected);
        // The remembered-string path returns the same values.
        expect(decodeAll(bytes, 1)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('returns one shared string for a repeated short ASCII value, and never confuses two values', () => {
    const values = ['/usr/bin/python3', '/usr/bin/python3', '/usr/bin/python4', 'é', 'é', '/usr/bin/python3'];
    const bytes = Buffer.concat(values.map((v) => enc.encode(v)));
    const got = decodeAll(bytes) as string[];
    expect(got).toEqual(values);
    const viaField = decodeAll(bytes, 2) as string[];
    expect(viaField).toEqual(values);
  });

  it('property: random bytes either decode or raise RecordDecodeError, never anything else', () => {
    // One decoder for every run, as a capture reader keeps one: a fresh one allocates its 32 k-slot
    // string table each time (2000 of them timed out under load), and reuse also checks that reset()
    // recovers from a block that failed half-way.
    const decoder = new CaptureRecordDecoder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          decodeAll(bytes, undefined, decoder);
        } catch (err) {
          expect(err).toBeInstanceOf(RecordDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects hostile shapes with a reason: huge lengths, deep nesting, extensions, odd keys', () => {
    const cases: [string, number[] | Buffer, RegExp][] = [
      [
        'array length past the block',
        [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],
        /array of 4294967295 elements runs past/,
      ],
      ['map length past the block', [0xdf, 0x7f, 0xff, 0xff, 0xff], /map of \d+ entries runs past/],
      ['string past the block', [0xdb, 0x00, 0x10, 0x00, 0x00, 0x61], /runs past the end of its block/],
      ['binary past the block', [0xc6, 0x00, 0x10, 0x00, 0x00], /runs past the end of its block/],
      ['truncated float', [0xcb, 0x00, 0x01], /runs past the end/],
      ['extension type', [0xd4, 0x01, 0x00], /extension type \(0xd4\)/],
      ['timestamp extension', [0xd6, 0xff, 0, 0, 0, 0], /extension type/],
      ['never-used byte', [0xc1], /never-used msgpack byte 0xc1/],
      ['integer map key', [0x81, 0x01, 0x02], /map key of type number/],
      ['nesting', Buffer.alloc(MAX_DEPTH + 2, 0x91), /nested deeper than 32/],
    ];
    for (const [what, bytes, message] of cases) {
      expect(() => decodeAll(Buffer.from(bytes)), what).toThrow(message);
    }
  });

  it('keeps a __proto__ key as data: the decoded object’s prototype is untouched', () => {
    const bytes = Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01]);
    const [obj] = decodeAll(bytes) as Record<string, unknown>[];
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.hasOwn(obj!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('decodes a long run of distinct strings correctly as they evict each other from the sharing table', () => {
    const bytes = Buffer.concat(
      Array.from({ length: 50_000 }, (_, i) => enc.encode(`/tmp/tmp${i.toString(36)}/out.json`)),
    );
    const got = decodeAll(bytes) as string[];
    expect(got.length).toBe(50_000);
    expect(got[49_999]).toBe(`/tmp/tmp${(49_999).toString(36)}/out.json`);
  });
  it('property: with a small shared-string table that fills, sweeps and refills, one decoder reused over many records still gives exactly what the reference decoder gives', () => {
    // 16 slots hold at most 8 values: recurring and one-off strings keep the table sweeping.
    const d = new CaptureRecordDecoder(16);
    d.fieldSlots(2);
    const pool = fc.constantFrom(
      '/usr/bin/python3',
      '/usr/share/doc/git/README',
      'python3',
      'sh',
      'é/ü',
      '',
      'a'.repeat(128),
      'b'.repeat(129),
      '/tmp/x',
    );
    const str = fc.oneof(pool, pool, fc.stringMatching(/^[a-c/]{0,12}$/), fc.string({ maxLength: 20 }));
    const record = fc.array(fc.oneof(str, str, str, value), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), fc.nat(2), (records, slot) => {
        for (const r of records) {
          const bytes = enc.encode(r);
          const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          d.reset(buf);
          const n = d.arrayHeader();
          const got = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? d.value() : d.field(slot)));
          expect(d.more).toBe(false);
          expect(plain(got)).toEqual(plain(ref.decode(bytes)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: num() reads whatever value() reads (numbers of every width, nil, and anything else), and the same errors for cut values', () => {
    const numbers = fc.oneof(
      fc.integer(),
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
      fc.maxSafeInteger(),
      fc.nat({ max: 2 ** 53 - 1 }),
      fc.double(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(numbers, numbers, value), { minLength: 1, maxLength: 20 }),
        fc.nat(),
        (vs, cut) => {
          const bytes = Buffer.concat(vs.map((v) => enc.encode(v)));
          const read = (how: 'num' | 'value', end: number) => {
            const d = new CaptureRecordDecoder(64);
            d.reset(bytes, 0, end);
            const out: unknown[] = [];
            try {
              while (d.more) out.push(plain(how === 'num' ? d.num() : d.value()));
            } catch (err) {
              if (!(err instanceof RecordDecodeError)) throw err;
              out.push(`error: ${err.message}`);
            }
            return out;
          };
          expect(read('num', bytes.length)).toEqual(vs.map((v) => plain(ref.decode(enc.encode(v)))));
          const end = cut % (bytes.length + 1);
          expect(read('num', end)).toEqual(read('value', end));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: long values that agree on every byte the sharing table hashes, and differ elsewhere, stay distinct', () => {
    // Values over 24 bytes are hashed by length, last 16 bytes and the words a quarter and half way
    // in: these differ only outside those bytes, so they all land on one probe run (and overflow it).
    const d = new CaptureRecordDecoder(64);
    d.fieldSlots(1);
    fc.assert(
      fc.property(
        fc.integer({ min: 25, max: 128 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('a', 'b', 'c', 'd')), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 20, maxLength: 200 }),
        (n, edits, picks) => {
          const sampled = new Set<number>();
          for (let k = n - 16; k < n; k++) sampled.add(k);
          for (const at of [n >>> 2, n >>> 1]) for (let k = at; k < at + 4; k++) sampled.add(k);
          const free = Array.from({ length: n }, (_, k) => k).filter((k) => !sampled.has(k));
          const values = edits.map(([at, c]) => {
            const chars = Array.from('x'.repeat(n));
            if (free.length > 0) chars[free[at % free.length]!] = c;
            return chars.join('');
          });
          const seq = picks.map((p) => values[p % values.length]!);
          const bytes = Buffer.concat(seq.map((v) => enc.encode(v)));
          const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          d.reset(buf);
          const got = seq.map((_, i) => (i % 2 === 0 ? d.value() : d.field(0)));
          expect(got).toEqual(seq);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: a field slot whose values keep changing (and then repeat again) reads every value right', () => {
    const d = new CaptureRecordDecoder();
    d.fieldSlots(1);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 5000 }).map((i) => `/usr/share/doc/pkg${i}/copyright`),
            fc.constantFrom('/usr/bin/python3', 'python3'),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }),
        (values, runs) => {
          // Runs of one value (hits) between stretches of changing ones (misses past the limit).
          const seq = values.flatMap((v, i) =>
            Array.from({ length: runs[i % runs.length]! % 7 === 0 ? 50 : 1 }, () => v),
          );
          const bytes = Buffer.concat(seq.map((v) => enc.encode(v)));
          expect(decodeAll(bytes, 0, d)).toEqual(seq);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: interning gives back a string equal to its input, and never one string for two different ones', () => {
    const special = fc.constantFrom(
      '',
      '__proto__',
      'constructor',
      'toString',
      '0',
      '123',
      '4294967295',
      '-1',
      '1.5',
      'é',
      '\u0000',
    );
    const str = fc.oneof(special, fc.string(), fc.string({ unit: 'grapheme', maxLength: 20 }));
    fc.assert(
      fc.property(str, str, (a, b) => {
        const ia = internalise(a);
        const ib = internalise(b);
        expect(ia).toBe(a);
        expect(ib).toBe(b);
        expect(ia === ib).toBe(a === b);
        // Nothing is left behind: interning the same value again gives the same result.
        expect(internalise(a)).toBe(a);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a shared-string table size that is not a power of two of at least 16', () => {
    expect(() => new CaptureRecordDecoder(8)).toThrow(RangeError);
    expect(() => new CaptureRecordDecoder(100)).toThrow(RangeError);
  });
});
