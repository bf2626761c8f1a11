import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaptureReader,
  CaptureWriter,
  classifyStreamStart,
  describeCaptureDrops,
  describeUndecodedPayloads,
  MAX_UNDECODED_GROUPS,
  mergeUndecodedPayloads,
  PayloadDecoder,
  UndecodedPayloadsSchema,
} from '../../src/index.js';
import { ChunkLog } from './helpers/recorder.js';

const TLS_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
const H2 = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04');

function decodeAll(log: ChunkLog): PayloadDecoder {
  const decoder = new PayloadDecoder();
  for (const c of log.chunks) decoder.push(c);
  decoder.end();
  return decoder;
}

describe('what the payload decoder could not read, and why', () => {
  it.each([
    ['a TLS ClientHello', TLS_HELLO, 'tls'],
    ['TLS application data', Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20, 1, 2, 3]), 'tls'],
    ['the HTTP/2 preface', H2, 'http2'],
    ['a Redis command', Buffer.from('*1\r\n$4\r\nPING\r\n'), 'text'],
    ['SMTP', Buffer.from('EHLO mail.example\r\n'), 'text'],
    ['binary', Buffer.from([0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]), 'binary'],
    // Must not be TLS: a record type out of range, or a version that is not 3.x.
    ['0x18 0x03 0x01', Buffer.from([0x18, 0x03, 0x01, 0x00, 0x05, 0xff, 0xfe, 0xfd]), 'binary'],
    ['0x16 0x02 0x01', Buffer.from([0x16, 0x02, 0x01, 0x00, 0x05, 0xff, 0xfe, 0xfd]), 'binary'],
    ['nothing', Buffer.alloc(0), 'binary'],
  ])('classifies %s', (_, bytes, kind) => {
    expect(classifyStreamStart(bytes)).toBe(kind);
  });

  it('names the process, peer, direction and first bytes of each stream it skipped, and what to do', () => {
    const log = new ChunkLog();
    const peer = (port: number) => ({ peer: { addr: '10.0.0.5', port } });
    log.add('tcp:1', 'egress', 'tcp', TLS_HELLO, { ...peer(443), comm: 'python3', pid: 41 });
    log.end('tcp:1');
    log.add('tcp:2', 'egress', 'tcp', TLS_HELLO, { ...peer(443), comm: 'python3', pid: 41 });
    log.end('tcp:2');
    log.add('tcp:3', 'egress', 'tcp', H2, { ...peer(50051), comm: 'node', pid: 42 });
    log.add('tcp:4', 'ingress', 'tcp', Buffer.from('+PONG\r\n'), { ...peer(6379), comm: 'node', pid: 42 });
    log.end('tcp:4');
    log.add(
      'tcp:6',
      'egress',
      'tcp',
      Buffer.from([0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0xff, 0xee]),
      { ...peer(9090), comm: 'node', pid: 42 },
    );
    log.end('tcp:6');
    // Read as HTTP: not counted.
    log.add('tcp:5', 'egress', 'tcp', Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), peer(80));
    const decoder = decodeAll(log);
    const u = decoder.stats().undecoded;
    expect(UndecodedPayloadsSchema.parse(u)).toEqual(u);
    expect(u.total).toBe(5);
    expect(u.streams).toEqual(
      expect.arrayContaining([
        {
          kind: 'tls',
          transport: 'tcp',
          peer: '10.0.0.5:443',
          pid: 41,
          comm: 'python3',
          direction: 'egress',
          sample: '16 03 01 02 00 01 00 01 fc 03 03',
          count: 2,
        },
        expect.objectContaining({ kind: 'http2', peer: '10.0.0.5:50051', comm: 'node', count: 1 }),
        expect.objectContaining({
          kind: 'text',
          peer: '10.0.0.5:6379',
          direction: 'ingress',
          sample: '+PONG..',
        }),
      ]),
    );
    const lines = describeUndecodedPayloads(u);
    expect(lines[0]).toBe('5 streams not decoded (1 more besides those below):');
    expect(lines[1]).toMatch(
      /^ {2}python3 \(pid 41\) with 10\.0\.0\.5:443 \(tcp\), 2 streams, first bytes sent 16 03 01 02 00 01 00 01 fc 03 03: TLS records, not decrypted: no TLS library of this program was hooked/,
    );
    expect(lines.slice(2).join('\n')).toMatch(
      /node \(pid 42\) with 10\.0\.0\.5:50051 \(tcp\), 1 stream, first bytes sent "PRI \* HTTP\/2\.0\.\.": HTTP\/2: counted, not parsed/,
    );
    expect(lines).toHaveLength(4);
    // With every group shown, no "more".
    expect(describeUndecodedPayloads(u, 10)[0]).toBe('5 streams not decoded:');
    // The counters stay as they were.
    expect(describeCaptureDrops({ 'payload:unrecognised': 3, 'payload:http2': 1 })).toEqual([
      'payload input not decoded (unrecognised 3, http2 1); no event was dropped',
    ]);
  });

  it('keeps a bounded number of groups however many streams it skips, and counts them all', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.uint8Array({ minLength: 1, maxLength: 40 })),
          { maxLength: 80 },
        ),
        (streams) => {
          const log = new ChunkLog();
          streams.forEach(([port, bytes], i) => {
            log.add(`tcp:${i}`, 'egress', 'tcp', Buffer.from([0x17, 0x03, 0x03, ...bytes]), {
              peer: { addr: '10.1.1.1', port },
            });
            log.end(`tcp:${i}`);
          });
          const u = decodeAll(log).stats().undecoded;
          expect(u.total).toBe(streams.length);
          expect(u.streams.length).toBeLessThanOrEqual(MAX_UNDECODED_GROUPS);
          expect(describeUndecodedPayloads(u).length).toBeLessThanOrEqual(4);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('is kept in the capture trailer and merged across captures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-undecoded-'));
    try {
      const log = new ChunkLog();
      log.add('tcp:1', 'egress', 'tcp', TLS_HELLO, { peer: { addr: '10.0.0.5', port: 443 } });
      log.end('tcp:1');
      const u = decodeAll(log).stats().undecoded;
      const file = join(dir, 'run.vcap');
      const w = CaptureWriter.create(file, { header: { source: 'synthetic' } });
      w.close({ drops: { 'payload:unrecognised': 1 }, undecodedPayloads: u });
      const reader = await CaptureReader.open(file);
      for await (const _ of reader.events());
      expect(reader.trailer?.undecodedPayloads).toEqual(u);
      const merged = mergeUndecodedPayloads([reader.trailer?.undecodedPayloads, undefined, u]);
      expect(merged?.total).toBe(2);
      expect(merged?.streams).toEqual([{ ...u.streams[0], count: 2 }]);
      expect(mergeUndecodedPayloads([undefined])).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local pipes that carry program output, not a protocol', () => {
  // What a --payloads run of a Node agent under tsx shows: esbuild's service handshake (its version,
  // length-prefixed) on the socketpair tsx spawned it with, the agent's result printed as one JSON
  // line, `cat config.json | curl -T -` piping a file, curl printing the drop server's answer.
  const ESBUILD = Buffer.from([0x06, 0x00, 0x00, 0x00, ...Buffer.from('0.28.2')]);
  const RPC = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })}\n`;

  function holdoutLike(): ChunkLog {
    const log = new ChunkLog();
    log.add('unix:1', 'egress', 'unix', ESBUILD, { comm: 'esbuild', pid: 50 });
    log.end('unix:1');
    log.add('pipe:2', 'egress', 'pipe', Buffer.from('{"ticket":12,"answer":"Done."}\n'), {
      comm: 'node',
      pid: 51,
    });
    log.end('pipe:2');
    log.add('pipe:3', 'egress', 'pipe', Buffer.from('{\n  "auths": {\n    "r.example": {}\n  }\n}\n'), {
      comm: 'cat',
      pid: 52,
    });
    log.end('pipe:3');
    log.add('unix:4', 'egress', 'unix', Buffer.from('ok.'), { comm: 'curl', pid: 53 });
    log.end('unix:4');
    return log;
  }

  it('counts each such stream once as local output, and nothing as payload input not decoded', () => {
    const stats = decodeAll(holdoutLike()).stats();
    expect(stats.skipped).toEqual({ 'local output': 4 });
    const drops = Object.fromEntries(Object.entries(stats.skipped).map(([k, v]) => [`payload:${k}`, v]));
    expect(describeCaptureDrops(drops, { localOutput: false })).toEqual([]);
    expect(describeCaptureDrops(drops)).toEqual([
      '4 local streams carried program output, not a protocol: left undecoded, nothing lost',
    ]);
    // vigil record leaves them out; inspect lists them, calmly.
    expect(describeUndecodedPayloads(stats.undecoded, 3, { localOutput: false })).toEqual([]);
    expect(describeUndecodedPayloads(stats.undecoded, 10).join('\n')).toMatch(
      /esbuild \(pid 50\) on a unix socket, 1 stream, first bytes sent 06 00 00 00 30 2e 32 38 2e 32: a program's output or a tool's own IPC between local processes, not a protocol Vigil reads: nothing lost/,
    );
  });

  it('still counts lines lost on a stream that carried JSON-RPC (MCP over stdio), and streams over TCP', () => {
    const log = new ChunkLog();
    log.add('pipe:1', 'egress', 'pipe', Buffer.from(`${RPC}{"not":"rpc"}\nnot json\n`), {
      comm: 'node',
      pid: 60,
    });
    log.end('pipe:1');
    log.add('tcp:2', 'egress', 'tcp', ESBUILD, {
      peer: { addr: '10.0.0.5', port: 9000 },
      comm: 'node',
      pid: 60,
    });
    log.end('tcp:2');
    const stats = decodeAll(log).stats();
    expect(stats.skipped).toEqual({ 'not JSON-RPC': 1, 'invalid JSON line': 1, unrecognised: 1 });
    expect(describeUndecodedPayloads(stats.undecoded, 3, { localOutput: false })[0]).toBe(
      '1 stream not decoded:',
    );
  });
});
