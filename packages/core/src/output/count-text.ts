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

/**
 * A duration for people: `250 ms`, `38 s`, `14 min 22 s`, `3 h 5 min`. Under a
 * second it is given in milliseconds, so a short span never reads `0 s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from '@vigil/core';
 *
 * formatDuration(862); // '14 min 22 s'
 * formatDuration(0.25); // '250 ms'
 * ```
 */
export function formatDuration(sec: number): string {
  if (sec < 0.9995) return `${Math.max(0, Math.round(sec * 1000))} ms`;
  const s = Math.round(sec);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
}
