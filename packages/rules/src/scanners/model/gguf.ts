import { documentRecord } from '@vigil/core';
import { type ByteSource, memorySource, openFileSource } from './internal/byte-source.js';

/**
 * One problem in a GGUF header, with its byte offset.
 *
 * @example
 * ```ts
 * const p: GgufProblem = { offset: 24, message: 'string length 2^40 past the end of the file' };
 * ```
 */
export interface GgufProblem {
  readonly offset: number;
  readonly message: string;
  /** A scan bound was reached rather than a format rule broken. */
  readonly limit?: boolean;
}

/**
 * A tensor described by a GGUF header.
 *
 * @example
 * ```ts
 * const t: GgufTensor = { name: 'token_embd.weight', dims: [4096, 32000], type: 12, typeName: 'Q4_K', offset: 0, bytes: 73728000 };
 * ```
 */
export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: number;
  readonly typeName: string;
  /** Offset inside the data section. */
  readonly offset: number;
  /** Size in bytes when the type's block layout is known. */
  readonly bytes?: number;
}

/**
 * What {@link inspectGguf} found.
 *
 * @example
 * ```ts
 * const g: GgufInspection = await inspectGguf(bytes);
 * console.log(g.version, g.metadata['general.architecture']);
 * ```
 */
export interface GgufInspection {
  readonly version: number;
  readonly tensorCount: number;
  readonly kvCount: number;
  /** Scalar and string values (strings up to 64 KiB; arrays as `array<type>[count]`). */
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
  /** `tokenizer.chat_template` and its named variants, in full (up to 16 MiB each). */
  readonly chatTemplates: readonly { readonly key: string; readonly text: string; readonly offset: number }[];
  /** Tensor infos (up to `maxTensors`). */
  readonly tensors: readonly GgufTensor[];
  readonly problems: readonly GgufProblem[];
  /** Bytes read to inspect the header. */
  readonly bytesRead: number;
  /** Work units spent (values and tensor infos read): linear in the header size. */
  readonly steps: number;
}

/**
 * Options of {@link inspectGguf}.
 *
 * @example
 * ```ts
 * await inspectGguf(bytes, { maxDepth: 4, maxTensors: 100_000 });
 * ```
 */
export interface GgufOptions {
  /** Deepest nesting of arrays. Default 8. */
  readonly maxDepth?: number;
  /** Most tensor infos kept and checked. Default 1 000 000. */
  readonly maxTensors?: number;
  /** Most metadata pairs read. Default 1 000 000. */
  readonly maxKv?: number;
}

// ggml types: name, elements per block, bytes per block (sizes listed only where the layout is fixed and known).
const GGML: Readonly<Record<number, readonly [string, number?, number?]>> = {
  0: ['F32', 1, 4],
  1: ['F16', 1, 2],
  2: ['Q4_0', 32, 18],
  3: ['Q4_1', 32, 20],
  6: ['Q5_0', 32, 22],
  7: ['Q5_1', 32, 24],
  8: ['Q8_0', 32, 34],
  9: ['Q8_1', 32, 36],
  10: ['Q2_K', 256, 84],
  11: ['Q3_K', 256, 110],
  12: ['Q4_K', 256, 144],
  13: ['Q5_K', 256, 176],
  14: ['Q6_K', 256, 210],
  15: ['Q8_K', 256, 292],
  16: ['IQ2_XXS'],
  17: ['IQ2_XS'],
  18: ['IQ3_XXS'],
  19: ['IQ1_S'],
  20: ['IQ4_NL'],
  21: ['IQ3_S'],
  22: ['IQ2_S'],
  23: ['IQ4_XS'],
  24: ['I8', 1, 1],
  25: ['I16', 1, 2],
  26: ['I32', 1, 4],
  27: ['I64', 1, 8],
  28: ['F64', 1, 8],
  29: ['IQ1_M'],
  30: ['BF16', 1, 2],
  34: ['TQ1_0'],
  35: ['TQ2_0'],
  39: ['MXFP4'],
};
const VALUE_SIZE: Readonly<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};
const TYPE_NAME = [
  'u8',
  'i8',
  'u16',
  'i16',
  'u32',
  'i32',
  'f32',
  'bool',
  'string',
  'array',
  'u64',
  'i64',
  'f64',
];
const WINDOW = 1 << 20;
const KEEP_STRING = 1 << 16;
const KEEP_TEMPLATE = 1 << 24;

