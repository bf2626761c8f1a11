import { EventEmitter } from 'eventemitter3';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { PayloadChunk, PayloadMode } from './chunk.js';
import { type ConnectionHost, ConnectionState } from './internal/connection.js';
import { DefinitionHashes } from './internal/definition-hashes.js';
import { McpSession } from './internal/mcp.js';
import { warmUpChunks } from './internal/warm-up.js';
import { type UndecodedPayloads, UndecodedStreams } from './undecoded.js';

/** Options for {@link PayloadDecoder}. */
export interface PayloadDecoderOptions {
  /** `meta` (default): names, keys, hashes and sizes; `content`: also redacted text. `off` decodes nothing. */
  readonly mode?: PayloadMode;
  /** Most bytes held for one connection (head, bodies, partial lines). Default 1 MiB; more resets the connection. */
  readonly maxBytesPerConnection?: number;
  /** Most bytes held across all connections. Default 64 MiB; the least recently active are evicted first. */
  readonly maxBufferedBytes?: number;
  /** Most connections tracked at once. Default 4096; the least recently active are evicted first. */
  readonly maxConnections?: number;
  /** A connection with no chunk for this long (by chunk timestamps) is closed. Default 300 s. */
  readonly idleTimeoutMs?: number;
  /**
   * A TCP connection or TLS session on which the process sent at least this
   * many bytes gives a `net.transfer` event when it closes (or at `end()`).
   * Default 65,536; `0` reports every connection that sent anything.
   */
  readonly transferBytes?: number;
}

/** Counters of a {@link PayloadDecoder}. */
export interface PayloadDecoderStats {
  readonly chunks: number;
  readonly bytes: number;
  readonly events: number;
  /** Connections tracked now, and the most ever tracked at once. */
  readonly connections: number;
  readonly peakConnections: number;
  /** Bytes held now across all connections, and the most ever held. */
  readonly bufferedBytes: number;
  readonly peakBufferedBytes: number;
  /** Input skipped, by reason (`http2`, `gap`, `truncated`, `invalid JSON line`, `evicted-idle`, …). */
  readonly skipped: Readonly<Record<string, number>>;
  /**
   * Streams whose protocol the decoder does not read (the `unrecognised` and `http2` skips): which
   * process and peer, and what their first bytes were (`describeUndecodedPayloads` says it for people).
   */
  readonly undecoded: UndecodedPayloads;
}

/** Events a {@link PayloadDecoder} emits. */
export interface PayloadDecoderEvents {
  /** Input that was skipped, as a `PARSE` error naming the connection and byte offset; decoding goes on. */
  error: [VigilError];
}

/**
 * Turns a stream of captured {@link PayloadChunk}s into `model.call`,
 * `tool.call` and `tool.list` events: HTTP/1.1 (content-length, chunked,
 * pipelining, gzip/deflate/brotli, SSE) carrying the OpenAI, Anthropic,
 * Ollama and Gemini APIs and MCP streamable HTTP, and MCP JSON-RPC over
 * stdio. Memory is bounded per connection and in total; anything it cannot
 * read is counted in {@link PayloadDecoder.stats} and reported as an `error`
 * event, never thrown.
 *
 * @example
 * ```ts
 * import { PayloadDecoder } from '@vigil/core';
 *
 * const decoder = new PayloadDecoder({ mode: 'meta' });
 * decoder.on('error', (err) => console.warn(err.message));
 * for (const chunk of chunks) for (const ev of decoder.push(chunk)) console.log(ev.kind);
 * for (const ev of decoder.end()) console.log(ev.kind);
 * console.log(decoder.stats().skipped);
 * ```
 */
export class PayloadDecoder extends EventEmitter<PayloadDecoderEvents> {
  readonly mode: PayloadMode;
  readonly #maxPerConnection: number;
  readonly #maxTotal: number;
  readonly #maxConnections: number;
  readonly #idleNs: number;
  readonly #connections = new Map<string, ConnectionState>();
  readonly #mcpSessions = new Map<string, McpSession>();
  readonly #skipped: Record<string, number> = {};
  readonly #undecoded = new UndecodedStreams();
  readonly #host: ConnectionHost;
  readonly #transferBytes: number;
  readonly #flows = new Map<string, Flow>();
  #out: VigilEvent[] = [];
  #chunks = 0;
  #bytes = 0;
  #events = 0;
  #buffered = 0;
  #peakBuffered = 0;
  #peakConnections = 0;
  #lastSweep = 0;

