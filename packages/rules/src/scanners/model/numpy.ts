/**
 * The header of a NumPy `.npy` file.
 *
 * @example
 * ```ts
 * const h: NpyHeader = { version: '1.0', descr: '<f4', fortranOrder: false, shape: [2, 3], hasObject: false, dataOffset: 128, dataBytes: 24 };
 * ```
 */
export interface NpyHeader {
  readonly version: string;
  /** The dtype description as written (`'<f4'`, `'|O'`, or a structured list). */
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Object arrays hold a pickle after the header; `np.load(allow_pickle=True)` runs it. */
  readonly hasObject: boolean;
  readonly dataOffset: number;
  /** Expected data size for plain dtypes (absent for object or unreadable dtypes). */
  readonly dataBytes?: number;
}

/** NumPy refuses headers above this size by default (`max_header_size`). */
export const NPY_MAX_HEADER = 10_000;

/**
 * Parses a `.npy` header (versions 1.0, 2.0 and 3.0) from the file's first
 * bytes without evaluating it; returns a message instead when it is not one.
 *
 * @example
 * ```ts
 * const h = parseNpyHeader(head);
 * if (typeof h !== 'string' && h.hasObject) console.log('object array: a pickle follows at', h.dataOffset);
 * ```
 */
export function parseNpyHeader(head: Uint8Array): NpyHeader | string {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (head.length < 10 || magic.some((m, i) => head[i] !== m)) return 'not a .npy file (bad magic)';
  const major = head[6]!;
  const minor = head[7]!;
  if (major < 1 || major > 3) return `unsupported .npy version ${major}.${minor}`;
  const lenBytes = major === 1 ? 2 : 4;
  const hlen =
    lenBytes === 2
      ? head[8]! | (head[9]! << 8)
      : (head[8]! | (head[9]! << 8) | (head[10]! << 16)) + head[11]! * 0x1000000;
  if (hlen > NPY_MAX_HEADER)
    return `header of ${hlen} bytes is larger than NumPy's limit of ${NPY_MAX_HEADER}`;
  const start = 8 + lenBytes;
  if (head.length < start + hlen) return `header cut short (${head.length - start} of ${hlen} bytes)`;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(start, start + hlen));
  const descrM = /['"]descr['"]\s*:\s*('([^']*)'|"([^"]*)"|\[)/.exec(text);
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descrM || !fortranM || !shapeM || !text.trimStart().startsWith('{'))
    return 'header is not a dict with descr, fortran_order and shape';
  const structured = descrM[1] === '[';
  const descr = structured
    ? text.slice(descrM.index + descrM[0].length - 1, text.lastIndexOf(']') + 1)
    : (descrM[2] ?? descrM[3] ?? '');
  const dims = shapeM[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!dims.every((d) => /^\d+L?$/.test(d))) return 'shape is not a tuple of integers';
  const shape = dims.map((d) => Number.parseInt(d, 10));
  // An 'O' type code anywhere in the description (plain or inside a structured dtype) means object fields.
  const hasObject = structured ? /['"][<>|=]?O\d*['"]/.test(descr) : /^[<>|=]?O\d*$/.test(descr);
  const simple = /^[<>|=]?([biufcSUV?])(\d*)$/.exec(descr);
  let dataBytes: number | undefined;
  if (simple && !hasObject) {
    const code = simple[1]!;
    const n = simple[2] ? Number(simple[2]) : code === '?' || code === 'b' ? 1 : Number.NaN;
    const item = code === 'U' ? n * 4 : n;
    const numel = shape.reduce((a, b) => a * b, 1);
    if (Number.isFinite(item)) dataBytes = numel * item;
  }
  return {
    version: `${major}.${minor}`,
    descr,
    fortranOrder: fortranM[1] === 'True',
    shape,
    hasObject,
    dataOffset: start + hlen,
    ...(dataBytes !== undefined ? { dataBytes } : {}),
  };
}
