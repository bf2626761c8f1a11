import { Decoder, Encoder } from '@msgpack/msgpack';
import { VigilError } from '../errors/vigil-error.js';
import { INPUT_LIMITS, inputLimits } from '../limits/input-limits.js';
import { guardJson, JsonGuard } from '../limits/json-guard.js';
import { guardMsgpack, MsgpackGuard } from '../limits/msgpack-guard.js';
import { writeOutput } from '../output/write-output.js';
import { readBoundedFile } from '../readers/read-bounded.js';
import { Baseline } from './baseline.js';
import { jsonErrorAt } from './internal/json-position.js';
import { BASELINE_SCHEMA_VERSION, READABLE_BASELINE_VERSIONS } from './schema.js';
import { BaselineSet } from './set.js';

/** The encodings a baseline set can be written in. */
export type BaselineEncoding = 'json' | 'msgpack';

/** The bytes a msgpack baseline file starts with. */
export const BASELINE_MSGPACK_MAGIC = Buffer.from('VBSL', 'ascii');
/** Largest baseline file read (bytes); `INPUT_LIMITS.baseline` holds its depth and value limits too. */
export const MAX_BASELINE_BYTES: number = INPUT_LIMITS.baseline.maxBytes!;

/**
 * Encodes a baseline set: pretty JSON, or msgpack behind a 6-byte prefix
 * (`VBSL`, schema version as u16 LE).
 *
 * @example
 * ```ts
 * import { encodeBaselineSet } from '@vigil/core';
 *
 * const bytes = encodeBaselineSet(learner.set, 'msgpack');
 * ```
 */
export function encodeBaselineSet(set: BaselineSet, encoding: BaselineEncoding = 'json'): Uint8Array {
  const doc = set.toDocument();
  if (encoding === 'json') return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
  const body = new Encoder({ ignoreUndefined: true }).encode(doc);
  const head = Buffer.alloc(6);
  BASELINE_MSGPACK_MAGIC.copy(head, 0);
  head.writeUInt16LE(BASELINE_SCHEMA_VERSION, 4);
  return Buffer.concat([head, body]);
}

function lineCol(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: pos - last };
}

/**
 * Decodes a baseline set from JSON or msgpack (detected from the first
 * bytes). A single baseline document is accepted too. Errors name the file,
 * the place (line/column, byte offset or document path) and what was expected.
 *
 * @example
 * ```ts
 * import { decodeBaselineSet } from '@vigil/core';
 *
 * const set = decodeBaselineSet(await readFile('agent.baseline.json'), 'agent.baseline.json');
 * ```
 */
export function decodeBaselineSet(bytes: Uint8Array, file = '(baseline)'): BaselineSet {
  return decodeGuarded(bytes, file, false, false);
}

function decodeGuarded(
  bytes: Uint8Array,
  file: string,
  jsonGuarded: boolean,
  msgpackGuarded = false,
): BaselineSet {
  const limits = inputLimits('baseline');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0)
    throw new VigilError('PARSE', 'empty file (expected a JSON or msgpack baseline)', {
      location: { file, offset: 0 },
    });
  if (buf.length > MAX_BASELINE_BYTES)
    throw new VigilError(
      'INPUT_INVALID',
      `baseline of ${buf.length} bytes exceeds the ${MAX_BASELINE_BYTES}-byte limit`,
      { location: { file } },
    );
  let value: unknown;
  if (buf.length >= 4 && buf.subarray(0, 4).equals(BASELINE_MSGPACK_MAGIC)) {
    if (buf.length < 6)
      throw new VigilError('PARSE', 'file ends inside the 6-byte msgpack prefix', {
        location: { file, offset: buf.length },
      });
    const version = buf.readUInt16LE(4);
    if (!READABLE_BASELINE_VERSIONS.includes(version))
      throw new VigilError(
        'INPUT_INVALID',
        `baseline schema version ${version} is not supported (this build reads ${BASELINE_SCHEMA_VERSION})`,
        {
          location: { file, offset: 4 },
        },
      );
    if (!msgpackGuarded) guardMsgpack(buf.subarray(6), file, limits, 6);
    try {
      value = new Decoder({
        maxStrLength: 1 << 20,
        maxArrayLength: 1 << 22,
        maxMapLength: 1 << 22,
        maxBinLength: 1 << 20,
        maxExtLength: 1 << 20,
      }).decode(buf.subarray(6));
    } catch (cause) {
      throw new VigilError('PARSE', `undecodable msgpack: ${(cause as Error).message}`, {
        cause,
        location: { file, offset: 6 },
      });
    }
  } else {
    if (!jsonGuarded) guardJson(buf, file, limits, 'baseline JSON');
    const text = buf.toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (cause) {
      const at = jsonErrorAt(text);
      throw new VigilError(
        'PARSE',
        `not valid JSON${at ? `: expected ${at.expected}` : ''} (${(cause as Error).message.split('\n')[0]})`,
        { cause, location: at ? { file, ...lineCol(text, at.offset) } : { file } },
      );
    }
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !('kind' in value) &&
    'subject' in value
  ) {
    return new BaselineSet([Baseline.fromDocument(value, { file })]);
  }
  return BaselineSet.fromDocument(value, { file });
}

/** Options for {@link readBaselineFile}. */
export interface ReadBaselineOptions {
  /** Aborts the open (a FIFO nobody writes to) and the read between chunks, with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/**
 * Reads a baseline file (JSON or msgpack) within `INPUT_LIMITS.baseline`:
 * a regular file over the size limit is refused from its size before a byte
 * is read; nesting and the number of values are checked while the file
 * streams in (JSON structure, msgpack headers), so a hostile file is refused
 * after the first few MiB, before anything is parsed.
 *
 * @example
 * ```ts
 * const set = await readBaselineFile('agent.baseline.json');
 * ```
 */
export async function readBaselineFile(
  path: string,
  options: ReadBaselineOptions = {},
): Promise<BaselineSet> {
  const limits = inputLimits('baseline');
  // The first bytes say JSON or msgpack; a pipe may deliver fewer than the 6-byte prefix at first.
  let head: Buffer | undefined = Buffer.alloc(0);
  let guard: JsonGuard | MsgpackGuard | undefined;
  const bytes = await readBoundedFile(path, {
    what: 'baseline',
    maxBytes: limits.maxBytes,
    signal: options.signal,
    onChunk: (chunk) => {
      if (head === undefined) return guard?.feed(chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length >= 4 && !head.subarray(0, 4).equals(BASELINE_MSGPACK_MAGIC)) {
        guard = new JsonGuard(path, limits, 'baseline JSON');
        guard.feed(head);
        head = undefined;
      } else if (head.length >= 6) {
        guard = new MsgpackGuard(path, limits, 6);
        guard.feed(head.subarray(6));
        head = undefined;
      }
    },
  });
  return decodeGuarded(bytes, path, guard instanceof JsonGuard, guard instanceof MsgpackGuard);
}

/**
 * Writes a baseline file the way {@link writeOutput} writes every output: a
 * regular file is replaced atomically and durably (temporary file in the same
 * folder, fsync, rename, fsync of the folder; mode and owner kept, symbolic
 * links followed); devices and FIFOs are written in place.
 *
 * @example
 * ```ts
 * await writeBaselineFile('agent.baseline.json', learner.set);
 * ```
 */
export async function writeBaselineFile(
  path: string,
  set: BaselineSet,
  encoding: BaselineEncoding = 'json',
): Promise<void> {
  await writeOutput(path, encodeBaselineSet(set, encoding));
}
