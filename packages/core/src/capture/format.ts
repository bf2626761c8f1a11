import { z } from 'zod';

/** The four bytes every capture file starts with. */
export const CAPTURE_MAGIC = Buffer.from('VCAP', 'ascii');
/** The capture format version this build writes. Readers accept exactly the versions in {@link SUPPORTED_CAPTURE_VERSIONS}. */
export const CAPTURE_FORMAT_VERSION = 1;
/** Capture format versions this build reads. */
export const SUPPORTED_CAPTURE_VERSIONS: readonly number[] = [1];

/** Fixed prefix: magic (4), version u16 LE, flags u16 LE, header length u32 LE, header CRC-32 u32 LE. */
export const PREAMBLE_BYTES = 16;
/** Each record: payload length u32 LE, CRC-32 of type+payload u32 LE, type u8. */
export const RECORD_HEADER_BYTES = 9;
/** The largest header or record payload a reader accepts; larger lengths are treated as corruption. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Record types in a capture file. */
export const RecordType = {
  /** Declares a workload and the small integer events refer to it by. */
  Workload: 1,
  /** One event, whose `workload` is the integer of a previously declared workload. */
  Event: 2,
  /** Written last by a writer that closed cleanly. */
  Trailer: 3,
} as const;

/**
 * The capture file header: what recorded it, where and when.
 *
 * @example
 * ```ts
 * const header = CaptureHeaderSchema.parse({ formatVersion: 1, host: 'node-1', kernelRelease: '6.1.0', startTime: 0, source: 'ebpf' });
 * ```
 */
export const CaptureHeaderSchema = z.object({
  formatVersion: z.number().int().positive(),
  host: z.string(),
  kernelRelease: z.string(),
  /** Nanoseconds since the epoch. */
  startTime: z.number().nonnegative(),
  /** What produced the events, e.g. `ebpf`, `otel`, `synthetic`. */
  source: z.string(),
  /** The program that wrote the file, e.g. `vigil 0.1.0`. */
  createdBy: z.string().optional(),
  /** Event schema version of the records. */
  eventSchemaVersion: z.number().int().positive().default(1),
  /** The command that was recorded, when the capture came from `vigil record`. */
  command: z.array(z.string()).optional(),
  meta: z.record(z.string(), z.string()).optional(),
  /**
   * How event records are laid out: each event record is a msgpack array
   * `[layoutIndex, ...values]` whose values follow `fields` of that layout.
   * Readers map by these names, so files stay readable as the schema grows.
   */
  layouts: z.array(z.object({ kind: z.string(), fields: z.array(z.string()).min(1) })).default([]),
});
/** @see {@link CaptureHeaderSchema} */
export type CaptureHeader = z.infer<typeof CaptureHeaderSchema>;
/** The input form of a {@link CaptureHeader}. */
export type CaptureHeaderInput = z.input<typeof CaptureHeaderSchema>;

/** Written when a capture closed cleanly: totals and the drops the source reported. */
export const CaptureTrailerSchema = z.object({
  /** Nanoseconds since the epoch. */
  endTime: z.number().nonnegative(),
  events: z.number().int().nonnegative(),
  /** Events the source lost before they reached the writer, by cause. */
  drops: z.record(z.string(), z.number().int().nonnegative()).default({}),
  /** Exit code of the recorded command, when there was one. */
  exitCode: z.number().int().optional(),
});
/** @see {@link CaptureTrailerSchema} */
export type CaptureTrailer = z.infer<typeof CaptureTrailerSchema>;
