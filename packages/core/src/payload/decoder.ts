import { EventEmitter } from 'eventemitter3';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { PayloadChunk, PayloadMode } from './chunk.js';
import { type ConnectionHost, ConnectionState } from './internal/connection.js';
import { McpSession } from './internal/mcp.js';

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
  readonly #host: ConnectionHost;
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
    const content = this.mode === 'content';
    this.#host = {
      content,
      maxBytes: this.#maxPerConnection,
      emit: (e) => {
        this.#out.push(e);
      },
      skip: (reason, connection, offset) => this.#skip(reason, connection, offset),
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
      this.evictIdle(chunk.ts);
    }
    return this.#take();
  }

  /** Closes connections idle since before `nowNs - idleTimeout`; returns the events that flushed. */
  evictIdle(nowNs: number): VigilEvent[] {
    for (const conn of this.#connections.values()) {
      if (nowNs - conn.lastTs <= this.#idleNs) break;
      this.#drop(conn);
    }
    return this.#take();
  }

  /** The input ended: closes every connection and returns what they still held, as partial events. */
  end(): VigilEvent[] {
    for (const conn of [...this.#connections.values()]) this.#drop(conn);
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
    };
  }

  #take(): VigilEvent[] {
    const out = this.#out;
    this.#out = [];
    this.#events += out.length;
    return out;
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
