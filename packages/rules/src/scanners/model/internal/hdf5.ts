import type { ByteSource } from './byte-source.js';

/** The HDF5 signature, found at offset 0 or at a power-of-two user-block offset. */
export const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export function hasHdf5Magic(b: Uint8Array, at = 0): boolean {
  return HDF5_MAGIC.every((m, i) => b[at + i] === m);
}

/** A JSON document found after an attribute name. */
export interface Hdf5JsonAttribute {
  readonly offset: number;
  readonly text: string;
  /** The JSON object did not close within the bound. */
  readonly cut: boolean;
}

const NAME = new TextEncoder().encode('model_config');

/**
 * Finds the `model_config` attribute's JSON in an HDF5 file by a bounded
 * byte scan: the attribute name, then the first `{` within 4 KiB, then a
 * balanced JSON object of at most `maxJson` bytes. Keras stores the
 * attribute as one contiguous string (inline in the attribute message, or
 * as one heap object in dense attribute storage), so the scan does not need
 * the object tree; it does not read compressed or chunked datasets.
 */
export async function findModelConfigJson(
  src: ByteSource,
  maxJson: number,
): Promise<Hdf5JsonAttribute | undefined> {
  let carry = new Uint8Array(0);
  let carryAt = 0;
  for await (const chunk of src.chunks(0, src.size)) {
    const buf = new Uint8Array(carry.length + chunk.length);
    buf.set(carry, 0);
    buf.set(chunk, carry.length);
    const bufAt = carryAt;
    let i = indexOf(buf, NAME, 0);
    while (i >= 0) {
      const abs = bufAt + i;
      const found = await jsonAfter(src, abs + NAME.length, maxJson);
      if (found) return found;
      i = indexOf(buf, NAME, i + 1);
    }
    const keep = Math.min(buf.length, NAME.length - 1);
    carry = buf.slice(buf.length - keep);
    carryAt = bufAt + buf.length - keep;
  }
  return undefined;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (
    let i = hay.indexOf(first, from);
    i >= 0 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    let ok = true;
    for (let j = 1; j < needle.length; j++)
      if (hay[i + j] !== needle[j]) {
        ok = false;
        break;
      }
    if (ok) return i;
  }
  return -1;
}

async function jsonAfter(
  src: ByteSource,
  from: number,
  maxJson: number,
): Promise<Hdf5JsonAttribute | undefined> {
  const near = await src.read(from, 4096);
  const rel = indexOf(near, new TextEncoder().encode('{"'), 0);
  if (rel < 0) return undefined;
  const start = from + rel;
  let depth = 0;
  let inStr = false;
  let escaped = false;
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of src.chunks(start, Math.min(maxJson, src.size - start))) {
    for (let i = 0; i < c.length; i++) {
      const ch = c[i]!;
      if (inStr) {
        if (escaped) escaped = false;
        else if (ch === 0x5c) escaped = true;
        else if (ch === 0x22) inStr = false;
      } else if (ch === 0x22) inStr = true;
      else if (ch === 0x7b) depth++;
      else if (ch === 0x7d && --depth === 0) {
        parts.push(c.subarray(0, i + 1));
        return { offset: start, text: decode(parts, n + i + 1), cut: false };
      }
    }
    parts.push(c);
    n += c.length;
  }
  return { offset: start, text: decode(parts, n), cut: true };
}

function decode(parts: Uint8Array[], n: number): string {
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return new TextDecoder('utf-8').decode(out);
}
