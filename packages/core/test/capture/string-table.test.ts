import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Encoder, ExtData } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDER_LAYOUTS } from '../../src/capture/event-builders.generated.js';
import { CAPTURE_MAGIC, PREAMBLE_BYTES, RecordType, STRING_REF_EXT } from '../../src/capture/format.js';
import {
  CaptureReader,
  CaptureWriter,
  EventSchema,
  readCapture,
  VigilError,
  type VigilEvent,
} from '../../src/index.js';
import { agentWorkload, sampleEvents } from '../helpers/events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-strings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = () => join(dir, `s${n++}.vcap`);

const KINDS = Object.keys(BUILDER_LAYOUTS);
const enc = new Encoder();

/** A string reference: `fixext 1/2/4` of the string-reference type, holding `idx` big-endian in `width` bytes. */
function ref(idx: number, width = idx < 0x100 ? 1 : idx < 0x10000 ? 2 : 4, type = STRING_REF_EXT): ExtData {
  const data = new Uint8Array(width);
  for (let i = 0; i < width; i++) data[i] = Math.floor(idx / 256 ** (width - 1 - i)) % 256;
  return new ExtData(type, data);
}

/** A valid `file.open` record (builder layout) whose comm, exe, source, path and access are `strings`. */
function fileOpen(strings: { comm: unknown; exe: unknown; source: unknown; path: unknown; access: unknown }) {
  const values: Record<string, unknown> = {
    ts: 1,
    workload: 0,
    pid: 10,
    ppid: 1,
    ...strings,
    flags: 0,
    result: 0,
  };
  return [
    RecordType.EventBase + KINDS.indexOf('file.open'),
    ...BUILDER_LAYOUTS['file.open']!.map((f) => values[f] ?? null),
  ];
}

/**
 * Writes a capture of `version` with the builder's layouts, workload 0 declared, and `records`
 * (each already a msgpack-encodable array) in one block. Returns the path and the block's offset.
 */
function writeRaw(version: number, records: readonly unknown[][]) {
  const header = Buffer.from(
    enc.encode({
      formatVersion: version,
      host: 'h',
      kernelRelease: 'k',
      startTime: 0,
      source: 'synthetic',
      layouts: KINDS.map((kind) => ({ kind, fields: [...BUILDER_LAYOUTS[kind]!] })),
    }),
  );
  const body = Buffer.concat([
    Buffer.from(enc.encode([RecordType.Workload, 0, agentWorkload])),
    ...records.map((r) => Buffer.from(enc.encode(r))),
  ]);
  const pre = Buffer.alloc(PREAMBLE_BYTES);
  CAPTURE_MAGIC.copy(pre, 0);
  pre.writeUInt16LE(version, 4);
  pre.writeUInt32LE(header.length, 8);
  pre.writeUInt32LE(crc32(header), 12);
  const block = Buffer.alloc(8);
  block.writeUInt32LE(body.length, 0);
  block.writeUInt32LE(crc32(body), 4);
  const path = tmp();
  writeFileSync(path, Buffer.concat([pre, header, block, body]));
  return { path, blockAt: PREAMBLE_BYTES + header.length };
}

type Outcome = { events: VigilEvent[] } | { error: VigilError };
async function read(path: string): Promise<Outcome> {
  try {
    return { events: (await readCapture(path)).events };
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    return { error: err };
  }
}

const declare = (idx: number, s: unknown) => [RecordType.String, idx, s];
const STRINGS = ['python3', '/usr/bin/python3.11', 'ebpf', '/etc/passwd', 'read'];
const good = [
  ...STRINGS.map((s, i) => declare(i, s)),
  fileOpen({ comm: ref(0), exe: ref(1), source: ref(2), path: ref(3), access: ref(4) }),
];

