import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeTerminalText } from '../../src/index.js';

// What a terminal must never receive raw from input: C0 controls (tab and, in
// documents, line feed aside), DEL, C1 controls, bidirectional formatting
// characters and the Unicode line/paragraph separators.
function isUnsafe(code: number, multiline: boolean): boolean {
  if (code === 0x09) return false;
  if (code === 0x0a) return !multiline;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const hostileChar = fc.constantFrom(
  '\u001b',
  '\r',
  '\u0007',
  '\u0000',
  '\u0008',
  '\u007f',
  '\u009b',
  '\u0085',
  '\u202e',
  '\u2066',
  '\u200f',
  '\u2028',
  '\n',
  '\t',
);
const hostileText = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme' }), hostileChar, fc.string({ unit: 'binary' })), {
    maxLength: 20,
  })
  .map((parts) => parts.join(''));

describe('escapeTerminalText', () => {
  it('leaves no unsafe character in the output, in one-line and document mode', () => {
    fc.assert(
      fc.property(hostileText, fc.boolean(), (text, multiline) => {
        const out = escapeTerminalText(text, { multiline });
        for (const ch of out)
          expect(isUnsafe(ch.codePointAt(0)!, multiline), JSON.stringify(out)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('changes nothing in text without unsafe characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const safe = [...text].filter((c) => !isUnsafe(c.codePointAt(0)!, false)).join('');
        expect(escapeTerminalText(safe)).toBe(safe);
        expect(escapeTerminalText(safe, { multiline: true })).toBe(safe);
      }),
      { numRuns: 1000 },
    );
  });

  it('replaces each unsafe character by a visible escape in place, so nothing is hidden', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const expected = [...text]
          .map((c) => {
            const code = c.codePointAt(0)!;
            if (!isUnsafe(code, false)) return c;
            return code < 0x100
              ? `\\x${code.toString(16).padStart(2, '0')}`
              : `\\u${code.toString(16).padStart(4, '0')}`;
          })
          .join('');
        expect(escapeTerminalText(text)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('defuses the classic injections', () => {
    expect(escapeTerminalText('ok\u001b]0;pwned\u0007')).toBe('ok\\x1b]0;pwned\\x07');
    expect(escapeTerminalText('run.vcap\rvigil: all clear')).toBe('run.vcap\\x0dvigil: all clear');
    expect(escapeTerminalText('\u001b[2J\u001b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(escapeTerminalText('admin\u202e\u2066txt.exe')).toBe('admin\\u202e\\u2066txt.exe');
    expect(escapeTerminalText('a\nb')).toBe('a\\x0ab');
    expect(escapeTerminalText('a\nb\tc', { multiline: true })).toBe('a\nb\tc');
  });
});
