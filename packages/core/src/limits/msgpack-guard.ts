import { VigilError } from '../errors/vigil-error.js';

// The header at `at`: bytes to skip to the next value (SKIP), values it contains (CHILDREN), whether
// it is a container (CONTAINER); false when the header runs past the end. Module state, not an object
// per value: the walk runs once per value of a file of millions.
let SKIP = 0;
let CHILDREN = 0;
let CONTAINER = false;

function u16(buf: Uint8Array, o: number): number {
  return o + 2 <= buf.length ? (buf[o]! << 8) | buf[o + 1]! : -1;
}
function u32(buf: Uint8Array, o: number): number {
  return o + 4 <= buf.length
    ? buf[o]! * 0x1000000 + ((buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!)
    : -1;
}

function header(buf: Uint8Array, at: number): boolean {
  const c = buf[at]!;
  CHILDREN = 0;
  CONTAINER = false;
  SKIP = 1;
  if (c <= 0x7f || c >= 0xe0) return true;
  if (c <= 0x8f) {
    CHILDREN = (c & 0x0f) * 2;
    CONTAINER = true;
    return true;
  }
  if (c <= 0x9f) {
    CHILDREN = c & 0x0f;
    CONTAINER = true;
    return true;
  }
  if (c <= 0xbf) {
    SKIP = 1 + (c & 0x1f);
    return true;
  }
  let len: number;
  switch (c) {
    case 0xc4:
    case 0xd9:
      if (at + 1 >= buf.length) return false;
      SKIP = 2 + buf[at + 1]!;
      return true;
    case 0xc5:
    case 0xda:
      len = u16(buf, at + 1);
      SKIP = 3 + len;
      return len >= 0;
    case 0xc6:
    case 0xdb:
      len = u32(buf, at + 1);
      SKIP = 5 + len;
      return len >= 0;
    case 0xc7:
      if (at + 1 >= buf.length) return false;
      SKIP = 3 + buf[at + 1]!;
      return true;
    case 0xc8:
      len = u16(buf, at + 1);
      SKIP = 4 + len;
      return len >= 0;
    case 0xc9:
      len = u32(buf, at + 1);
      SKIP = 6 + len;
      return len >= 0;
    case 0xca:
    case 0xce:
    case 0xd2:
      SKIP = 5;
      return true;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      SKIP = 9;
      return true;
    case 0xcc:
    case 0xd0:
      SKIP = 2;
      return true;
    case 0xcd:
    case 0xd1:
      SKIP = 3;
      return true;
    case 0xd4:
      SKIP = 3;
      return true;
    case 0xd5:
      SKIP = 4;
      return true;
    case 0xd6:
      SKIP = 6;
      return true;
    case 0xd7:
      SKIP = 10;
      return true;
    case 0xd8:
      SKIP = 18;
      return true;
    case 0xdc:
    case 0xde:
      len = u16(buf, at + 1);
      SKIP = 3;
      CHILDREN = c === 0xde ? len * 2 : len;
      CONTAINER = true;
      return len >= 0;
    case 0xdd:
    case 0xdf:
      len = u32(buf, at + 1);
      SKIP = 5;
      CHILDREN = c === 0xdf ? len * 2 : len;
      CONTAINER = true;
      return len >= 0;
    default:
      // 0xc0 nil, 0xc2 false, 0xc3 true; 0xc1 is never used and is left to the decoder to refuse.
      return true;
  }
}

/**
 * Walks the headers of one msgpack value as its bytes stream in, without
 * decoding it, and throws when it nests deeper or holds more values than the
 * limits allow — before a decoder builds the tree, and before the rest of the
 * file is read. A header cut by a chunk boundary waits for the next chunk;
 * string and binary payloads are skipped across chunks. A value that runs
 * past the end is left to the decoder, which names the offset.
 */
export class MsgpackGuard {
  readonly #file: string;
  readonly #limits: { maxDepth: number; maxNodes: number };
  readonly #total: number | undefined;
  readonly #remaining: number[] = [1];
  #offset: number;
  #skip = 0;
  #carry: Uint8Array = new Uint8Array(0);
  #nodes = 0;

  /**
   * @param baseOffset - file offset of the first byte fed (after a prefix)
   * @param totalBytes - the size of what will be fed, when known: a container
   *   claiming more values than bytes remain is then refused at once
   */
  constructor(
    file: string,
    limits: { maxDepth: number; maxNodes: number },
    baseOffset = 0,
    totalBytes?: number,
  ) {
    this.#file = file;
    this.#limits = limits;
    this.#offset = baseOffset;
    this.#total = totalBytes === undefined ? undefined : baseOffset + totalBytes;
  }

  /** Values counted so far. */
  get nodes(): number {
    return this.#nodes;
  }

  #fail(message: string, offset: number): never {
    throw new VigilError('INPUT_INVALID', message, { location: { file: this.#file, offset } });
  }

  /** Walks the next chunk; throws a `VigilError` (`INPUT_INVALID`) naming the file and byte offset. */
  feed(chunk: Uint8Array): void {
    const remaining = this.#remaining;
    if (remaining.length === 0) return;
    let buf = chunk;
    let base = this.#offset;
    if (this.#carry.length > 0) {
      const joined = new Uint8Array(this.#carry.length + chunk.length);
      joined.set(this.#carry, 0);
      joined.set(chunk, this.#carry.length);
      base -= this.#carry.length;
      buf = joined;
      this.#carry = new Uint8Array(0);
    }
    let at = Math.min(this.#skip, buf.length);
    this.#skip -= at;
    const { maxDepth, maxNodes } = this.#limits;
    while (remaining.length > 0) {
      const top = remaining.length - 1;
      if (remaining[top] === 0) {
        remaining.pop();
        continue;
      }
      if (at >= buf.length) break;
      if (!header(buf, at)) {
        this.#carry = buf.slice(at);
        at = buf.length;
        break;
      }
      remaining[top]!--;
      if (++this.#nodes > maxNodes)
        this.#fail(`msgpack holds more than ${maxNodes} values (the limit for this input)`, base + at);
      if (CONTAINER && remaining.length > maxDepth)
        this.#fail(`msgpack nests deeper than ${maxDepth} levels (the limit for this input)`, base + at);
      if (CHILDREN > 0) {
        // A container cannot hold more values than there are bytes left: refuse at once.
        if (this.#total !== undefined && CHILDREN > this.#total - (base + at))
          this.#fail(`msgpack container claims ${CHILDREN} values, more than the bytes left`, base + at);
        remaining.push(CHILDREN);
      }
      if (at + SKIP > buf.length) {
        this.#skip = at + SKIP - buf.length;
        at = buf.length;
      } else at += SKIP;
    }
    this.#offset = base + buf.length;
  }
}

/**
 * Walks the headers of one msgpack value in memory, without decoding it (see
 * {@link MsgpackGuard}).
 */
export function guardMsgpack(
  buf: Uint8Array,
  file: string,
  limits: { maxDepth: number; maxNodes: number },
  baseOffset = 0,
): void {
  new MsgpackGuard(file, limits, baseOffset, buf.length).feed(buf);
}
