import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Baseline,
  BaselineLearner,
  BaselineSet,
  DEFAULT_GENERALISATION,
  decodeBaselineSet,
  encodeBaselineSet,
  type GeneralisationConfig,
  observeEvent,
  quarantineId,
  type VigilEvent,
} from '../../src/index.js';
import { agentWorkload } from './helpers/agent-sim.js';

// Small thresholds so random inputs collapse often.
const TIGHT: GeneralisationConfig = {
  ...DEFAULT_GENERALISATION,
  defaultMaxChildren: 3,
  rules: [
    { domain: 'files', prefix: '/b/', maxChildren: 2 },
    { domain: 'files', prefix: '/c/', maxChildren: null },
  ],
  examplesPerEntry: 3,
  introducersPerEntry: 2,
};

const seg = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', '12', 'tmp1x2y3z');
const w = agentWorkload();
const env = (ts: number) => ({
  ts,
  workload: w,
  pid: 7,
  ppid: 1,
  comm: 'agent',
  exe: '/usr/bin/python3',
  source: 'synthetic' as const,
});

const eventArb: fc.Arbitrary<VigilEvent> = fc.oneof(
  fc
    .record({
      ts: fc.integer({ min: 0, max: 1e9 }),
      parts: fc.array(seg, { minLength: 1, maxLength: 4 }),
      access: fc.constantFrom('read', 'write', 'exec'),
    })
    .map(
      ({ ts, parts, access }) =>
        ({
          ...env(ts),
          kind: 'file.open',
          path: `/${parts.join('/')}`,
          flags: 0,
          access,
          result: 3,
        }) as VigilEvent,
    ),
  fc
    .record({ ts: fc.integer({ min: 0, max: 1e9 }), labels: fc.array(seg, { minLength: 1, maxLength: 3 }) })
    .map(
      ({ ts, labels }) =>
        ({
          ...env(ts),
          kind: 'dns.query',
          name: `${labels.join('.')}.example.com`,
          qtype: 'A',
        }) as VigilEvent,
    ),
  fc.record({ ts: fc.integer({ min: 0, max: 1e9 }), bin: seg, args: fc.array(seg, { maxLength: 2 }) }).map(
    ({ ts, bin, args }) =>
      ({
        ...env(ts),
        kind: 'process.exec',
        filename: `/usr/bin/${bin}`,
        argv: [bin, ...args],
      }) as VigilEvent,
  ),
  fc
    .record({
      ts: fc.integer({ min: 0, max: 1e9 }),
      o3: fc.integer({ min: 0, max: 5 }),
      o4: fc.integer({ min: 0, max: 5 }),
      port: fc.constantFrom(80, 443),
    })
    .map(
      ({ ts, o3, o4, port }) =>
        ({
          ...env(ts),
          kind: 'net.connect',
          family: 'inet',
          protocol: 'tcp',
          daddr: `10.0.${o3}.${o4}`,
          dport: port,
          result: 0,
        }) as VigilEvent,
    ),
  fc
    .record({ ts: fc.integer({ min: 0, max: 1e9 }), server: seg, tool: seg })
    .map(({ ts, server, tool }) => ({ ...env(ts), kind: 'tool.call', server, tool }) as VigilEvent),
);

function learnFrom(origin: string, events: readonly VigilEvent[]): Baseline {
  const learner = new BaselineLearner({ origin, generalisation: TIGHT, critical: [] });
  for (const e of events) learner.observe(e);
  return learner.set.baselines()[0] ?? emptyBaseline();
}

function emptyBaseline(): Baseline {
  return Baseline.create({
    subject: 'k8s:ai/agent/agent',
    versionKey: 'ghcr.io/acme/agent:1.4',
    workload: w,
    generalisation: TIGHT,
  });
}

// Canonical JSON: object keys sorted, so equal documents compare equal whatever order fields were set in.
function canon(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)),
        )
      : v,
  );
}
const json = (b: Baseline) => canon(b.toDocument());

// Three baselines of the same workload, each learned by a different origin (replica or node).
const triple = fc.tuple(
  fc.array(eventArb, { maxLength: 40 }),
  fc.array(eventArb, { maxLength: 40 }),
  fc.array(eventArb, { maxLength: 40 }),
);

