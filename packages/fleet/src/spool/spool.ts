import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/core';
import {
  decodeSpoolSegment,
  encodeSpoolRecord,
  SPOOL_HEADER_BYTES,
  SPOOL_MAX_RECORD_BYTES,
  SPOOL_RECORD_OVERHEAD,
  type SpoolRecord,
  segmentHeader,
} from './segment.js';

/**
 * Default byte cap of a spool: 256 MiB.
 *
 * @example
 * ```ts
 * Spool.open({ dir, maxBytes: DEFAULT_SPOOL_MAX_BYTES / 4 });
 * ```
 */
export const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;
/**
 * Default size at which a spool starts a new segment: 8 MiB.
 *
 * @example
 * ```ts
 * Spool.open({ dir, segmentBytes: DEFAULT_SPOOL_SEGMENT_BYTES });
 * ```
 */
export const DEFAULT_SPOOL_SEGMENT_BYTES = 8 * 1024 * 1024;

const SEGMENT = /^seg-(\d{12})\.vspool$/;
const CURSOR = 'cursor.json';

/**
 * Options of a {@link Spool}.
 *
 * @example
 * ```ts
 * const options: SpoolOptions = { dir: '/var/lib/vigil/spool', maxBytes: 64 * 1024 * 1024 };
 * ```
 */
export interface SpoolOptions {
  /** The folder of the segment files (created when missing). */
  readonly dir: string;
  /** Records are refused once the unacknowledged bytes on disk would pass this. */
  readonly maxBytes?: number;
  /** A segment is closed and a new one started past this size. */
  readonly segmentBytes?: number;
}

/**
 * A record read from the spool with its place, to acknowledge it by.
 *
 * @example
 * ```ts
 * for (const r of spool.read(100)) console.log(r.record.subject);
 * ```
 */
export interface SpooledRecord {
  readonly record: SpoolRecord;
  /** Opaque position after this record. */
  readonly position: SpoolPosition;
}

/**
 * A place in the spool: a segment number and a byte offset in it.
 *
 * @example
 * ```ts
 * const [last] = spool.read(1);
 * if (last) spool.ack(last.position);
 * ```
 */
export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
}

/**
 * What a spool holds and what it refused.
 *
 * @example
 * ```ts
 * const { bytes, maxBytes, refused } = spool.stats();
 * ```
 */
export interface SpoolStats {
  /** Unacknowledged bytes on disk (segments past the acknowledged position). */
  readonly bytes: number;
  /** The byte cap. */
  readonly maxBytes: number;
  /** Segment files on disk. */
  readonly segments: number;
  /** Records appended since the spool was opened. */
  readonly appended: number;
  /** Records refused because the cap was reached. */
  readonly refused: number;
  /** Bytes of the refused records. */
  readonly refusedBytes: number;
  /** Damaged segments found (their whole records before the damage are kept). */
  readonly corruptSegments: number;
}

/**
 * An append-only, fsynced, byte-capped queue of messages on disk: what a
 * {@link FleetPublisher} keeps until JetStream acknowledges it. Records are
 * read back in the order they were appended, after a restart too; a damaged
 * segment is reported (a `VigilError` naming the file and offset), its
 * records before the damage are kept and the segments after it are read on.
 *
 * @example
 * ```ts
 * import { Spool } from '@vigil/fleet';
 *
 * const spool = Spool.open({ dir: '/tmp/vigil-spool', maxBytes: 1 << 20 });
 * spool.append({ subject: 'vigil.finding.000.ab', msgId: 'm1', data: '{}' });
 * spool.flush();
 * const [next] = spool.read(1);
 * if (next) spool.ack(next.position);
 * spool.close();
 * ```
 */
