import { z } from 'zod';
import { countOf } from '../output/count-text.js';
import { lazySchema } from '../schemas/lazy.js';
import type { PayloadChunk, PayloadDirection, PayloadTransport } from './chunk.js';
import { isLocalTransport, PayloadDirectionSchema, PayloadTransportSchema } from './chunk.js';

/**
 * The skip reason (after `UNDECODED_PAYLOAD_PREFIX`) of a pipe or Unix socket between local
 * processes that carried no protocol Vigil reads: a program's text or JSON output (an agent printing
 * its result as JSON, a file piped from `cat` to `curl`), a tool's own binary IPC (esbuild's, under
 * tsx). Counted once per stream; no event and no MCP message was lost.
 *
 * @example
 * ```ts
 * import { LOCAL_OUTPUT, UNDECODED_PAYLOAD_PREFIX } from '@vigil/core';
 *
 * const drops = { [`${UNDECODED_PAYLOAD_PREFIX}${LOCAL_OUTPUT}`]: 2 };
 * ```
 */
export const LOCAL_OUTPUT = 'local output';

/**
 * What the first bytes of a stream the payload decoder could not read were: a TLS record (the
 * bytes were captured encrypted), the HTTP/2 connection preface, text that is not a protocol it
 * knows, or binary.
 *
 * @example
 * ```ts
 * import { UndecodedKindSchema } from '@vigil/core';
 *
 * UndecodedKindSchema.parse('tls');
 * ```
 */
export const UndecodedKindSchema = lazySchema(() => z.enum(['tls', 'http2', 'text', 'binary']));
/** @see {@link UndecodedKindSchema} */
export type UndecodedKind = 'tls' | 'http2' | 'text' | 'binary';

/**
 * Streams the payload decoder could not read, grouped by process name, peer and what their first
 * bytes were, with one example each.
 *
 * @example
 * ```ts
 * import { UndecodedStreamSchema } from '@vigil/core';
 *
 * UndecodedStreamSchema.parse({
 *   kind: 'tls', transport: 'tcp', peer: '10.0.0.5:443', pid: 42, comm: 'python3',
 *   direction: 'egress', sample: '16 03 01 02 00', count: 3,
 * });
 * ```
 */
export const UndecodedStreamSchema = lazySchema(() =>
  z.object({
    kind: UndecodedKindSchema,
    transport: PayloadTransportSchema,
    /** `ADDR:PORT` of the other end, when the capture knows it. */
    peer: z.string().optional(),
    /** The process of the first such stream. */
    pid: z.number().int().nonnegative(),
    comm: z.string(),
    /** Which way its first bytes went. */
    direction: PayloadDirectionSchema,
    /** Its first bytes: printable text as it is, otherwise hexadecimal. */
    sample: z.string(),
    /** How many streams of this process name, peer and kind were not read. */
    count: z.number().int().positive(),
  }),
);
/** @see {@link UndecodedStreamSchema} */
export interface UndecodedStream {
  kind: UndecodedKind;
  transport: PayloadTransport;
  /** `ADDR:PORT` of the other end, when the capture knows it. */
  peer?: string | undefined;
  /** The process of the first such stream. */
  pid: number;
  comm: string;
  /** Which way its first bytes went. */
  direction: PayloadDirection;
  /** Its first bytes: printable text as it is, otherwise hexadecimal. */
  sample: string;
  /** How many streams of this process name, peer and kind were not read. */
  count: number;
}

/**
 * The streams a payload decoder could not read: how many, and the groups of them (at most
 * {@link MAX_UNDECODED_GROUPS}; streams beyond are counted in `total` only).
 *
 * @example
 * ```ts
 * import { PayloadDecoder, describeUndecodedPayloads } from '@vigil/core';
 *
 * const decoder = new PayloadDecoder();
 * // … push chunks …
 * for (const line of describeUndecodedPayloads(decoder.stats().undecoded)) console.warn(line);
 * ```
 */
export const UndecodedPayloadsSchema = lazySchema(() =>
  z.object({
    total: z.number().int().nonnegative(),
    streams: z.array(UndecodedStreamSchema),
  }),
);
/** @see {@link UndecodedPayloadsSchema} */
export interface UndecodedPayloads {
  total: number;
  streams: UndecodedStream[];
}

