import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoverageCache } from '../../src/baseline/internal/coverage-cache.js';
import { CREDENTIAL_PATHS, secretClass, type VigilEvent } from '../../src/index.js';
import { notePathSecret, recentSecret } from '../../src/vocabulary/internal/noted-secrets.js';
import { agentWorkload } from '../baseline/helpers/agent-sim.js';

/** The class by the patterns alone: no prefilter, nothing remembered. */
const reference = (p: string) => [...CREDENTIAL_PATHS].find(([, re]) => re.test(p))?.[0];

const PATHS = [
  '/root/.ssh/id_ed25519',
  '/home/a/.aws/credentials',
  '/var/run/secrets/kubernetes.io/serviceaccount/token',
  '/etc/shadow',
  '/etc/hostname',
  '/app/main.py',
  '/home/a/.cache/pip/x',
  '/tmp/out.json',
];

const env = {
  ts: 1,
  workload: agentWorkload(),
  pid: 1,
  ppid: 0,
  comm: 'a',
  exe: '/a',
  source: 'synthetic' as const,
};
const open = (path: string): VigilEvent => ({
  ...env,
  kind: 'file.open',
  path,
  flags: 0,
  access: 'read',
  result: 3,
});

describe('credential classes noted by coverage lookups', () => {
  it('property: secretClass answers what the patterns say, whatever coverage caches looked up before and in what order', () => {
    // A path as a fresh string object (equal, not identical) as well as the shared one.
    const path = fc
      .tuple(fc.constantFrom(...PATHS), fc.boolean())
      .map(([p, fresh]) => (fresh ? [...p].join('') : p));
    const op = fc.oneof(
      path.map((p) => ({ do: 'lookup' as const, p })),
      fc.tuple(path, fc.boolean()).map(([p, v]) => ({ do: 'store' as const, p, v })),
      path.map((p) => ({ do: 'ask' as const, p })),
      fc.array(path, { maxLength: 12 }).map((ps) => ({ do: 'stream' as const, ps })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const cache = new CoverageCache();
        for (const o of ops) {
          if (o.do === 'lookup') cache.get(open(o.p));
          else if (o.do === 'store') cache.set(open(o.p), o.v);
          else if (o.do === 'ask') expect(secretClass(o.p)).toBe(reference(o.p));
          else {
            // The pattern the engine follows: drift looks a batch up, then the engine asks about a subset.
            for (const p of o.ps) if (cache.get(open(p)) === undefined) cache.set(open(p), true);
            for (const [i, p] of o.ps.entries()) if (i % 3 !== 1) expect(secretClass(p)).toBe(reference(p));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: coverage caches, which keep each path’s credential class beside its answer, each get back their own last answer, or nothing', () => {
    const path = fc.constantFrom(...PATHS, '/srv/a', '/srv/b');
    const op = fc.oneof(
      fc
        .tuple(fc.constantFrom(0, 1, 2), path, fc.boolean())
        .map(([c, p, v]) => ({ do: 'set' as const, c, p, v })),
      fc.tuple(fc.constantFrom(0, 1, 2), path).map(([c, p]) => ({ do: 'get' as const, c, p })),
      fc.constantFrom(0, 1, 2).map((c) => ({ do: 'clear' as const, c })),
      path.map((p) => ({ do: 'ask' as const, p })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const caches = [new CoverageCache(), new CoverageCache(), new CoverageCache()];
        const models = caches.map(() => new Map<string, boolean>());
        for (const o of ops) {
          if (o.do === 'set') {
            // Twice: a value is cached from its second sighting.
            caches[o.c]!.set(open(o.p), o.v);
            caches[o.c]!.set(open(o.p), o.v);
            models[o.c]!.set(o.p, o.v);
          } else if (o.do === 'get') {
            const got = caches[o.c]!.get(open(o.p));
            if (got !== undefined) expect(got).toBe(models[o.c]!.get(o.p));
          } else if (o.do === 'clear') {
            caches[o.c]!.clear();
            models[o.c]!.clear();
          } else expect(secretClass(o.p)).toBe(reference(o.p));
        }
        // What was stored since the last clear is found (the door admitted it on its second sighting).
        for (const [c, m] of models.entries())
          for (const [p, v] of m) expect(caches[c]!.get(open(p))).toBe(v);
      }),
      { numRuns: 200 },
    );
  });

  it('a reader that skipped many noted paths (a run of failed opens) still finds the next one it asks about', () => {
    // Distinct paths, noted in order with their codes (2: the first credential class).
    const noted = Array.from({ length: 40 }, (_, i) => `/srv/run-7/step-${i}/file-${i}.txt`);
    for (const p of noted) notePathSecret(p, 1);
    notePathSecret('/root/.ssh/id_ed25519', 1 + 1 + CREDENTIAL_PATHS.findIndex(([c]) => c === 'ssh-key'));
    // The reader asks about the 30th and later ones only: far past its look-ahead.
    for (const p of noted.slice(30)) expect(recentSecret(p)).toBe(1);
    expect(recentSecret('/root/.ssh/id_ed25519')).toBe(
      2 + CREDENTIAL_PATHS.findIndex(([c]) => c === 'ssh-key'),
    );
    expect(secretClass('/root/.ssh/id_ed25519')).toBe('ssh-key');
  });
});
