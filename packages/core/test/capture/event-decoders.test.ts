import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decode, Encoder, ExtData } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUILDER_LAYOUTS,
  EVENT_BUILDERS,
  EVENT_CHECKS,
  EVENT_DECODERS,
} from '../../src/capture/event-builders.generated.js';
import { CAPTURE_MAGIC, PREAMBLE_BYTES, RecordType, STRING_REF_EXT } from '../../src/capture/format.js';
import { CaptureReader, VigilError, type VigilEvent } from '../../src/index.js';
import { EventSchema } from '../../src/schemas/zod.js';
import { agentWorkload, otherWorkload } from '../helpers/events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-decoders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type FieldSchema = { safeParse(x: unknown): { success: boolean } };
const shapeOf = (kind: string) =>
  EventSchema.options.find((o) => o.shape.kind.value === kind)!.shape as unknown as Record<
    string,
    FieldSchema
  >;

/** Values on and around the schemas' boundaries, and values of every kind a field may hold. */
const POOL: unknown[] = [
  0,
  1,
  -1,
  3,
  1.5,
  443,
  65535,
  65536,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 31),
  1_764_000_000_000_000_000,
  Number.NaN,
  '',
  '123',
  '12a',
  '/usr/lib/python3/dist-packages/some/package/__init__.py',
  '/etc/passwd',
  'é/ü/non-ascii/path/long/enough/to/sample/ü',
  'read',
  'write',
  'exec',
  'tcp',
  'udp',
  'inet',
  'inet6',
  'ebpf',
  'synthetic',
  'replay',
  'ok',
  'error',
  'aws',
  'setuid',
  'unshare',
  'connect',
  'monitor',
  'blocked',
  'pipe',
  'stdio',
  'A',
  true,
  false,
  [],
  ['a'],
  ['sh', '-c', 'ls'],
  [1, 2],
  ['tty', 'pipe'],
  [null],
  {},
  { reason: 'x' },
];

const fieldValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POOL) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);

const WORKLOADS = [agentWorkload, otherWorkload];

/**
 * A record of `kind` in the builder's layout: each field a value drawn at random, kept when
 * `valid` says so and the field's schema takes it (optional fields are left absent otherwise),
 * else the first pool value the field takes. With `valid` false the drawn value is kept whatever
 * it is, so records break the schema in every field.
 */
function recordOf(kind: string, draws: unknown[], keep: boolean[], valid: boolean): unknown[] {
  const shape = shapeOf(kind);
  return BUILDER_LAYOUTS[kind]!.map((f, i) => {
    if (f === 'workload') return keep[i] ? 0 : 1;
    const schema = shape[f]!;
    const optional = schema.safeParse(undefined).success;
    const drawn = draws[i];
    if (!valid && keep[i]) return drawn ?? null;
    if (drawn !== undefined && drawn !== null && schema.safeParse(drawn).success && keep[i]) return drawn;
    if (optional) return null;
    const fallback = POOL.find((x) => schema.safeParse(x).success);
    if (fallback === undefined) throw new Error(`no pool value for ${kind}.${f}`);
    return fallback;
  });
}

/** A string reference of a version-2 capture, in the narrowest of the three widths a reader takes (or `width` bytes). */
function stringRef(idx: number, width = idx < 0x100 ? 1 : idx < 0x10000 ? 2 : 4): ExtData {
  const data = new Uint8Array(width);
  for (let i = 0; i < width; i++) data[i] = Math.floor(idx / 256 ** (width - 1 - i)) % 256;
  return new ExtData(STRING_REF_EXT, data);
}

/**
 * Writes a capture with the builder's layouts, workloads 0 and 1, and these records (trailing nulls
 * dropped, as the writer does). With `table`, a version-2 capture: every string value of an event
 * is declared in the string table (`[2, index, string]`, before its first use) and written as a
 * reference, as the writer does; else version 1, strings in place.
 */
