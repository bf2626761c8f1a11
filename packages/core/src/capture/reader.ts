import { type FileHandle, open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { Decoder } from '@msgpack/msgpack';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import { EventSchema, type VigilEvent } from '../events/schema.js';
import { type WorkloadRef, WorkloadRefSchema } from '../workload/workload-ref.js';
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
  readonly #fh: FileHandle;
  readonly #bodyStart: number;
  readonly #options: CaptureReaderOptions;
  readonly #layouts: CaptureHeader['layouts'];
  #consumed = false;

  private constructor(
    path: string,
    fh: FileHandle,
    header: CaptureHeader,
    bodyStart: number,
    options: CaptureReaderOptions,
  ) {
    this.path = path;
    this.#fh = fh;
    this.header = header;
    this.#bodyStart = bodyStart;
    this.#options = options;
    this.#layouts = header.layouts;
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
      const parsed = CaptureHeaderSchema.safeParse(raw);
      if (!parsed.success)
        throw fromZodError(
          parsed.error,
          'capture header',
          { file: path, offset: PREAMBLE_BYTES },
          'CAPTURE_FORMAT',
        );
      return new CaptureReader(path, fh, parsed.data, PREAMBLE_BYTES + hlen, options);
    } catch (err) {
      await fh.close();
      throw err;
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
    const decoder = new Decoder();
    const workloads = new Map<number, WorkloadRef>();
    let buf = Buffer.alloc(0);
    let fileOffset = this.#bodyStart; // file offset of buf[0]
    let eof = false;
    let batch: VigilEvent[] = [];
    const chunk = Buffer.allocUnsafe(chunkBytes);
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
          for (const value of decodeBlock(decoder, body, this.path, blockOffset)) {
            if (this.trailer !== undefined) {
              throw new VigilError('CAPTURE_CORRUPT', 'record after the trailer', {
                location: { file: this.path, offset: blockOffset },
              });
            }
            const type = Array.isArray(value) ? value[0] : undefined;
            if (typeof type === 'number' && type >= RecordType.EventBase) {
              batch.push(this.#toEvent(value as unknown[], workloads, validate, blockOffset));
              if (batch.length >= batchSize) {
                yield batch;
                batch = [];
                if (signal?.aborted) throw aborted();
              }
            } else if (type === RecordType.Workload) {
              this.#declareWorkload(value as unknown[], workloads, blockOffset);
            } else if (type === RecordType.Trailer) {
              const t = CaptureTrailerSchema.safeParse((value as unknown[])[1]);
              if (!t.success) {
                throw fromZodError(
                  t.error,
                  'capture trailer',
                  { file: this.path, offset: blockOffset },
                  'CAPTURE_CORRUPT',
                );
              }
              this.trailer = t.data;
            } else {
              throw new VigilError('CAPTURE_CORRUPT', `unknown record type ${String(type)}`, {
                location: { file: this.path, offset: blockOffset },
              });
            }
          }
        }
        buf = buf.subarray(pos);
        fileOffset += pos;
        if (eof) break;
        const { bytesRead } = await this.#fh.read(chunk, 0, chunk.length, fileOffset + buf.length);
        if (bytesRead === 0) {
          eof = true;
          continue;
        }
        // Copy so `buf` never aliases `chunk`, which the next read overwrites.
        buf = Buffer.concat([buf, chunk.subarray(0, bytesRead)]);
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

  #declareWorkload(rec: unknown[], workloads: Map<number, WorkloadRef>, offset: number): void {
    const idx = rec[1];
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx > 0xffffffff) {
      throw new VigilError('CAPTURE_CORRUPT', 'workload record without a valid index', {
        location: { file: this.path, offset },
      });
    }
    const w = WorkloadRefSchema.safeParse(rec[2]);
    if (!w.success)
      throw fromZodError(w.error, 'workload record', { file: this.path, offset }, 'CAPTURE_CORRUPT');
    workloads.set(idx, w.data);
  }

  #toEvent(
    value: unknown[],
    workloads: Map<number, WorkloadRef>,
    validate: boolean,
    offset: number,
  ): VigilEvent {
    const layout = this.#layouts[(value[0] as number) - RecordType.EventBase];
    if (layout === undefined) {
      throw new VigilError('CAPTURE_CORRUPT', `event record refers to unknown layout ${String(value[0])}`, {
        location: { file: this.path, offset },
      });
    }
    if (value.length - 1 > layout.fields.length) {
      throw new VigilError(
        'CAPTURE_CORRUPT',
        `event record has more values than its layout '${layout.kind}'`,
        {
          location: { file: this.path, offset },
        },
      );
    }
    const rec: Record<string, unknown> = { kind: layout.kind };
    for (let i = 1; i < value.length; i++) {
      const v = value[i];
      if (v !== null) rec[layout.fields[i - 1]!] = v;
    }
    const idx = rec['workload'];
    const w = typeof idx === 'number' ? workloads.get(idx) : undefined;
    if (w === undefined) {
      throw new VigilError('CAPTURE_CORRUPT', `event refers to undeclared workload ${String(idx)}`, {
        location: { file: this.path, offset },
      });
    }
    rec['workload'] = w;
    if (!validate) return rec as VigilEvent;
    const parsed = EventSchema.safeParse(rec);
    if (!parsed.success) {
      throw fromZodError(parsed.error, 'event', { file: this.path, offset }, 'CAPTURE_CORRUPT');
    }
    // zod returns a copy; keep the one shared, already validated workload object.
    parsed.data.workload = w;
    return parsed.data;
  }
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

function* decodeBlock(decoder: Decoder, body: Uint8Array, file: string, offset: number): Generator<unknown> {
  const it = decoder.decodeMulti(body);
  for (;;) {
    let r: IteratorResult<unknown>;
    try {
      r = it.next();
    } catch (cause) {
      throw new VigilError('CAPTURE_CORRUPT', `undecodable msgpack in block: ${(cause as Error).message}`, {
        cause,
        location: { file, offset },
      });
    }
    if (r.done) return;
    yield r.value;
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
