import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Decoder, Encoder } from '@msgpack/msgpack';
import { VigilError } from '../errors/vigil-error.js';
import { Baseline } from './baseline.js';
import { jsonErrorAt } from './internal/json-position.js';
import { BASELINE_SCHEMA_VERSION, READABLE_BASELINE_VERSIONS } from './schema.js';
import { BaselineSet } from './set.js';

/** The encodings a baseline set can be written in. */
export type BaselineEncoding = 'json' | 'msgpack';

/** The bytes a msgpack baseline file starts with. */
export const BASELINE_MSGPACK_MAGIC = Buffer.from('VBSL', 'ascii');
/** Largest baseline file read (bytes). */
export const MAX_BASELINE_BYTES = 512 * 1024 * 1024;

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

/**
 * Reads a baseline file (JSON or msgpack).
 *
 * @example
 * ```ts
 * const set = await readBaselineFile('agent.baseline.json');
 * ```
 */
export async function readBaselineFile(path: string): Promise<BaselineSet> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new VigilError('IO', `cannot read baseline: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  return decodeBaselineSet(bytes, path);
}

/**
 * Writes a baseline file atomically and durably: a temporary file in the
 * same folder, fsync, then rename.
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
  const bytes = encodeBaselineSet(set, encoding);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new VigilError('IO', `cannot write baseline ${path}: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
}