function writeCapture(
  name: string,
  records: readonly [string, unknown[]][],
  mutate?: (body: Buffer, eventsAt: number) => void,
  table = false,
) {
  const kinds = Object.keys(BUILDER_LAYOUTS);
  const enc = new Encoder();
  const version = table ? 2 : 1;
  const header = Buffer.from(
    enc.encode({
      formatVersion: version,
      host: 'h',
      kernelRelease: 'k',
      startTime: 0,
      source: 'synthetic',
      layouts: kinds.map((kind) => ({ kind, fields: [...BUILDER_LAYOUTS[kind]!] })),
    }),
  );
  const parts = [
    Buffer.from(enc.encode([RecordType.Workload, 0, WORKLOADS[0]])),
    Buffer.from(enc.encode([RecordType.Workload, 1, WORKLOADS[1]])),
  ];
  const strings = new Map<string, ExtData>();
  for (const [kind, values] of records) {
    const row: unknown[] = [
      RecordType.EventBase + kinds.indexOf(kind),
      ...values.map((v) => {
        if (!table || typeof v !== 'string') return v;
        let ref = strings.get(v);
        if (ref === undefined) {
          parts.push(Buffer.from(enc.encode([RecordType.String, strings.size, v])));
          ref = stringRef(strings.size);
          strings.set(v, ref);
        }
        return ref;
      }),
    ];
    while (row.length > 1 && row[row.length - 1] === null) row.pop();
    parts.push(Buffer.from(enc.encode(row)));
  }
  const eventsAt = parts[0]!.length + parts[1]!.length;
  const body = Buffer.concat(parts);
  mutate?.(body, eventsAt);
  const pre = Buffer.alloc(PREAMBLE_BYTES);
  CAPTURE_MAGIC.copy(pre, 0);
  pre.writeUInt16LE(version, 4);
  pre.writeUInt32LE(header.length, 8);
  pre.writeUInt32LE(crc32(header), 12);
  const block = Buffer.alloc(8);
  block.writeUInt32LE(body.length, 0);
  block.writeUInt32LE(crc32(body), 4);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([pre, header, block, body]));
  return { path, bodyAt: PREAMBLE_BYTES + header.length + 8, body };
}

type Outcome =
  | { events: VigilEvent[]; keys: string[][] }
  | { error: { name: string; code: string; message: string; location: unknown } };

/** Reads a capture; with `generic`, with the generated decoders taken away (the general path alone). */
async function read(path: string, generic: boolean, validate = true): Promise<Outcome> {
  const decoders = EVENT_DECODERS as Record<string, unknown>;
  const saved = { ...decoders };
  if (generic) for (const k of Object.keys(decoders)) delete decoders[k];
  let reader: CaptureReader;
  try {
    reader = await CaptureReader.open(path, { validate });
  } finally {
    Object.assign(decoders, saved);
  }
  const events: VigilEvent[] = [];
  try {
    for await (const b of reader.batches()) events.push(...b);
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    return { error: { name: err.name, code: err.code, message: err.message, location: err.location } };
  }
  return { events, keys: events.map((e) => Object.keys(e)) };
}

const kindArb = fc.constantFrom(...Object.keys(EVENT_DECODERS));
const recordArb = (valid: boolean) =>
  fc
    .tuple(
      kindArb,
      fc.array(fieldValue, { minLength: 40, maxLength: 40 }),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    )
    .map(([kind, draws, keep]): [string, unknown[]] => [kind, recordOf(kind, draws, keep, valid)]);

let file = 0;

