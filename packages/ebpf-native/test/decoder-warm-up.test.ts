import { EventSchema, HOST_WORKLOAD } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { RecordDecoder } from '../src/decode/decoder.js';
import { RecordKind } from '../src/decode/layout.js';
import { warmUpBatch, warmUpLiveDecoding } from '../src/internal/decoder-warm-up.js';
import { asDecoderInput, liveDecodeContext } from '../src/internal/live-decode-context.js';

describe('the decoder warm-up', () => {
  it('feeds the decoder well-formed records of every kind it reads', () => {
    const readExe: number[] = [];
    const decoder = new RecordDecoder({
      workloadFor: () => HOST_WORKLOAD,
      wallOffsetNs: 1.7e18,
      readExe: (pid) => {
        readExe.push(pid);
        return '';
      },
    });
    const batch = warmUpBatch(42n);
    const { events, errors, chunks, records, skipped } = decoder.decode(batch);
    expect(errors).toEqual([]);
    for (const e of events) expect(EventSchema.safeParse(e).success, e.kind).toBe(true);
    expect(new Set(events.map((e) => e.kind))).toEqual(
      new Set([
        'process.fork',
        'process.exec',
        'process.exit',
        'file.open',
        'net.connect',
        'net.accept',
        'net.bind',
        'net.listen',
        'dns.query',
        'priv.change',
        'ns.change',
        'ptrace',
        'module.load',
        'bpf.load',
        'memfd.create',
      ]),
    );
    expect(chunks.map((c) => c.transport)).toEqual(['tcp', 'tls', 'pipe']);
    // A netlink connect and a UDP datagram on port 53 that is not DNS: read, not reported.
    expect(skipped).toBe(2);
    expect(records).toBe(events.length + chunks.length + skipped);
    // Both shapes of a kernel argv (with and without its final NUL) decode alike.
    const argvs = events.flatMap((e) => (e.kind === 'process.exec' ? [e.argv] : []));
    expect(argvs).toContainEqual(['true', '--round=0']);
    expect(argvs).toContainEqual(['true', '--round=1']);
    // Parents never seen before: their executables are looked up, for pids no process can have.
    expect(readExe.length).toBeGreaterThan(0);
    for (const pid of readExe) expect(pid).toBeGreaterThan(4_194_304);
    expect(Object.values(RecordKind).length).toBe(16);
  });

  it('decodes through a live context and a batch as the sensor gives it, once per process', () => {
    const seen: string[] = [];
    const workloads = {
      workloadFor: (id: string) => {
        seen.push(id);
        return HOST_WORKLOAD;
      },
    };
    const ctx = liveDecodeContext(workloads, 1.7e18);
    const out = new RecordDecoder(ctx).decode(asDecoderInput(warmUpBatch(7n)));
    expect(out.errors).toEqual([]);
    expect(new Set(seen)).toEqual(new Set(['7']));
    ctx.wallOffsetNs = 1.8e18;
    const later = new RecordDecoder(ctx).decode(warmUpBatch(7n));
    expect(later.events[0]!.ts - out.events[0]!.ts).toBe(1e17);
    expect(() => warmUpLiveDecoding()).not.toThrow();
    expect(() => warmUpLiveDecoding()).not.toThrow();
  });
});
