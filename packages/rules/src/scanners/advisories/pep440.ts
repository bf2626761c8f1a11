// PEP 440 version parsing and ordering, for matching PyPI versions against OSV `ECOSYSTEM` ranges.

/** A parsed PEP 440 version. */
export interface Pep440Version {
  readonly epoch: number;
  readonly release: readonly number[];
  /** `a`, `b` or `rc` with its number. */
  readonly pre?: readonly ['a' | 'b' | 'rc', number];
  readonly post?: number;
  readonly dev?: number;
  readonly local?: string;
}

const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

/**
 * Parses a PEP 440 version (normalising spellings such as `1.0RC1`,
 * `1.0-post2`, `1.0.dev`); `undefined` when it is not one.
 *
 * @example
 * ```ts
 * parsePep440('2.1.0rc1'); // { epoch: 0, release: [2, 1, 0], pre: ['rc', 1] }
 * ```
 */
export function parsePep440(text: string): Pep440Version | undefined {
  const t = text.trim();
  if (t.length === 0 || t.length > 256) return undefined;
  const m = PEP440.exec(t);
  if (!m) return undefined;
  const release = m[2]!.split('.').map(Number);
  if (release.some((n) => !Number.isSafeInteger(n))) return undefined;
  const preTag = m[3]?.toLowerCase();
  const pre: Pep440Version['pre'] = preTag
    ? [preTag.startsWith('a') ? 'a' : preTag === 'b' || preTag === 'beta' ? 'b' : 'rc', Number(m[4] || 0)]
    : undefined;
  const post = m[5] !== undefined ? Number(m[5]) : m[6] !== undefined ? Number(m[7] || 0) : undefined;
  const dev = m[8] !== undefined ? Number(m[9] || 0) : undefined;
  return {
    epoch: m[1] !== undefined ? Number(m[1]) : 0,
    release,
    ...(pre ? { pre } : {}),
    ...(post !== undefined ? { post } : {}),
    ...(dev !== undefined ? { dev } : {}),
    ...(m[10] !== undefined ? { local: m[10].toLowerCase() } : {}),
  };
}

const PRE_ORDER = { a: 0, b: 1, rc: 2 } as const;

// The sort key of PEP 440: a dev release sorts before its pre-releases, a post release after the release.
function preKey(v: Pep440Version): [number, number] {
  if (v.pre) return [PRE_ORDER[v.pre[0]], v.pre[1]];
  if (v.dev !== undefined && v.post === undefined) return [-1, 0];
  return [3, 0];
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareLocal(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const pa = a.split(/[-_.]/);
  const pb = b.split(/[-_.]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const c = cmp(Number(x), Number(y));
      if (c !== 0) return c;
    } else if (nx !== ny) return nx ? 1 : -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Orders two PEP 440 versions: negative, zero or positive.
 *
 * @example
 * ```ts
 * comparePep440(parsePep440('1.0.dev1')!, parsePep440('1.0a1')!); // < 0
 * ```
 */
export function comparePep440(a: Pep440Version, b: Pep440Version): number {
  let c = cmp(a.epoch, b.epoch);
  if (c !== 0) return c;
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    c = cmp(a.release[i] ?? 0, b.release[i] ?? 0);
    if (c !== 0) return c;
  }
  const [pa, pna] = preKey(a);
  const [pb, pnb] = preKey(b);
  c = cmp(pa, pb) || cmp(pna, pnb);
  if (c !== 0) return c;
  c = cmp(a.post ?? -1, b.post ?? -1);
  if (c !== 0) return c;
  c = cmp(a.dev ?? Number.POSITIVE_INFINITY, b.dev ?? Number.POSITIVE_INFINITY);
  if (c !== 0) return c;
  return compareLocal(a.local, b.local);
}
