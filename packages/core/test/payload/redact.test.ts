import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecrets, SECRET_PATTERNS } from '../../src/index.js';

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: min, maxLength: max });
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_DIGIT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64URL = `${ALNUM}_-`;

/** Secrets of every kind the redactor knows, with random bodies. */
const secret = fc.oneof(
  chars(B64URL, 20, 60).map((s) => `sk-ant-api03-${s}`),
  chars(B64URL, 20, 60).map((s) => `sk-proj-${s}`),
  chars(ALNUM, 20, 48).map((s) => `sk-${s}`),
  chars(UPPER_DIGIT, 16, 16).map((s) => `AKIA${s}`),
  chars(`${ALNUM}/+`, 40, 40).map((s) => `aws_secret_access_key = ${s}`),
  chars(ALNUM, 36, 36).map((s) => `ghp_${s}`),
  chars(`${ALNUM}_`, 30, 60).map((s) => `github_pat_${s}`),
  chars(B64URL, 20, 20).map((s) => `glpat-${s}`),
  chars(`${ALNUM}-`, 20, 50).map((s) => `xoxb-${s}`),
  fc
    .tuple(chars(B64URL, 10, 30), chars(B64URL, 10, 60), chars(B64URL, 10, 40))
    .map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
  chars(`${ALNUM}._-`, 12, 60).map((s) => `Authorization: Bearer ${s}`),
  chars(`${ALNUM}._-`, 12, 60).map((s) => `"authorization":"Basic ${s}"`),
  chars(`${ALNUM}+/=`, 20, 200).map(
    (s) => `-----BEGIN RSA PRIVATE KEY-----\n${s}\n-----END RSA PRIVATE KEY-----`,
  ),
  chars(`${ALNUM}+/=`, 20, 200).map((s) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${s}`),
  chars(B64URL, 35, 35).map((s) => `AIza${s}`),
);

/** The part of a secret that must not survive: the value, not a header name in front of it. */
function value(s: string): string {
  const m = /^(?:Authorization: Bearer |"authorization":"Basic |aws_secret_access_key = )(.*?)"?$/s.exec(s);
  if (m) return m[1]!;
  if (s.startsWith('-----BEGIN')) return s.split('\n')[1]!;
  return s;
}

describe('redactSecrets', () => {
  it('never lets a secret embedded anywhere in generated text survive', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), secret, fc.string({ maxLength: 80 }), (before, s, after) => {
        const out = redactSecrets(`${before}${s}${after}`);
        expect(out).not.toContain(value(s));
        expect(out).toContain('[REDACTED:');
      }),
      { numRuns: 2000 },
    );
  });

  it('redacts several secrets in one text and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 20 }), secret), { minLength: 1, maxLength: 5 }),
        (parts) => {
          const text = parts.map(([t, s]) => `${t} ${s} `).join('');
          const once = redactSecrets(text);
          for (const [, s] of parts) expect(once).not.toContain(value(s));
          expect(redactSecrets(once)).toBe(once);
        },
      ),
    );
  });

  it('leaves ordinary text alone', () => {
    const text = 'Read /etc/hostname and summarise the skeleton of the task; ask politely. AKIA is short.';
    expect(redactSecrets(text)).toBe(text);
    expect(SECRET_PATTERNS.length).toBeGreaterThan(10);
  });

  it('keeps the header or key name in front of a redacted value', () => {
    expect(redactSecrets('Authorization: Bearer abcdefghijklmnop')).toBe(
      'Authorization: [REDACTED:authorization]',
    );
    expect(redactSecrets('x-api-key: sk-ant-api03-abcdefghijkl')).toBe(
      'x-api-key: [REDACTED:api-key-header]',
    );
  });
});
