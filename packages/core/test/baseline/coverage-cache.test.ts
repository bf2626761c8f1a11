import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoverageCache } from '../../src/baseline/internal/coverage-cache.js';
import type { VigilEvent } from '../../src/index.js';
import { agentWorkload } from './helpers/agent-sim.js';

const w = agentWorkload();
const env = { ts: 1, workload: w, pid: 1, ppid: 0, comm: 'a', exe: '/a', source: 'synthetic' as const };
const open = (path: string, access: 'read' | 'write' | 'exec'): VigilEvent => ({
  ...env,
  kind: 'file.open',
  path,
  flags: 0,
  access,
  result: 3,
});
const dns = (name: string): VigilEvent => ({ ...env, kind: 'dns.query', name, qtype: 'A' });
const accept = (
  family: 'inet' | 'inet6' | 'unix',
  protocol: 'tcp' | 'udp',
  lport: number,
  raddr: string,
): VigilEvent => ({
  ...env,
  kind: 'net.accept',
  family,
  protocol,
  laddr: '',
  lport,
  raddr,
  rport: 40000,
  result: 0,
});
const key = (ev: VigilEvent) => {
  if (ev.kind === 'file.open')
    return `f:${ev.path}:${ev.access === 'exec' ? 'x' : ev.access === 'write' ? 'w' : 'r'}`;
  if (ev.kind === 'net.accept') return `a:${ev.family}:${ev.protocol}:${ev.lport}:${ev.raddr}`;
  return `d:${(ev as { name: string }).name}`;
};

describe('CoverageCache', () => {
  it('property: a lookup returns the last answer stored for that exact value, or nothing — never another value’s', () => {
    // Few distinct values, many of them sharing prefixes and suffixes, so hashes and probes collide.
    const path = fc.constantFrom('/app/a.py', '/app/b.py', '/tmp/x/out.json', '/tmp/y/out.json', 'x', '');
    const ev = fc.oneof(
      fc
        .tuple(path, fc.constantFrom('read' as const, 'write' as const, 'exec' as const))
        .map(([p, a]) => open(p, a)),
      fc.tuple(path, fc.nat(40)).map(([p, n]) => open(`${p}${'/'.repeat(n % 3)}${n}`, 'read')),
      fc.constantFrom('api.openai.com', 'a.example', 'b.example', '').map(dns),
      // The remote address alone does not say which accept it was: family, protocol and port count.
      fc
        .tuple(
          fc.constantFrom('inet' as const, 'inet6' as const, 'unix' as const),
          fc.constantFrom('tcp' as const, 'udp' as const),
          fc.constantFrom(80, 8080, 1, 65535),
          fc.constantFrom('127.0.0.1', '10.0.0.7', '::1', '/run/x.sock', ''),
        )
        .map(([f, p, l, r]) => accept(f, p, l, r)),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(ev, fc.boolean(), fc.boolean()), { maxLength: 400 }), (ops) => {
        const cache = new CoverageCache();
        const model = new Map<string, boolean>();
        for (const [e, covered, isSet] of ops) {
          if (isSet) {
            cache.set(e, covered);
            model.set(key(e), covered);
          } else {
            const got = cache.get(e);
            if (got !== undefined) expect(got).toBe(model.get(key(e)));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('caches every value while it has room, and a recurring path from its first sighting', () => {
    const cache = new CoverageCache();
    const paths = Array.from({ length: 5000 }, (_, i) => `/srv/data/shard-${i % 97}/file-${i}.bin`);
    for (const p of paths) cache.set(open(p, 'read'), p.length % 2 === 0);
    // All but the few whose slots were taken within the table's bounded probing.
    expect(paths.filter((p) => cache.get(open(p, 'read')) === (p.length % 2 === 0)).length).toBeGreaterThan(
      4500,
    );
  });

  it('past half full, caches a value from its second sighting, and keeps many distinct paths apart', () => {
    const cache = new CoverageCache();
    // Fill half the cache with values seen once.
    for (let i = 0; i < 8192; i++) cache.set(open(`/fill/${i}`, 'read'), true);
    const paths = Array.from({ length: 5000 }, (_, i) => `/srv/data/shard-${i % 97}/file-${i}.bin`);
    for (const p of paths) cache.set(open(p, 'read'), p.length % 2 === 0);
    // First sightings are not cached, but for the few that share a filter bit with an earlier value.
    expect(paths.filter((p) => cache.get(open(p, 'read')) === undefined).length).toBeGreaterThan(4500);
    for (const p of paths) cache.set(open(p, 'read'), p.length % 2 === 0);
    const hits = paths.filter((p) => cache.get(open(p, 'read')) === (p.length % 2 === 0)).length;
    const wrong = paths.filter((p) => {
      const g = cache.get(open(p, 'read'));
      return g !== undefined && g !== (p.length % 2 === 0);
    }).length;
    expect(wrong).toBe(0);
    expect(hits).toBeGreaterThan(4500);
  });

  it('keeps apart crafted paths that agree on every sampled character', () => {
    const cache = new CoverageCache();
    // Same length, same last 16 characters, same sampled characters: only unsampled positions differ.
    const base = `/a/${'x'.repeat(200)}/tail-0123456789.txt`;
    const colliding = Array.from({ length: 200 }, (_, i) => {
      const chars = base.split('');
      chars[5] = String.fromCharCode(97 + (i % 26));
      chars[6] = String.fromCharCode(97 + Math.floor(i / 26));
      return chars.join('');
    });
    for (let r = 0; r < 2; r++) for (const p of colliding) cache.set(open(p, 'read'), true);
    for (const p of colliding) expect(cache.get(open(p, 'read'))).toBe(true);
  });
});
