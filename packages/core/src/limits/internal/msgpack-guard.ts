import { VigilError } from '../../errors/vigil-error.js';

// Bytes that follow a msgpack type byte before the value's data, and how a length is read.
function header(
  buf: Uint8Array,
  at: number,
): { skip: number; children: number; container?: true } | undefined {
  const c = buf[at]!;
  const u8 = (o: number) => buf[at + o];
  const u16 = (o: number) => (at + o + 2 <= buf.length ? (buf[at + o]! << 8) | buf[at + o + 1]! : undefined);
  const u32 = (o: number) =>
    at + o + 4 <= buf.length
      ? buf[at + o]! * 0x1000000 + ((buf[at + o + 1]! << 16) | (buf[at + o + 2]! << 8) | buf[at + o + 3]!)
      : undefined;
  const data = (lenBytes: number, len: number | undefined, extra = 0) =>
    len === undefined ? undefined : { skip: 1 + lenBytes + extra + len, children: 0 };
  if (c <= 0x7f || c >= 0xe0) return { skip: 1, children: 0 };
  if (c <= 0x8f) return { skip: 1, children: (c & 0x0f) * 2, container: true };
  if (c <= 0x9f) return { skip: 1, children: c & 0x0f, container: true };
  if (c <= 0xbf) return { skip: 1 + (c & 0x1f), children: 0 };
  switch (c) {
    case 0xc4:
    case 0xd9:
      return data(1, u8(1));
    case 0xc5:
    case 0xda:
      return data(2, u16(1));
    case 0xc6:
    case 0xdb:
      return data(4, u32(1));
    case 0xc7:
      return data(1, u8(1), 1);
    case 0xc8:
      return data(2, u16(1), 1);
    case 0xc9:
      return data(4, u32(1), 1);
    case 0xca:
      return { skip: 5, children: 0 };
    case 0xcb:
      return { skip: 9, children: 0 };
    case 0xcc:
    case 0xd0:
      return { skip: 2, children: 0 };
    case 0xcd:
    case 0xd1:
      return { skip: 3, children: 0 };
    case 0xce:
    case 0xd2:
      return { skip: 5, children: 0 };
    case 0xcf:
    case 0xd3:
      return { skip: 9, children: 0 };
    case 0xd4:
      return { skip: 3, children: 0 };
    case 0xd5:
      return { skip: 4, children: 0 };
    case 0xd6:
      return { skip: 6, children: 0 };
    case 0xd7:
      return { skip: 10, children: 0 };
    case 0xd8:
      return { skip: 18, children: 0 };
    case 0xdc: {
      const n = u16(1);
      return n === undefined ? undefined : { skip: 3, children: n, container: true };
    }
    case 0xdd: {
      const n = u32(1);
      return n === undefined ? undefined : { skip: 5, children: n, container: true };
    }
    case 0xde: {
      const n = u16(1);
      return n === undefined ? undefined : { skip: 3, children: n * 2, container: true };
    }
    case 0xdf: {
      const n = u32(1);
      return n === undefined ? undefined : { skip: 5, children: n * 2, container: true };
    }
    default:
      // 0xc0 nil, 0xc2 false, 0xc3 true; 0xc1 is never used and is left to the decoder to refuse.
      return { skip: 1, children: 0 };
  }
}

/**
 * Walks the headers of one msgpack value, without decoding it, and throws
 * when it nests deeper or holds more values than the limits allow — before
 * the decoder builds the tree. A value that runs past the end is left to the
 * decoder, which names the offset.
 */
export function guardMsgpack(
  buf: Uint8Array,
  file: string,
  limits: { maxDepth: number; maxNodes: number },
  baseOffset = 0,
): void {
  const remaining: number[] = [1];
  let at = 0;
  let nodes = 0;
  while (remaining.length > 0) {
    const top = remaining.length - 1;
    if (remaining[top] === 0) {
      remaining.pop();
      continue;
    }
    remaining[top]!--;
    if (at >= buf.length) return;
    const h = header(buf, at);
    if (!h) return;
    if (++nodes > limits.maxNodes)
      throw new VigilError(
        'INPUT_INVALID',
        `msgpack holds more than ${limits.maxNodes} values (the limit for this input)`,
        {
          location: { file, offset: baseOffset + at },
        },
      );
    if (h.container && remaining.length > limits.maxDepth)
      throw new VigilError(
        'INPUT_INVALID',
        `msgpack nests deeper than ${limits.maxDepth} levels (the limit for this input)`,
        {
          location: { file, offset: baseOffset + at },
        },
      );
    if (h.children > 0) {
      // A container cannot hold more values than there are bytes left: refuse at once.
      if (h.children > buf.length - at)
        throw new VigilError(
          'INPUT_INVALID',
          `msgpack container claims ${h.children} values, more than the bytes left`,
          {
            location: { file, offset: baseOffset + at },
          },
        );
      remaining.push(h.children);
    }
    at += h.skip;
  }
}
