import { documentRecord, scalarText } from '@vigil/core';
/**
 * One problem in a safetensors header.
 *
 * @example
 * ```ts
 * const p: SafetensorsProblem = { pointer: '/w/data_offsets', message: 'overlaps /b' };
 * ```
 */
export interface SafetensorsProblem {
  /** JSON pointer into the header (`''` for the header as a whole). */
  readonly pointer: string;
  readonly message: string;
}

/**
 * A tensor described by a safetensors header.
 *
 * @example
 * ```ts
 * const t: SafetensorsTensor = { name: 'w', dtype: 'F32', shape: [2, 2], begin: 0, end: 16 };
 * ```
 */
export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * What {@link inspectSafetensorsHeader} found.
 *
 * @example
 * ```ts
 * const r: SafetensorsInspection = inspectSafetensorsHeader(head, fileSize);
 * if (r.problems.length > 0) console.log(r.problems);
 * ```
 */
export interface SafetensorsInspection {
  /** Header length from the first eight bytes. */
  readonly headerLength: number;
  readonly tensors: readonly SafetensorsTensor[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly problems: readonly SafetensorsProblem[];
}

/** Bits per element of every dtype the safetensors format defines. */
const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** The safetensors reference implementation refuses headers above 100 MB. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Validates a safetensors header: the 8-byte length is within the file and
 * the format's bound, the header is UTF-8 JSON starting with `{`, every
 * dtype is known, `shape × dtype` equals each tensor's byte span, offsets are
 * sorted, contiguous, non-overlapping and end exactly at the end of the file,
 * and `__metadata__` holds strings only. Give it the file's first
 * `8 + headerLength` bytes (or fewer: a short read is itself a problem).
 *
 * @example
 * ```ts
 * const r = inspectSafetensorsHeader(await readHead('model.safetensors'), size);
 * r.problems.map((p) => `${p.pointer}: ${p.message}`);
 * ```
 */
export function inspectSafetensorsHeader(bytes: Uint8Array, fileSize: number): SafetensorsInspection {
  const problems: SafetensorsProblem[] = [];
  const out = (headerLength: number): SafetensorsInspection => ({
    headerLength,
    tensors,
    metadata,
    problems,
  });
  const tensors: SafetensorsTensor[] = [];
  const metadata = documentRecord<string>();
  if (bytes.length < 8 || fileSize < 8) {
    problems.push({ pointer: '', message: 'shorter than the 8-byte header length' });
    return out(0);
  }
  const lo = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16)) + bytes[3]! * 0x1000000;
  const hi = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16)) + bytes[7]! * 0x1000000;
  const n = hi * 0x100000000 + lo;
  if (n > SAFETENSORS_MAX_HEADER || 8 + n > fileSize) {
    problems.push({
      pointer: '',
      message: `header length ${n} is out of bounds (file ${fileSize} bytes, format limit ${SAFETENSORS_MAX_HEADER})`,
    });
    return out(n);
  }
  if (bytes.length < 8 + n) {
    problems.push({ pointer: '', message: `header cut short: ${bytes.length - 8} of ${n} bytes` });
    return out(n);
  }
  const raw = bytes.subarray(8, 8 + n);
  if (raw[0] !== 0x7b) {
    problems.push({ pointer: '', message: 'header does not start with "{"' });
    return out(n);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    problems.push({ pointer: '', message: 'header is not valid UTF-8' });
    return out(n);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/ +$/, ''));
  } catch (err) {
    problems.push({ pointer: '', message: `header is not JSON: ${(err as Error).message}` });
    return out(n);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push({ pointer: '', message: 'header is not a JSON object' });
    return out(n);
  }
  const dataLen = fileSize - 8 - n;
  for (const [name, v] of Object.entries(doc as Record<string, unknown>)) {
    const ptr = `/${esc(name)}`;
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        problems.push({ pointer: ptr, message: '__metadata__ is not an object' });
        continue;
      }
      for (const [k, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== 'string')
          problems.push({ pointer: `${ptr}/${esc(k)}`, message: 'metadata value is not a string' });
        else metadata[k] = mv;
      }
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ pointer: ptr, message: 'tensor entry is not an object' });
      continue;
    }
    const t = v as Record<string, unknown>;
    const extra = Object.keys(t).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length > 0) problems.push({ pointer: ptr, message: `unexpected fields ${extra.join(', ')}` });
    const dtype = t['dtype'];
    const bits =
      typeof dtype === 'string' && Object.hasOwn(DTYPE_BITS, dtype) ? DTYPE_BITS[dtype] : undefined;
    if (bits === undefined)
      problems.push({ pointer: `${ptr}/dtype`, message: `unknown dtype ${JSON.stringify(dtype)}` });
    const shape = t['shape'];
    const shapeOk =
      Array.isArray(shape) && shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
    if (!shapeOk)
      problems.push({ pointer: `${ptr}/shape`, message: 'shape is not a list of non-negative integers' });
    const offs = t['data_offsets'];
    const offsOk =
      Array.isArray(offs) &&
      offs.length === 2 &&
      offs.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) &&
      (offs[0] as number) <= (offs[1] as number);
    if (!offsOk) {
      problems.push({
        pointer: `${ptr}/data_offsets`,
        message: 'data_offsets is not [begin, end] with begin ≤ end',
      });
      continue;
    }
    const [begin, end] = offs as [number, number];
    if (end > dataLen)
      problems.push({
        pointer: `${ptr}/data_offsets`,
        message: `ends at ${end}, past the ${dataLen} data bytes`,
      });
    if (bits !== undefined && shapeOk) {
      let numel = 1;
      for (const d of shape as number[]) numel *= d;
      const want = (numel * bits) / 8;
      if (want !== end - begin)
        problems.push({
          pointer: `${ptr}/data_offsets`,
          message: `spans ${end - begin} bytes but ${dtype} × [${(shape as number[]).join(', ')}] needs ${want}`,
        });
    }
    tensors.push({ name, dtype: scalarText(dtype), shape: shapeOk ? (shape as number[]) : [], begin, end });
  }
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of sorted) {
    if (t.begin < at)
      problems.push({
        pointer: `/${esc(t.name)}/data_offsets`,
        message: `overlaps the previous tensor (begins at ${t.begin}, before ${at})`,
      });
    else if (t.begin > at)
      problems.push({
        pointer: `/${esc(t.name)}/data_offsets`,
        message: `leaves a gap of ${t.begin - at} bytes before it`,
      });
    at = Math.max(at, t.end);
  }
  if (at !== dataLen && !problems.some((p) => p.message.includes('past the')))
    problems.push({
      pointer: '',
      message: `tensors cover ${at} bytes but the file holds ${dataLen} data bytes`,
    });
  return out(n);
}
