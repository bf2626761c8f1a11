import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BUILDER_LAYOUTS, EVENT_BUILDERS, EVENT_CHECKS } from '../../src/capture/event-builders.generated.js';
import { CAPTURE_MAGIC, RecordType } from '../../src/capture/format.js';
import { CaptureReader, CaptureWriter, type VigilEvent } from '../../src/index.js';
import { EventSchema } from '../../src/schemas/zod.js';
import { sampleEvents } from '../helpers/events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-builders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workload = { id: 'host:test', kind: 'host' as const, labels: {} };

/** Values that sit on and around every boundary the schemas draw. */
const edgy = fc.oneof(
  fc.constantFrom(
    null,
    0,
    -0,
    -1,
    1,
    1.5,
    65535,
    65536,
    2 ** 53,
    2 ** 53 - 1,
    -(2 ** 53),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    '123',
    '12a',
    'read',
    'tcp',
    'inet',
    'ebpf',
    'synthetic',
    'pipe',
    'aws',
    'ok',
    true,
    false,
    [],
    ['a'],
    ['tty', 'pipe'],
    ['tty', 'pipe', 'file', 'null'],
    [1, 2],
    [null],
    {},
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constantFrom('tty', 'file'))),
);

const CANDIDATES: unknown[] = [
  1,
  'x',
  '123',
  true,
  ['a'],
  [1],
  ['tty'],
  'read',
  'tcp',
  'inet',
  'ebpf',
  'setuid',
  'unshare',
  'aws',
  'ok',
  'stdio',
  'blocked',
  'connect',
  'monitor',
  [],
];

/** A valid record of `kind`, in layout order: every required field gets the first candidate its schema takes. */
function validBase(kind: string): unknown[] {
  const o = EventSchema.options.find((x) => x.shape.kind.value === kind)!;
  const shape = o.shape as Record<string, { safeParse(x: unknown): { success: boolean } }>;
  return BUILDER_LAYOUTS[kind]!.map((f) => {
    if (f === 'workload') return workload;
    if (shape[f]!.safeParse(undefined).success) return null;
    const c = CANDIDATES.find((x) => shape[f]!.safeParse(x).success);
    if (c === undefined) throw new Error(`no candidate value for ${kind}.${f}`);
    return c;
  });
}

