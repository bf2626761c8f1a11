import { z } from 'zod';
import type { PayloadMode } from '../payload/chunk.js';
import { PayloadModeSchema } from '../payload/chunk.js';
import { type UndecodedPayloads, UndecodedPayloadsSchema } from '../payload/undecoded.js';
import { lazySchema } from '../schemas/lazy.js';

/** The four bytes every capture file starts with. */
export const CAPTURE_MAGIC = Buffer.from('VCAP', 'ascii');
/**
 * The capture format version this build writes. Readers accept exactly the versions in
 * {@link SUPPORTED_CAPTURE_VERSIONS}. Version 2 adds the string table: `[2, index, string]` records
 * and references to them (values of msgpack extension type 1, as `docs/capture-format.md` describes) in place of an event's string values.
 */
export const CAPTURE_FORMAT_VERSION = 2;
/** Capture format versions this build reads: 1 (strings written in place) and 2 (the string table). */
export const SUPPORTED_CAPTURE_VERSIONS: readonly number[] = [1, 2];
/**
 * The msgpack extension type of a string reference in a version-2 capture: `fixext 1`, `fixext 2`
 * or `fixext 4` of this type whose data is the index (big-endian) of a string the file declared
 * earlier with a `[2, index, string]` record. Version-1 files have no extension types.
 */
export const STRING_REF_EXT = 1;
/** The most strings a capture's string table may declare; a reader refuses more as corruption. */
export const MAX_TABLE_STRINGS = 1 << 20;
/** The most bytes (UTF-16 code units) a capture's string table may hold in all; more is corruption. */
export const MAX_TABLE_CHARS = 64 * 1024 * 1024;

/** Fixed prefix: magic (4), version u16 LE, flags u16 LE, header length u32 LE, header CRC-32 u32 LE. */
export const PREAMBLE_BYTES = 16;
/**
 * The body is a sequence of blocks, one per writer flush: body length u32 LE,
 * CRC-32 of the body u32 LE, then the body — msgpack arrays back to back, one
 * per record, whose first element is the record type. A writer killed mid-write
 * leaves at most one incomplete block at the end.
 */
export const BLOCK_HEADER_BYTES = 8;
/** The largest header or block a reader accepts; larger lengths are treated as corruption. */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

/** Record types: the first element of each record array. */
export const RecordType = {
  /** `[1, index, WorkloadRef]`: declares a workload and the integer events refer to it by. */
  Workload: 1,
  /**
   * `[2, index, string]` (version 2): declares entry `index` of the string table, which must be the
   * next one (0, 1, 2, … in file order); later values refer to it by a {@link STRING_REF_EXT} reference.
   */
  String: 2,
  /** `[3, CaptureTrailer]`: written last by a writer that closed cleanly. */
  Trailer: 3,
  /** `[16 + layoutIndex, ...values]`: one event laid out as the header's `layouts[layoutIndex]` says. */
  EventBase: 16,
} as const;

/**
 * The capture file header: what recorded it, where and when.
 *
 * @example
 * ```ts
 * const header = CaptureHeaderSchema.parse({ formatVersion: 1, host: 'node-1', kernelRelease: '6.1.0', startTime: 0, source: 'ebpf' });
 * ```
 */