  constructor(options: PayloadDecoderOptions = {}) {
    super();
    this.mode = options.mode ?? 'meta';
    this.#maxPerConnection = Math.max(1024, options.maxBytesPerConnection ?? 1024 * 1024);
    this.#maxTotal = Math.max(this.#maxPerConnection, options.maxBufferedBytes ?? 64 * 1024 * 1024);
    this.#maxConnections = Math.max(1, options.maxConnections ?? 4096);
    this.#idleNs = (options.idleTimeoutMs ?? 300_000) * 1e6;
    this.#transferBytes = Math.max(0, options.transferBytes ?? 65_536);
    const content = this.mode === 'content';
    this.#host = {
      content,
      maxBytes: this.#maxPerConnection,
      definitions: new DefinitionHashes(),
      emit: (e) => {
        this.#out.push(e);
      },
      skip: (reason, connection, offset) => this.#skip(reason, connection, offset),
      undecoded: (chunks) => this.#undecoded.add(chunks),
      mcpSession: (key, existing) => {
        let s = this.#mcpSessions.get(key);
        if (existing !== undefined && s !== existing) {
          this.#mcpSessions.delete(key);
          s = undefined;
        }
        if (!s) {
          if (this.#mcpSessions.size >= this.#maxConnections) {
            const oldest = this.#mcpSessions.keys().next().value;
            if (oldest !== undefined) this.#mcpSessions.delete(oldest);
          }
          s = existing ?? new McpSession(content);
          this.#mcpSessions.set(key, s);
        }
        return s;
      },
    };
  }

  /**
   * Decodes a few small synthetic exchanges of each kind (model calls over
   * HTTP, gzip, brotli and SSE; MCP over stdio) once per process, in every
   * mode, and discards the result: the code is compiled and the native parts
   * loaded before a capture starts, so its first model call does not pay for
   * them. A sensor calls it when it opens with payloads on; later calls do
   * nothing.
   *
   * @example
   * ```ts
   * import { PayloadDecoder } from '@vigil/core';
   *
   * PayloadDecoder.warmUp(); // before the traced command starts
   * const decoder = new PayloadDecoder({ mode: 'meta' });
   * ```
   */
  static warmUp(): void {
    if (warmedUp) return;
    warmedUp = true;
    const chunks = warmUpChunks();
    for (const mode of ['meta', 'content'] as const) {
      const d = new PayloadDecoder({ mode, transferBytes: 0 });
      for (const c of chunks) d.push(c);
      d.end();
    }
  }

  /** Decodes one chunk; returns the events it completed, in order. Never throws. */
  push(chunk: PayloadChunk): VigilEvent[] {
    if (this.mode === 'off') return [];
    this.#chunks++;
    this.#bytes += chunk.bytes.length;
    let conn = this.#connections.get(chunk.connection);
    if (conn) {
      // Most recently active last: eviction and idle sweeps start at the front.
      this.#connections.delete(chunk.connection);
      this.#connections.set(chunk.connection, conn);
    } else {
      if (this.#connections.size >= this.#maxConnections) this.#evictOldest('evicted-connections');
      conn = new ConnectionState(chunk.connection, chunk.transport, this.#host);
      this.#connections.set(chunk.connection, conn);
      this.#peakConnections = Math.max(this.#peakConnections, this.#connections.size);
    }
    this.#guard(conn, () => conn.push(chunk));
    this.#account(conn);
    this.#count(chunk);
    if (chunk.end) {
      // Closed: a later chunk with this id is a new connection.
      this.#drop(conn);
    } else if (conn.accounted > this.#maxPerConnection) {
      this.#skip('over-budget', conn.id, 0);
      this.#drop(conn);
    }
    while (this.#buffered > this.#maxTotal && this.#connections.size > 0) this.#evictOldest('evicted-memory');
    if (chunk.ts - this.#lastSweep > this.#idleNs / 4) {
      this.#lastSweep = chunk.ts;
      // Not evictIdle: its take would drop the events this chunk completed.
      this.#sweep(chunk.ts);
    }
    return this.#take();
  }

  /** Closes connections idle since before `nowNs - idleTimeout`; returns the events that flushed. */
  evictIdle(nowNs: number): VigilEvent[] {
    this.#sweep(nowNs);
    return this.#take();
  }

  #sweep(nowNs: number): void {
    for (const conn of this.#connections.values()) {
      if (nowNs - conn.lastTs <= this.#idleNs) break;
      this.#drop(conn);
    }
    for (const [id, flow] of this.#flows) {
      if (nowNs - flow.lastTs <= this.#idleNs) break;
      this.#closeFlow(id, flow);
    }
  }

  /** The input ended: closes every connection and returns what they still held, as partial events. */
  end(): VigilEvent[] {
    for (const conn of [...this.#connections.values()]) this.#drop(conn);
    for (const [id, flow] of [...this.#flows]) this.#closeFlow(id, flow);
    this.#mcpSessions.clear();
    return this.#take();
  }

  /** Counters so far. */
  stats(): PayloadDecoderStats {
    return {
      chunks: this.#chunks,
      bytes: this.#bytes,
      events: this.#events,
      connections: this.#connections.size,
      peakConnections: this.#peakConnections,
      bufferedBytes: this.#buffered,
      peakBufferedBytes: this.#peakBuffered,
      skipped: { ...this.#skipped },
      undecoded: this.#undecoded.result(),
    };
  }

  #take(): VigilEvent[] {
    const out = this.#out;
    this.#out = [];
    this.#events += out.length;
    return out;
  }

  /** Counts what a TCP or TLS chunk moved; its end (or a fresh id after it) closes the flow. */
  #count(chunk: PayloadChunk): void {
    if (chunk.transport !== 'tcp' && chunk.transport !== 'tls') return;
    let flow = this.#flows.get(chunk.connection);
    if (flow === undefined) {
      if (this.#flows.size >= this.#maxConnections) {
        const [id, oldest] = this.#flows.entries().next().value!;
        this.#closeFlow(id, oldest);
      }
      flow = {
        // The envelope and peer only: the bytes are not kept.
        first: { ...chunk, bytes: NO_BYTES },
        endpoint: undefined,
        sent: 0,
        received: 0,
        lastTs: chunk.ts,
        seq: [-1, -1],
        partial: false,
      };
    } else {
      this.#flows.delete(chunk.connection);
    }
    // Most recently active last, as for connections.
    this.#flows.set(chunk.connection, flow);
    const d = chunk.direction === 'egress' ? 0 : 1;
    if (flow.seq[d]! >= 0 && chunk.seq !== flow.seq[d]! + 1) flow.partial = true;
    flow.seq[d] = chunk.seq;
    if (d === 0) {
      flow.sent += chunk.originalLength;
      if (flow.endpoint === undefined) flow.endpoint = hostHeader(chunk.bytes) ?? '';
    } else flow.received += chunk.originalLength;
    if (chunk.ts > flow.lastTs) flow.lastTs = chunk.ts;
    if (chunk.end) this.#closeFlow(chunk.connection, flow);
  }

  #closeFlow(id: string, flow: Flow): void {
    this.#flows.delete(id);
    if (flow.sent === 0 || flow.sent < this.#transferBytes) return;
    const c = flow.first;
    const ev: VigilEvent = {
      ts: c.ts,
      workload: c.workload,
      pid: c.pid,
      ppid: c.ppid,
      comm: c.comm,
      exe: c.exe,
      source: c.source,
      ...(c.tid !== undefined ? { tid: c.tid } : {}),
      ...(c.uid !== undefined ? { uid: c.uid } : {}),
      ...(c.cgroupId !== undefined ? { cgroupId: c.cgroupId } : {}),
      kind: 'net.transfer',
      transport: c.transport === 'tls' ? 'tls' : 'tcp',
      ...(c.peer !== undefined && c.transport === 'tcp' ? { daddr: c.peer.addr, dport: c.peer.port } : {}),
      ...(flow.endpoint ? { endpoint: flow.endpoint } : {}),
      bytesSent: flow.sent,
      bytesReceived: flow.received,
      durationMs: Math.max(0, (flow.lastTs - c.ts) / 1e6),
      ...(flow.partial ? { partial: true } : {}),
    };
    this.#out.push(ev);
  }

  #account(conn: ConnectionState): void {
    const now = conn.buffered();
    this.#buffered += now - conn.accounted;
    conn.accounted = now;
    if (this.#buffered > this.#peakBuffered) this.#peakBuffered = this.#buffered;
  }

  #drop(conn: ConnectionState): void {
    this.#guard(conn, () => conn.close());
    this.#buffered -= conn.accounted;
    conn.accounted = 0;
    this.#connections.delete(conn.id);
  }

  #evictOldest(reason: string): void {
    const oldest = this.#connections.values().next().value;
    if (oldest === undefined) return;
    this.#skip(reason, oldest.id, 0);
    this.#drop(oldest);
  }

  #guard(conn: ConnectionState, fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      // Hostile nesting deeper than the hashing allows, or a defect: drop this connection, keep decoding the others.
      this.#skip(cause instanceof RangeError ? 'too deeply nested' : 'internal', conn.id, 0, cause);
      try {
        this.#connections.delete(conn.id);
        this.#buffered -= conn.accounted;
        conn.accounted = 0;
      } catch {
        // nothing more to release
      }
    }
  }

  #skip(reason: string, connection: string, offset: number, cause?: unknown): void {
    this.#skipped[reason] = (this.#skipped[reason] ?? 0) + 1;
    if (this.listenerCount('error') === 0) return;
    this.emit(
      'error',
      new VigilError('PARSE', `payload skipped: ${reason}`, {
        location: { file: `payload:${connection}`, offset },
        ...(cause !== undefined ? { cause } : {}),
      }),
    );
  }
}

/** What one TCP connection or TLS session moved so far. */
interface Flow {
  /** The chunk that opened it, without its bytes: the event's envelope and peer. */
  readonly first: PayloadChunk;
  /** The `Host` of the first request written; `''` when the first write was not HTTP. */
  endpoint: string | undefined;
  sent: number;
  received: number;
  lastTs: number;
  /** Last `seq` seen per direction (egress, ingress); a jump marks the counts partial. */
  readonly seq: number[];
  partial: boolean;
}

const NO_BYTES = new Uint8Array(0);
let warmedUp = false;
const HTTP_REQUEST = /^[A-Z]{3,7} \S+ HTTP\/1\.[01]\r\n/;
const HOST_LINE = /\r\nhost:[ \t]*([^\r\n]{1,255})\r\n/i;

/** The `Host` header of an HTTP/1.x request at the start of `bytes`, when there is one. */
function hostHeader(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16 || bytes[0]! < 0x41 || bytes[0]! > 0x5a) return undefined;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096)).toString('latin1');
  if (!HTTP_REQUEST.test(head)) return undefined;
  return HOST_LINE.exec(head)?.[1]?.trim();
}

/**
 * Decodes a stream of chunk batches (as a sensor delivers them) into event
 * batches, ending with the partial events of connections still open.
 *
 * @example
 * ```ts
 * import { decodePayloads } from '@vigil/core';
 *
 * for await (const batch of decodePayloads(chunkBatches)) for (const ev of batch) console.log(ev.kind);
 * ```
 */
export async function* decodePayloads(
  batches: AsyncIterable<readonly PayloadChunk[]> | Iterable<readonly PayloadChunk[]>,
  options: PayloadDecoderOptions = {},
  decoder: PayloadDecoder = new PayloadDecoder(options),
): AsyncGenerator<VigilEvent[]> {
  for await (const batch of batches) {
    const out: VigilEvent[] = [];
    for (const chunk of batch) for (const ev of decoder.push(chunk)) out.push(ev);
    if (out.length > 0) yield out;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}
