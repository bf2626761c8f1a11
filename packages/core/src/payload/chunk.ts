import { z } from 'zod';
import type { Envelope } from '../events/schema.js';
import { EnvelopeSchema } from '../events/schema.js';
import { lazySchema } from '../schemas/lazy.js';

/**
 * How much of the traffic a capture keeps: `off` (no payload capture),
 * `meta` (derived events with names, keys, hashes and sizes only — the
 * default when payloads are on) or `content` (the same plus prompt,
 * completion and argument text with secrets redacted).
 *
 * @example
 * ```ts
 * import { PayloadModeSchema } from '@vigil/core';
 *
 * PayloadModeSchema.parse('meta');
 * ```
 */
export const PayloadModeSchema = lazySchema(() => z.enum(['off', 'meta', 'content']));
/** @see {@link PayloadModeSchema} */
export type PayloadMode = 'off' | 'meta' | 'content';

/**
 * Which way the bytes went, seen from the process that owns the descriptor:
 * `egress` it wrote (or `SSL_write`), `ingress` it read (or `SSL_read`).
 *
 * @example
 * ```ts
 * import { PayloadDirectionSchema } from '@vigil/core';
 *
 * PayloadDirectionSchema.parse('egress');
 * ```
 */
export const PayloadDirectionSchema = lazySchema(() => z.enum(['egress', 'ingress']));
/** @see {@link PayloadDirectionSchema} */
export type PayloadDirection = 'egress' | 'ingress';

/**
 * What carried the bytes: a plaintext TCP socket, TLS plaintext taken at the
 * `SSL_*` boundary, a pipe, or a Unix-domain socket.
 *
 * @example
 * ```ts
 * import { PayloadTransportSchema } from '@vigil/core';
 *
 * PayloadTransportSchema.parse('tls');
 * ```
 */
export const PayloadTransportSchema = lazySchema(() => z.enum(['tcp', 'tls', 'pipe', 'unix']));
/** @see {@link PayloadTransportSchema} */
export type PayloadTransport = 'pipe' | 'unix' | 'tcp' | 'tls';

/** A pipe or Unix socket: a stream between processes of the same host (stdio, a tool's own IPC). */
export function isLocalTransport(t: PayloadTransport): boolean {
  return t === 'pipe' || t === 'unix';
}

/** An address and port, when the capture knows it. */
const Endpoint = lazySchema(() => z.object({ addr: z.string(), port: z.number().int().min(0).max(65535) }));

/**
 * One captured read or write on a connection or pipe: the record the sensor
 * produces and {@link PayloadDecoder} consumes. The envelope (`ts`, `pid`,
 * `workload`, …) is the process that owned the descriptor. See
 * `docs/payloads.md` for the contract the kernel side implements.
 *
 * @example
 * ```ts
 * import { PayloadChunkSchema } from '@vigil/core';
 *
 * const chunk = PayloadChunkSchema.parse({
 *   ts: 1.7e18, pid: 42, ppid: 1, comm: 'node', exe: '/usr/bin/node', source: 'ebpf',
 *   workload: { id: 'host', kind: 'host' },
 *   connection: 'tcp:42:21:9173', direction: 'egress', transport: 'tcp', seq: 0,
 *   bytes: new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), originalLength: 18,
 *   peer: { addr: '127.0.0.1', port: 8080 },
 * });
 * ```
 */
export const PayloadChunkSchema = lazySchema(() =>
  EnvelopeSchema.extend({
    /**
     * The stream both directions share: an opaque id, stable for the life of
     * the connection, e.g. `tcp:<pid>:<fd>:<socket cookie>`. For an MCP stdio
     * session both pipes of one server carry the same id (e.g. `stdio:<server pid>`).
     */
    connection: z.string().min(1),
    direction: PayloadDirectionSchema,
    transport: PayloadTransportSchema,
    /** Per connection and direction, from 0, +1 for each chunk; a jump means chunks were lost. */
    seq: z.number().int().nonnegative(),
    /** The bytes captured (at most the capture's per-event cap). */
    bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected a Uint8Array' }),
    /** How many bytes the read or write really moved; more than `bytes.length` when cut at the cap. */
    originalLength: z.number().int().nonnegative(),
    /** File descriptor in the owning process, when known. */
    fd: z.number().int().nonnegative().optional(),
    /** The socket's own address and the peer's, when known (not for pipes). */
    local: Endpoint.optional(),
    peer: Endpoint.optional(),
    /** The connection closed after this chunk (a `close` or EOF was seen). */
    end: z.boolean().optional(),
  }),
);
/** @see {@link PayloadChunkSchema} */
export interface PayloadChunk extends Envelope {
  /**
   * The stream both directions share: an opaque id, stable for the life of
   * the connection, e.g. `tcp:<pid>:<fd>:<socket cookie>`. For an MCP stdio
   * session both pipes of one server carry the same id (e.g. `stdio:<server pid>`).
   */
  connection: string;
  direction: PayloadDirection;
  transport: PayloadTransport;
  /** Per connection and direction, from 0, +1 for each chunk; a jump means chunks were lost. */
  seq: number;
  /** The bytes captured (at most the capture's per-event cap). */
  bytes: Uint8Array<ArrayBufferLike>;
  /** How many bytes the read or write really moved; more than `bytes.length` when cut at the cap. */
  originalLength: number;
  /** File descriptor in the owning process, when known. */
  fd?: number | undefined;
  /** The socket's own address and the peer's, when known (not for pipes). */
  local?:
    | {
        addr: string;
        port: number;
      }
    | undefined;
  peer?:
    | {
        addr: string;
        port: number;
      }
    | undefined;
  /** The connection closed after this chunk (a `close` or EOF was seen). */
  end?: boolean | undefined;
}

/**
 * True when the chunk's bytes are shorter than the read or write they came from.
 *
 * @example
 * ```ts
 * if (isTruncated(chunk)) console.log(`cut at ${chunk.bytes.length} of ${chunk.originalLength}`);
 * ```
 */
export function isTruncated(chunk: Pick<PayloadChunk, 'bytes' | 'originalLength'>): boolean {
  return chunk.originalLength > chunk.bytes.length;
}
