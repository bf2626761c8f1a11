/** A run of invisible or direction-changing characters in a text. */
export interface InvisibleRun {
  /** UTF-16 index of the first character. */
  readonly index: number;
  readonly length: number;
  readonly kind: 'tag' | 'zero-width' | 'bidi' | 'variation-selector' | 'soft-hyphen';
  /** Code points as `U+XXXX`. */
  readonly codePoints: readonly string[];
  /** For Unicode tag characters: the ASCII they spell (hidden text). */
  readonly decoded?: string;
}

function kindOf(cp: number): InvisibleRun['kind'] | undefined {
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  if ((cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064) || cp === 0xfeff || cp === 0x180e)
    return 'zero-width';
  if (
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  )
    return 'bidi';
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 'variation-selector';
  if (cp === 0xad) return 'soft-hyphen';
  return undefined;
}

/** Finds runs of invisible characters (tags, zero-width, bidi controls, variation selectors, soft hyphens), at most `max`. */
export function invisibleRuns(text: string, max = 20): InvisibleRun[] {
  const out: InvisibleRun[] = [];
  let i = 0;
  while (i < text.length && out.length < max) {
    const cp = text.codePointAt(i)!;
    const kind = kindOf(cp);
    const w = cp > 0xffff ? 2 : 1;
    if (!kind) {
      i += w;
      continue;
    }
    const start = i;
    const cps: string[] = [];
    let decoded = '';
    while (i < text.length) {
      const c = text.codePointAt(i)!;
      if (kindOf(c) !== kind) break;
      if (cps.length < 16) cps.push(`U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
      if (kind === 'tag' && c >= 0xe0020 && c <= 0xe007e) decoded += String.fromCharCode(c - 0xe0000);
      i += c > 0xffff ? 2 : 1;
    }
    out.push({ index: start, length: i - start, kind, codePoints: cps, ...(decoded ? { decoded } : {}) });
  }
  return out;
}