describe('merging baselines', () => {
  it('is commutative', () => {
    fc.assert(
      fc.property(triple, ([x, y]) => {
        const a = learnFrom('node-a', x);
        const b = learnFrom('node-b', y);
        expect(json(Baseline.merge(a, b))).toBe(json(Baseline.merge(b, a)));
      }),
      { numRuns: 150 },
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(triple, ([x, y, z]) => {
        const a = learnFrom('node-a', x);
        const b = learnFrom('node-b', y);
        const c = learnFrom('node-c', z);
        expect(json(Baseline.merge(Baseline.merge(a, b), c))).toBe(
          json(Baseline.merge(a, Baseline.merge(b, c))),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('is idempotent, also against a merge that already contains the input', () => {
    fc.assert(
      fc.property(triple, ([x, y]) => {
        const a = learnFrom('node-a', x);
        const b = learnFrom('node-b', y);
        expect(json(Baseline.merge(a, a))).toBe(json(a));
        const ab = Baseline.merge(a, b);
        expect(json(Baseline.merge(ab, a))).toBe(json(ab));
        expect(json(Baseline.merge(b, ab))).toBe(json(ab));
      }),
      { numRuns: 150 },
    );
  });

  it('never loses coverage and adds counts of different origins', () => {
    fc.assert(
      fc.property(triple, ([x, y]) => {
        const a = learnFrom('node-a', x);
        const b = learnFrom('node-b', y);
        const ab = Baseline.merge(a, b);
        for (const e of [...x, ...y]) expect(ab.covers(e).covered).toBe(true);
        const total = (bl: Baseline) => bl.files().reduce((n, e) => n + e.count, 0);
        expect(total(ab)).toBe(total(a) + total(b));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses baselines of different subjects, versions or generalisation settings', () => {
    const a = emptyBaseline();
    const other = Baseline.create({
      subject: 'x',
      versionKey: 'ghcr.io/acme/agent:1.4',
      workload: w,
      generalisation: TIGHT,
    });
    const loose = Baseline.create({ subject: a.subject, versionKey: a.versionKey, workload: w });
    expect(() => Baseline.merge(a, other)).toThrow(/different workloads/);
    expect(() => Baseline.merge(a, loose)).toThrow(/generalisation/);
  });

  it('merges sets of replicas: replicas of one Deployment share one baseline', () => {
    const learnerA = new BaselineLearner({ origin: 'node-a' });
    const learnerB = new BaselineLearner({ origin: 'node-b' });
    const ra = agentWorkload('aaaaa');
    const rb = agentWorkload('bbbbb');
    learnerA.observe({ ...env(1), workload: ra, kind: 'tool.call', server: 'fs', tool: 'read_file' });
    learnerB.observe({ ...env(2), workload: rb, kind: 'tool.call', server: 'fs', tool: 'write_file' });
    const fleet = BaselineSet.merge(learnerA.set, learnerB.set);
    expect(fleet.size).toBe(1);
    const b = fleet.baselines()[0]!;
    expect(b.tools().map((t) => t.display)).toEqual(['fs/read_file', 'fs/write_file']);
    expect(b.workloads).toEqual([ra.id, rb.id].sort());
  });
});

describe('the cached coverage check', () => {
  it('always agrees with the uncached one, also while the baseline changes (property)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), fc.array(eventArb, { maxLength: 40 }), (x, y) => {
        const learner = new BaselineLearner({ origin: 'n', generalisation: TIGHT, critical: [] });
        for (const e of x) learner.observe(e);
        const b = learner.set.baselines()[0] ?? emptyBaseline();
        for (const e of [...y, ...x]) expect(b.isCovered(e)).toBe(b.covers(e).covered);
        for (const e of y) for (const o of observeEvent(e, TIGHT)) b.record(o, 1, 'n');
        for (const e of [...y, ...x]) expect(b.isCovered(e)).toBe(b.covers(e).covered);
      }),
      { numRuns: 150 },
    );
  });

  it('stays right past its size limit', () => {
    const b = emptyBaseline();
    const ev = (i: number): VigilEvent => ({
      ...env(i),
      kind: 'file.open',
      path: `/d${i % 3}/f${i}`,
      flags: 0,
      access: 'read',
      result: 3,
    });
    for (let i = 0; i < 10; i++) for (const o of observeEvent(ev(i * 3), TIGHT)) b.record(o, 1, 'n');
    for (let i = 0; i < 80_000; i++) {
      const e = ev(i);
      if (i % 997 === 0 || i < 50) expect(b.isCovered(e)).toBe(b.covers(e).covered);
      else b.isCovered(e);
    }
  });
});

describe('baseline documents', () => {
  it('round-trip through JSON and msgpack unchanged', () => {
    fc.assert(
      fc.property(triple, ([x, y]) => {
        const set = new BaselineSet([Baseline.merge(learnFrom('node-a', x), learnFrom('node-b', y))]);
        const before = canon(set.toDocument());
        for (const enc of ['json', 'msgpack'] as const) {
          const again = decodeBaselineSet(encodeBaselineSet(set, enc), `x.${enc}`);
          expect(canon(again.toDocument())).toBe(before);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keep coverage and version across a round trip', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (x) => {
        const a = learnFrom('node-a', x);
        const b = Baseline.fromDocument(JSON.parse(JSON.stringify(a.toDocument())));
        expect(b.version).toBe(a.version);
        for (const e of x) expect(b.covers(e).covered).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

// Quarantined items and review decisions: merges stay a set union, and an admitted item never comes back.
const quarantineArb = fc.array(
  fc.record({
    behaviour: fc.constantFrom('vigil.critical.shell-from-interpreter', 'vigil.critical.credential-read'),
    parts: fc.array(seg, { minLength: 1, maxLength: 3 }),
    ts: fc.integer({ min: 0, max: 1e9 }),
    admit: fc.option(
      fc.record({ by: fc.constantFrom('alice', 'bob'), at: fc.integer({ min: 0, max: 1e6 }) }),
    ),
  }),
  { maxLength: 4 },
);

function withReviews(
  b: Baseline,
  origin: string,
  items: readonly {
    behaviour: string;
    parts: string[];
    ts: number;
    admit: { by: string; at: number } | null;
  }[],
): Baseline {
  for (const q of items)
    b.quarantine({
      behaviour: q.behaviour,
      title: q.behaviour,
      severity: 'critical',
      reason: 'flagged',
      observations: [{ domain: 'processes', pattern: [...q.parts, '@args', '-'] }],
      counts: { [origin]: 1 },
      firstSeen: q.ts,
      lastSeen: q.ts,
      events: [],
    });
  for (const q of items) {
    if (q.admit === null) continue;
    const item = b
      .quarantined()
      .find((x) => x.behaviour === q.behaviour && x.observations[0]!.pattern[0] === q.parts[0]);
    if (item) b.admitById(quarantineId(item), { by: q.admit.by, reason: 'reviewed', at: q.admit.at });
  }
  return b;
}

describe('merging baselines with review decisions', () => {
  const reviewed = fc.tuple(triple, quarantineArb, quarantineArb, quarantineArb);
  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(reviewed, ([[x, y, z], qa, qb, qc]) => {
        const a = () => withReviews(learnFrom('node-a', x), 'node-a', qa);
        const b = () => withReviews(learnFrom('node-b', y), 'node-b', qb);
        const c = () => withReviews(learnFrom('node-c', z), 'node-c', qc);
        expect(json(Baseline.merge(a(), b()))).toBe(json(Baseline.merge(b(), a())));
        expect(json(Baseline.merge(Baseline.merge(a(), b()), c()))).toBe(
          json(Baseline.merge(a(), Baseline.merge(b(), c()))),
        );
        expect(json(Baseline.merge(a(), a()))).toBe(json(a()));
        const ab = Baseline.merge(a(), b());
        expect(json(Baseline.merge(ab, a()))).toBe(json(ab));
        // Nothing reviewed is still quarantined after a merge.
        const admitted = new Set(ab.reviews().map((r) => r.item));
        for (const q of ab.quarantined()) expect(admitted.has(quarantineId(q))).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