class Stop extends Error {}

/** Sequential little-endian reads over a source, in bounded windows. */
class Cursor {
  at = 0;
  #buf: Uint8Array = new Uint8Array(0);
  #bufAt = 0;
  read = 0;
  steps = 0;
  constructor(
    readonly src: ByteSource,
    readonly problems: GgufProblem[],
  ) {}
  fail(message: string, offset = this.at, limit = false): never {
    this.problems.push(limit ? { offset, message, limit } : { offset, message });
    throw new Stop(message);
  }
  async bytes(n: number): Promise<Uint8Array> {
    this.steps++;
    if (this.at + n > this.src.size)
      this.fail(`needs ${n} bytes at offset ${this.at}, past the end of the file`);
    if (this.at < this.#bufAt || this.at + n > this.#bufAt + this.#buf.length) {
      this.#bufAt = this.at;
      this.#buf = await this.src.read(this.at, Math.max(n, WINDOW));
      this.read += this.#buf.length;
    }
    const p = this.at - this.#bufAt;
    this.at += n;
    return this.#buf.subarray(p, p + n);
  }
  async u32(): Promise<number> {
    const b = await this.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
  }
  async u64(): Promise<number> {
    const lo = await this.u32();
    const hi = await this.u32();
    return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * 0x100000000 + lo;
  }
  /** A string; its bytes are read only when `keep` is at least its length. */
  async str(keep: number): Promise<{ text?: string; length: number; offset: number }> {
    const offset = this.at;
    const n = await this.u64();
    if (this.at + n > this.src.size) this.fail(`string length ${n} runs past the end of the file`, offset);
    if (n > keep) {
      this.at += n;
      return { length: n, offset };
    }
    const raw = await this.bytes(n);
    return { text: new TextDecoder('utf-8').decode(raw), length: n, offset };
  }
}

/**
 * Reads and checks a GGUF header (versions 2 and 3): magic and version,
 * every metadata key and value with its type (string and array lengths
 * bounded by the file, nesting bounded), and every tensor info (known ggml
 * type, at most four dimensions, aligned offsets, sizes that fit the block
 * layout, tensors inside the file and not overlapping). Reads only the
 * header, in 1 MiB windows, so an 8 GB model costs a few reads.
 *
 * @example
 * ```ts
 * const g = await inspectGguf('model.gguf');
 * for (const t of g.chatTemplates) console.log(t.key, inspectChatTemplate(t.text));
 * ```
 */
export async function inspectGguf(
  input: Uint8Array | string,
  options: GgufOptions = {},
): Promise<GgufInspection> {
  if (input instanceof Uint8Array) return inspectGgufSource(memorySource(input, 'gguf'), options);
  const src = await openFileSource(input);
  try {
    return await inspectGgufSource(src, options);
  } finally {
    await src.close();
  }
}

