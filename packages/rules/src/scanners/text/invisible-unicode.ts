import type { Severity } from '@vigil/core';

/** Classes of characters a reader does not see but a model reads. */
export type InvisibleClass = 'tag' | 'bidi' | 'zero-width' | 'variation-selector' | 'soft-hyphen';

/** One run of invisible characters in a text. */
export interface InvisibleRun {
  readonly class: InvisibleClass;
  /** UTF-16 index of the first character of the run. */
  readonly index: number;
  /** Code points in the run. */
  readonly count: number;
  /** For Unicode tag runs: the ASCII text they spell (the "ASCII smuggling" payload). */
  readonly decoded?: string;
}

/** How bad each class is on its own: tags carry whole hidden sentences, bidi controls reorder what is read. */
export const INVISIBLE_SEVERITY: Readonly<Record<InvisibleClass, Severity>> = {
  tag: 'critical',
  bidi: 'high',
  'zero-width': 'medium',
  'variation-selector': 'medium',
  'soft-hyphen': 'medium',
};

function classOf(cp: number): InvisibleClass | undefined {
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  if (
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c
  )
    return 'bidi';
  if (cp === 0x200b || cp === 0x200c || cp === 0x200d || cp === 0x2060 || cp === 0xfeff || cp === 0x180e)
    return 'zero-width';
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 'variation-selector';
  if (cp === 0x00ad) return 'soft-hyphen';
  return undefined;
}

// A variation selector after an emoji or a CJK ideograph is how those are written; elsewhere it hides data.
function legitimateSelector(prev: number | undefined): boolean {
  if (prev === undefined) return false;
  return (
    (prev >= 0x1f000 && prev <= 0x1faff) ||
    (prev >= 0x2600 && prev <= 0x27bf) ||
    (prev >= 0x2190 && prev <= 0x21ff) ||
    (prev >= 0x2300 && prev <= 0x23ff) ||
    (prev >= 0x4e00 && prev <= 0x9fff) ||
    prev === 0x00a9 ||
    prev === 0x00ae ||
    prev === 0x2122 ||
    (prev >= 0x30 && prev <= 0x39) ||
    prev === 0x23 ||
    prev === 0x2a
  );
}

/**
 * Finds runs of invisible and bidirectional characters: Unicode tags
 * (U+E0000–E007F, decoded to the ASCII they spell), bidi embedding, override
 * and isolate controls, zero-width characters, variation selectors not
 * following an emoji or ideograph, and soft hyphens. A byte-order mark at the
 * very start of a text and a zero-width joiner inside an emoji sequence are
 * not reported.
 *
 * @example
 * ```ts
 * findInvisible('hi\u{E0041}\u{E0042}'); // [{ class: 'tag', index: 2, count: 2, decoded: 'AB' }]
 * ```
 */
export function findInvisible(text: string): InvisibleRun[] {
  const out: InvisibleRun[] = [];
  let run: { class: InvisibleClass; index: number; count: number; decoded: string } | undefined;
  let prev: number | undefined;
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let cls = classOf(cp);
    if (cls === 'zero-width' && cp === 0xfeff && i === 0) cls = undefined;
    if (cls === 'zero-width' && cp === 0x200d && prev !== undefined && prev >= 0x1f000) cls = undefined;
    if (cls === 'variation-selector' && legitimateSelector(prev)) cls = undefined;
    if (cls === undefined) {
      if (run) out.push(finish(run));
      run = undefined;
    } else if (run && run.class === cls) {
      run.count++;
      if (cls === 'tag') run.decoded += tagChar(cp);
    } else {
      if (run) out.push(finish(run));
      run = { class: cls, index: i, count: 1, decoded: cls === 'tag' ? tagChar(cp) : '' };
    }
    // A selector or joiner keeps the previous base for the next character's test.
    if (cls === undefined && !(cp >= 0xfe00 && cp <= 0xfe0f) && cp !== 0x200d) prev = cp;
    i += ch.length;
  }
  if (run) out.push(finish(run));
  return out;
}

function tagChar(cp: number): string {
  const c = cp - 0xe0000;
  return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '';
}

function finish(run: { class: InvisibleClass; index: number; count: number; decoded: string }): InvisibleRun {
  return run.class === 'tag' && run.decoded.length > 0
    ? { class: run.class, index: run.index, count: run.count, decoded: run.decoded }
    : { class: run.class, index: run.index, count: run.count };
}

/**
 * A text with its invisible characters made visible as `<U+XXXX>`, for
 * evidence people can read.
 *
 * @example
 * ```ts
 * revealInvisible('a\u200Bb'); // 'a<U+200B>b'
 * ```
 */
export function revealInvisible(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += classOf(cp) ? `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>` : ch;
  }
  return out;
}
