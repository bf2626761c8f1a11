/** One kind of secret {@link redactSecrets} removes, and how it is recognised. */
export interface SecretPattern {
  /** Stable name, written into the replacement: `[REDACTED:<name>]`. */
  readonly name: string;
  /** A global regular expression; group 1, when present, is kept (a header name or key). */
  readonly pattern: RegExp;
}

// No left word boundaries: a secret glued to other text is still a secret. Bodies are greedy
// (`{n,}`) so a longer run is redacted whole rather than leaving its tail.
/**
 * The secrets {@link redactSecrets} removes, most specific first.
 *
 * @example
 * ```ts
 * import { SECRET_PATTERNS } from '@vigil/core';
 *
 * console.log(SECRET_PATTERNS.map((p) => p.name).join(', '));
 * ```
 */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    name: 'private-key',
    pattern:
      /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
  },
  {
    name: 'authorization',
    pattern: /((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:[A-Za-z]+ +)?[^\s"',;}]+/gi,
  },
  {
    name: 'api-key-header',
    pattern: /((?:x-api-key|api-key|x-goog-api-key)["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi,
  },
  { name: 'bearer', pattern: /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi },
  { name: 'anthropic-key', pattern: /sk-ant-[A-Za-z0-9_-]{8,}/g },
  { name: 'openai-key', pattern: /sk-[A-Za-z0-9_-]{16,}/g },
  { name: 'aws-access-key-id', pattern: /(?:AKIA|ASIA)[0-9A-Z]{16,}/g },
  {
    name: 'aws-secret-access-key',
    pattern: /((?:aws_secret_access_key|secret_?access_?key)["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{30,}/gi,
  },
  { name: 'github-token', pattern: /(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g },
  { name: 'gitlab-token', pattern: /glpat-[A-Za-z0-9_-]{20,}/g },
  { name: 'slack-token', pattern: /xox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'slack-webhook', pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { name: 'google-api-key', pattern: /AIza[0-9A-Za-z_-]{30,}/g },
  { name: 'jwt', pattern: /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g },
];

/**
 * Replaces every secret {@link SECRET_PATTERNS} recognises — API keys
 * (OpenAI, Anthropic, Google), AWS access key ids and secret keys,
 * GitHub/GitLab/Slack tokens, JWTs, `Authorization`/bearer values and private
 * key blocks — with `[REDACTED:<kind>]`. Used on every text the `content`
 * payload mode keeps.
 *
 * @example
 * ```ts
 * import { redactSecrets } from '@vigil/core';
 *
 * redactSecrets('key=sk-ant-api03-abcdefghijklmnop'); // 'key=[REDACTED:anthropic-key]'
 * ```
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const { name, pattern } of SECRET_PATTERNS) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, (...m: unknown[]) => {
      const keep = typeof m[1] === 'string' && !String(m[0]).startsWith('-----') ? m[1] : '';
      return `${keep}[REDACTED:${name}]`;
    });
  }
  return out;
}
