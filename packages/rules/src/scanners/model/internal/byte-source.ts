import { open } from 'node:fs/promises';
import { VigilError } from '@vigil/core';

/** Random access to the bytes of a file (or of a member already held in memory). */
export interface ByteSource {
  /** Name used in error messages and locations. */
  readonly name: string;
  readonly size: number;
  /** Reads `length` bytes at `offset` (fewer at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The bytes of `[offset, offset + length)` in chunks, without holding them all. */
  chunks(offset: number, length: number): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

const CHUNK = 1 << 20;

/** Opens a file for bounded, positional reads. */
export async function openFileSource(path: string, name = path): Promise<ByteSource> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new VigilError('IO', `cannot open: ${(err as Error).message}`, {
      cause: err,
      location: { file: name },
    });
  }
  const size = (await fh.stat()).size;
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    const n = Math.max(0, Math.min(length, size - offset));
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = await fh.read(buf, got, n - got, offset + got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    return got === n ? buf : buf.subarray(0, got);
  };
  return {
    name,
    size,
    read,
    async *chunks(offset: number, length: number) {
      const end = Math.min(size, offset + length);
      for (let at = offset; at < end; at += CHUNK) {
        const c = await read(at, Math.min(CHUNK, end - at));
        if (c.length === 0) return;
        yield c;
      }
    },
    close: () => fh.close(),
  };
}

/** A source over bytes already in memory. */
export function memorySource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    async *chunks(offset, length) {
      const end = Math.min(bytes.length, offset + length);
      for (let at = offset; at < end; at += CHUNK) yield bytes.subarray(at, Math.min(end, at + CHUNK));
    },
    close: async () => {},
  };
}

/** Little-endian readers over a Uint8Array. */
export const le = {
  u16: (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8),
  u32: (b: Uint8Array, p: number): number =>
    (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000,
  /** A u64; values above 2^53 become Infinity so that every bounds check fails. */
  u64: (b: Uint8Array, p: number): number => {
    const hi = le.u32(b, p + 4);
    return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * 0x100000000 + le.u32(b, p);
  },
};

/** Collects an async stream of chunks up to `max` bytes; throws when there is more. */
export async function collect(
  chunks: AsyncIterable<Uint8Array>,
  max: number,
  what: string,
  file: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    if (n > max)
      throw new VigilError('INPUT_INVALID', `${what} is larger than ${max} bytes`, { location: { file } });
    parts.push(c);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
