import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CaptureWriter,
  DEFAULT_CAPTURE_FLUSH_INTERVAL_MS,
  describeCaptureIntegrity,
  isVigilError,
  ReplaySource,
  type VigilEvent,
} from '../../src/index.js';
import { sampleEvents } from '../helpers/events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-integrity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = () => join(dir, `c${n++}.vcap`);

async function replay(paths: string[], opts: ConstructorParameters<typeof ReplaySource>[1] = {}) {
  const source = new ReplaySource(paths, { onTruncatedTail: 'stop', ...opts });
  const events: VigilEvent[] = [];
  for await (const b of source) events.push(...b);
  return { source, events };
}

async function until(cond: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

describe('timed flushes', () => {
  it('flushes every 250 ms by default', () => {
    expect(DEFAULT_CAPTURE_FLUSH_INTERVAL_MS).toBe(250);
  });

  it('writes a quiet recording to disk without waiting for the buffer to fill', async () => {
    const path = tmp();
    const w = CaptureWriter.create(path, { header: { source: 'synthetic' }, flushIntervalMs: 20 });
    const headerOnly = statSync(path).size;
    const [first] = sampleEvents(20);
    w.write(first!);
    // 64 KiB of buffer would hold this event for ever; the timer writes it.
    expect(await until(() => statSync(path).size > headerOnly)).toBe(true);
    const { source, events } = await replay([path]);
    expect(events).toHaveLength(1);
    expect(source.integrity().complete).toBe(false);
    w.close();
  });

  it('with timed flushes off, only a full buffer or close writes', async () => {
    const path = tmp();
    const w = CaptureWriter.create(path, { header: { source: 'synthetic' }, flushIntervalMs: 0 });
    const headerOnly = statSync(path).size;
    w.write(sampleEvents(20)[0]!);
    await new Promise((r) => setTimeout(r, DEFAULT_CAPTURE_FLUSH_INTERVAL_MS * 2));
    expect(statSync(path).size).toBe(headerOnly);
    w.close();
    expect(statSync(path).size).toBeGreaterThan(headerOnly);
  });

  it('refuses a negative interval', () => {
    expect(() =>
      CaptureWriter.create(tmp(), { header: { source: 'synthetic' }, flushIntervalMs: -1 }),
    ).toThrow(/flushIntervalMs/);
  });
});

describe('capture integrity', () => {
  it('a capture whose writer died (no trailer) is read and reported, and refused under requireTrailer', async () => {
    const good = tmp();
    const dead = tmp();
    const events = sampleEvents(20);
    const g = CaptureWriter.create(good, { header: { source: 'synthetic' } });
    g.writeAll(events);
    g.close({ exitCode: 0 });
    const d = CaptureWriter.create(dead, { header: { source: 'synthetic' } });
    d.writeAll(events);
    d.abandon();

    const { source, events: read } = await replay([good, dead]);
    expect(read).toHaveLength(events.length * 2);
    const integrity = source.integrity();
    expect(integrity).toEqual({ complete: false, incomplete: [{ path: dead }], interrupted: [] });
    const lines = describeCaptureIntegrity(integrity);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dead);
    expect(lines[0]).toMatch(/no trailer/);

    const strict = await replay([good, dead], { requireTrailer: true }).catch((e: unknown) => e);
    expect(isVigilError(strict) && strict.code).toBe('CAPTURE_TRUNCATED');
    expect((strict as Error).message).toContain(dead);

    const clean = await replay([good], { requireTrailer: true });
    expect(clean.source.integrity()).toEqual({ complete: true, incomplete: [], interrupted: [] });
    expect(describeCaptureIntegrity(clean.source.integrity())).toEqual([]);
  });

  it('a file that also ends inside a block names the offset', async () => {
    const path = tmp();
    const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
    w.writeAll(sampleEvents(20));
    w.abandon();
    const size = statSync(path).size;
    appendFileSync(path, Buffer.from([0x40, 0, 0, 0, 1, 2, 3]));
    const { source } = await replay([path]);
    expect(source.integrity().incomplete).toEqual([{ path, truncatedAt: size }]);
    expect(describeCaptureIntegrity(source.integrity())[0]).toContain(`byte ${size}`);
  });

  it('an interrupted recording has its trailer and is reported as interrupted', async () => {
    const path = tmp();
    const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
    w.writeAll(sampleEvents(20));
    w.close({
      exitCode: 137,
      interrupted: true,
      stopSignal: 'SIGINT',
      killedDescendants: [{ pid: 42, comm: 'daemon' }],
    });
    const { source } = await replay([path], { requireTrailer: true });
    expect(source.trailers[0]).toMatchObject({
      interrupted: true,
      stopSignal: 'SIGINT',
      killedDescendants: [{ pid: 42, comm: 'daemon' }],
    });
    expect(source.integrity()).toEqual({ complete: false, incomplete: [], interrupted: [path] });
    expect(describeCaptureIntegrity(source.integrity())[0]).toMatch(/interrupted/);
  });
});
