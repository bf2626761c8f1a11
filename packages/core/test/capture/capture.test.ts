import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CaptureReader,
  CaptureWriter,
  EventSchema,
  readCapture,
  VigilError,
  type VigilEvent,
} from '../../src/index.js';
import { otherWorkload, sampleEvents } from '../helpers/events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = () => join(dir, `c${n++}.vcap`);

function writeSample(path: string, events: VigilEvent[], close = true, bufferBytes?: number): void {
  const w = CaptureWriter.create(path, {
    header: { source: 'synthetic', command: ['true'] },
    ...(bufferBytes ? { bufferBytes } : {}),
  });
  w.writeAll(events);
  if (close) w.close({ exitCode: 0, drops: { 'ringbuf-full': 2 } });
  else w.abandon();
}

async function readAll(path: string, opts: Parameters<typeof CaptureReader.open>[1] = {}) {
  const r = await CaptureReader.open(path, opts);
  const events: VigilEvent[] = [];
  for await (const b of r.batches()) events.push(...b);
  return { r, events };
}

async function expectVigilError(p: Promise<unknown>, code: string): Promise<VigilError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VigilError);
  expect((err as VigilError).code).toBe(code);
  return err as VigilError;
}

describe('capture files', () => {
  it('round-trips events, header and trailer', async () => {
    const path = tmp();
    const events = [...sampleEvents(500), ...sampleEvents(20, otherWorkload)];
    writeSample(path, events);
    const { header, events: got, trailer } = await readCapture(path);
    expect(header.source).toBe('synthetic');
    expect(header.formatVersion).toBe(2);
    expect(header.command).toEqual(['true']);
    expect(got).toEqual(events.map((e) => EventSchema.parse(e)));
    expect(trailer).toMatchObject({ events: 520, exitCode: 0, drops: { 'ringbuf-full': 2 } });
  });

  it('declares each workload once and shares it between events', async () => {
    const path = tmp();
    writeSample(path, sampleEvents(100));
    const { events } = await readCapture(path);
    expect(new Set(events.map((e) => e.workload)).size).toBe(1);
  });

  it('rejects a file that is not a capture, naming offset 0', async () => {
    const path = tmp();
    writeFileSync(path, '{"not":"a capture"}');
    const err = await expectVigilError(CaptureReader.open(path), 'CAPTURE_FORMAT');
    expect(err.message).toContain(path);
    expect(err.location?.offset).toBe(0);
  });

  it('rejects an unknown format version, naming the version and the offset', async () => {
    const path = tmp();
    writeSample(path, sampleEvents(3));
    const buf = readFileSync(path);
    buf.writeUInt16LE(99, 4);
    writeFileSync(path, buf);
    const err = await expectVigilError(CaptureReader.open(path), 'CAPTURE_VERSION');
    expect(err.message).toMatch(/version 99 is not supported/);
    expect(err.message).toContain('byte offset 4');
  });

  it('a writer killed mid-write leaves a readable complete prefix', async () => {
    const path = tmp();
    const events = sampleEvents(300);
    writeSample(path, events, false, 1024);
    const full = statSync(path).size;
    // Cut inside the last record.
    truncateSync(path, full - 5);
    const err = await (async () => {
      const got: VigilEvent[] = [];
      try {
        const r = await CaptureReader.open(path);
        for await (const e of r.events()) got.push(e);
      } catch (e) {
        return { e: e as VigilError, got };
      }
      return { e: undefined, got };
    })();
    expect(err.e?.code).toBe('CAPTURE_TRUNCATED');
    expect(err.e?.location?.offset).toBeGreaterThan(0);
    // Every complete block reads: most of the events, exactly as written.
    expect(err.got.length).toBeGreaterThan(250);
    expect(err.got.length).toBeLessThan(300);
    expect(err.got).toEqual(events.slice(0, err.got.length).map((e) => EventSchema.parse(e)));
    // With onTruncatedTail: 'stop' the same prefix reads without an error.
    const { r, events: got } = await readAll(path, { onTruncatedTail: 'stop' });
    expect(got).toHaveLength(err.got.length);
    expect(r.truncatedAt).toBe(err.e?.location?.offset);
    expect(r.trailer).toBeUndefined();
  });

  it('a writer killed in a real child process leaves a readable prefix', async () => {
    const { spawn } = await import('node:child_process');
    const path = tmp();
    const script = `
      import { CaptureWriter } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)};
      const w = CaptureWriter.create(${JSON.stringify(path)}, { header: { source: 'synthetic' }, bufferBytes: 4096 });
      let i = 0;
      for (;;) {
        w.write({ kind: 'file.open', ts: 1e18 + i, workload: { id: 'w', kind: 'host', labels: {} }, pid: 1, ppid: 0,
          comm: 'x', exe: '/x', source: 'synthetic', path: '/tmp/' + i, flags: 0, access: 'read', result: 3 });
        if (++i % 5000 === 0) { w.flush(); process.stdout.write('.'); }
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => {
      let dots = 0;
      child.stdout.on('data', (d: Buffer) => {
        dots += d.length;
        if (dots >= 4) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const { r, events } = await readAll(path, { onTruncatedTail: 'stop' });
    expect(events.length).toBeGreaterThanOrEqual(20_000);
    expect(r.trailer).toBeUndefined();
    expect(events.map((e) => (e as { path: string }).path)).toEqual(events.map((_, i) => `/tmp/${i}`));
  });

  it('detects a corrupted record by checksum and names its offset', async () => {
    const path = tmp();
    writeSample(path, sampleEvents(50));
    const buf = readFileSync(path);
    buf[buf.length - 100]! ^= 0x40;
    writeFileSync(path, buf);
    const r = await CaptureReader.open(path);
    const err = await expectVigilError(
      (async () => {
        for await (const _ of r.events());
      })(),
      'CAPTURE_CORRUPT',
    );
    expect(err.location?.offset).toBeGreaterThan(0);
    expect(err.message).toMatch(/byte offset \d+/);
  });

  it('refuses absurd record lengths without allocating them', async () => {
    const path = tmp();
    writeSample(path, sampleEvents(2));
    const buf = readFileSync(path);
    const hlen = buf.readUInt32LE(8);
    buf.writeUInt32LE(0xfffffff0, 16 + hlen);
    writeFileSync(path, buf);
    const r = await CaptureReader.open(path);
    const err = await expectVigilError(
      (async () => {
        for await (const _ of r.events());
      })(),
      'CAPTURE_CORRUPT',
    );
    expect(err.location?.offset).toBe(16 + hlen);
  });

  it('stops on abort', async () => {
    const path = tmp();
    writeSample(path, sampleEvents(5000));
    const ac = new AbortController();
    const r = await CaptureReader.open(path, { signal: ac.signal, batchSize: 100 });
    let seen = 0;
    await expectVigilError(
      (async () => {
        for await (const b of r.batches()) {
          seen += b.length;
          ac.abort();
        }
      })(),
      'ABORTED',
    );
    expect(seen).toBeLessThan(5000);
  });

  it('property: any read size gives the same events, truncation offset and error as the default, the read buffer reused across reads', async () => {
    const path = tmp();
    const events = [...sampleEvents(100), ...sampleEvents(10, otherWorkload)];
    // Blocks of about 1 KiB, so small read sizes leave partial blocks (and blocks larger than a read) behind.
    writeSample(path, events, false, 1024);
    const whole = readFileSync(path);
    const expected = await readAll(path, { onTruncatedTail: 'stop' });
    expect(expected.events.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 0, max: 600 }),
        async (chunkBytes, cutBack) => {
          const p = tmp();
          writeFileSync(p, whole.subarray(0, whole.length - cutBack));
          const want = await readAll(p, { onTruncatedTail: 'stop' });
          const got = await readAll(p, { onTruncatedTail: 'stop', chunkBytes, batchSize: 7 });
          expect(got.events).toEqual(want.events);
          expect(got.r.truncatedAt).toBe(want.r.truncatedAt);
          const strict = await readAll(p, { chunkBytes }).then(
            () => undefined,
            (e: unknown) => e as VigilError,
          );
          if (want.r.truncatedAt === undefined) expect(strict).toBeUndefined();
          else expect(strict?.location?.offset).toBe(want.r.truncatedAt);
          rmSync(p);
        },
      ),
      { numRuns: 30 },
    );
    expect((await readAll(path, { onTruncatedTail: 'stop', chunkBytes: 3 })).events).toEqual(expected.events);
  });

  it('property: truncation at any point never crashes and yields only valid events of the prefix', async () => {
    const path = tmp();
    const events = sampleEvents(60);
    writeSample(path, events, true, 1024);
    const original = readFileSync(path);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: original.length }), async (cut) => {
        const p = tmp();
        writeFileSync(p, original.subarray(0, cut));
        const got: VigilEvent[] = [];
        try {
          const r = await CaptureReader.open(p);
          for await (const e of r.events()) got.push(e);
        } catch (err) {
          expect(err).toBeInstanceOf(VigilError);
          expect(['CAPTURE_TRUNCATED', 'CAPTURE_FORMAT']).toContain((err as VigilError).code);
        }
        for (let i = 0; i < got.length; i++) {
          expect(EventSchema.safeParse(got[i]).success).toBe(true);
          expect(got[i]).toEqual(EventSchema.parse(events[i]));
        }
        rmSync(p);
      }),
      { numRuns: 150 },
    );
  });

  it('property: random bit flips never crash the reader and never yield an invalid event', async () => {
    const path = tmp();
    writeSample(path, sampleEvents(40));
    const original = readFileSync(path);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: original.length - 1 }), fc.integer({ min: 0, max: 7 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (flips) => {
          const buf = Buffer.from(original);
          for (const [at, bit] of flips) buf[at]! ^= 1 << bit;
          const p = tmp();
          writeFileSync(p, buf);
          try {
            const r = await CaptureReader.open(p);
            for await (const e of r.events()) expect(EventSchema.safeParse(e).success).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(VigilError);
            expect((err as VigilError).code).toMatch(/^CAPTURE_/);
          }
          rmSync(p);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: arbitrary bytes after a valid preamble are rejected cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (junk) => {
        const p = tmp();
        const pre = Buffer.alloc(16);
        pre.write('VCAP', 0, 'ascii');
        pre.writeUInt16LE(1, 4);
        pre.writeUInt32LE(junk.length, 8);
        writeFileSync(p, Buffer.concat([pre, junk]));
        try {
          const r = await CaptureReader.open(p);
          for await (const e of r.events()) expect(EventSchema.safeParse(e).success).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(VigilError);
        }
        rmSync(p);
      }),
      { numRuns: 200 },
    );
  });
});
