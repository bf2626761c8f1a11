import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureCoverage, readCapture, type VigilEvent } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonLinesSink, RotatingCapture } from '../src/index.js';
import { readJsonLines } from './node-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function events(n: number, from: number): VigilEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'file.open',
    ts: 1_700_000_000_000_000_000 + (from + i) * 1000,
    workload: { id: 'cgroup:/w', kind: 'cgroup', labels: {} },
    pid: 100,
    ppid: 1,
    comm: 'cat',
    exe: '/usr/bin/cat',
    source: 'ebpf',
    path: `/srv/data/file-${from + i}-${'x'.repeat(40)}.txt`,
    flags: 0,
    access: 'read',
    result: 3,
  })) as unknown as VigilEvent[];
}

describe('RotatingCapture', () => {
  it('starts a new file at the size cap and deletes the oldest beyond the total cap', async () => {
    const d = join(dir, 'caps');
    const cap = new RotatingCapture({ dir: d, maxFileBytes: 16 * 1024, maxTotalBytes: 64 * 1024 });
    let written = 0;
    for (let i = 0; i < 200; i++) {
      cap.writeAll(events(300, written));
      written += 300;
    }
    cap.close();
    const files = cap.files();
    const total = files.reduce((a, f) => a + statSync(f).size, 0);
    expect(cap.stats().rotations).toBeGreaterThan(4);
    expect(cap.stats().deleted).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(64 * 1024);
    // Every file kept is a complete capture, and the newest holds the last event written.
    const last = await readCapture(files.at(-1)!);
    expect(last.trailer).toBeDefined();
    expect(last.events.at(-1)).toMatchObject({ path: expect.stringContaining(`file-${written - 1}-`) });
    for (const f of files.slice(0, -1)) expect((await readCapture(f)).trailer).toBeDefined();
  });

  it("records the sensor's payload mode in every file's header, so learning from the files knows it", async () => {
    const write = async (name: string, payloads?: { mode: 'meta' | 'content'; maxBytes?: number }) => {
      const cap = new RotatingCapture({
        dir: join(dir, name),
        maxFileBytes: 16 * 1024,
        maxTotalBytes: 1024 * 1024,
        ...(payloads !== undefined ? { payloads } : {}),
      });
      for (let i = 0; i < 6; i++) cap.writeAll(events(300, i * 300));
      cap.close();
      expect(cap.files().length).toBeGreaterThan(1);
      return Promise.all(cap.files().map(async (f) => (await readCapture(f)).header));
    };
    for (const h of await write('payloads-meta', { mode: 'meta', maxBytes: 65536 })) {
      expect(h.payloads).toEqual({ mode: 'meta', maxBytes: 65536 });
      expect(captureCoverage(h)).toEqual({ families: ['syscalls', 'payloads'], payloadModes: ['meta'] });
    }
    for (const h of await write('payloads-off')) {
      expect(h.payloads).toBeUndefined();
      expect(captureCoverage(h)).toEqual({ families: ['syscalls'], payloadModes: ['off'] });
    }
  });

  it('refuses caps that cannot hold a file', () => {
    expect(() => new RotatingCapture({ dir: join(dir, 'bad'), maxFileBytes: 100 })).toThrow(/maxFileBytes/);
    expect(
      () => new RotatingCapture({ dir: join(dir, 'bad'), maxFileBytes: 8192, maxTotalBytes: 4096 }),
    ).toThrow(/maxTotalBytes/);
  });
});

describe('JsonLinesSink', () => {
  it('appends one whole JSON object per line, typed and stamped with the node', async () => {
    const path = join(dir, 'sink.jsonl');
    const a = new JsonLinesSink(path, { node: 'n1' });
    a.publishEvents(events(2, 0));
    await a.close();
    a.publishEvents(events(1, 0)); // after close: dropped, not a crash
    const b = new JsonLinesSink(path, { node: 'n2' });
    b.publishEvents(events(1, 5));
    await b.close();
    const lines = readJsonLines(path);
    expect(lines.map((l) => [l['type'], l['node'], (l['events'] as unknown[]).length])).toEqual([
      ['events', 'n1', 2],
      ['events', 'n2', 1],
    ]);
  });
});
