import { countOf } from '@vigil/core';
import { findInvisible } from '../text/invisible-unicode.js';

/**
 * A problem in a chat template (GGUF `tokenizer.chat_template`, or a
 * `tokenizer_config.json` template): Jinja that reaches Python internals
 * (server-side template injection runs code where the template is rendered),
 * instructions the template injects into every conversation, or invisible
 * characters.
 *
 * @example
 * ```ts
 * const p: ChatTemplateProblem = { kind: 'code-execution', index: 12, excerpt: '__subclasses__', message: '…' };
 * ```
 */
export interface ChatTemplateProblem {
  readonly kind: 'code-execution' | 'hidden-instruction' | 'invisible-unicode';
  /** UTF-16 index in the template. */
  readonly index: number;
  readonly excerpt: string;
  readonly message: string;
}

// Jinja sandbox escapes: attribute walks to Python internals, and names that only exist to run code.
const CODE: readonly [RegExp, string][] = [
  [
    /__(class|mro|base|bases|subclasses|globals|builtins|import|init|getattribute|dict|code|func|self|reduce|reduce_ex|loader|spec)__/,
    'reaches Python internals through a dunder attribute',
  ],
  [
    /\\x5f\\x5f|\\u005f\\u005f|\\137\\137|\['_'\s*\*\s*2|"_"\s*\*\s*2|'_'\s*\*\s*2/,
    'spells a dunder name with escapes (evasion)',
  ],
  [/\|\s*attr\s*\(/, 'uses the attr filter to reach attributes by computed name'],
  [
    /\b(cycler|joiner|lipsum|namespace|url_for|get_flashed_messages|request|config|self)\s*\.\s*(__|_TemplateReference|init|application|from_pyfile|from_object)/,
    'walks from a Jinja global to Python internals',
  ],
  [
    /\b(os|subprocess|sys|builtins|importlib|socket|pty)\s*\.\s*(popen|system|spawn|exec|call|run|Popen|check_output|modules|import_module|socket|getoutput)/,
    'calls a process or import function',
  ],
  [/\b(eval|exec|compile|__import__|popen|getattr|setattr)\s*\(/, 'calls a code-execution builtin'],
  [
    /\{%-?\s*(import|include|extends|from)\b/,
    'loads another template (file access where the template is rendered)',
  ],
];

// Text a chat template has no reason to inject into every conversation.
const HIDDEN: readonly [RegExp, string][] = [
  [
    /ignore\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|prompts|messages)/i,
    'tells the model to ignore earlier instructions',
  ],
  [
    /do\s+not\s+(tell|inform|reveal|mention|disclose)\b[^.]{0,60}\b(user|human|anyone)/i,
    'tells the model to hide something from the user',
  ],
  [
    /without\s+(telling|informing|notifying)\s+the\s+user/i,
    'tells the model to act without telling the user',
  ],
  [/<\s*(IMPORTANT|SYSTEM|ADMIN|INSTRUCTIONS?)\s*>/i, 'carries a directive tag'],
  [
    /\b(send|post|upload|exfiltrate|forward|leak)\b[^.]{0,80}\b(https?:\/\/|api[_ -]?key|password|credential|secret|token|ssh)/i,
    'asks for secrets or data to be sent out',
  ],
  [
    /\b(read|cat|open|print)\b[^.]{0,40}(\.ssh\/|id_rsa|\.aws\/credentials|\/etc\/passwd|\.env\b)/i,
    'asks for credential files',
  ],
  [/https?:\/\/(?!(www\.)?(huggingface\.co|github\.com)\b)[^\s'"}]+/i, 'embeds a URL'],
  [/\b(curl|wget)\s+[^\s]+|\bbash\s+-c\b|\|\s*(ba)?sh\b/, 'embeds a shell command'],
];

const around = (text: string, i: number, len: number) =>
  text.slice(Math.max(0, i - 20), Math.min(text.length, i + len + 20)).replace(/\s+/g, ' ');

/**
 * Checks a chat template for code-execution patterns, hidden instructions
 * and invisible Unicode.
 *
 * @example
 * ```ts
 * inspectChatTemplate("{{ cycler.__init__.__globals__.os.popen('id').read() }}")[0]?.kind; // 'code-execution'
 * ```
 */
export function inspectChatTemplate(text: string): ChatTemplateProblem[] {
  const out: ChatTemplateProblem[] = [];
  const t = text.length > 1 << 20 ? text.slice(0, 1 << 20) : text;
  for (const [re, message] of CODE) {
    const m = re.exec(t);
    if (m)
      out.push({ kind: 'code-execution', index: m.index, excerpt: around(t, m.index, m[0].length), message });
  }
  for (const [re, message] of HIDDEN) {
    const m = re.exec(t);
    if (m)
      out.push({
        kind: 'hidden-instruction',
        index: m.index,
        excerpt: around(t, m.index, m[0].length),
        message,
      });
  }
  for (const r of findInvisible(t).slice(0, 5)) {
    const cps: string[] = [];
    for (let i = r.index, n = 0; n < Math.min(r.count, 16); n++) {
      const c = t.codePointAt(i)!;
      cps.push(`U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
      i += c > 0xffff ? 2 : 1;
    }
    out.push({
      kind: 'invisible-unicode',
      index: r.index,
      excerpt: cps.join(' '),
      message: `${countOf(r.count, `invisible ${r.class} character`)}${r.decoded ? ` spelling ${JSON.stringify(r.decoded.slice(0, 80))}` : ''}`,
    });
  }
  return out;
}
