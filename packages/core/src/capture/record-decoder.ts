/**
 * A msgpack decoder specialised for capture blocks: it reads records straight
 * into event objects (no intermediate arrays, no per-record generator), and
 * shares one string object per distinct short ASCII value (kinds, comms,
 * executables, addresses, DNS names, enum values), so downstream equality
 * checks and map lookups hit strings whose hash is already known.
 *
 * It accepts the msgpack subset the format uses (nil, booleans, integers,
 * floats, strings, binary, arrays and maps); extension types, non-string map
 * keys, nesting deeper than {@link MAX_DEPTH} and lengths that run past the
 * block are rejected with a {@link RecordDecodeError}.
 *
 * @internal
 */

import { MAX_TABLE_CHARS, MAX_TABLE_STRINGS, STRING_REF_EXT } from './format.js';

/**
 * Longest string-table entry that is interned (so `===` against literals and other interned strings
 * is a pointer compare: comms, enums, addresses). Interning costs microseconds per string, and the
 * longer entries, paths, are compared downstream as the one table object anyway.
 */
const INTERN_MAX_CHARS = 32;

/** Deepest nesting of arrays and maps inside one record. */
export const MAX_DEPTH = 32;
/** Longest string (in bytes) considered for sharing. */
const SHARE_MAX_BYTES = 128;
/** Misses in a row after which a field slot stops remembering its last string (until its count wraps at 256). */
const LAST_MISSES = 32;
/** Longest value {@link shareHash} hashes whole; longer ones are hashed by sampled words. */
const FULL_HASH_BYTES = 24;
/** Slots in the shared-string table (a power of two); it holds at most half as many values. */
const SHARE_SLOTS = 1 << 15;
/** Slots probed before a lookup gives up: bounded work for values whose hashes cluster. */
const SHARE_PROBES = 8;
/** A slot's state: seen once (its string is not interned yet), interned, interned and read since the last sweep. */
const ONCE = 0;
const KEPT = 1;
const READ = 2;

/** Raised for bytes that are not a well-formed record; the caller adds file and offset. */
export class RecordDecodeError extends Error {}
/** A string-table record or reference that is not well formed (format version 2). */
export class StringTableError extends RecordDecodeError {}

/** What a record decodes to: its first element and, for non-event records, the rest. */
export class CaptureRecordDecoder {
  #bytes: Buffer = Buffer.alloc(0);
  #view: DataView = new DataView(new ArrayBuffer(0));
  #pos = 0;
  #end = 0;
  /**
   * The shared strings: an open-addressing table keyed by a value's bytes (kept in an arena), so
   * every value that recurs is one string object, found without decoding or allocating. A value
   * is interned on its second sighting; when the table fills up, a sweep keeps the values read
   * since the previous sweep and drops the rest (one-off paths and names never crowd it for long).
   */
  readonly #shareMask: number;
  readonly #shareStr: (string | undefined)[];
  readonly #shareHash: Int32Array;
  /** Byte length per slot; -1 for an empty slot. */
  #shareLen: Int32Array;
  #shareOff: Int32Array;
  #shareState: Uint8Array;
  #shareCount = 0;
  #arena: Uint8Array;
  #arenaView: DataView;
  #arenaEnd = 0;

  /** `shareSlots`: slots of the shared-string table (a power of two; small values exercise its sweeps in tests). */
  constructor(shareSlots: number = SHARE_SLOTS) {
    if (!(shareSlots >= 16 && (shareSlots & (shareSlots - 1)) === 0))
      throw new RangeError(`shareSlots must be a power of two of at least 16, got ${shareSlots}`);
    this.#shareMask = shareSlots - 1;
    this.#shareStr = new Array<string | undefined>(shareSlots);
    this.#shareHash = new Int32Array(shareSlots);
    this.#shareLen = new Int32Array(shareSlots).fill(-1);
    this.#shareOff = new Int32Array(shareSlots);
    this.#shareState = new Uint8Array(shareSlots);
    // Room for every value the table can hold at the longest shared length.
    this.#arena = new Uint8Array((shareSlots >>> 1) * SHARE_MAX_BYTES);
    this.#arenaView = new DataView(this.#arena.buffer);
  }

