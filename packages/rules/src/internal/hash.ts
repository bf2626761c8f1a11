import { createHash } from 'node:crypto';

/** A short, stable hex digest of the parts (NUL-separated). */
export function stableId(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}
