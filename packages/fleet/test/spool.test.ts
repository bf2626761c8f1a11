import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSpoolSegment, Spool, type SpoolRecord } from '../src/index.js';
import { encodeSpoolRecord, segmentHeader } from '../src/spool/segment.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-spool-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const rec = (i: number, pad = 0): SpoolRecord => ({
  subject: `vigil.finding.00${i % 10}.abc`,
  msgId: `m-${i}`,
  data: JSON.stringify({ i, pad: 'x'.repeat(pad) }),
});

function drain(spool: Spool): SpoolRecord[] {
  const out: SpoolRecord[] = [];
  for (;;) {
    const batch = spool.read(7);
    if (batch.length === 0) return out;
    out.push(...batch.map((b) => b.record));
    spool.ack(batch.at(-1)!.position);
  }
}

const dirBytes = (d: string) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.vspool'))
    .reduce((a, f) => a + statSync(join(d, f)).size, 0);

describe('Spool', () => {
  it('reads records back in append order across segments, and acknowledged segments are deleted', () => {
    const dir = tempDir();
    const spool = Spool.open({ dir, segmentBytes: 1024 });
    for (let i = 0; i < 200; i++) expect(spool.append(rec(i, 20))).toBe(true);
    spool.flush();
    expect(spool.stats().segments).toBeGreaterThan(5);
    const got = drain(spool);
    expect(got.map((r) => r.msgId)).toEqual(Array.from({ length: 200 }, (_, i) => `m-${i}`));
    expect(spool.pending).toBe(false);
    // Only the segment being written remains.
    expect(readdirSync(dir).filter((f) => f.endsWith('.vspool'))).toHaveLength(1);
    spool.close();
  });

  it('keeps what was not acknowledged across a restart, in order, and never reads acknowledged records again', () => {
    const dir = tempDir();
    const a = Spool.open({ dir, segmentBytes: 512 });
    for (let i = 0; i < 50; i++) a.append(rec(i));
    const first = a.read(20);
    a.ack(first.at(-1)!.position);
    a.read(10); // read but not acknowledged: must come again
    a.close();
    const b = Spool.open({ dir, segmentBytes: 512 });
    for (let i = 50; i < 60; i++) b.append(rec(i));
    expect(drain(b).map((r) => r.msgId)).toEqual(Array.from({ length: 40 }, (_, i) => `m-${i + 20}`));
    b.close();
  });

  it('rewind reads again from the last acknowledged record', () => {
    const spool = Spool.open({ dir: tempDir() });
    for (let i = 0; i < 10; i++) spool.append(rec(i));
    const a = spool.read(4);
    spool.ack(a[1]!.position);
    spool.read(4);
    spool.rewind();
    expect(spool.read(3).map((r) => r.record.msgId)).toEqual(['m-2', 'm-3', 'm-4']);
    spool.close();
  });

  it('holds its byte cap: what does not fit is refused and counted, what fits is kept', () => {
    const dir = tempDir();
    const maxBytes = 8 * 1024;
    const spool = Spool.open({ dir, maxBytes, segmentBytes: 2048 });
    let kept = 0;
    for (let i = 0; i < 500; i++) if (spool.append(rec(i, 50))) kept++;
    spool.flush();
    const s = spool.stats();
    expect(kept).toBeGreaterThan(0);
    expect(s.refused).toBe(500 - kept);
    expect(s.refusedBytes).toBeGreaterThan(0);
    expect(s.bytes).toBeLessThanOrEqual(maxBytes);
    expect(dirBytes(dir)).toBeLessThanOrEqual(maxBytes);
    expect(drain(spool)).toHaveLength(kept);
    // Once drained there is room again.
    expect(spool.append(rec(9999))).toBe(true);
    spool.close();
  });

  it('reports a corrupt segment with its file and offset, keeps its records before the damage and reads later segments', () => {
    const dir = tempDir();
    const a = Spool.open({ dir, segmentBytes: 600 });
    for (let i = 0; i < 30; i++) a.append(rec(i));
    a.close();
    const segs = readdirSync(dir)
      .filter((f) => f.endsWith('.vspool'))
      .sort();
    expect(segs.length).toBeGreaterThanOrEqual(3);
    // Damage the second segment's second record.
    const file = join(dir, segs[1]!);
    const bytes = readFileSync(file);
    const decoded = decodeSpoolSegment(bytes, file);
    const second = decoded.records[1]!;
    bytes[second.offset + 12] = bytes[second.offset + 12]! ^ 0xff;
    writeFileSync(file, bytes);
    const b = Spool.open({ dir, segmentBytes: 600 });
    const got = drain(b).map((r) => r.msgId);
    const lost = decoded.records.slice(1).map((r) => r.record.msgId);
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `m-${i}`).filter((m) => !lost.includes(m)));
    expect(b.errors).toHaveLength(1);
    const err = b.errors[0]!;
    expect(isVigilError(err, 'CAPTURE_CORRUPT')).toBe(true);
    expect(err.location?.file).toBe(file);
    expect(err.location?.offset).toBe(second.offset);
    expect(err.message).toContain(file);
    expect(b.stats().corruptSegments).toBe(1);
    b.close();
  });
});