describe('generated event builders and checks', () => {
  it('cover every kind of the schema, in the writer’s field order', () => {
    for (const o of EventSchema.options) {
      const kind = o.shape.kind.value as string;
      expect(BUILDER_LAYOUTS[kind]).toEqual(Object.keys(o.shape).filter((k) => k !== 'kind'));
      expect(typeof EVENT_BUILDERS[kind]).toBe('function');
    }
  });

  it('rebuild every sample event exactly, and the check accepts it', () => {
    for (const ev of sampleEvents(64)) {
      const fields = BUILDER_LAYOUTS[ev.kind]!;
      const rec = ev as unknown as Record<string, unknown>;
      const v = fields.map((f) => rec[f] ?? null);
      const built = EVENT_BUILDERS[ev.kind]!(v);
      expect(built).toEqual(ev);
      const check = EVENT_CHECKS[ev.kind];
      if (check) expect(check(v), ev.kind).toBe(true);
    }
  });

  it('property: whichever optional values are present, a built event has exactly them, its keys in one order (required fields, then optional ones in layout order)', () => {
    const kinds = Object.keys(EVENT_BUILDERS);
    const samples = new Map(sampleEvents(64).map((e) => [e.kind as string, e]));
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        (kind, present) => {
          const fields = BUILDER_LAYOUTS[kind]!;
          const shape = EventSchema.options.find((o) => o.shape.kind.value === kind)!.shape as Record<
            string,
            { safeParse(x: unknown): { success: boolean } }
          >;
          const optional = fields.map((f) => shape[f]!.safeParse(undefined).success);
          const sample = (samples.get(kind) ?? {}) as Record<string, unknown>;
          // Each value a marker of its field (the builder copies values, it does not check them).
          const v = fields.map((f, i) =>
            !optional[i] || present[i] ? (sample[f] ?? `value of ${f}`) : null,
          );
          const built = EVENT_BUILDERS[kind]!(v);
          const want = [
            'kind',
            ...fields.filter((_, i) => !optional[i]),
            ...fields.filter((_, i) => optional[i] && present[i]),
          ];
          expect(Object.keys(built!)).toEqual(want);
          for (const [i, f] of fields.entries()) if (v[i] !== null) expect(built![f]).toBe(v[i]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('property: a record the check accepts is one zod accepts unchanged (never looser than the schema)', () => {
    const kinds = Object.keys(EVENT_CHECKS);
    expect(kinds.length).toBeGreaterThanOrEqual(15);
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.array(edgy, { minLength: 40, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 40, maxLength: 40 }),
        (kind, noise, keep) => {
          const fields = BUILDER_LAYOUTS[kind]!;
          // Start from a valid record of the kind and disturb some fields.
          const base = validBase(kind);
          const v = fields.map((f, i) => (f === 'workload' || keep[i]! >= 8 ? base[i] : noise[i]));
          const built = EVENT_BUILDERS[kind]!(v);
          if (!EVENT_CHECKS[kind]!(v)) {
            rejected++;
            return;
          }
          accepted++;
          expect(built).toBeDefined();
          const parsed = EventSchema.safeParse(built);
          expect(parsed.success, JSON.stringify(built)).toBe(true);
          expect(parsed.data).toEqual(built);
        },
      ),
      { numRuns: 3000 },
    );
    // Both sides of the check were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });

  it('a capture with schema-breaking values is still rejected with validation on, and read as written with it off', async () => {
    const good = sampleEvents(8).filter((e) => e.kind === 'file.open');
    expect(good.length).toBeGreaterThan(0);
    const path = join(dir, 'bad.vcap');
    // Write a valid capture, then a second one by hand whose file.open carries access 'sideways'.
    const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
    w.writeAll(good);
    w.close();
    const first = await CaptureReader.open(path);
    const layouts = first.header.layouts;
    await first.close();
    const idx = layouts.findIndex((l) => l.kind === 'file.open');
    const fields = layouts[idx]!.fields;
    const enc = new Encoder();
    const header = Buffer.from(
      enc.encode({
        formatVersion: 1,
        host: 'h',
        kernelRelease: 'k',
        startTime: 0,
        source: 'synthetic',
        layouts,
      }),
    );
    const ev = { ...good[0]!, access: 'sideways' } as unknown as Record<string, unknown>;
    const body = Buffer.concat([
      Buffer.from(enc.encode([RecordType.Workload, 0, good[0]!.workload])),
      Buffer.from(
        enc.encode([
          RecordType.EventBase + idx,
          ...fields.map((f) => (f === 'workload' ? 0 : (ev[f] ?? null))),
        ]),
      ),
    ]);
    const { crc32 } = await import('node:zlib');
    const pre = Buffer.alloc(16);
    CAPTURE_MAGIC.copy(pre, 0);
    pre.writeUInt16LE(1, 4);
    pre.writeUInt32LE(header.length, 8);
    pre.writeUInt32LE(crc32(header), 12);
    const block = Buffer.alloc(8);
    block.writeUInt32LE(body.length, 0);
    block.writeUInt32LE(crc32(body), 4);
    const bad = join(dir, 'bad2.vcap');
    writeFileSync(bad, Buffer.concat([pre, header, block, body]));

    const strict = await CaptureReader.open(bad);
    await expect(
      (async () => {
        for await (const _ of strict.batches());
      })(),
    ).rejects.toMatchObject({ code: 'CAPTURE_CORRUPT', location: { file: bad } });

    const loose = await CaptureReader.open(bad, { validate: false });
    const got: VigilEvent[] = [];
    for await (const b of loose.batches()) got.push(...b);
    expect(got.map((e) => (e.kind === 'file.open' ? e.access : ''))).toEqual(['sideways']);
  });

  it('a capture laid out as an older subset of the builder’s fields is decoded by the builder, and still validated', async () => {
    const good = sampleEvents(8).filter((e) => e.kind === 'file.open');
    expect(good.length).toBeGreaterThan(1);
    // As an older writer laid file.open out: without `cause`, and `tid` last.
    const fields = BUILDER_LAYOUTS['file.open']!.filter((f) => f !== 'cause' && f !== 'tid').concat('tid');
    const layouts = [{ kind: 'file.open', fields: [...fields] }];
    const enc = new Encoder();
    const header = Buffer.from(
      enc.encode({
        formatVersion: 1,
        host: 'h',
        kernelRelease: 'k',
        startTime: 0,
        source: 'synthetic',
        layouts,
      }),
    );
    const record = (ev: Record<string, unknown>) =>
      Buffer.from(
        enc.encode([RecordType.EventBase, ...fields.map((f) => (f === 'workload' ? 0 : (ev[f] ?? null)))]),
      );
    const write = async (name: string, events: readonly Record<string, unknown>[]) => {
      const body = Buffer.concat([
        Buffer.from(enc.encode([RecordType.Workload, 0, good[0]!.workload])),
        ...events.map(record),
      ]);
      const { crc32 } = await import('node:zlib');
      const pre = Buffer.alloc(16);
      CAPTURE_MAGIC.copy(pre, 0);
      pre.writeUInt16LE(1, 4);
      pre.writeUInt32LE(header.length, 8);
      pre.writeUInt32LE(crc32(header), 12);
      const block = Buffer.alloc(8);
      block.writeUInt32LE(body.length, 0);
      block.writeUInt32LE(crc32(body), 4);
      const path = join(dir, name);
      writeFileSync(path, Buffer.concat([pre, header, block, body]));
      return path;
    };
    const events = good.map((e) => {
      const { cause: _cause, ...rest } = e as VigilEvent & { cause?: unknown };
      return rest as Record<string, unknown>;
    });
    const older = await write('older.vcap', events);

    const parse = vi.spyOn(EventSchema, 'safeParse');
    try {
      const reader = await CaptureReader.open(older);
      const got: VigilEvent[] = [];
      for await (const b of reader.batches()) got.push(...b);
      // Read by the generated builder and check: zod was never asked.
      expect(parse).not.toHaveBeenCalled();
      expect(got).toEqual(events.map((e) => EventSchema.parse(e)));
    } finally {
      parse.mockRestore();
    }

    const bad = await write('older-bad.vcap', [events[0]!, { ...events[1]!, access: 'sideways' }]);
    const strict = await CaptureReader.open(bad);
    await expect(
      (async () => {
        for await (const _ of strict.batches());
      })(),
    ).rejects.toMatchObject({ code: 'CAPTURE_CORRUPT', location: { file: bad, offset: 16 + header.length } });
  });
});
