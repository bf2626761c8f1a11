// Letters that render like Latin ones (Cyrillic, Greek, Armenian, Latin look-alikes) and the digits
// people swap for letters in names. A subset of Unicode's confusables.txt for identifier characters;
// NFKC folds full-width and mathematical forms before this table is consulted.
const CONFUSABLE: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  һ: 'h',
  ɡ: 'g',
  ɩ: 'i',
  ʟ: 'l',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  օ: 'o',
  ս: 'u',
  հ: 'h',
  ո: 'n',
  ց: 'g',
  ք: 'q',
  ı: 'i',
  ł: 'l',
  ð: 'd',
  ø: 'o',
  '0': 'o',
  '1': 'l',
  '|': 'l',
  '!': 'i',
  $: 's',
  '@': 'a',
  '-': '_',
  '.': '_',
  ' ': '_',
};

/**
 * The skeleton of a name: NFKC-folded, lower-cased, look-alike letters and
 * digits mapped to the Latin letter they imitate, separators unified and
 * invisible characters dropped. Two names with the same skeleton read the
 * same to a person.
 *
 * @example
 * ```ts
 * nameSkeleton('read_fi1e') === nameSkeleton('read_file'); // true
 * nameSkeleton('rеad_file') === nameSkeleton('read_file'); // true (Cyrillic е)
 * ```
 */
export function nameSkeleton(name: string): string {
  let out = '';
  for (const ch of name.normalize('NFKC').toLowerCase()) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x200b && cp <= 0x200f) || cp === 0x2060 || cp === 0xfeff || cp === 0xad) continue;
    if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0000 && cp <= 0xe01ef)) continue;
    // Combining marks turn a letter into a different-looking one only slightly.
    if (cp >= 0x300 && cp <= 0x36f) continue;
    out += CONFUSABLE[ch] ?? ch;
  }
  return out.replace(/_+/g, '_');
}

/**
 * Non-ASCII letters in a name, with their code points: a tool name in Latin
 * letters with one Cyrillic `а` is a spoof.
 *
 * @example
 * ```ts
 * foreignLetters('rеad_file'); // ['е (U+0435)']
 * ```
 */
export function foreignLetters(name: string): string[] {
  const out: string[] = [];
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7f && /\p{L}/u.test(ch))
      out.push(`${ch} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`);
  }
  return out;
}