describe('generated event decoders', () => {
  it('exist for every kind that has a generated check, and only for those', () => {
    expect(Object.keys(EVENT_DECODERS).sort()).toEqual(Object.keys(EVENT_CHECKS).sort());
    expect(Object.keys(EVENT_DECODERS)).toEqual(
      expect.arrayContaining(['file.open', 'net.connect', 'net.accept', 'process.exec', 'dns.query']),
    );
  });

  it('property: valid events of every kind read exactly as the generic decode and validate gives them, with the builder’s key order, from both format versions', async () => {
    let events = 0;
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb(true), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        async (records, table) => {
          const { path } = writeCapture(`valid-${file++}.vcap`, records, undefined, table);
          const fast = await read(path, false);
          if (!('events' in fast)) throw new Error(`valid capture failed: ${JSON.stringify(fast)}`);
          // The generic decode: the values as written, fields by name, the zod schema.
          const expected = records.map(([kind, written]) => {
            // As msgpack carries them (-0 is written as the integer 0).
            const values = decode(new Encoder().encode(written)) as unknown[];
            const o: Record<string, unknown> = { kind };
            BUILDER_LAYOUTS[kind]!.forEach((f, i) => {
              const v = values[i] ?? null;
              if (v !== null) o[f] = f === 'workload' ? WORKLOADS[v as number] : v;
            });
            return EventSchema.parse(o) as VigilEvent;
          });
          expect(fast.events).toEqual(expected);
          // Events the generated check accepts have the builder's shape, key for key (the others
          // went to zod on both paths, and come back in zod's key order on both).
          expect(fast.events.length).toBe(records.length);
          fast.events.forEach((ev, i) => {
            const [kind, values] = records[i]!;
            expect(ev.kind).toBe(kind);
            if (!EVENT_CHECKS[kind]!(values)) return;
            checked++;
            expect(fast.keys[i]).toEqual(Object.keys(EVENT_BUILDERS[kind]!(values)!));
          });
          const generic = await read(path, true);
          expect(fast).toEqual(generic);
          events += fast.events.length;
        },
      ),
      { numRuns: 150 },
    );
    expect(events).toBeGreaterThan(500);
    expect(checked).toBeGreaterThan(events / 2);
  }, 120_000);

  it('property: records that break the schema, or whose bytes are corrupted (string tables included), give what the general path gives: the same events or the same error', async () => {
    const seen = { events: 0, errors: new Set<string>() };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(recordArb(true), recordArb(false)), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        async (records, flips, validate, table) => {
          const { path } = writeCapture(
            `bad-${file++}.vcap`,
            records,
            (body, eventsAt) => {
              // Overwrite bytes of the event records and string-table records (the block checksum
              // is computed after, so the damage reaches the decoder).
              for (const [at, byte] of flips) body[eventsAt + (at % (body.length - eventsAt))] = byte;
            },
            table,
          );
          const fast = await read(path, false, validate);
          const generic = await read(path, true, validate);
          expect(fast).toEqual(generic);
          if ('error' in fast) seen.errors.add(fast.error.code);
          else seen.events += fast.events.length;
        },
      ),
      { numRuns: 300 },
    );
    expect(seen.events).toBeGreaterThan(100);
    expect(seen.errors.has('CAPTURE_CORRUPT')).toBe(true);
  }, 120_000);

  it('a record cut short inside a value, an undeclared workload and a schema-breaking value are the errors the general path names', async () => {
    const values = recordOf('file.open', [], Array(40).fill(false), true);
    const cases: [string, unknown[]][] = [
      [
        'undeclared workload',
        values.map((v, i) => (BUILDER_LAYOUTS['file.open']![i] === 'workload' ? 7 : v)),
      ],
      [
        'access sideways',
        values.map((v, i) => (BUILDER_LAYOUTS['file.open']![i] === 'access' ? 'sideways' : v)),
      ],
      ['pid negative', values.map((v, i) => (BUILDER_LAYOUTS['file.open']![i] === 'pid' ? -5 : v))],
    ];
    for (const [name, rec] of cases) {
      const { path, bodyAt } = writeCapture(`${name}.vcap`, [['file.open', rec]]);
      const fast = await read(path, false);
      expect(fast, name).toEqual(await read(path, true));
      expect(fast, name).toMatchObject({
        error: { code: 'CAPTURE_CORRUPT', location: { file: path, offset: bodyAt - 8 } },
      });
    }
    // The record's last string runs past the end of the block.
    const { path } = writeCapture('cut.vcap', [['file.open', values]], (body) => {
      body[body.length - 1] = 0xda; // a str16 whose length would follow the block's last byte
    });
    const fast = await read(path, false);
    expect(fast).toEqual(await read(path, true));
    expect(fast).toMatchObject({ error: { code: 'CAPTURE_CORRUPT' } });
  });
});
