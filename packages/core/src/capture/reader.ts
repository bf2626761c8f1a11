import { type FileHandle, open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { Decoder } from '@msgpack/msgpack';
import { fromZodError } from '../errors/from-zod.js';
import { systemReason } from '../errors/system-reason.js';
import { VigilError } from '../errors/vigil-error.js';
import { EventSchema, type VigilEvent } from '../events/schema.js';
import { safeParseDocument } from '../readers/document-value.js';
import { type WorkloadRef, WorkloadRefSchema } from '../workload/workload-ref.js';
import {
  BUILDER_LAYOUTS,
  EVENT_BUILDERS,
  EVENT_CHECKS,
  EVENT_DECODERS,
  type EventBuilder,
  type EventDecoder,
} from './event-builders.generated.js';
import {
  BLOCK_HEADER_BYTES,
  CAPTURE_MAGIC,
  type CaptureHeader,
  CaptureHeaderSchema,
  type CaptureTrailer,
  CaptureTrailerSchema,
  MAX_BLOCK_BYTES,
  PREAMBLE_BYTES,
  RecordType,
  SUPPORTED_CAPTURE_VERSIONS,
} from './format.js';
import { CaptureRecordDecoder, internalise, RecordDecodeError, StringTableError } from './record-decoder.js';

/** A header layout, prepared for decoding. */
interface RecordLayout {
  readonly kind: string;
  /** The fields values are placed in: the builder's layout when one applies, else the file's. */
  readonly fields: readonly string[];
  /** How many values a record of this layout holds at most (the file's field count). */
  readonly width: number;
  /**
   * Where the file's i-th value goes in `fields`, when the file lays the kind out as a subset of
   * the builder's layout (a capture written before the event schema gained optional fields);
   * undefined when the two are the same.
   */
  readonly place: Int32Array | undefined;
  /** First of this layout's slots in the decoder's last-string table. */
  readonly slot: number;
  /** Position of the workload index in `fields`, or -1. */
  readonly workloadAt: number;
  /** This build's literal builder, when the file lays the kind out the same way. */
  readonly build: EventBuilder | undefined;
  /** The generated schema check for the builder's layout, when the kind has one. */
  readonly check: ((v: readonly unknown[]) => boolean) | undefined;
  /**
   * The generated decoder, when the file lays the kind out exactly as the builder does (what this
   * build writes): it reads, checks and builds a valid event in one pass; any other record of the
   * layout is read again on the general path (values, builder, check, zod).
   */
  readonly decode: EventDecoder | undefined;
}

/** Highest workload index a capture may declare. */
const MAX_WORKLOADS = 1 << 20;

// Node's read errors carry no path: name the capture, and say what to do about a pipe.
function readError(err: unknown, file: string, offset?: number): unknown {
  if (err instanceof VigilError) return err;
  const espipe = (err as NodeJS.ErrnoException).code === 'ESPIPE';
  return new VigilError(
    'IO',
    `cannot read capture: ${systemReason(err)}${espipe ? '; captures are read by position, so a pipe or FIFO cannot be one: copy it to a file first' : ''}`,
    { cause: err, location: { file, ...(offset !== undefined ? { offset } : {}) } },
  );
}

/** Options for {@link CaptureReader}. */
export interface CaptureReaderOptions {
  /**
   * What to do when the file ends inside a record (a writer that was killed):
   * `error` (default) delivers every complete record, then throws
   * `CAPTURE_TRUNCATED` naming the offset; `stop` ends quietly and sets
   * {@link CaptureReader.truncatedAt}.
   */
  readonly onTruncatedTail?: 'error' | 'stop';
  /** Validate every event against {@link EventSchema} (default true). Turn off only for files you wrote yourself. */
  readonly validate?: boolean;
  /** Events per batch from {@link CaptureReader.batches}. Default 1024. */
  readonly batchSize?: number;
  /** Bytes read from the file at a time. Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Stop reading when this signal aborts. */
  readonly signal?: AbortSignal;
}

/**
 * Streams a capture file in constant memory. Corrupt, truncated or
 * unknown-version input raises a {@link VigilError} that names the byte offset.
 *
 * @example
 * ```ts
 * import { CaptureReader } from '@vigil/core';
 *
 * const reader = await CaptureReader.open('run.vcap');
 * for await (const event of reader.events()) console.log(event.kind);
 * console.log(reader.trailer?.events);
 * ```
 */
export class CaptureReader {
  readonly path: string;
  readonly header: CaptureHeader;
  /** The trailer, once read; `undefined` for a file whose writer never closed it. */
  trailer: CaptureTrailer | undefined;
  /** Byte offset of an incomplete final record, when `onTruncatedTail: 'stop'` ended the read there. */
  truncatedAt: number | undefined;
  /** The workloads the file declared so far, by index (filled in as the file is read). */
  readonly workloads: WorkloadRef[] = [];
  readonly #fh: FileHandle;
  readonly #bodyStart: number;
  readonly #options: CaptureReaderOptions;
  readonly #layouts: readonly RecordLayout[];
  readonly #fieldSlots: number;
  /** The file's format version (from its preamble): 2 and later have a string table. */
  readonly #version: number;
  /** One record's values, reused from record to record. */
  readonly #values: unknown[];
  #consumed = false;

  private constructor(
    path: string,
    fh: FileHandle,
    header: CaptureHeader,
    bodyStart: number,
    options: CaptureReaderOptions,
    version: number,
  ) {
    this.path = path;
    this.#version = version;
    this.#fh = fh;
    this.header = header;
    this.#bodyStart = bodyStart;
    this.#options = options;
    // Interned names: keyed stores and kind comparisons downstream take the fast path.
    let slot = 0;
    let widest = 0;
    this.#layouts = header.layouts.map((l) => {
      const base = slot;
      slot += l.fields.length;
      const own = BUILDER_LAYOUTS[l.kind];
      const place = own === undefined ? undefined : placement(l.fields, own);
      const same = place !== undefined && own!.length === l.fields.length && place.every((at, i) => at === i);
      const fields = place === undefined ? l.fields : own!;
      widest = Math.max(widest, fields.length);
      return {
        kind: internalise(l.kind),
        fields: fields.map(internalise),
        width: l.fields.length,
        place: place === undefined || same ? undefined : place,
        slot: base,
        workloadAt: fields.indexOf('workload'),
        build: place !== undefined ? EVENT_BUILDERS[l.kind] : undefined,
        check: place !== undefined ? EVENT_CHECKS[l.kind] : undefined,
        decode: same ? EVENT_DECODERS[l.kind] : undefined,
      };
    });
    this.#fieldSlots = slot;
    this.#values = new Array<unknown>(widest).fill(null);
  }

  /** Opens a capture and reads its header. */
  static async open(path: string, options: CaptureReaderOptions = {}): Promise<CaptureReader> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (cause) {
      throw new VigilError('IO', `cannot open capture: ${(cause as Error).message}`, {
        cause,
        location: { file: path },
      });
    }
    try {
      const pre = Buffer.alloc(PREAMBLE_BYTES);
      const { bytesRead } = await fh.read(pre, 0, PREAMBLE_BYTES, 0);
      if (bytesRead < 4 || !pre.subarray(0, 4).equals(CAPTURE_MAGIC)) {
        throw new VigilError(
          'CAPTURE_FORMAT',
          'not a Vigil capture file (expected the bytes "VCAP" at the start)',
          {
            location: { file: path, offset: 0 },
          },
        );
      }
      if (bytesRead < PREAMBLE_BYTES) {
        throw new VigilError('CAPTURE_TRUNCATED', `file ends inside the ${PREAMBLE_BYTES}-byte preamble`, {
          location: { file: path, offset: bytesRead },
        });
      }
      const version = pre.readUInt16LE(4);
      if (!SUPPORTED_CAPTURE_VERSIONS.includes(version)) {
        throw new VigilError(
          'CAPTURE_VERSION',
          `capture format version ${version} is not supported (this build reads ${SUPPORTED_CAPTURE_VERSIONS.join(', ')})`,
          { location: { file: path, offset: 4 } },
        );
      }
      const hlen = pre.readUInt32LE(8);
      if (hlen > MAX_BLOCK_BYTES) {
        throw new VigilError(
          'CAPTURE_CORRUPT',
          `header length ${hlen} exceeds the ${MAX_BLOCK_BYTES}-byte limit`,
          {
            location: { file: path, offset: 8 },
          },
        );
      }
      const body = Buffer.alloc(hlen);
      const got = (await fh.read(body, 0, hlen, PREAMBLE_BYTES)).bytesRead;
      if (got < hlen) {
        throw new VigilError('CAPTURE_TRUNCATED', `file ends inside the header (${got} of ${hlen} bytes)`, {
          location: { file: path, offset: PREAMBLE_BYTES + got },
        });
      }
      if (crc32(body) !== pre.readUInt32LE(12)) {
        throw new VigilError('CAPTURE_CORRUPT', 'header checksum mismatch', {
          location: { file: path, offset: PREAMBLE_BYTES },
        });
      }
      const raw = safeDecode(new Decoder(), body, path, PREAMBLE_BYTES);
      const parsed = safeParseDocument(CaptureHeaderSchema, raw);
      if (!parsed.success)
        throw fromZodError(
          parsed.error,
          'capture header',
          { file: path, offset: PREAMBLE_BYTES },
          'CAPTURE_FORMAT',
        );
      return new CaptureReader(path, fh, parsed.data, PREAMBLE_BYTES + hlen, options, version);
    } catch (err) {
      await fh.close();
      throw readError(err, path);
    }
  }

  /** Yields every event, one at a time. Closes the file at the end. */
  async *events(): AsyncGenerator<VigilEvent> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** Yields events in batches of up to `batchSize`. Closes the file at the end, or on error. */
  async *batches(): AsyncGenerator<VigilEvent[]> {
    if (this.#consumed) {
      throw new VigilError('SOURCE_CLOSED', 'a capture reader can be iterated once', {
        location: { file: this.path },
      });
    }
    this.#consumed = true;
    const {
      batchSize = 1024,
      chunkBytes = 1 << 20,
      validate = true,
      onTruncatedTail = 'error',
      signal,
    } = this.#options;
    const dec = new CaptureRecordDecoder();
    dec.fieldSlots(this.#fieldSlots);
    if (this.#version >= 2) dec.useStringTable();
    const workloads = this.workloads;
    // One read buffer for the whole file: a fresh megabyte per chunk costs page faults and, as
    // external memory, full garbage collections; decoded events copy what they keep out of it.
    let store = Buffer.alloc(0);
    let buf = store;
    let fileOffset = this.#bodyStart; // file offset of buf[0]
    let eof = false;
    let batch: VigilEvent[] = [];
    const aborted = () =>
      new VigilError('ABORTED', 'capture read aborted', {
        cause: signal?.reason,
        location: { file: this.path },
      });
    try {
      for (;;) {
        if (signal?.aborted) throw aborted();
        // Every complete block in the buffer.
        let pos = 0;
        while (buf.length - pos >= BLOCK_HEADER_BYTES) {
          const len = buf.readUInt32LE(pos);
          const blockOffset = fileOffset + pos;
          if (len > MAX_BLOCK_BYTES || len === 0) {
            throw new VigilError('CAPTURE_CORRUPT', `block length ${len} is outside 1..${MAX_BLOCK_BYTES}`, {
              location: { file: this.path, offset: blockOffset },
            });
          }
          if (buf.length - pos < BLOCK_HEADER_BYTES + len) break;
          const body = buf.subarray(pos + BLOCK_HEADER_BYTES, pos + BLOCK_HEADER_BYTES + len);
          if (crc32(body) !== buf.readUInt32LE(pos + 4)) {
            throw new VigilError('CAPTURE_CORRUPT', 'block checksum mismatch', {
              location: { file: this.path, offset: blockOffset },
            });
          }
          pos += BLOCK_HEADER_BYTES + len;
          dec.reset(buf, pos - len, pos);
          while (dec.more) {
            let ev: VigilEvent | undefined;
            try {
              ev = this.#record(dec, workloads, validate, blockOffset);
            } catch (err) {
              if (err instanceof RecordDecodeError) {
                const what =
                  err instanceof StringTableError ? 'malformed string table' : 'undecodable msgpack';
                throw new VigilError('CAPTURE_CORRUPT', `${what} in block: ${err.message}`, {
                  cause: err,
                  location: { file: this.path, offset: blockOffset },
                });
              }
              throw err;
            }
            if (ev === undefined) continue;
            batch.push(ev);
            if (batch.length >= batchSize) {
              yield batch;
              batch = [];
              if (signal?.aborted) throw aborted();
            }
          }
        }
        buf = buf.subarray(pos);
        fileOffset += pos;
        if (eof) break;
        // Read straight after the incomplete block left over (usually a few KiB), moved to the
        // front of the buffer, so the chunk itself is never copied.
        const kept = buf.length;
        if (store.length < kept + chunkBytes) {
          // With room for a whole chunk besides the leftover, and at least twice what it had: sized
          // to the need alone, it grew again whenever the leftover came out a little longer than
          // the last time (three reads in four on a file of 64 KiB blocks), each time fresh memory.
          const grown = Buffer.allocUnsafe(Math.max(kept + chunkBytes, 2 * store.length, 2 * chunkBytes));
          buf.copy(grown, 0);
          store = grown;
        } else if (kept > 0)
          store.copyWithin(0, buf.byteOffset - store.byteOffset, buf.byteOffset - store.byteOffset + kept);
        const { bytesRead } = await this.#fh
          .read(store, kept, chunkBytes, fileOffset + kept)
          .catch((err: unknown) => {
            throw readError(err, this.path, fileOffset + kept);
          });
        if (bytesRead === 0) {
          buf = store.subarray(0, kept);
          eof = true;
          continue;
        }
        buf = store.subarray(0, kept + bytesRead);
      }
      if (batch.length > 0) yield batch;
      if (buf.length > 0) {
        if (onTruncatedTail === 'stop') {
          this.truncatedAt = fileOffset;
          return;
        }
        throw new VigilError(
          'CAPTURE_TRUNCATED',
          `file ends inside a block (${buf.length} bytes of an incomplete block); every complete block before it was read`,
          { location: { file: this.path, offset: fileOffset } },
        );
      }
    } finally {
      await this.#fh.close().catch(() => undefined);
    }
  }

  /** Closes the file without reading further. Idempotent. */
  async close(): Promise<void> {
    this.#consumed = true;
    await this.#fh.close().catch(() => undefined);
  }

  /** Reads one record: an event is returned, a workload or trailer record is applied. */
  #record(
    dec: CaptureRecordDecoder,
    workloads: WorkloadRef[],
    validate: boolean,
    offset: number,
  ): VigilEvent | undefined {
    const n = dec.arrayHeader();
    if (n === 0) throw new RecordDecodeError('an empty record');
    const type = dec.value();
    if (this.trailer !== undefined) {
      throw new VigilError('CAPTURE_CORRUPT', 'record after the trailer', {
        location: { file: this.path, offset },
      });
    }
    if (typeof type === 'number' && type >= RecordType.EventBase)
      return this.#event(dec, type, n - 1, workloads, validate, offset);
    if (type === RecordType.String && this.#version >= 2) {
      if (n !== 3) throw new StringTableError(`a string-table record of ${n} elements (expected 3)`);
      dec.declareString();
      return undefined;
    }
    const rest: unknown[] = [];
    for (let i = 1; i < n; i++) rest.push(dec.value());
    if (type === RecordType.Workload) this.#declareWorkload(rest, workloads, offset);
    else if (type === RecordType.Trailer) {
      const t = safeParseDocument(CaptureTrailerSchema, rest[0]);
      if (!t.success)
        throw fromZodError(t.error, 'capture trailer', { file: this.path, offset }, 'CAPTURE_CORRUPT');
      this.trailer = t.data;
    } else {
      throw new VigilError('CAPTURE_CORRUPT', `unknown record type ${String(type)}`, {
        location: { file: this.path, offset },
      });
    }
    return undefined;
  }

  #declareWorkload(rec: unknown[], workloads: WorkloadRef[], offset: number): void {
    const idx = rec[0];
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx > MAX_WORKLOADS) {
      throw new VigilError('CAPTURE_CORRUPT', 'workload record without a valid index', {
        location: { file: this.path, offset },
      });
    }
    const w = safeParseDocument(WorkloadRefSchema, rec[1]);
    if (!w.success)
      throw fromZodError(w.error, 'workload record', { file: this.path, offset }, 'CAPTURE_CORRUPT');
    workloads[idx] = w.data;
  }

  #event(
    dec: CaptureRecordDecoder,
    type: number,
    count: number,
    workloads: WorkloadRef[],
    validate: boolean,
    offset: number,
  ): VigilEvent {
    const layout = this.#layouts[type - RecordType.EventBase];
    if (layout === undefined) {
      throw new VigilError('CAPTURE_CORRUPT', `event record refers to unknown layout ${String(type)}`, {
        location: { file: this.path, offset },
      });
    }
    const fields = layout.fields;
    if (count > layout.width) {
      throw new VigilError(
        'CAPTURE_CORRUPT',
        `event record has more values than its layout '${layout.kind}'`,
        {
          location: { file: this.path, offset },
        },
      );
    }
    const decode = layout.decode;
    if (decode !== undefined) {
      const start = dec.pos;
      let ev: Record<string, unknown> | undefined;
      try {
        ev = decode(dec, count, layout.slot, workloads);
      } catch (err) {
        // Bytes that are not msgpack: the general path reads them again and raises the error.
        if (!(err instanceof RecordDecodeError)) throw err;
      }
      if (ev !== undefined) return ev as unknown as VigilEvent;
      dec.seek(start);
    }
    const v = this.#values;
    const slot = layout.slot;
    const place = layout.place;
    if (place === undefined) {
      for (let i = 0; i < count; i++) v[i] = dec.field(slot + i);
      for (let i = count; i < fields.length; i++) v[i] = null;
    } else {
      for (let i = 0; i < fields.length; i++) v[i] = null;
      for (let i = 0; i < count; i++) v[place[i]!] = dec.field(slot + i);
    }
    const at = layout.workloadAt;
    const idx = at >= 0 ? v[at] : undefined;
    const w = typeof idx === 'number' ? workloads[idx] : undefined;
    if (w === undefined) {
      throw new VigilError('CAPTURE_CORRUPT', `event refers to undeclared workload ${String(idx)}`, {
        location: { file: this.path, offset },
      });
    }
    v[at] = w;
    let rec = layout.build?.(v);
    if (rec === undefined) {
      rec = { kind: layout.kind };
      for (let i = 0; i < fields.length; i++) if (v[i] !== null) rec[fields[i]!] = v[i];
    }
    if (!validate) return rec as unknown as VigilEvent;
    // The generated check is never looser than the schema: a pass means zod would return
    // this same event, so the copy zod makes is skipped. Anything else goes to zod.
    if (layout.check?.(v)) return rec as unknown as VigilEvent;
    const parsed = safeParseDocument(EventSchema, rec);
    if (!parsed.success) {
      throw fromZodError(parsed.error, 'event', { file: this.path, offset }, 'CAPTURE_CORRUPT');
    }
    // zod returns a copy; keep the one shared, already validated workload object.
    parsed.data.workload = w;
    return parsed.data;
  }
}

