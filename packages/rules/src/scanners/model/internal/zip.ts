import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { VigilError } from '@vigil/core';
import { type ByteSource, le } from './byte-source.js';

/** One member of a zip archive, from its central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  /** Declared uncompressed size. */
  readonly size: number;
  readonly localOffset: number;
  readonly encrypted: boolean;
}

/** What is wrong with an archive as a whole (bomb indicators). */
export interface ZipProblem {
  readonly kind: 'entries' | 'expanded' | 'ratio' | 'overlap' | 'bounds';
  readonly message: string;
  readonly entry?: string;
}

export interface ZipDirectory {
  readonly entries: readonly ZipEntry[];
  readonly problems: readonly ZipProblem[];
  /** Central directory entries not read because of `maxEntries`. */
  readonly skipped: number;
}

/** Deflate cannot expand more than about 1032:1; a larger declared ratio is a lie or a bomb. */
export const MAX_DEFLATE_RATIO = 1032;

function bad(file: string, offset: number, message: string): VigilError {
  return new VigilError('INPUT_INVALID', message, { location: { file, offset } });
}

/** Reads the central directory (zip64 included), bounded by `maxEntries`, and checks it for bomb indicators. */
export async function readZipDirectory(
  src: ByteSource,
  limits: { maxEntries: number; maxExpandedBytes: number },
): Promise<ZipDirectory> {
  const tailLen = Math.min(src.size, 22 + 0xffff);
  const tailAt = src.size - tailLen;
  const tail = await src.read(tailAt, tailLen);
  let e = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
      e = i;
      break;
    }
  if (e < 0) throw bad(src.name, src.size, 'no zip end-of-central-directory record');
  let count = le.u16(tail, e + 10);
  let cdSize = le.u32(tail, e + 12);
  let cdOffset = le.u32(tail, e + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = e - 20;
    if (loc < 0 || le.u32(tail, loc) !== 0x07064b50) throw bad(src.name, tailAt + e, 'zip64 locator missing');
    const z64At = le.u64(tail, loc + 8);
    const z = await src.read(z64At, 56);
    if (z.length < 56 || le.u32(z, 0) !== 0x06064b50) throw bad(src.name, z64At, 'zip64 end record missing');
    count = le.u64(z, 32);
    cdSize = le.u64(z, 40);
    cdOffset = le.u64(z, 48);
  }
  if (cdOffset + cdSize > src.size) throw bad(src.name, cdOffset, 'central directory outside the file');
  const problems: ZipProblem[] = [];
  if (count > limits.maxEntries)
    problems.push({
      kind: 'entries',
      message: `${count} entries, more than the limit of ${limits.maxEntries}`,
    });
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  const cdEnd = cdOffset + cdSize;
  let buf: Uint8Array = new Uint8Array(0);
  let bufAt = 0;
  const ensure = async (n: number) => {
    if (at >= bufAt && at + n <= bufAt + buf.length) return;
    bufAt = at;
    buf = await src.read(at, Math.max(n, Math.min(1 << 20, cdEnd - at)));
  };
  while (entries.length < Math.min(count, limits.maxEntries) && at + 46 <= cdEnd) {
    await ensure(46);
    const p = at - bufAt;
    if (le.u32(buf, p) !== 0x02014b50) throw bad(src.name, at, 'bad central directory entry signature');
    const nameLen = le.u16(buf, p + 28);
    const extraLen = le.u16(buf, p + 30);
    const commentLen = le.u16(buf, p + 32);
    await ensure(46 + nameLen + extraLen);
    const q = at - bufAt;
    const name = new TextDecoder().decode(buf.subarray(q + 46, q + 46 + nameLen));
    let csize = le.u32(buf, q + 20);
    let usize = le.u32(buf, q + 24);
    let local = le.u32(buf, q + 42);
    // zip64 extended information: present fields follow in a fixed order.
    let x = q + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = le.u16(buf, x);
      const len = le.u16(buf, x + 2);
      if (id === 0x0001) {
        let f = x + 4;
        if (usize === 0xffffffff && f + 8 <= x + 4 + len) {
          usize = le.u64(buf, f);
          f += 8;
        }
        if (csize === 0xffffffff && f + 8 <= x + 4 + len) {
          csize = le.u64(buf, f);
          f += 8;
        }
        if (local === 0xffffffff && f + 8 <= x + 4 + len) local = le.u64(buf, f);
      }
      x += 4 + len;
    }
    entries.push({
      name,
      method: le.u16(buf, q + 10),
      compressedSize: csize,
      size: usize,
      localOffset: local,
      encrypted: (le.u16(buf, q + 8) & 1) === 1,
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  let expanded = 0;
  for (const en of entries) {
    expanded += en.size;
    if (en.localOffset + 30 + en.compressedSize > src.size)
      problems.push({
        kind: 'bounds',
        entry: en.name,
        message: `entry ${en.name} extends past the end of the file`,
      });
    if (en.method === 8 && en.size > 1 << 20 && en.size > en.compressedSize * MAX_DEFLATE_RATIO)
      problems.push({
        kind: 'ratio',
        entry: en.name,
        message: `entry ${en.name} declares ${en.size} bytes from ${en.compressedSize} (ratio above deflate's ${MAX_DEFLATE_RATIO}:1)`,
      });
  }
  if (expanded > limits.maxExpandedBytes)
    problems.push({
      kind: 'expanded',
      message: `entries expand to ${expanded} bytes, more than the limit of ${limits.maxExpandedBytes}`,
    });
  // Entries sharing compressed data (the overlapping-file bomb): local ranges must not intersect.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const cur = byOffset[i]!;
    if (cur.localOffset < prev.localOffset + 30 + prev.name.length + prev.compressedSize) {
      problems.push({
        kind: 'overlap',
        entry: cur.name,
        message: `entries ${prev.name} and ${cur.name} overlap (shared compressed data)`,
      });
      break;
    }
  }
  return { entries, problems, skipped: Math.max(0, count - entries.length) };
}