/** {@link inspectGguf} over an open source (the scanner shares its file handle). */
export async function inspectGgufSource(src: ByteSource, options: GgufOptions = {}): Promise<GgufInspection> {
  const problems: GgufProblem[] = [];
  const c: Cursor = new Cursor(src, problems);
  const metadata = documentRecord<string | number | boolean>();
  const chatTemplates: { key: string; text: string; offset: number }[] = [];
  const tensors: GgufTensor[] = [];
  const maxDepth = options.maxDepth ?? 8;
  const maxTensors = options.maxTensors ?? 1_000_000;
  const maxKv = options.maxKv ?? 1_000_000;
  let version = 0;
  let tensorCount = 0;
  let kvCount = 0;
  const result = (): GgufInspection => ({
    version,
    tensorCount,
    kvCount,
    metadata,
    chatTemplates,
    tensors,
    problems,
    bytesRead: c.read,
    steps: c.steps,
  });
  try {
    const magic = await c.bytes(4);
    if (new TextDecoder('latin1').decode(magic) !== 'GGUF')
      c.fail('not a GGUF file (magic is not "GGUF")', 0);
    version = await c.u32();
    if (version === 1)
      c.fail('GGUF version 1 (32-bit counts) is obsolete and not supported by current loaders', 4);
    if (version !== 2 && version !== 3)
      c.fail(`unsupported GGUF version ${version}${version > 0xffff ? ' (a big-endian file?)' : ''}`, 4);
    tensorCount = await c.u64();
    kvCount = await c.u64();
    // Every pair needs a key length, a type and a value: at least 13 bytes; every tensor info at least 28.
    if (kvCount * 13 > src.size - c.at) c.fail(`metadata count ${kvCount} cannot fit in the file`, 16);
    if (tensorCount * 28 > src.size - c.at) c.fail(`tensor count ${tensorCount} cannot fit in the file`, 8);
    if (kvCount > maxKv) c.fail(`more than ${maxKv} metadata pairs`, 16, true);
    let alignment = 32;
    const value = async (
      type: number,
      depth: number,
      keep: number,
    ): Promise<string | number | boolean | undefined> => {
      const at = c.at;
      if (type === 8) {
        const s = await c.str(keep);
        return s.text;
      }
      if (type === 9) {
        if (depth >= maxDepth) c.fail(`arrays nested deeper than ${maxDepth}`, at, true);
        const et = await c.u32();
        const n = await c.u64();
        if (et > 12) c.fail(`array of unknown value type ${et}`, at);
        const min = et === 8 ? 8 : et === 9 ? 12 : VALUE_SIZE[et]!;
        if (n * min > src.size - c.at)
          c.fail(`array of ${n} ${TYPE_NAME[et]} values runs past the end of the file`, at);
        if (et === 8 || et === 9) for (let i = 0; i < n; i++) await value(et, depth + 1, 0);
        else c.at += n * min;
        return `array<${TYPE_NAME[et]}>[${n}]`;
      }
      const size = VALUE_SIZE[type];
      if (size === undefined) c.fail(`unknown value type ${type}`, at);
      const b = await c.bytes(size);
      const dv = new DataView(b.buffer, b.byteOffset, b.length);
      switch (type) {
        case 0:
          return dv.getUint8(0);
        case 1:
          return dv.getInt8(0);
        case 2:
          return dv.getUint16(0, true);
        case 3:
          return dv.getInt16(0, true);
        case 4:
          return dv.getUint32(0, true);
        case 5:
          return dv.getInt32(0, true);
        case 6:
          return dv.getFloat32(0, true);
        case 7:
          if (b[0]! > 1) c.fail(`bool value ${b[0]}`, at);
          return b[0] === 1;
        case 10:
          return Number(dv.getBigUint64(0, true));
        case 11:
          return Number(dv.getBigInt64(0, true));
        default:
          return dv.getFloat64(0, true);
      }
    };
    for (let i = 0; i < kvCount; i++) {
      const key = await c.str(KEEP_STRING);
      if (key.text === undefined) c.fail(`metadata key of ${key.length} bytes`, key.offset);
      if (key.length === 0) c.fail('empty metadata key', key.offset);
      const typeAt = c.at;
      const type = await c.u32();
      if (type > 12) c.fail(`metadata ${key.text} has unknown value type ${type}`, typeAt);
      const isTemplate =
        key.text === 'tokenizer.chat_template' || key.text.startsWith('tokenizer.chat_template.');
      const valueAt = c.at;
      const v = await value(type, 0, isTemplate ? KEEP_TEMPLATE : KEEP_STRING);
      if (isTemplate) {
        if (type !== 8) problems.push({ offset: typeAt, message: `${key.text} is not a string` });
        else if (v === undefined)
          problems.push({
            offset: valueAt,
            message: `${key.text} is larger than ${KEEP_TEMPLATE} bytes`,
            limit: true,
          });
        else chatTemplates.push({ key: key.text, text: String(v), offset: valueAt });
      }
      if (v !== undefined && Object.keys(metadata).length < 10_000) metadata[key.text] = v;
      if (key.text === 'general.alignment') {
        if (type !== 4 || typeof v !== 'number' || v === 0 || (v & (v - 1)) !== 0)
          problems.push({
            offset: valueAt,
            message: `general.alignment ${String(v)} is not a power-of-two u32`,
          });
        else alignment = v;
      }
    }
    const infos: { t: GgufTensor; at: number }[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const at = c.at;
      const name = await c.str(KEEP_STRING);
      if (name.text === undefined) c.fail(`tensor name of ${name.length} bytes`, at);
      const nd = await c.u32();
      if (nd === 0 || nd > 4) c.fail(`tensor ${name.text} has ${nd} dimensions (1 to 4 allowed)`, at);
      const dims: number[] = [];
      let numel = 1;
      for (let d = 0; d < nd; d++) {
        const v = await c.u64();
        dims.push(v);
        numel *= v;
      }
      const type = await c.u32();
      const offset = await c.u64();
      const g = GGML[type];
      if (!g) problems.push({ offset: at, message: `tensor ${name.text} has unknown ggml type ${type}` });
      if (!Number.isSafeInteger(numel) || dims.some((d) => d === 0))
        problems.push({ offset: at, message: `tensor ${name.text} has dimensions [${dims.join(', ')}]` });
      let bytes: number | undefined;
      if (g?.[1] !== undefined && g[2] !== undefined && Number.isSafeInteger(numel)) {
        if (dims[0]! % g[1] !== 0)
          problems.push({
            offset: at,
            message: `tensor ${name.text}: first dimension ${dims[0]} is not a multiple of ${g[0]}'s block of ${g[1]}`,
          });
        else bytes = (numel / g[1]) * g[2];
      }
      if (!Number.isFinite(offset) || offset % alignment !== 0)
        problems.push({
          offset: at,
          message: `tensor ${name.text} offset ${offset} is not aligned to ${alignment}`,
        });
      const t: GgufTensor = {
        name: name.text,
        dims,
        type,
        typeName: g?.[0] ?? `type ${type}`,
        offset,
        ...(bytes !== undefined ? { bytes } : {}),
      };
      if (tensors.length < maxTensors) {
        tensors.push(t);
        infos.push({ t, at });
      } else c.fail(`more than ${maxTensors} tensors`, at, true);
    }
    const dataStart = Math.ceil(c.at / alignment) * alignment;
    const sorted = infos.filter((x) => Number.isFinite(x.t.offset)).sort((a, b) => a.t.offset - b.t.offset);
    let end = 0;
    let prev = '';
    for (const { t, at } of sorted) {
      if (t.offset < end) problems.push({ offset: at, message: `tensor ${t.name} overlaps ${prev}` });
      const tEnd = t.offset + (t.bytes ?? 0);
      if (dataStart + tEnd > src.size)
        problems.push({
          offset: at,
          message: `tensor ${t.name} ends at ${dataStart + tEnd}, past the end of the file (${src.size})`,
        });
      if (tEnd > end) {
        end = tEnd;
        prev = t.name;
      }
    }
    const names = new Set<string>();
    for (const t of tensors) {
      if (names.has(t.name)) problems.push({ offset: 0, message: `tensor name ${t.name} appears twice` });
      names.add(t.name);
    }
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
  return result();
}
