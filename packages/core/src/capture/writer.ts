import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { crc32 } from 'node:zlib';
import { Encoder, ExtData } from '@msgpack/msgpack';
import { VigilError } from '../errors/vigil-error.js';
import { EventSchema, type VigilEvent } from '../events/schema.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import {
  BLOCK_HEADER_BYTES,
  CAPTURE_FORMAT_VERSION,
  CAPTURE_MAGIC,
  type CaptureHeader,
  type CaptureHeaderInput,
  CaptureHeaderSchema,
  type CaptureTrailer,
  MAX_BLOCK_BYTES,
  PREAMBLE_BYTES,
  RecordType,
  STRING_REF_EXT,
} from './format.js';

/**
 * Strings a writer puts in its file's string table at most; later new strings are written in
 * place. Bounds the writer's memory on a long recording whose paths or names keep changing.
 */
const WRITER_TABLE_STRINGS = 1 << 16;
/** References kept as ready-made extension values (the first strings declared: comms, executables, enums). */
const WRITER_REF_CACHE = 4096;
/** Longest string (in UTF-16 code units) a writer puts in the string table; longer ones are written in place. */
const WRITER_TABLE_CHARS = 512;

// Field order of each event kind, from the schema; written into every header. Worked out when
// the first writer opens, so that importing the writer does not build the event schemas.
let layouts:
  | {
      readonly list: { kind: string; fields: string[] }[];
      readonly byKind: Map<string, { code: number; fields: string[] }>;
    }
  | undefined;
function eventLayouts(): NonNullable<typeof layouts> {
  if (layouts) return layouts;
  const list = EventSchema.options.map((o) => ({
    kind: o.shape.kind.value as string,
    fields: Object.keys(o.shape).filter((k) => k !== 'kind'),
  }));
  const byKind = new Map(
    list.map((l, index) => [l.kind, { code: RecordType.EventBase + index, fields: l.fields }]),
  );
  layouts = { list, byKind };
  return layouts;
}

/** Options for {@link CaptureWriter.create}. */
export interface CaptureWriterOptions {
  /** Header fields; `host`, `kernelRelease`, `startTime` and `formatVersion` default to this machine and now. */
  readonly header?: Partial<Omit<CaptureHeaderInput, 'layouts'>> & { source: string };
  /** Bytes buffered before a block is written to the file. Default 64 KiB. */
  readonly bufferBytes?: number;
  /**
   * Also write buffered records at least this often (milliseconds), so a writer that is
   * killed loses at most this window of a quiet recording. Default 250; 0 turns timed
   * flushes off (only full buffers and {@link CaptureWriter.close} write).
   */
  readonly flushIntervalMs?: number;
}

/**
 * How often a {@link CaptureWriter} writes buffered records by default, in milliseconds.
 *
 * @example
 * ```ts
 * const w = CaptureWriter.create('run.vcap', { header: { source: 'synthetic' }, flushIntervalMs: DEFAULT_CAPTURE_FLUSH_INTERVAL_MS * 4 });
 * ```
 */
export const DEFAULT_CAPTURE_FLUSH_INTERVAL_MS = 250;

/**
 * Writes a capture file: a header, then checksummed blocks of msgpack
 * records, then a trailer on {@link CaptureWriter.close}. Each flush writes
 * whole blocks, so a writer that is killed leaves a file whose complete
 * prefix reads back.
 *
 * @example
 * ```ts
 * import { CaptureWriter } from '@vigil/core';
 *
 * const w = CaptureWriter.create('run.vcap', { header: { source: 'synthetic' } });
 * w.write(event);
 * w.close({ exitCode: 0 });
 * ```
 */