/** Most groups of undecoded streams a decoder keeps. */
export const MAX_UNDECODED_GROUPS = 32;

const SAMPLE_BYTES = 16;

/**
 * What the first bytes of a stream are (see {@link UndecodedKind}).
 *
 * @example
 * ```ts
 * import { classifyStreamStart } from '@vigil/core';
 *
 * classifyStreamStart(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00])); // 'tls'
 * classifyStreamStart(new TextEncoder().encode('PING\r\n')); // 'text'
 * ```
 */
export function classifyStreamStart(bytes: Uint8Array): UndecodedKind {
  // A TLS record: content type 20–23, then version 3.x (SSL 3.0 to TLS 1.3 records all say 3.1–3.4 or 3.0).
  if (bytes.length >= 3 && bytes[0]! >= 0x14 && bytes[0]! <= 0x17 && bytes[1] === 0x03 && bytes[2]! <= 0x04)
    return 'tls';
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64));
  if (head.toString('latin1').startsWith('PRI * HTTP/2')) return 'http2';
  if (head.length === 0) return 'binary';
  let printable = 0;
  for (const b of head) if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) printable++;
  return printable / head.length >= 0.9 ? 'text' : 'binary';
}

function sampleOf(bytes: Uint8Array, kind: UndecodedKind): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, SAMPLE_BYTES));
  if (kind === 'text' || kind === 'http2')
    return JSON.stringify(head.toString('latin1').replace(/[^\x20-\x7e]/g, '.')).slice(1, -1);
  return [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

const peerOf = (c: PayloadChunk) =>
  c.peer ? `${c.peer.addr.includes(':') ? `[${c.peer.addr}]` : c.peer.addr}:${c.peer.port}` : undefined;

/**
 * Collects the streams a payload decoder gave up on, grouped and bounded; part of
 * `PayloadDecoder`, exported for sources that decode payloads another way.
 *
 * @example
 * ```ts
 * import { UndecodedStreams } from '@vigil/core';
 *
 * const undecoded = new UndecodedStreams();
 * undecoded.add(firstChunks);
 * undecoded.result().total;
 * ```
 */
export class UndecodedStreams {
  readonly #groups = new Map<string, UndecodedStream>();
  #total = 0;

  /** One stream not read: the chunks it began with (the first non-empty one is classified). */
  add(chunks: readonly PayloadChunk[]): void {
    const first = chunks.find((c) => c.bytes.length > 0) ?? chunks[0];
    if (!first) return;
    this.#total++;
    const kind = classifyStreamStart(first.bytes);
    const peer = peerOf(first);
    const key = `${first.comm}\u0000${peer ?? first.transport}\u0000${kind}`;
    const had = this.#groups.get(key);
    if (had) {
      had.count++;
      return;
    }
    if (this.#groups.size >= MAX_UNDECODED_GROUPS) return;
    this.#groups.set(key, {
      kind,
      transport: first.transport,
      ...(peer !== undefined ? { peer } : {}),
      pid: first.pid,
      comm: first.comm,
      direction: first.direction,
      sample: sampleOf(first.bytes, kind),
      count: 1,
    });
  }

  result(): UndecodedPayloads {
    return { total: this.#total, streams: [...this.#groups.values()].map((s) => ({ ...s })) };
  }
}

/**
 * Joins the undecoded streams of several captures (their trailers' `undecodedPayloads`): totals
 * add up, groups of the same process name, peer and kind add their counts, bounded as one
 * decoder's are. `undefined` when no input had any.
 *
 * @example
 * ```ts
 * import { mergeUndecodedPayloads } from '@vigil/core';
 *
 * mergeUndecodedPayloads([trailerA.undecodedPayloads, trailerB.undecodedPayloads])?.total;
 * ```
 */
export function mergeUndecodedPayloads(
  all: readonly (UndecodedPayloads | undefined)[],
): UndecodedPayloads | undefined {
  const present = all.filter((u): u is UndecodedPayloads => u !== undefined && u.total > 0);
  if (present.length === 0) return undefined;
  const groups = new Map<string, UndecodedStream>();
  for (const u of present)
    for (const s of u.streams) {
      const key = `${s.comm}\u0000${s.peer ?? s.transport}\u0000${s.kind}`;
      const had = groups.get(key);
      if (had) had.count += s.count;
      else if (groups.size < MAX_UNDECODED_GROUPS) groups.set(key, { ...s });
    }
  return { total: present.reduce((n, u) => n + u.total, 0), streams: [...groups.values()] };
}

const WHY: Record<UndecodedKind, string> = {
  tls: 'TLS records, not decrypted: no TLS library of this program was hooked (Vigil reads OpenSSL through uprobes on SSL_read/SSL_write in the program and the libssl it loads; Go crypto/tls, rustls, NSS and other TLS libraries are not read)',
  http2:
    'HTTP/2: counted, not parsed (gRPC and HTTP/2 clients); an HTTP/1.1 client, or its OpenTelemetry spans given with --otel, shows the calls',
  text: 'text that is not HTTP/1.x, JSON lines (MCP) or PostgreSQL: a protocol Vigil does not decode',
  binary: 'binary that is not TLS, HTTP/2 or PostgreSQL: a protocol Vigil does not decode',
};

/** A stream counted as `LOCAL_OUTPUT`: text or binary on a pipe or Unix socket between local processes. */
function isLocalOutput(s: UndecodedStream): boolean {
  return isLocalTransport(s.transport) && (s.kind === 'text' || s.kind === 'binary');
}

const LOCAL_WHY =
  "a program's output or a tool's own IPC between local processes, not a protocol Vigil reads: nothing lost";

/**
 * Says which streams the payload decoder could not read and why, for text reports: one line per
 * group (process, pid, peer, direction, what the first bytes were, what the user can do), the
 * busiest `max` groups, then how many more. No lines when every stream was read. With
 * `localOutput: false` (what `vigil record` prints on every run), streams of text or binary on a
 * pipe or Unix socket between local processes — program output, a tool's own IPC — are left out.
 *
 * @example
 * ```ts
 * import { describeUndecodedPayloads } from '@vigil/core';
 *
 * describeUndecodedPayloads({ total: 1, streams: [{ kind: 'http2', transport: 'tcp', peer: '127.0.0.1:50051',
 *   pid: 7, comm: 'node', direction: 'egress', sample: 'PRI * HTTP/2.0..', count: 1 }] });
 * // ['1 stream not decoded:',
 * //  '  node (pid 7) with 127.0.0.1:50051 (tcp), 1 stream, first bytes sent "PRI * HTTP/2.0..": HTTP/2: counted, not parsed …']
 * ```
 */
export function describeUndecodedPayloads(
  all: UndecodedPayloads | undefined,
  max = 3,
  options: { readonly localOutput?: boolean } = {},
): string[] {
  if (!all || all.total === 0) return [];
  const u =
    options.localOutput === false
      ? {
          total: all.total - all.streams.filter(isLocalOutput).reduce((n, s) => n + s.count, 0),
          streams: all.streams.filter((s) => !isLocalOutput(s)),
        }
      : all;
  if (u.total <= 0) return [];
  const streams = [...u.streams].sort((a, b) => b.count - a.count);
  const shownGroups = streams.slice(0, max);
  const lines = shownGroups.map((s) => {
    const where = s.peer
      ? `with ${s.peer} (${s.transport})`
      : `on a ${s.transport === 'unix' ? 'unix socket' : s.transport}`;
    const start = s.kind === 'text' || s.kind === 'http2' ? `"${s.sample}"` : s.sample;
    return `  ${s.comm} (pid ${s.pid}) ${where}, ${countOf(s.count, 'stream')}, first bytes ${s.direction === 'egress' ? 'sent' : 'received'} ${start}: ${isLocalOutput(s) ? LOCAL_WHY : WHY[s.kind]}`;
  });
  const rest = u.total - shownGroups.reduce((n, s) => n + s.count, 0);
  return [
    `${countOf(u.total, 'stream')} not decoded${rest > 0 ? ` (${rest} more besides those below)` : ''}:`,
    ...lines,
  ];
}