describe('the capture string table (format version 2)', () => {
  it('the writer declares each string once and refers to it after; the reader gives back the events and one string object per value', async () => {
    const path = tmp();
    const events = sampleEvents(400);
    const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
    w.writeAll(events);
    w.close();
    const bytes = readFileSync(path);
    expect(bytes.readUInt16LE(4)).toBe(2);
    const { header, events: got } = await readCapture(path);
    expect(header.formatVersion).toBe(2);
    expect(got).toEqual(events.map((e) => EventSchema.parse(e)));
    // A string value of many events is in the file once (the events hold references to it).
    for (const v of ['api.openai.com', 'read_file', 'filesystem']) {
      const needle = Buffer.from(v, 'utf8');
      expect(events.filter((e) => Object.values(e).includes(v)).length, v).toBeGreaterThan(50);
      expect(bytes.indexOf(needle), v).toBeGreaterThan(0);
      expect(bytes.indexOf(needle, bytes.indexOf(needle) + 1), v).toBe(-1);
    }
    const comms = got.filter((e) => e.comm === got[0]!.comm).map((e) => e.comm);
    expect(comms.length).toBeGreaterThan(1);
  });

  it('a hand-written version-2 file with references of every width reads as the same file with strings in place (version 1)', async () => {
    const strings = {
      comm: 'python3',
      exe: '/usr/bin/python3.11',
      source: 'ebpf',
      path: '/etc/passwd',
      access: 'read',
    };
    const v1 = writeRaw(1, [fileOpen(strings)]);
    const want = await read(v1.path);
    expect('events' in want && want.events.length).toBe(1);
    for (const width of [1, 2, 4]) {
      const v2 = writeRaw(2, [
        ...STRINGS.map((s, i) => declare(i, s)),
        fileOpen({
          comm: ref(0, width),
          exe: ref(1, width),
          source: ref(2, width),
          path: ref(3, width),
          access: ref(4, width),
        }),
      ]);
      expect(await read(v2.path), `width ${width}`).toEqual(want);
    }
    // Strings in place are still allowed in a version-2 file (the writer leaves long ones there).
    const mixed = writeRaw(2, [declare(0, 'python3'), fileOpen({ ...strings, comm: ref(0) })]);
    expect(await read(mixed.path)).toEqual(want);
  });

  const malformed: [string, unknown[][], RegExp][] = [
    [
      'a reference before its string is declared',
      [
        fileOpen({ comm: ref(0), exe: 'x', source: 'ebpf', path: '/p', access: 'read' }),
        declare(0, 'python3'),
      ],
      /reference to string-table entry 0, but the table holds 0 entries/,
    ],
    [
      'a reference past the table',
      [
        ...good.slice(0, 5),
        fileOpen({ comm: ref(9), exe: ref(1), source: ref(2), path: ref(3), access: ref(4) }),
      ],
      /reference to string-table entry 9, but the table holds 5 entries/,
    ],
    [
      'a reference of 4 bytes to a huge index',
      [
        ...good.slice(0, 5),
        fileOpen({ comm: ref(0xfffffff0, 4), exe: ref(1), source: ref(2), path: ref(3), access: ref(4) }),
      ],
      /reference to string-table entry 4294967280/,
    ],
    [
      'an entry declared out of order',
      [declare(1, 'python3'), ...good.slice(1)],
      /declares entry 1, expected the next entry, 0/,
    ],
    [
      'an entry declared twice',
      [declare(0, 'python3'), declare(0, 'again'), ...good.slice(1)],
      /declares entry 0, expected the next entry, 1/,
    ],
    ['a negative index', [declare(-1, 'python3')], /declares entry -1, expected the next entry, 0/],
    [
      'an index that is a string',
      [declare('0' as unknown as number, 'python3')],
      /declares entry 0, expected the next entry, 0|declares entry/,
    ],
    ['an entry that is a number', [declare(0, 42)], /entry 0 is not a string \(type byte 0x2a\)/],
    ['an entry that is nil', [declare(0, null)], /entry 0 is not a string \(type byte 0xc0\)/],
    ['an entry that is an array', [declare(0, ['a'])], /entry 0 is not a string/],
    [
      'an entry that is a reference',
      [declare(0, 'a'), declare(1, ref(0))],
      /entry 1 is not a string \(type byte 0xd4\)/,
    ],
    [
      'a string record of two elements',
      [[RecordType.String, 0]],
      /string-table record of 2 elements \(expected 3\)/,
    ],
    [
      'a string record of four elements',
      [[RecordType.String, 0, 'a', 'b']],
      /string-table record of 4 elements \(expected 3\)/,
    ],
    [
      'an extension of another type',
      [
        ...good.slice(0, 5),
        fileOpen({ comm: ref(0, 1, 7), exe: ref(1), source: ref(2), path: ref(3), access: ref(4) }),
      ],
      /extension of type 7 .*only type 1, string references/,
    ],
  ];

  for (const [name, records, message] of malformed) {
    it(`refuses ${name}: CAPTURE_CORRUPT naming the file, the block and what was wrong`, async () => {
      const { path, blockAt } = writeRaw(2, records);
      const out = await read(path);
      if (!('error' in out)) throw new Error(`read ${out.events.length} events`);
      expect(out.error.code).toBe('CAPTURE_CORRUPT');
      expect(out.error.location).toMatchObject({ file: path, offset: blockAt });
      expect(out.error.message).toMatch(message);
    });
  }

  it('the writer leaves long strings in place, and stops adding to the table at its cap', async () => {
    const long = `/srv/${'d'.repeat(600)}/file`;
    const path = tmp();
    const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
    const events = sampleEvents(30).map((e, i) =>
      e.kind === 'file.open' ? ({ ...e, path: i % 12 === 1 ? long : e.path } as VigilEvent) : e,
    );
    w.writeAll(events);
    w.close();
    const bytes = readFileSync(path).toString('latin1');
    const withLong = events.filter((e) => Object.values(e).includes(long)).length;
    expect(withLong).toBeGreaterThan(1);
    expect(bytes.split(long).length - 1).toBe(withLong);
    expect((await readCapture(path)).events).toEqual(events.map((e) => EventSchema.parse(e)));

    // 65,536 entries at most: new strings after that are written in place, and read back.
    const many = tmp();
    const w2 = CaptureWriter.create(many, { header: { source: 'synthetic' } });
    const base = sampleEvents(2)[1]!;
    const total = 65_536 + 50;
    // Every path once, then the first and the last 50 again.
    const paths = Array.from({ length: total }, (_, i) => `/p/${i}`);
    const written = [...paths, ...paths.slice(0, 50), ...paths.slice(-50)];
    for (const p of written) w2.write({ ...base, path: p } as VigilEvent);
    w2.close();
    // A tabled path is in the file once (its declaration); one past the cap once per event.
    const count = (v: string) => {
      let c = 0;
      const bytes = readFileSync(many);
      const needle = Buffer.from(v);
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
        // Whole values only: `/p/1` is also the start of `/p/12`. A str8/fixstr header precedes it.
        const len = bytes[at - 1] === needle.length || bytes[at - 1] === 0xa0 + needle.length;
        if (len) c++;
      }
      return c;
    };
    expect(count('/p/0')).toBe(1);
    expect(count('/p/49')).toBe(1);
    expect(count(`/p/${total - 1}`)).toBe(2);
    expect(count(`/p/${total - 50}`)).toBe(2);
    let i = 0;
    for await (const batch of (await CaptureReader.open(many)).batches())
      for (const e of batch) expect(e.kind === 'file.open' && e.path).toBe(written[i++]);
    expect(i).toBe(written.length);
  }, 60_000);

  it('refuses a table past 1,048,576 entries', async () => {
    const records = Array.from({ length: (1 << 20) + 1 }, (_, i) => declare(i, 'a'));
    const { path, blockAt } = writeRaw(2, records);
    const out = await read(path);
    if (!('error' in out)) throw new Error('read without an error');
    expect(out.error.code).toBe('CAPTURE_CORRUPT');
    expect(out.error.location).toMatchObject({ file: path, offset: blockAt });
    expect(out.error.message).toMatch(/more than 1048576 strings/);
  }, 60_000);

  it('a version-1 file has no string table: string records are unknown and references are extension types', async () => {
    const records = writeRaw(1, [declare(0, 'python3')]);
    const r1 = await read(records.path);
    expect('error' in r1 && r1.error.message).toMatch(/unknown record type 2/);
    const refs = writeRaw(1, [
      fileOpen({ comm: ref(0), exe: 'x', source: 'ebpf', path: '/p', access: 'read' }),
    ]);
    const r2 = await read(refs.path);
    expect('error' in r2 && r2.error.code).toBe('CAPTURE_CORRUPT');
    expect('error' in r2 && r2.error.message).toMatch(/extension type \(0xd4\), which captures do not use/);
  });

  it('property: any mix of declarations and references, valid or not, reads as the same file with the strings in place, or is CAPTURE_CORRUPT naming the table', async () => {
    const POOL = ['python3', '/usr/bin/python3.11', 'ebpf', '/etc/passwd', 'read', 'write', 'sh', ''];
    // A step: declare the next string (or a wrong index, or a non-string), or write an event whose
    // five string fields are each a reference (maybe dangling, maybe of another width) or in place.
    const step = fc.oneof(
      {
        weight: 2,
        arbitrary: fc.record({
          t: fc.constant('declare' as const),
          s: fc.constantFrom(...POOL),
          skew: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 1, -1),
          bad: fc.constantFrom(false, false, false, false, false, false, true),
        }),
      },
      fc.record({
        t: fc.constant('event' as const),
        fields: fc.array(
          fc.oneof(
            fc.record({ ref: fc.nat(5), width: fc.constantFrom(1, 2, 4) }),
            fc.record({ inline: fc.constantFrom(...POOL) }),
          ),
          { minLength: 5, maxLength: 5 },
        ),
      }),
    );
    let read2 = 0;
    const errors = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const table: string[] = [];
        const records: unknown[][] = [];
        const inPlace: unknown[][] = [];
        let broken: string | undefined;
        /** Events before the first broken record: the reader must get that far first. */
        let brokenAt = 0;
        const brake = (why: string) => {
          if (broken !== undefined) return;
          broken = why;
          brokenAt = inPlace.length;
        };
        for (const s of steps) {
          if (s.t === 'declare') {
            const idx = table.length + s.skew;
            records.push(declare(idx, s.bad ? 5 : s.s));
            if (s.skew !== 0) brake('order');
            else if (s.bad) brake('entry');
            table.push(s.s);
            continue;
          }
          const names = ['comm', 'exe', 'source', 'path', 'access'] as const;
          const raw: Record<string, unknown> = {};
          const plain: Record<string, unknown> = {};
          s.fields.forEach((f, i) => {
            if ('inline' in f) {
              raw[names[i]!] = f.inline;
              plain[names[i]!] = f.inline;
            } else {
              raw[names[i]!] = ref(f.ref, f.width);
              if (f.ref >= table.length) brake('dangling');
              plain[names[i]!] = table[f.ref];
            }
          });
          records.push(fileOpen(raw as Parameters<typeof fileOpen>[0]));
          inPlace.push(fileOpen(plain as Parameters<typeof fileOpen>[0]));
        }
        const { path, blockAt } = writeRaw(2, records);
        const got = await read(path);
        if (broken !== undefined) {
          if (!('error' in got)) throw new Error(`a ${broken} table read without an error`);
          // An event before the break that the schema refuses is the error, as in version 1.
          const before = await read(writeRaw(1, inPlace.slice(0, brokenAt)).path);
          if ('error' in before) {
            expect(got.error.message.replace(path, '')).toBe(before.error.message.replace(/\S+\.vcap/, ''));
            return;
          }
          expect(got.error.code).toBe('CAPTURE_CORRUPT');
          expect(got.error.location).toMatchObject({ file: path, offset: blockAt });
          expect(got.error.message).toMatch(/malformed string table in block/);
          errors.add(broken);
          return;
        }
        // Valid table: the same as a version-1 file with the strings in place (events or the
        // schema's error, e.g. for an empty comm or a bad access value).
        const want = await read(writeRaw(1, inPlace).path);
        if ('error' in want) {
          expect('error' in got && got.error.code).toBe(want.error.code);
          expect('error' in got && got.error.message.replace(path, '')).toBe(
            want.error.message.replace(/\S+\.vcap/, ''),
          );
        } else expect(got).toEqual(want);
        read2++;
      }),
      { numRuns: 300 },
    );
    expect(read2).toBeGreaterThan(30);
    expect(errors).toEqual(new Set(['order', 'entry', 'dangling']));
  }, 120_000);
});