export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  /** Problems met while reading segments; the caller drains and reports them. */
  readonly errors: VigilError[] = [];
  // Segment numbers on disk, ascending; the last is the one written to.
  readonly #segments: number[] = [];
  readonly #sizes = new Map<number, number>();
  #acked: SpoolPosition;
  #read: SpoolPosition;
  #fd: number | undefined;
  #writeSeg = 0;
  #writeSize = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  // The size the segment being written will have once the pending records are written.
  #virtualSize: number | undefined;
  #bytes = 0;
  #appended = 0;
  #refused = 0;
  #refusedBytes = 0;
  #corrupt = 0;
  #closed = false;
  readonly #damaged = new Set<number>();
  // The decoded records of the segment being read, so each segment is parsed once.
  #cache: { segment: number; size: number; records: { record: SpoolRecord; end: number }[] } | undefined;

  private constructor(options: SpoolOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SPOOL_SEGMENT_BYTES;
    if (!(this.maxBytes > 0))
      throw new VigilError('USAGE', `spool maxBytes must be positive, not ${this.maxBytes}`);
    this.#acked = { segment: 0, offset: 0 };
    this.#read = this.#acked;
  }

  /**
   * Opens (or creates) a spool folder: what an earlier run left unacknowledged
   * is read first, and new records go to a new segment.
   */
  static open(options: SpoolOptions): Spool {
    const s = new Spool(options);
    s.#load();
    return s;
  }

  #load(): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      for (const name of readdirSync(this.dir).sort()) {
        const m = SEGMENT.exec(name);
        if (!m) continue;
        const n = Number(m[1]);
        this.#segments.push(n);
        this.#sizes.set(n, statSync(join(this.dir, name)).size);
      }
    } catch (cause) {
      throw new VigilError('IO', `cannot open the spool folder ${this.dir}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const first = this.#segments[0];
    this.#acked = { segment: first ?? 0, offset: 0 };
    const cursor = this.#readCursor();
    if (cursor && (first === undefined || cursor.segment >= first) && this.#sizes.has(cursor.segment)) {
      this.#acked = cursor;
    }
    this.#read = this.#acked;
    this.#bytes = this.#unacked();
    this.#writeSeg = (this.#segments.at(-1) ?? 0) + 1;
  }

  #readCursor(): SpoolPosition | undefined {
    const file = join(this.dir, CURSOR);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const v = JSON.parse(text) as { segment?: unknown; offset?: unknown };
      if (Number.isInteger(v.segment) && Number.isInteger(v.offset) && (v.offset as number) >= 0)
        return { segment: v.segment as number, offset: v.offset as number };
    } catch {
      // A cursor cut short by a crash: everything is read again and JetStream drops the duplicates.
    }
    this.errors.push(
      new VigilError(
        'INPUT_INVALID',
        `spool cursor ${file}: expected {"segment": n, "offset": n}; reading from the oldest segment`,
        {
          location: { file },
        },
      ),
    );
    return undefined;
  }

  #unacked(): number {
    let n = 0;
    for (const seg of this.#segments) {
      const size = this.#sizes.get(seg) ?? 0;
      if (seg < this.#acked.segment) continue;
      n +=
        seg === this.#acked.segment
          ? Math.max(0, size - Math.max(this.#acked.offset, SPOOL_HEADER_BYTES))
          : size;
    }
    return n + this.#pendingBytes;
  }

  /**
   * Appends a record (buffered; written and fsynced by {@link Spool.flush}).
   * Returns false, and counts it, when the cap would be passed.
   */
  append(record: SpoolRecord): boolean {
    if (this.#closed) throw new VigilError('SOURCE_CLOSED', 'the spool is closed');
    const bytes = encodeSpoolRecord(record);
    // Mirror flush(): a record starts a new segment when the current one is full, and its header counts too.
    const rolls = this.#virtualSize === undefined || this.#virtualSize >= this.segmentBytes;
    const extra = rolls ? SPOOL_HEADER_BYTES : 0;
    if (
      bytes.length - SPOOL_RECORD_OVERHEAD > SPOOL_MAX_RECORD_BYTES ||
      this.#bytes + bytes.length + extra > this.maxBytes
    ) {
      this.#refused++;
      this.#refusedBytes += bytes.length;
      return false;
    }
    if (rolls) this.#virtualSize = SPOOL_HEADER_BYTES;
    this.#virtualSize = (this.#virtualSize ?? 0) + bytes.length;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length + extra;
    this.#bytes += bytes.length + extra;
    this.#appended++;
    return true;
  }

  /** Writes and fsyncs what {@link Spool.append} buffered. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const chunks = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      let i = 0;
      while (i < chunks.length) {
        if (this.#fd === undefined || this.#writeSize >= this.segmentBytes) this.#roll();
        const batch: Buffer[] = [];
        let size = 0;
        while (i < chunks.length && (batch.length === 0 || this.#writeSize + size < this.segmentBytes)) {
          const c = chunks[i++]!;
          batch.push(c);
          size += c.length;
        }
        const buf = Buffer.concat(batch, size);
        let off = 0;
        while (off < buf.length) off += writeSync(this.#fd!, buf, off, buf.length - off);
        fsyncSync(this.#fd!);
        this.#writeSize += size;
        this.#sizes.set(this.#writeSeg, this.#writeSize);
      }
    } catch (cause) {
      throw new VigilError(
        'IO',
        `cannot write the spool segment ${this.#segmentFile(this.#writeSeg)}: ${(cause as Error).message}`,
        {
          cause,
          location: { file: this.#segmentFile(this.#writeSeg) },
        },
      );
    }
  }

  #roll(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#writeSeg++;
    }
    const file = this.#segmentFile(this.#writeSeg);
    this.#fd = openSync(file, 'wx');
    const h = segmentHeader();
    writeSync(this.#fd, h);
    fsyncSync(this.#fd);
    this.#writeSize = h.length;
    this.#segments.push(this.#writeSeg);
    this.#sizes.set(this.#writeSeg, this.#writeSize);
    // The folder entry is durable too, or a crash could lose the whole new file.
    const dfd = openSync(this.dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  #segmentFile(n: number): string {
    return join(this.dir, `seg-${String(n).padStart(12, '0')}.vspool`);
  }

  /**
   * Up to `max` records after the last one read (or, after
   * {@link Spool.rewind}, after the last acknowledged one), in append order.
   * Writes buffered records first.
   */
  read(max: number): SpooledRecord[] {
    this.flush();
    const out: SpooledRecord[] = [];
    while (out.length < max) {
      const seg = this.#read.segment;
      const idx = this.#segments.indexOf(seg);
      if (idx === -1) {
        const next = this.#segments.find((s) => s > seg);
        if (next === undefined) break;
        this.#read = { segment: next, offset: 0 };
        continue;
      }
      const records = this.#records(seg);
      const from = this.#read.offset;
      let added = false;
      for (const r of records) {
        if (r.end <= from) continue;
        out.push({ record: r.record, position: { segment: seg, offset: r.end } });
        this.#read = { segment: seg, offset: r.end };
        added = true;
        if (out.length >= max) break;
      }
      if (out.length >= max) break;
      if (!added) {
        const next = this.#segments[idx + 1];
        // The segment being written may still grow: stop at its end.
        if (next === undefined || seg === this.#writeSeg) break;
        this.#read = { segment: next, offset: 0 };
      }
    }
    return out;
  }

  // The whole records of a segment, parsed once per size it had.
  #records(seg: number): { record: SpoolRecord; end: number }[] {
    const size = this.#sizes.get(seg) ?? 0;
    if (this.#cache && this.#cache.segment === seg && this.#cache.size === size) return this.#cache.records;
    const file = this.#segmentFile(seg);
    let bytes: Buffer;
    try {
      const fd = openSync(file, 'r');
      try {
        const len = fstatSync(fd).size;
        bytes = Buffer.allocUnsafe(len);
        let off = 0;
        while (off < len) {
          const n = readSync(fd, bytes, off, len - off, off);
          if (n === 0) break;
          off += n;
        }
        bytes = bytes.subarray(0, off);
      } finally {
        closeSync(fd);
      }
    } catch (cause) {
      throw new VigilError('IO', `cannot read the spool segment ${file}: ${(cause as Error).message}`, {
        cause,
        location: { file },
      });
    }
    const decoded = decodeSpoolSegment(bytes, file);
    if (decoded.error && seg !== this.#writeSeg && !this.#damaged.has(seg)) {
      // Reported once; the whole records before the damage are delivered and the next segment is read on.
      this.#damaged.add(seg);
      this.errors.push(decoded.error);
      this.#corrupt++;
    }
    const records = decoded.records.map((r) => ({ record: r.record, end: r.end }));
    this.#cache = { segment: seg, size, records };
    return records;
  }

  /** Marks everything up to `position` delivered: whole segments before it are deleted. */
  ack(position: SpoolPosition): void {
    if (
      position.segment < this.#acked.segment ||
      (position.segment === this.#acked.segment && position.offset <= this.#acked.offset)
    )
      return;
    this.#acked = position;
    while (this.#segments.length > 0 && this.#segments[0]! < position.segment) {
      const seg = this.#segments.shift()!;
      this.#sizes.delete(seg);
      rmSync(this.#segmentFile(seg), { force: true });
    }
    this.#bytes = this.#unacked();
    const tmp = join(this.dir, `${CURSOR}.tmp`);
    writeFileSync(tmp, JSON.stringify(position));
    renameSync(tmp, join(this.dir, CURSOR));
  }

  /** Reads again from the last acknowledged record (after a failed delivery). */
  rewind(): void {
    this.#read = this.#acked;
  }

  /** Whether records wait (read or not) past the acknowledged position. */
  get pending(): boolean {
    if (this.#pendingBytes > 0) return true;
    const last = this.#segments.at(-1);
    if (last === undefined) return false;
    if (last > this.#acked.segment) return true;
    return (this.#sizes.get(last) ?? 0) > Math.max(this.#acked.offset, SPOOL_HEADER_BYTES);
  }

  stats(): SpoolStats {
    return {
      bytes: this.#bytes,
      maxBytes: this.maxBytes,
      segments: this.#segments.length,
      appended: this.#appended,
      refused: this.#refused,
      refusedBytes: this.#refusedBytes,
      corruptSegments: this.#corrupt,
    };
  }

  /** Writes what is buffered and closes the segment file; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
