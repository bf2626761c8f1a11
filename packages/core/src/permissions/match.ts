import type { Grant } from './grant.js';
import type { ObservedUse } from './observed/use.js';

const globCache = new Map<string, RegExp>();

/**
 * IAM-style wildcard match: `*` any run of characters, `?` one character;
 * `${…}` policy variables match any run. Actions compare case-insensitively.
 *
 * @example
 * ```ts
 * globMatch('s3:Get*', 's3:GetObject', true); // true
 * ```
 */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const body = pattern
      .split(/(\$\{[^}]*\}|\*|\?)/)
      .map((part) =>
        part === '*' || part.startsWith('${')
          ? '.*'
          : part === '?'
            ? '.'
            : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(key, re);
  }
  return re.test(value);
}

function ipv4ToInt(a: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function ipv6ToBigInt(a: string): bigint | undefined {
  if (!a.includes(':')) return undefined;
  let addr = a;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const n = ipv4ToInt(v4[1]!);
    if (n === undefined) return undefined;
    addr = `${addr.slice(0, -v4[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = addr.includes('::') ? 8 - h.length - t.length : 0;
  const groups = [...h, ...Array(fill).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(Number.parseInt(g, 16)), 0n);
}

/**
 * Whether an IPv4 or IPv6 address lies in a CIDR.
 *
 * @example
 * ```ts
 * cidrContains('10.0.0.0/8', '10.1.2.3'); // true
 * ```
 */
export function cidrContains(cidr: string, address: string): boolean {
  const [net, bitsText] = cidr.split('/') as [string, string | undefined];
  const v4net = ipv4ToInt(net);
  const v4addr = ipv4ToInt(address.replace(/^::ffff:/i, ''));
  if (v4net !== undefined) {
    if (v4addr === undefined) return false;
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (!(bits >= 0 && bits <= 32)) return false;
    if (bits === 0) return true;
    const mask = (0xffffffff << (32 - bits)) >>> 0;
    return (v4net & mask) === (v4addr & mask);
  }
  const n6 = ipv6ToBigInt(net);
  const a6 = ipv6ToBigInt(address);
  if (n6 === undefined || a6 === undefined) return false;
  const bits = BigInt(bitsText === undefined ? 128 : Number(bitsText));
  if (bits < 0n || bits > 128n) return false;
  const shift = 128n - bits;
  return n6 >> shift === a6 >> shift;
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

/** True when the address is in a private range (where selector-based NetworkPolicy peers live).
 *
 * @example
 * ```ts
 * isPrivateAddress('10.2.3.4'); // true
 * ```
 */
export function isPrivateAddress(address: string): boolean {
  return PRIVATE.some((c) => cidrContains(c, address));
}

/** Whether `path` is `dir` or below it.
 *
 * @example
 * ```ts
 * pathUnder('/data', '/data/a.csv'); // true
 * pathUnder('/data', '/database'); // false
 * ```
 */
export function pathUnder(dir: string, path: string): boolean {
  if (dir === '/') return path.startsWith('/');
  const d = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  return path === d || path.startsWith(`${d}/`);
}

/**
 * Whether a grant covers an observed use: same domain, the grant's action
 * pattern matches the use's action, and the use's target is inside the
 * grant's target. Subjects are compared by the caller.
 *
 * @example
 * ```ts
 * import { grantCovers } from '@vigil/core';
 *
 * const covered = grantCovers(grant, use);
 * ```
 */
export function grantCovers(grant: Grant, use: Pick<ObservedUse, 'domain' | 'action' | 'target'>): boolean {
  const g = grant.target;
  const u = use.target;
  if (g.domain !== u.domain) return false;
  switch (g.domain) {
    case 'kubernetes-api': {
      if (u.domain !== 'kubernetes-api') return false;
      if (grant.action !== '*' && grant.action !== use.action) return false;
      if (g.nonResourceUrl !== undefined || u.nonResourceUrl !== undefined) {
        if (g.nonResourceUrl === undefined || u.nonResourceUrl === undefined) return false;
        return g.nonResourceUrl.endsWith('*')
          ? u.nonResourceUrl.startsWith(g.nonResourceUrl.slice(0, -1))
          : g.nonResourceUrl === u.nonResourceUrl;
      }
      if (g.apiGroup !== '*' && g.apiGroup !== u.apiGroup) return false;
      if (g.resource === '*') {
        if (g.subresource !== undefined && g.subresource !== u.subresource) return false;
      } else if (g.resource !== u.resource || g.subresource !== u.subresource) return false;
      if (g.namespace !== undefined && g.namespace !== u.namespace) return false;
      if (g.resourceNames !== undefined && (u.name === undefined || !g.resourceNames.includes(u.name)))
        return false;
      return true;
    }
    case 'cloud-api': {
      if (u.domain !== 'cloud-api') return false;
      if (g.notActions) {
        if (g.notActions.some((p) => globMatch(p, use.action, true))) return false;
      } else if (!globMatch(grant.action, use.action, true)) return false;
      if (u.resources.length === 0) return true;
      return u.resources.every((r) => {
        const hit = g.resources.some((p) => globMatch(p, r));
        return g.notResource ? !hit : hit;
      });
    }
    case 'mcp-tool':
      return (
        u.domain === 'mcp-tool' &&
        grant.action === use.action &&
        g.server === u.server &&
        (g.tool === '*' || g.tool === u.tool)
      );
    case 'file':
      return u.domain === 'file' && grant.action === use.action && pathUnder(g.path, u.path);
    case 'network-egress': {
      if (u.domain !== 'network-egress') return false;
      const peerOk =
        g.peer === '*'
          ? true
          : g.peer.startsWith('selector:')
            ? isPrivateAddress(u.address)
            : cidrContains(g.peer, u.address) && !g.except.some((e) => cidrContains(e, u.address));
      if (!peerOk) return false;
      if (g.ports.length === 0) return true;
      return g.ports.some(
        (p) =>
          p.protocol === u.protocol &&
          (p.port === undefined ||
            (p.endPort === undefined ? p.port === u.port : u.port >= p.port && u.port <= p.endPort)),
      );
    }
    case 'capability':
      return u.domain === 'capability' && grant.action === use.action;
    case 'host':
      return u.domain === 'host' && grant.action === use.action;
    case 'data-access':
      return (
        u.domain === 'data-access' &&
        g.store === u.store &&
        (g.table === '*' || g.table === u.table) &&
        (grant.action === '*' || grant.action === use.action)
      );
  }
}

/** A cloud use split per resource: IAM authorises each resource of a call on its own. */
function perResource(
  use: Pick<ObservedUse, 'domain' | 'action' | 'target'>,
): Pick<ObservedUse, 'domain' | 'action' | 'target'>[] {
  const t = use.target;
  if (t.domain !== 'cloud-api' || t.resources.length <= 1) return [use];
  return t.resources.map((r) => ({ ...use, target: { ...t, resources: [r] } }));
}

/**
 * The grants that together cover a use, or `undefined` when the use is not
 * covered. A cloud call naming several resources is covered when each
 * resource is covered by some grant (IAM evaluates resources one by one);
 * every other use needs one grant that covers it.
 *
 * @example
 * ```ts
 * const covering = grantsCovering(declared.grants, use);
 * if (covering === undefined) console.log('no declared grant explains', use.action);
 * ```
 */
export function grantsCovering(
  grants: readonly Grant[],
  use: Pick<ObservedUse, 'domain' | 'action' | 'target'>,
): Grant[] | undefined {
  const out = new Set<Grant>();
  for (const part of perResource(use)) {
    const covering = grants.filter((g) => grantCovers(g, part));
    if (covering.length === 0) return undefined;
    for (const g of covering) out.add(g);
  }
  return [...out];
}

/**
 * Whether an explicit deny refuses a use: for a cloud call, when any of its
 * resources is denied. Denies with conditions are not taken as refusing (the
 * conditions are not evaluated).
 *
 * @example
 * ```ts
 * if (deniedBy(declared.grants.filter((g) => g.effect === 'deny'), use)) console.log('refused');
 * ```
 */
export function deniedBy(
  denies: readonly Grant[],
  use: Pick<ObservedUse, 'domain' | 'action' | 'target'>,
): boolean {
  return perResource(use).some((part) =>
    denies.some((g) => g.effect === 'deny' && Object.keys(g.conditions).length === 0 && grantCovers(g, part)),
  );
}
