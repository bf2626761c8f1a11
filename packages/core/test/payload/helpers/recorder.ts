import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  HOST_WORKLOAD,
  type PayloadChunk,
  type PayloadDirection,
  type PayloadTransport,
} from '../../../src/index.js';

const workload = HOST_WORKLOAD;

/** Wall-clock nanoseconds, monotonic within a run. */
let lastTs = 0;
export function nowNs(): number {
  const t = Math.max(Date.now() * 1e6, lastTs + 1000);
  lastTs = t;
  return t;
}

/** Records chunks per connection and direction as a capture would: one chunk per read or write. */
export class ChunkLog {
  readonly chunks: PayloadChunk[] = [];
  readonly #seq = new Map<string, number>();

  add(
    connection: string,
    direction: PayloadDirection,
    transport: PayloadTransport,
    bytes: Uint8Array,
    extra: Partial<PayloadChunk> = {},
  ): void {
    const key = `${connection}/${direction}`;
    const seq = this.#seq.get(key) ?? 0;
    this.#seq.set(key, seq + 1);
    this.chunks.push({
      ts: nowNs(),
      workload,
      pid: process.pid,
      ppid: process.ppid,
      comm: 'node',
      exe: process.execPath,
      source: 'ebpf',
      connection,
      direction,
      transport,
      seq,
      bytes: Uint8Array.from(bytes),
      originalLength: bytes.length,
      ...extra,
    });
  }

  /** Marks the last chunk of a connection as its end. */
  end(connection: string): void {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const c = this.chunks[i]!;
      if (c.connection === connection) {
        this.chunks[i] = { ...c, end: true };
        return;
      }
    }
  }
}

/**
 * A TCP tee between a client and `upstreamPort`: every read on the client's
 * side becomes a chunk (egress: what the client wrote; ingress: what it is sent),
 * as the kernel would capture the client's socket.
 */
export async function startTee(
  upstreamPort: number,
  log: ChunkLog,
): Promise<{ port: number; close(): Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const id = `tcp:${process.pid}:${++n}`;
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const peer = { addr: '127.0.0.1', port: upstreamPort };
    client.on('data', (d: Buffer) => {
      log.add(id, 'egress', 'tcp', d, { peer });
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      log.add(id, 'ingress', 'tcp', d, { peer });
      client.write(d);
    });
    const done = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      log.end(id);
      done();
    });
    upstream.on('close', done);
    client.on('error', done);
    upstream.on('error', done);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** JSON with sorted keys, written independently of the decoder's own. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Re-splits each chunk at random points (seeded), keeping order and sequence numbers consistent. */
export function resplit(
  chunks: readonly PayloadChunk[],
  cuts: (i: number, len: number) => number[],
): PayloadChunk[] {
  const seq = new Map<string, number>();
  const out: PayloadChunk[] = [];
  chunks.forEach((c, i) => {
    const points = [...new Set(cuts(i, c.bytes.length).filter((p) => p > 0 && p < c.bytes.length))].sort(
      (a, b) => a - b,
    );
    const bounds = [0, ...points, c.bytes.length];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const key = `${c.connection}/${c.direction}`;
      const s = seq.get(key) ?? 0;
      seq.set(key, s + 1);
      const bytes = c.bytes.subarray(bounds[k], bounds[k + 1]);
      const last = k + 2 === bounds.length;
      const { end: _end, ...rest } = c;
      out.push({
        ...rest,
        seq: s,
        bytes,
        originalLength: bytes.length,
        ...(last && c.end ? { end: true } : {}),
      });
    }
  });
  return out;
}
