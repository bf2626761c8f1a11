/** Compiles a glob (`*` any run of characters, `?` one character) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's');
}

/** A matcher for a list of globs; plain strings without wildcards are compared exactly. */
export function globListMatcher(globs: readonly string[]): (value: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const g of globs) {
    if (g.includes('*') || g.includes('?')) patterns.push(globToRegExp(g));
    else exact.add(g);
  }
  return (value) => exact.has(value) || patterns.some((p) => p.test(value));
}