/**
 * Where each of a file's fields sits in a builder's layout, when every field of the file is one of
 * the builder's (each once); undefined otherwise (the general path decodes it).
 */
function placement(file: readonly string[], own: readonly string[]): Int32Array | undefined {
  const place = new Int32Array(file.length);
  const taken = new Set<number>();
  for (let i = 0; i < file.length; i++) {
    const at = own.indexOf(file[i]!);
    if (at < 0 || taken.has(at)) return undefined;
    taken.add(at);
    place[i] = at;
  }
  return place;
}

function safeDecode(decoder: Decoder, bytes: Uint8Array, file: string, offset: number): unknown {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new VigilError('CAPTURE_CORRUPT', `undecodable msgpack: ${(cause as Error).message}`, {
      cause,
      location: { file, offset },
    });
  }
}

/**
 * Reads every event of a capture into memory. For small files and tests; use
 * {@link CaptureReader} to stream large ones.
 *
 * @example
 * ```ts
 * const { header, events } = await readCapture('run.vcap');
 * ```
 */
export async function readCapture(
  path: string,
  options: CaptureReaderOptions = {},
): Promise<{ header: CaptureHeader; events: VigilEvent[]; trailer: CaptureTrailer | undefined }> {
  const reader = await CaptureReader.open(path, options);
  const events: VigilEvent[] = [];
  for await (const batch of reader.batches()) events.push(...batch);
  return { header: reader.header, events, trailer: reader.trailer };
}
