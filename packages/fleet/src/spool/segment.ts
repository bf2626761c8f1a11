import { crc32 } from 'node:zlib';
import { VigilError } from '@vigil/core';

/**
 * A spool segment starts with an 8-byte header (`VSPL`, a little-endian
 * u16 format version, two zero bytes); then records, each a little-endian u32
 * payload length, a u32 CRC-32 of the payload, and the payload: UTF-8 JSON of
 * a {@link SpoolRecord}.
 */
export const SPOOL_MAGIC = 'VSPL';
/**
 * The segment format version this build writes and reads.
 *
 * @example
 * ```ts
 * const header = readFileSync(file).subarray(0, 8); // 'VSPL', then SPOOL_FORMAT_VERSION as a u16
 * ```
 */
export const SPOOL_FORMAT_VERSION = 1;
/** Bytes before the first record. */
export const SPOOL_HEADER_BYTES = 8;
/** Bytes before each record's payload. */
export const SPOOL_RECORD_OVERHEAD = 8;
/** The largest payload a record may have; a longer length is corruption. */
export const SPOOL_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * One message kept in the spool until JetStream has acknowledged it.
 *
 * @example
 * ```ts
 * const r: SpoolRecord = { subject: 'vigil.finding.007.3f9a…', msgId: 'a1b2…', data: '{"v":1}' };
 * ```
 */
export interface SpoolRecord {
  /** The subject to publish on. */
  readonly subject: string;
  /** The JetStream message id (`Nats-Msg-Id`), for de-duplication. */
  readonly msgId: string;
  /** The message body (JSON text). */
  readonly data: string;
}

/**
 * What {@link decodeSpoolSegment} read: every whole record before the end or
 * the first damage, where it stopped, and the damage when there was one.
 *
 * @example
 * ```ts
 * const { records, error } = decodeSpoolSegment(bytes, 'seg-000001.vspool');
 * if (error) console.error(error.message); // names the file and the offset
 * ```
 */
export interface DecodedSegment {
  readonly records: { readonly record: SpoolRecord; readonly offset: number; readonly end: number }[];
  /** The offset after the last whole record. */
  readonly end: number;
  /** Set when the segment is truncated or corrupt at `end`. */
  readonly error?: VigilError;
}

/** The header of a new segment. */
export function segmentHeader(): Buffer {
  const b = Buffer.alloc(SPOOL_HEADER_BYTES);
  b.write(SPOOL_MAGIC, 0, 'latin1');
  b.writeUInt16LE(SPOOL_FORMAT_VERSION, 4);
  return b;
}

/** One record as it is written to a segment. */
export function encodeSpoolRecord(record: SpoolRecord): Buffer {
  const payload = Buffer.from(JSON.stringify({ s: record.subject, i: record.msgId, d: record.data }), 'utf8');
  const out = Buffer.allocUnsafe(SPOOL_RECORD_OVERHEAD + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, SPOOL_RECORD_OVERHEAD);
  return out;
}

/**
 * Reads a segment's records from `start` (the header's end when 0). Never
 * throws for damaged input: the records before the damage are returned and
 * `error` names the file, the offset and what was expected there.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { decodeSpoolSegment } from '@vigil/fleet';
 *
 * const file = 'spool/seg-000000000001.vspool';
 * const { records, error } = decodeSpoolSegment(readFileSync(file), file);
 * ```
 */
export function decodeSpoolSegment(bytes: Uint8Array, file: string, start = 0): DecodedSegment {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: { record: SpoolRecord; offset: number; end: number }[] = [];
  const fail = (
    offset: number,
    code: 'CAPTURE_TRUNCATED' | 'CAPTURE_CORRUPT',
    what: string,
  ): DecodedSegment => ({
    records,
    end: offset,
    error: new VigilError(code, `spool segment ${file} at byte ${offset}: ${what}`, {
      location: { file, offset },
    }),
  });
  let off = start;
  if (off === 0) {
    if (buf.length < SPOOL_HEADER_BYTES)
      return fail(
        0,
        'CAPTURE_TRUNCATED',
        `expected an ${SPOOL_HEADER_BYTES}-byte header, found ${buf.length} bytes`,
      );
    if (buf.toString('latin1', 0, 4) !== SPOOL_MAGIC)
      return fail(0, 'CAPTURE_CORRUPT', `expected the magic '${SPOOL_MAGIC}': not a Vigil spool segment`);
    const version = buf.readUInt16LE(4);
    if (version !== SPOOL_FORMAT_VERSION)
      return fail(4, 'CAPTURE_CORRUPT', `expected format version ${SPOOL_FORMAT_VERSION}, found ${version}`);
    off = SPOOL_HEADER_BYTES;
  }
  while (off < buf.length) {
    if (buf.length - off < SPOOL_RECORD_OVERHEAD)
      return fail(
        off,
        'CAPTURE_TRUNCATED',
        `expected an ${SPOOL_RECORD_OVERHEAD}-byte record header, the segment ends`,
      );
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (len > SPOOL_MAX_RECORD_BYTES)
      return fail(
        off,
        'CAPTURE_CORRUPT',
        `record length ${len} is over the ${SPOOL_MAX_RECORD_BYTES}-byte limit`,
      );
    const end = off + SPOOL_RECORD_OVERHEAD + len;
    if (end > buf.length)
      return fail(
        off,
        'CAPTURE_TRUNCATED',
        `expected a ${len}-byte record, the segment ends after ${buf.length - off - SPOOL_RECORD_OVERHEAD}`,
      );
    const payload = buf.subarray(off + SPOOL_RECORD_OVERHEAD, end);
    if (crc32(payload) !== sum) return fail(off, 'CAPTURE_CORRUPT', 'the record checksum does not match');
    const record = parsePayload(payload);
    if (record === undefined)
      return fail(off, 'CAPTURE_CORRUPT', 'expected a JSON record {s: subject, i: message id, d: data}');
    records.push({ record, offset: off, end });
    off = end;
  }
  return { records, end: off };
}

function parsePayload(payload: Buffer): SpoolRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { s, i, d } = v as Record<string, unknown>;
  if (typeof s !== 'string' || typeof i !== 'string' || typeof d !== 'string' || s === '' || i === '')
    return undefined;
  return { subject: s, msgId: i, data: d };
}