export const CaptureHeaderSchema = lazySchema(() =>
  z.object({
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
     * Payload capture of the recording: the mode and the per-read/write byte
     * cap. Absent means `off`. Raw payload bytes are never written to a
     * capture; only the events decoded from them are.
     */
    payloads: z
      .object({ mode: PayloadModeSchema, maxBytes: z.number().int().positive().optional() })
      .optional(),
    /**
     * How event records are laid out: each event record is a msgpack array
     * `[layoutIndex, ...values]` whose values follow `fields` of that layout.
     * Readers map by these names, so files stay readable as the schema grows.
     */
    layouts: z.array(z.object({ kind: z.string(), fields: z.array(z.string()).min(1) })).default([]),
  }),
);
/** @see {@link CaptureHeaderSchema} */
export interface CaptureHeader {
  formatVersion: number;
  host: string;
  kernelRelease: string;
  /** Nanoseconds since the epoch. */
  startTime: number;
  /** What produced the events, e.g. `ebpf`, `otel`, `synthetic`. */
  source: string;
  /** The program that wrote the file, e.g. `vigil 0.1.0`. */
  createdBy?: string | undefined;
  /** Event schema version of the records. */
  eventSchemaVersion: number;
  /** The command that was recorded, when the capture came from `vigil record`. */
  command?: string[] | undefined;
  meta?: Record<string, string> | undefined;
  /**
   * Payload capture of the recording: the mode and the per-read/write byte
   * cap. Absent means `off`. Raw payload bytes are never written to a
   * capture; only the events decoded from them are.
   */
  payloads?:
    | {
        mode: PayloadMode;
        maxBytes?: number | undefined;
      }
    | undefined;
  /**
   * How event records are laid out: each event record is a msgpack array
   * `[layoutIndex, ...values]` whose values follow `fields` of that layout.
   * Readers map by these names, so files stay readable as the schema grows.
   */
  layouts: {
    kind: string;
    fields: string[];
  }[];
}
/** The input form of a {@link CaptureHeader}. */
export interface CaptureHeaderInput {
  formatVersion: number;
  host: string;
  kernelRelease: string;
  /** Nanoseconds since the epoch. */
  startTime: number;
  /** What produced the events, e.g. `ebpf`, `otel`, `synthetic`. */
  source: string;
  /** The program that wrote the file, e.g. `vigil 0.1.0`. */
  createdBy?: string | undefined;
  /** Event schema version of the records. */
  eventSchemaVersion?: number | undefined;
  /** The command that was recorded, when the capture came from `vigil record`. */
  command?: string[] | undefined;
  meta?: Record<string, string> | undefined;
  /**
   * Payload capture of the recording: the mode and the per-read/write byte
   * cap. Absent means `off`. Raw payload bytes are never written to a
   * capture; only the events decoded from them are.
   */
  payloads?:
    | {
        mode: PayloadMode;
        maxBytes?: number | undefined;
      }
    | undefined;
  /**
   * How event records are laid out: each event record is a msgpack array
   * `[layoutIndex, ...values]` whose values follow `fields` of that layout.
   * Readers map by these names, so files stay readable as the schema grows.
   */
  layouts?:
    | {
        kind: string;
        fields: string[];
      }[]
    | undefined;
}

/** Written when a capture closed cleanly: totals and the drops the source reported. */
export const CaptureTrailerSchema = lazySchema(() =>
  z.object({
    /** Nanoseconds since the epoch. */
    endTime: z.number().nonnegative(),
    events: z.number().int().nonnegative(),
    /** Events the source lost before they reached the writer, by cause. */
    drops: z.record(z.string(), z.number().int().nonnegative()).default({}),
    /** Exit code of the recorded command, when there was one. */
    exitCode: z.number().int().optional(),
    /**
     * True when the recording was cut short (a second interrupt to `vigil record`): what was
     * captured up to then is in the file, but the workload was killed rather than allowed to end.
     */
    interrupted: z.boolean().optional(),
    /** The signal that asked the recorder to stop (`SIGINT`, `SIGTERM`, `SIGHUP`), when one did. */
    stopSignal: z.string().optional(),
    /**
     * Processes of the workload still running when the recorded command exited, which the
     * recorder then killed (a daemon the command forked). Empty or absent when none were left.
     */
    killedDescendants: z
      .array(z.object({ pid: z.number().int().nonnegative(), comm: z.string() }))
      .optional(),
    /**
     * Streams the payload decoder could not read (the `payload:unrecognised` and `payload:http2`
     * drops): which process and peer, and what their first bytes were. Absent when payload capture
     * was off or every stream was read.
     */
    undecodedPayloads: UndecodedPayloadsSchema.optional(),
  }),
);
/** @see {@link CaptureTrailerSchema} */
export interface CaptureTrailer {
  /** Nanoseconds since the epoch. */
  endTime: number;
  events: number;
  /** Events the source lost before they reached the writer, by cause. */
  drops: Record<string, number>;
  /** Exit code of the recorded command, when there was one. */
  exitCode?: number | undefined;
  /**
   * True when the recording was cut short (a second interrupt to `vigil record`): what was
   * captured up to then is in the file, but the workload was killed rather than allowed to end.
   */
  interrupted?: boolean | undefined;
  /** The signal that asked the recorder to stop (`SIGINT`, `SIGTERM`, `SIGHUP`), when one did. */
  stopSignal?: string | undefined;
  /**
   * Processes of the workload still running when the recorded command exited, which the
   * recorder then killed (a daemon the command forked). Empty or absent when none were left.
   */
  killedDescendants?:
    | {
        pid: number;
        comm: string;
      }[]
    | undefined;
  /**
   * Streams the payload decoder could not read (the `payload:unrecognised` and `payload:http2`
   * drops): which process and peer, and what their first bytes were. Absent when payload capture
   * was off or every stream was read.
   */
  undecodedPayloads?: UndecodedPayloads | undefined;
}