export class CaptureWriter {
  readonly path: string;
  readonly header: CaptureHeader;
  #fd: number | undefined;
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  #pending = 0;
  #events = 0;
  readonly #encoder = new Encoder({ ignoreUndefined: true });
  readonly #workloads = new Map<string, number>();
  /**
   * The string table (format version 2): an event's string values are declared once with a
   * `[2, index, string]` record and written as a reference after that, so a reader builds each
   * recurring path, name and address once per file instead of once per event.
   */
  readonly #strings = new Map<string, number>();
  readonly #refs: ExtData[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** A timed flush that failed; thrown to the next caller, as a synchronous flush would have. */
  #timedFlushError: unknown;

  private constructor(
    path: string,
    fd: number,
    header: CaptureHeader,
    bufferBytes: number,
    flushIntervalMs: number,
  ) {
    this.path = path;
    this.#fd = fd;
    this.header = header;
    this.#limit = Math.min(Math.max(bufferBytes, 1024), MAX_BLOCK_BYTES);
    if (flushIntervalMs > 0) {
      this.#timer = setInterval(() => {
        if (this.#pending === 0 || this.#fd === undefined || this.#timedFlushError !== undefined) return;
        try {
          this.flush();
        } catch (err) {
          this.#timedFlushError = err;
        }
      }, flushIntervalMs);
      // A writer left open must not keep the process alive.
      this.#timer.unref();
    }
  }

  /** Creates (or truncates) `path` and writes the header. */
  static create(
    path: string,
    options: CaptureWriterOptions = { header: { source: 'synthetic' } },
  ): CaptureWriter {
    const header = CaptureHeaderSchema.parse({
      formatVersion: CAPTURE_FORMAT_VERSION,
      host: hostname(),
      kernelRelease: release(),
      startTime: Date.now() * 1e6,
      ...options.header,
      layouts: eventLayouts().list,
    });
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (cause) {
      throw new VigilError('IO', `cannot create capture file: ${(cause as Error).message}`, {
        cause,
        location: { file: path },
      });
    }
    const body = Buffer.from(new Encoder({ ignoreUndefined: true }).encode(header));
    const pre = Buffer.alloc(PREAMBLE_BYTES);
    CAPTURE_MAGIC.copy(pre, 0);
    pre.writeUInt16LE(CAPTURE_FORMAT_VERSION, 4);
    pre.writeUInt16LE(0, 6);
    pre.writeUInt32LE(body.length, 8);
    pre.writeUInt32LE(crc32(body), 12);
    writeAll(fd, Buffer.concat([pre, body]));
    const interval = options.flushIntervalMs ?? DEFAULT_CAPTURE_FLUSH_INTERVAL_MS;
    if (!Number.isFinite(interval) || interval < 0) {
      closeSync(fd);
      throw new VigilError('USAGE', `flushIntervalMs must be 0 or more milliseconds (got ${interval})`, {
        location: { file: path },
      });
    }
    return new CaptureWriter(path, fd, header, options.bufferBytes ?? 64 * 1024, interval);
  }

  /** Number of events written so far. */
  get eventCount(): number {
    return this.#events;
  }

  /** Appends one event. Workloads are declared on first use and referenced by number after. */
  write(event: VigilEvent): void {
    this.#requireOpen();
    const layout = eventLayouts().byKind.get(event.kind);
    if (layout === undefined) {
      throw new VigilError('INPUT_INVALID', `cannot write an event of unknown kind '${String(event.kind)}'`, {
        location: { file: this.path },
      });
    }
    const w = this.#workloadIndex(event.workload);
    const rec = event as unknown as Record<string, unknown>;
    const row: unknown[] = [layout.code];
    for (const f of layout.fields) {
      const v = f === 'workload' ? w : (rec[f] ?? null);
      row.push(typeof v === 'string' ? this.#stringRef(v) : v);
    }
    // Trailing absent optional fields need not be written.
    while (row.length > 1 && row[row.length - 1] === null) row.pop();
    this.#record(row);
    this.#events++;
  }

  /** Appends many events. */
  writeAll(events: Iterable<VigilEvent>): void {
    for (const e of events) this.write(e);
  }

  /** Writes buffered records to the file as one checksummed block. */
  flush(): void {
    const fd = this.#requireOpen();
    if (this.#pending === 0) return;
    const block = Buffer.allocUnsafe(BLOCK_HEADER_BYTES + this.#pending);
    let off = BLOCK_HEADER_BYTES;
    for (const c of this.#chunks) {
      block.set(c, off);
      off += c.length;
    }
    const body = block.subarray(BLOCK_HEADER_BYTES);
    block.writeUInt32LE(body.length, 0);
    block.writeUInt32LE(crc32(body), 4);
    this.#chunks = [];
    this.#pending = 0;
    writeAll(fd, block);
  }

  /** Writes the trailer, flushes, fsyncs and closes. Idempotent. */
  close(trailer: Partial<Omit<CaptureTrailer, 'events'>> = {}): void {
    if (this.#fd === undefined) return;
    this.#stopTimer();
    const full: CaptureTrailer = { endTime: Date.now() * 1e6, drops: {}, ...trailer, events: this.#events };
    this.#record([RecordType.Trailer, full]);
    this.flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Closes without a trailer (as a crashed writer would leave the file). For tests and abnormal exits. */
  abandon(): void {
    if (this.#fd === undefined) return;
    this.#stopTimer();
    this.#timedFlushError = undefined;
    this.flush();
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #workloadIndex(ref: WorkloadRef): number {
    const known = this.#workloads.get(ref.id);
    if (known !== undefined) return known;
    const idx = this.#workloads.size;
    this.#workloads.set(ref.id, idx);
    this.#record([RecordType.Workload, idx, ref]);
    return idx;
  }

  /** The reference to `s` in the string table, declaring it first when it is new; `s` itself when it is not tabled. */
  #stringRef(s: string): ExtData | string {
    let idx = this.#strings.get(s);
    if (idx === undefined) {
      idx = this.#strings.size;
      if (s.length > WRITER_TABLE_CHARS || idx >= WRITER_TABLE_STRINGS) return s;
      this.#record([RecordType.String, idx, s]);
      this.#strings.set(s, idx);
      if (idx < WRITER_REF_CACHE) this.#refs.push(stringRef(idx));
    }
    return idx < WRITER_REF_CACHE ? this.#refs[idx]! : stringRef(idx);
  }

  #record(row: unknown[]): void {
    const bytes = this.#encoder.encode(row);
    if (bytes.length > MAX_BLOCK_BYTES) {
      throw new VigilError(
        'INPUT_INVALID',
        `record of ${bytes.length} bytes exceeds the ${MAX_BLOCK_BYTES}-byte limit`,
        {
          location: { file: this.path },
        },
      );
    }
    if (this.#pending + bytes.length > this.#limit && this.#pending > 0) this.flush();
    this.#chunks.push(bytes);
    this.#pending += bytes.length;
    if (this.#pending >= this.#limit) this.flush();
  }

  #requireOpen(): number {
    if (this.#timedFlushError !== undefined) {
      const err = this.#timedFlushError;
      this.#timedFlushError = undefined;
      throw err instanceof VigilError
        ? err
        : new VigilError('IO', `cannot write capture: ${(err as Error).message}`, {
            cause: err,
            location: { file: this.path },
          });
    }
    if (this.#fd === undefined) {
      throw new VigilError('SOURCE_CLOSED', 'capture writer is closed', { location: { file: this.path } });
    }
    return this.#fd;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** A string-table reference: `fixext 1`, `2` or `4` of {@link STRING_REF_EXT} holding `idx` big-endian. */
function stringRef(idx: number): ExtData {
  const data =
    idx < 0x100
      ? Uint8Array.of(idx)
      : idx < 0x10000
        ? Uint8Array.of(idx >>> 8, idx & 0xff)
        : Uint8Array.of(idx >>> 24, (idx >>> 16) & 0xff, (idx >>> 8) & 0xff, idx & 0xff);
  return new ExtData(STRING_REF_EXT, data);
}
