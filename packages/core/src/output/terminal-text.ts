/**
 * Options for {@link escapeTerminalText}.
 *
 * @example
 * ```ts
 * const options: TerminalTextOptions = { multiline: true };
 * ```
 */
export interface TerminalTextOptions {
  /** Keep line feeds (a rendered document); default false: one line, `\n` escaped too. */
  readonly multiline?: boolean;
}

// C0 controls but tab (and line feed, handled apart), DEL, C1 controls, the
// bidirectional formatting characters (which reorder what a reader sees:
// "Trojan Source") and the Unicode line and paragraph separators.
const UNSAFE_CLASS =
  '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[${UNSAFE_CLASS}\\n]`, 'g');
const UNSAFE_BUT_LF = new RegExp(`[${UNSAFE_CLASS}]`, 'g');

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes text from untrusted input safe to print on a terminal: every control
 * character that a terminal acts on (ESC and the rest of C0 and C1, DEL, CR)
 * and every bidirectional or line-separating format character becomes a
 * visible escape (`\x1b`, `\u202e`); everything else, tabs included, is kept
 * as it is. Vigil applies it to every human-readable output (text formats,
 * error lines, warnings); JSON and SARIF stay exact.
 *
 * @example
 * ```ts
 * import { escapeTerminalText } from '@vigil/core';
 *
 * escapeTerminalText('evil\u001b]0;pwned\u0007.vcap'); // 'evil\\x1b]0;pwned\\x07.vcap'
 * escapeTerminalText('line 1\nline 2', { multiline: true }); // unchanged
 * ```
 */
export function escapeTerminalText(text: string, options: TerminalTextOptions = {}): string {
  return text.replace(options.multiline ? UNSAFE_BUT_LF : UNSAFE, visible);
}