/** Where an entry's data starts (after its local header). */
export async function zipDataOffset(src: ByteSource, en: ZipEntry): Promise<number> {
  const h = await src.read(en.localOffset, 30);
  if (h.length < 30 || le.u32(h, 0) !== 0x04034b50)
    throw bad(src.name, en.localOffset, `bad local header for ${en.name}`);
  return en.localOffset + 30 + le.u16(h, 26) + le.u16(h, 28);
}

/**
 * The uncompressed bytes of an entry, streamed. Stops with a `VigilError`
 * when more than `maxOut` bytes come out, or more than the entry declared.
 */
export async function* zipEntryChunks(
  src: ByteSource,
  en: ZipEntry,
  maxOut: number,
): AsyncGenerator<Uint8Array> {
  if (en.encrypted) throw bad(src.name, en.localOffset, `entry ${en.name} is encrypted`);
  const start = await zipDataOffset(src, en);
  if (en.method === 0) {
    if (en.compressedSize > maxOut)
      throw bad(src.name, start, `entry ${en.name} is larger than the expansion limit of ${maxOut} bytes`);
    yield* src.chunks(start, en.compressedSize);
    return;
  }
  if (en.method !== 8)
    throw bad(src.name, en.localOffset, `entry ${en.name} uses unsupported compression method ${en.method}`);
  const limit = Math.min(maxOut, en.size);
  const inflate = createInflateRaw({ chunkSize: 1 << 16 });
  const input = Readable.from(src.chunks(start, en.compressedSize));
  input.on('error', (err) => inflate.destroy(err));
  input.pipe(inflate);
  let out = 0;
  try {
    for await (const c of inflate as AsyncIterable<Buffer>) {
      out += c.length;
      if (out > limit) {
        throw bad(
          src.name,
          start,
          out > en.size
            ? `entry ${en.name} inflates past its declared ${en.size} bytes`
            : `entry ${en.name} inflates past the expansion limit of ${maxOut} bytes`,
        );
      }
      yield new Uint8Array(c.buffer, c.byteOffset, c.length);
    }
  } catch (err) {
    if (err instanceof VigilError) throw err;
    throw new VigilError('INPUT_INVALID', `entry ${en.name} does not inflate: ${(err as Error).message}`, {
      cause: err,
      location: { file: src.name, offset: start },
    });
  } finally {
    input.destroy();
    inflate.destroy();
  }
}