  /**
   * The capture's string table (format version 2), by index; undefined for a version-1 file, where
   * an extension type is corrupt. Entries of up to {@link INTERN_MAX_CHARS} characters are the
   * engine's interned copies.
   */
  #table: string[] | undefined;
  #tableChars = 0;

  /** Accepts string references (format version 2) from now on, against an empty table. */
  useStringTable(): void {
    this.#table = [];
    this.#tableChars = 0;
  }

  /**
   * Reads the rest of a `[2, index, string]` record (after its type) and declares the string: the
   * index must be the next entry and the value a msgpack string (not a reference).
   */
  declareString(): void {
    const table = this.#table;
    if (table === undefined)
      throw new StringTableError('a string-table record in a format-version-1 capture');
    const idx = this.value();
    if (idx !== table.length)
      throw new StringTableError(
        `string-table record declares entry ${String(idx)}, expected the next entry, ${table.length}`,
      );
    if (idx >= MAX_TABLE_STRINGS)
      throw new StringTableError(`the string table declares more than ${MAX_TABLE_STRINGS} strings`);
    if (this.#pos >= this.#end) throw new RecordDecodeError('a value runs past the end of its block');
    const b = this.#bytes[this.#pos]!;
    if (!((b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb))
      throw new StringTableError(`string-table entry ${idx} is not a string (type byte 0x${hex(b)})`);
    this.#pos++;
    const n = b <= 0xbf ? b - 0xa0 : b === 0xd9 ? this.#u8() : b === 0xda ? this.#u16() : this.#u32();
    this.#need(n);
    // Decoded in full, not through the shared strings: each entry is read once per file.
    const s = this.#bytes.toString('utf8', this.#pos, this.#pos + n);
    this.#pos += n;
    this.#tableChars += s.length;
    if (this.#tableChars > MAX_TABLE_CHARS)
      throw new StringTableError(`the string table holds more than ${MAX_TABLE_CHARS} characters`);
    table.push(s.length <= INTERN_MAX_CHARS ? internalise(s) : s);
  }

  /** Reads a string reference whose first byte `b` (0xd4, 0xd5 or 0xd6) is at the current position. */
  #ref(b: number): string {
    const pos = this.#pos;
    const width = b === 0xd4 ? 1 : b === 0xd5 ? 2 : 4;
    if (pos + 2 + width > this.#end) throw new RecordDecodeError('a value runs past the end of its block');
    const type = this.#bytes[pos + 1]!;
    const table = this.#table;
    if (table === undefined)
      throw new RecordDecodeError(`a msgpack extension type (0x${hex(b)}), which captures do not use`);
    if (type !== STRING_REF_EXT)
      throw new RecordDecodeError(
        `a msgpack extension of type ${type} (0x${hex(b)}); captures use only type ${STRING_REF_EXT}, string references`,
      );
    const idx =
      width === 1
        ? this.#bytes[pos + 2]!
        : width === 2
          ? this.#view.getUint16(pos + 2)
          : this.#view.getUint32(pos + 2);
    const s = table[idx];
    if (s === undefined)
      throw new StringTableError(
        `a reference to string-table entry ${idx}, but the table holds ${table.length} entries so far`,
      );
    this.#pos = pos + 2 + width;
    return s;
  }

  /** The last string read at each field slot (see {@link CaptureRecordDecoder.field}). */
  #last: (string | undefined)[] = [];
  #lastBytes = new Uint8Array(0);
  #lastView = new DataView(this.#lastBytes.buffer);
  #lastLen = new Int32Array(0);
  /**
   * Misses in a row at each field slot, wrapping at 256. A slot past {@link LAST_MISSES} misses
   * (a path field, whose values rarely repeat back to back) stops copying each value it reads
   * into its last-string bytes, and tries again when the count wraps.
   */
  #lastMisses = new Uint8Array(0);

  /** Sets how many field slots {@link CaptureRecordDecoder.field} remembers a last string for. */
  fieldSlots(n: number): void {
    this.#last = new Array<string | undefined>(n);
    this.#lastBytes = new Uint8Array(n * SHARE_MAX_BYTES);
    this.#lastView = new DataView(this.#lastBytes.buffer);
    this.#lastLen = new Int32Array(n).fill(-1);
    this.#lastMisses = new Uint8Array(n);
  }

  /**
   * Reads a value at a record position that tends to repeat (an event's comm,
   * executable, kind-specific names): a string equal to the last one read at
   * `slot` is returned without hashing or allocating.
   */
  field(slot: number): unknown {
    if (this.#pos >= this.#end) throw new RecordDecodeError('a value runs past the end of its block');
    const b = this.#bytes[this.#pos]!;
    if (b >= 0xd4 && b <= 0xd6) return this.#ref(b);
    let n: number;
    if (b >= 0xa0 && b <= 0xbf) {
      n = b - 0xa0;
      this.#pos++;
    } else if (b === 0xd9) {
      this.#pos++;
      n = this.#u8();
    } else return this.value();
    this.#need(n);
    const pos = this.#pos;
    // Same bytes, same string: the bytes are compared a word at a time, then the string is reused.
    if (this.#lastLen[slot] === n && sameBytes(this.#view, pos, this.#lastView, slot * SHARE_MAX_BYTES, n)) {
      this.#pos += n;
      this.#lastMisses[slot] = 0;
      return this.#last[slot];
    }
    const str = this.#str(n);
    if (n > SHARE_MAX_BYTES || slot >= this.#lastLen.length) return str;
    const misses = this.#lastMisses[slot]!;
    this.#lastMisses[slot] = misses + 1; // wraps to 0 at 256
    if (misses < LAST_MISSES) {
      this.#last[slot] = str;
      this.#lastLen[slot] = n;
      copyBytes(this.#view, pos, this.#lastView, slot * SHARE_MAX_BYTES, n);
    }
    return str;
  }

  /** Points the decoder at `bytes[start, end)`. */
  reset(bytes: Buffer, start = 0, end = bytes.length): void {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = start;
    this.#end = end;
  }

  /** True while bytes remain. */
  get more(): boolean {
    return this.#pos < this.#end;
  }

  /** Byte position inside the current buffer. */
  get pos(): number {
    return this.#pos;
  }

  /** Moves back to `pos` (a position this decoder returned from {@link CaptureRecordDecoder.pos} in the current block). */
  seek(pos: number): void {
    this.#pos = pos;
  }

  /** Reads an array header and returns its length. */
  arrayHeader(): number {
    const b = this.#u8();
    if (b >= 0x90 && b <= 0x9f) return b - 0x90;
    if (b === 0xdc) return this.#u16();
    if (b === 0xdd) return this.#u32();
    throw new RecordDecodeError(`expected a record (a msgpack array), found type byte 0x${hex(b)}`);
  }

  /**
   * Reads a value where a number (or nil) is expected: the integer forms captures use are read
   * here, in a function small enough to be inlined into the generated decoders; anything else
   * (floats included) through {@link CaptureRecordDecoder.value}, so the result is always what
   * `value()` gives.
   */
  num(): unknown {
    const pos = this.#pos;
    const end = this.#end;
    if (pos < end) {
      const b = this.#bytes[pos]!;
      if (b <= 0x7f) {
        this.#pos = pos + 1;
        return b;
      }
      if (b === 0xce && pos + 5 <= end) {
        this.#pos = pos + 5;
        return this.#view.getUint32(pos + 1);
      }
      if (b === 0xcf && pos + 9 <= end) {
        this.#pos = pos + 9;
        return this.#view.getUint32(pos + 1) * 4294967296 + this.#view.getUint32(pos + 5);
      }
      if (b === 0xc0) {
        this.#pos = pos + 1;
        return null;
      }
      if (b === 0xcd && pos + 3 <= end) {
        this.#pos = pos + 3;
        return this.#view.getUint16(pos + 1);
      }
      if (b >= 0xe0) {
        this.#pos = pos + 1;
        return b - 0x100;
      }
    }
    return this.value();
  }

  /** Reads any value. */
  value(depth = 0): unknown {
    const b = this.#u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0 && b <= 0xbf) return this.#str(b - 0xa0);
    if (b >= 0x90 && b <= 0x9f) return this.#array(b - 0x90, depth);
    if (b >= 0x80 && b <= 0x8f) return this.#map(b - 0x80, depth);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xcc:
        return this.#u8();
      case 0xcd:
        return this.#u16();
      case 0xce:
        return this.#u32();
      case 0xcf: {
        const hi = this.#u32();
        return hi * 4294967296 + this.#u32();
      }
      case 0xd0: {
        this.#need(1);
        return this.#view.getInt8(this.#pos++);
      }
      case 0xd1: {
        this.#need(2);
        const v = this.#view.getInt16(this.#pos);
        this.#pos += 2;
        return v;
      }
      case 0xd2: {
        this.#need(4);
        const v = this.#view.getInt32(this.#pos);
        this.#pos += 4;
        return v;
      }
      case 0xd3: {
        this.#need(8);
        const hi = this.#view.getInt32(this.#pos);
        const lo = this.#view.getUint32(this.#pos + 4);
        this.#pos += 8;
        return hi * 4294967296 + lo;
      }
      case 0xca: {
        this.#need(4);
        const v = this.#view.getFloat32(this.#pos);
        this.#pos += 4;
        return v;
      }
      case 0xcb: {
        this.#need(8);
        const v = this.#view.getFloat64(this.#pos);
        this.#pos += 8;
        return v;
      }
      case 0xd9:
        return this.#str(this.#u8());
      case 0xda:
        return this.#str(this.#u16());
      case 0xdb:
        return this.#str(this.#u32());
      case 0xc4:
        return this.#bin(this.#u8());
      case 0xc5:
        return this.#bin(this.#u16());
      case 0xc6:
        return this.#bin(this.#u32());
      case 0xdc:
        return this.#array(this.#u16(), depth);
      case 0xdd:
        return this.#array(this.#u32(), depth);
      case 0xde:
        return this.#map(this.#u16(), depth);
      case 0xdf:
        return this.#map(this.#u32(), depth);
      case 0xd4:
      case 0xd5:
      case 0xd6:
        this.#pos--;
        return this.#ref(b);
      default:
        throw new RecordDecodeError(
          b === 0xc1
            ? 'the never-used msgpack byte 0xc1'
            : `a msgpack extension type (0x${hex(b)}), which captures do not use`,
        );
    }
  }

  #array(n: number, depth: number): unknown[] {
    if (depth >= MAX_DEPTH) throw new RecordDecodeError(`arrays and maps nested deeper than ${MAX_DEPTH}`);
    // Every element takes at least one byte: a length past the block is corrupt, not a huge allocation.
    if (n > this.#end - this.#pos)
      throw new RecordDecodeError(`an array of ${n} elements runs past the block`);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
    return out;
  }

  #map(n: number, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) throw new RecordDecodeError(`arrays and maps nested deeper than ${MAX_DEPTH}`);
    if (n * 2 > this.#end - this.#pos)
      throw new RecordDecodeError(`a map of ${n} entries runs past the block`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.value(depth + 1);
      if (typeof k !== 'string')
        throw new RecordDecodeError(`a map key of type ${typeof k} (keys are strings)`);
      const v = this.value(depth + 1);
      // A key named __proto__ becomes an own property, never the prototype.
      if (k === '__proto__')
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }

  #bin(n: number): Uint8Array {
    this.#need(n);
    // A copy (Buffer#slice would be a view that keeps the whole read buffer alive).
    const out = Buffer.from(this.#bytes.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return out;
  }

  #str(n: number): string {
    this.#need(n);
    const bytes = this.#bytes;
    const start = this.#pos;
    this.#pos += n;
    if (n === 0) return '';
    if (n <= SHARE_MAX_BYTES) {
      const view = this.#view;
      const end = start + n;
      const h = shareHash(view, bytes, start, n);
      const mask = this.#shareMask;
      const lens = this.#shareLen;
      let slot = h & mask;
      let free = -1;
      for (let p = 0; p < SHARE_PROBES; p++) {
        const len = lens[slot]!;
        if (len < 0) {
          free = slot;
          break;
        }
        if (
          len === n &&
          this.#shareHash[slot] === h &&
          sameBytes(view, start, this.#arenaView, this.#shareOff[slot]!, n)
        ) {
          const state = this.#shareState[slot]!;
          if (state === READ) return this.#shareStr[slot]!;
          this.#shareState[slot] = READ;
          if (state === KEPT) return this.#shareStr[slot]!;
          // Seen again: worth the engine's canonical copy (=== against literals is then a pointer compare).
          const canonical = internalise(this.#shareStr[slot]!);
          this.#shareStr[slot] = canonical;
          return canonical;
        }
        slot = (slot + 1) & mask;
      }
      const s = ascii(view, bytes, start, end)
        ? bytes.toString('latin1', start, end)
        : bytes.toString('utf8', start, end);
      if (free < 0) return s; // a crowded run of slots: not shared
      if (this.#shareCount * 2 >= mask) {
        this.#sweep();
        free = this.#freeSlot(h);
        if (free < 0) return s;
      }
      this.#place(free, s, h, ONCE, view, start, n);
      return s;
    }
    // Flat strings from one native call: building them piecewise leaves rope strings that every later hash or compare must flatten.
    return bytes.toString('utf8', start, start + n);
  }

  #place(slot: number, s: string, h: number, state: number, from: DataView, at: number, n: number): void {
    const off = this.#arenaEnd;
    copyBytes(from, at, this.#arenaView, off, n);
    this.#arenaEnd = off + n;
    this.#shareStr[slot] = s;
    this.#shareHash[slot] = h;
    this.#shareLen[slot] = n;
    this.#shareOff[slot] = off;
    this.#shareState[slot] = state;
    this.#shareCount++;
  }

  /** The first empty slot on `h`'s probe run, or -1. */
  #freeSlot(h: number): number {
    const mask = this.#shareMask;
    let slot = h & mask;
    for (let p = 0; p < SHARE_PROBES; p++) {
      if (this.#shareLen[slot]! < 0) return slot;
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /**
   * Makes room: keeps the values read since the previous sweep (at most a quarter of the slots,
   * else none), drops the rest, and compacts the arena.
   */
  #sweep(): void {
    const strs = this.#shareStr;
    const lens = this.#shareLen;
    const offs = this.#shareOff;
    const states = this.#shareState;
    const hashes = this.#shareHash;
    const slots = this.#shareMask + 1;
    let kept = 0;
    for (let i = 0; i < slots; i++) if (lens[i]! >= 0 && states[i] === READ) kept++;
    const keep = kept * 4 <= slots;
    const oldView = this.#arenaView;
    const oldStrs = strs.slice();
    const oldLens = lens;
    const oldOffs = offs;
    const oldStates = states;
    const oldHashes = hashes.slice();
    this.#shareLen = new Int32Array(slots).fill(-1);
    this.#shareOff = new Int32Array(slots);
    this.#shareState = new Uint8Array(slots);
    strs.fill(undefined);
    this.#shareCount = 0;
    this.#arena = new Uint8Array(this.#arena.length);
    this.#arenaView = new DataView(this.#arena.buffer);
    this.#arenaEnd = 0;
    if (!keep) return;
    for (let i = 0; i < slots; i++) {
      if (oldLens[i]! < 0 || oldStates[i] !== READ) continue;
      const h = oldHashes[i]!;
      const slot = this.#freeSlot(h);
      if (slot >= 0) this.#place(slot, oldStrs[i]!, h, KEPT, oldView, oldOffs[i]!, oldLens[i]!);
    }
  }

  #need(n: number): void {
    if (this.#pos + n > this.#end) throw new RecordDecodeError('a value runs past the end of its block');
  }

  #u8(): number {
    if (this.#pos >= this.#end) throw new RecordDecodeError('a value runs past the end of its block');
    return this.#bytes[this.#pos++]!;
  }

  #u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.#pos);
    this.#pos += 2;
    return v;
  }

  #u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return v;
  }
}

/**
 * The shared-string table's hash of `n` bytes at `start`: FNV-1a over 32-bit words. A value of up
 * to {@link FULL_HASH_BYTES} is hashed whole; a longer one by its length, its last 16 bytes and
 * the words a quarter and half way in. A lookup compares a candidate's bytes in full anyway, so
 * hashing every byte of a long path as well read it twice; the sampled words are where paths that
 * share a directory differ (file names, then package and directory names). Values that agree on
 * every sampled word share a probe run, which is bounded: past it a value is decoded unshared.
 */
function shareHash(view: DataView, bytes: Uint8Array, start: number, n: number): number {
  let h = 0x811c9dc5;
  const end = start + n;
  if (n <= FULL_HASH_BYTES) {
    let i = start;
    for (; i + 4 <= end; i += 4) h = Math.imul(h ^ view.getUint32(i, true), 0x01000193);
    for (; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  } else {
    h = Math.imul(h ^ n, 0x01000193);
    h = Math.imul(h ^ view.getUint32(end - 4, true), 0x01000193);
    h = Math.imul(h ^ view.getUint32(end - 8, true), 0x01000193);
    h = Math.imul(h ^ view.getUint32(end - 12, true), 0x01000193);
    h = Math.imul(h ^ view.getUint32(end - 16, true), 0x01000193);
    h = Math.imul(h ^ view.getUint32(start + (n >>> 2), true), 0x01000193);
    h = Math.imul(h ^ view.getUint32(start + (n >>> 1), true), 0x01000193);
  }
  return h ^ (h >>> 15);
}

/** True when every byte of `bytes[start, end)` is ASCII (below 0x80). */
function ascii(view: DataView, bytes: Uint8Array, start: number, end: number): boolean {
  let high = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) high |= view.getUint32(i, true);
  for (; i < end; i++) high |= bytes[i]!;
  return (high & 0x80808080) === 0;
}

/** Copies `n` bytes from `a[i]` to `b[j]`, four at a time (Buffer#copy costs more than this for short runs). */
function copyBytes(a: DataView, i: number, b: DataView, j: number, n: number): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) b.setUint32(j + k, a.getUint32(i + k));
  for (; k < n; k++) b.setUint8(j + k, a.getUint8(i + k));
}

/** Whether `n` bytes at `a[i]` equal those at `b[j]`, compared four at a time. */
function sameBytes(a: DataView, i: number, b: DataView, j: number, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) if (a.getUint32(i + k) !== b.getUint32(j + k)) return false;
  for (; k < n; k++) if (a.getUint8(i + k) !== b.getUint8(j + k)) return false;
  return true;
}

/**
 * Where {@link internalise} puts a key for a moment: an object already in dictionary mode (a
 * deleted property keeps it there), so a new key never makes a hidden class of its own, as it does
 * on a fresh `{}` (one map per distinct string, several times the cost).
 */
const INTERNER: Record<string, 0> = Object.create(null) as Record<string, 0>;
INTERNER['dictionary'] = 0;
delete INTERNER['dictionary'];

/**
 * The engine's canonical copy of `s` (property keys are interned), so `===`
 * against literals and other interned strings is a pointer comparison. Equal
 * to `s` always: it is `s`'s own key, read back.
 */
export function internalise(s: string): string {
  INTERNER[s] = 0;
  const k = Object.keys(INTERNER)[0];
  delete INTERNER[s];
  return k ?? s;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
