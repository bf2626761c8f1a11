/**
 * A count and its noun, in the singular for one and the plural otherwise:
 * `1 workload`, `3 workloads`, `1 process`, `2 processes`, `1 entry`,
 * `0 entries`. The plural is derived from the usual English endings (`-s`,
 * `-x`, `-ch`, `-sh` take `-es`; a consonant and `y` takes `-ies`); pass it
 * for an irregular noun. Every human-readable count Vigil prints goes through
 * it, so no output says "1 workloads" or "finding(s)".
 *
 * @example
 * ```ts
 * import { countOf } from '@vigil/core';
 *
 * countOf(1, 'process'); // '1 process'
 * countOf(2, 'process'); // '2 processes'
 * countOf(3, 'policy'); // '3 policies'
 * countOf(2, 'child', 'children'); // '2 children'
 * ```
 */
export function countOf(count: number, noun: string, plural?: string): string {
  return `${count} ${count === 1 ? noun : (plural ?? pluralOf(noun))}`;
}

/**
 * The plural of an English noun by its ending (see {@link countOf}).
 *
 * @example
 * ```ts
 * import { pluralOf } from '@vigil/core';
 *
 * pluralOf('process'); // 'processes'
 * pluralOf('capability'); // 'capabilities'
 * pluralOf('key'); // 'keys'
 * ```
 */
export function pluralOf(noun: string): string {
  if (/(?:s|x|z|ch|sh)$/i.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/i.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}
