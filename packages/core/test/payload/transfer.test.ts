import { describe, expect, it } from 'vitest';
import { type EventOf, EventSchema, PayloadDecoder, type VigilEvent } from '../../src/index.js';
import { ChunkLog } from './helpers/recorder.js';

type Transfer = EventOf<'net.transfer'>;

function transfers(log: ChunkLog, decoder = new PayloadDecoder()): Transfer[] {
  const out: VigilEvent[] = [];
  for (const c of log.chunks) out.push(...decoder.push(c));
  out.push(...decoder.end());
  for (const e of out) expect(EventSchema.safeParse(e).success).toBe(true);
  return out.filter((e): e is Transfer => e.kind === 'net.transfer');
}

const peer = { addr: '198.51.100.7', port: 8080 };
const upload = (n: number) =>
  `POST /upload HTTP/1.1\r\nHost: drop.example.net:8080\r\nContent-Length: ${n}\r\n\r\n`;

describe('PayloadDecoder: net.transfer', () => {
  it('counts what each call moved (not what was copied) and names the peer and Host', () => {
    const log = new ChunkLog();
    const head = upload(300_000);
    // Two writes of which the capture kept only the first 4096 bytes each.
    log.add('tcp:1', 'egress', 'tcp', Buffer.from(head), { peer });
    log.add('tcp:1', 'egress', 'tcp', Buffer.alloc(4096, 0x41), { peer, originalLength: 300_000 });
    log.add('tcp:1', 'ingress', 'tcp', Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), { peer });
    log.end('tcp:1');
    const [t, ...more] = transfers(log);
    expect(more).toEqual([]);
    expect(t).toMatchObject({
      transport: 'tcp',
      daddr: '198.51.100.7',
      dport: 8080,
      endpoint: 'drop.example.net:8080',
      bytesSent: head.length + 300_000,
      bytesReceived: 27,
    });
    expect(t!.partial).toBeUndefined();
    expect(t!.ts).toBe(log.chunks[0]!.ts);
  });

  const table: {
    name: string;
    build: (log: ChunkLog) => void;
    count: number;
    options?: { transferBytes: number };
  }[] = [
    {
      name: 'a connection that sent less than the threshold',
      build: (log) =>
        log.add('tcp:2', 'egress', 'tcp', Buffer.from(upload(10)), { peer, originalLength: 65_535 }),
      count: 0,
    },
    {
      name: 'exactly the threshold, reported at the end of the input',
      build: (log) => log.add('tcp:3', 'egress', 'tcp', Buffer.from('x'), { peer, originalLength: 65_536 }),
      count: 1,
    },
    {
      name: 'a large download (bytes received do not count)',
      build: (log) =>
        log.add('tcp:4', 'ingress', 'tcp', Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), {
          peer,
          originalLength: 10_000_000,
        }),
      count: 0,
    },
    {
      name: 'a pipe (MCP stdio) is not a network transfer',
      build: (log) =>
        log.add('stdio:5', 'egress', 'pipe', Buffer.from('{}\n'), { originalLength: 1_000_000 }),
      count: 0,
    },
    {
      name: 'every connection that sent anything with a threshold of 0',
      build: (log) => {
        log.add('tcp:6', 'egress', 'tcp', Buffer.from('a'), { peer });
        log.add('tcp:7', 'egress', 'tcp', Buffer.from('b'), { peer });
      },
      count: 2,
      options: { transferBytes: 0 },
    },
  ];
  it.each(table)('$name', ({ build, count, options }) => {
    const log = new ChunkLog();
    build(log);
    expect(transfers(log, new PayloadDecoder(options ?? {}))).toHaveLength(count);
  });

  it('marks the counts partial when chunks were lost, and names a TLS session by its Host only', () => {
    const log = new ChunkLog();
    log.add('tls:9', 'egress', 'tls', Buffer.from(upload(1)), { originalLength: 70_000 });
    log.add('tls:9', 'egress', 'tls', Buffer.from('y'), { seq: 5, originalLength: 70_000 });
    const [t] = transfers(log);
    expect(t).toMatchObject({
      transport: 'tls',
      endpoint: 'drop.example.net:8080',
      bytesSent: 140_000,
      partial: true,
    });
    expect(t!.daddr).toBeUndefined();
  });

  it('a new connection under a closed id starts its own count', () => {
    const log = new ChunkLog();
    log.add('tcp:8', 'egress', 'tcp', Buffer.from('a'), { peer, originalLength: 70_000 });
    log.end('tcp:8');
    log.add('tcp:8', 'egress', 'tcp', Buffer.from('b'), { peer, originalLength: 80_000, seq: 0 });
    expect(transfers(log).map((t) => t.bytesSent)).toEqual([70_000, 80_000]);
  });
});