describe('decodeSpoolSegment (fuzzed)', () => {
  const recordArb = fc.record({
    subject: fc.string({ minLength: 1, maxLength: 40 }),
    msgId: fc.string({ minLength: 1, maxLength: 40 }),
    data: fc.string({ maxLength: 200 }),
  });

  it('returns every record of a whole segment', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 30 }), (records) => {
        const bytes = Buffer.concat([segmentHeader(), ...records.map(encodeSpoolRecord)]);
        const d = decodeSpoolSegment(bytes, 'seg.vspool');
        expect(d.error).toBeUndefined();
        expect(d.records.map((r) => r.record)).toEqual(records);
        expect(d.end).toBe(bytes.length);
      }),
    );
  });

  it('on a truncated or damaged segment: a VigilError naming the file and offset, and every record before the damage', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.oneof(
          fc.constant({ kind: 'truncate' as const }),
          fc.record({ kind: fc.constant('flip' as const), mask: fc.integer({ min: 1, max: 255 }) }),
          fc.record({
            kind: fc.constant('garbage' as const),
            bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
          }),
        ),
        (records, at, damage) => {
          const parts = [segmentHeader(), ...records.map(encodeSpoolRecord)];
          const whole = Buffer.concat(parts);
          const pos = at % whole.length;
          let bytes: Buffer;
          if (damage.kind === 'truncate') bytes = whole.subarray(0, pos);
          else if (damage.kind === 'flip') {
            bytes = Buffer.from(whole);
            bytes[pos] = bytes[pos]! ^ damage.mask;
          } else
            bytes = Buffer.concat([whole.subarray(0, pos), Buffer.from(damage.bytes), whole.subarray(pos)]);
          const file = '/var/lib/vigil/spool/seg-000000000007.vspool';
          let d: ReturnType<typeof decodeSpoolSegment>;
          expect(() => {
            d = decodeSpoolSegment(bytes, file);
          }).not.toThrow();
          d = decodeSpoolSegment(bytes, file);
          // Record boundaries of the undamaged segment.
          const ends: number[] = [];
          let off = parts[0]!.length;
          for (const p of parts.slice(1)) {
            off += p.length;
            ends.push(off);
          }
          // Every record that ends before the damage comes back unchanged.
          const intact = ends.filter((e) => e <= pos).length;
          expect(d.records.length).toBeGreaterThanOrEqual(intact);
          expect(d.records.slice(0, intact).map((r) => r.record)).toEqual(records.slice(0, intact));
          if (d.error) {
            expect(isVigilError(d.error)).toBe(true);
            expect(d.error.location?.file).toBe(file);
            expect(d.error.location?.offset).toBe(d.end);
            expect(d.error.message).toContain(file);
            expect(d.error.message).toContain(`byte ${d.end}`);
          } else {
            // Damage that decodes cleanly can only be inserted whole records or a cut at a boundary.
            expect(d.end).toBe(bytes.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects what is not a segment with a clear error at offset 0', () => {
    const d = decodeSpoolSegment(Buffer.from('PK\u0003\u0004 not a spool'), 'x.vspool');
    expect(d.records).toHaveLength(0);
    expect(d.error?.message).toMatch(/x\.vspool at byte 0: expected the magic 'VSPL'/);
  });
});
