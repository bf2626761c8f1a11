import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BaselineLearner,
  type BaselineSet,
  DnsEnricher,
  diffPolicies,
  type EnforcementPolicy,
  isVigilError,
  MAX_POLICY_RULES,
  MemorySource,
  parseCidr,
  parseEnforcementPolicy,
  policyVerdict,
  synthesizePolicy,
  Vigil,
  type VigilEvent,
} from '../../src/index.js';
import { agentWorkload, attackEvents, benignAgent } from '../baseline/helpers/agent-sim.js';

const T0 = 1_764_000_000_000_000_000;

async function learn(events: Iterable<VigilEvent>): Promise<BaselineSet> {
  const learner = new BaselineLearner({ origin: 'node-a' });
  await new Vigil({
    source: new MemorySource(events),
    enrichers: [new DnsEnricher()],
    consumers: [learner],
  }).run();
  return learner.set;
}

/** Events with DNS names attached as the pipeline's enricher attaches them. */
function enriched(events: VigilEvent[]): VigilEvent[] {
  const names = new Map<string, string>();
  return events.map((e) => {
    if (e.kind === 'dns.query') for (const a of e.answers ?? []) names.set(a, e.name);
    if (e.kind === 'net.connect' && e.dnsName === undefined && names.has(e.daddr))
      return { ...e, dnsName: names.get(e.daddr)! };
    return e;
  });
}

describe('synthesizePolicy', () => {
  it('refuses a learning baseline, with the reason', async () => {
    const set = await learn(benignAgent({ seed: 3, seconds: 30 }));
    const b = set.baselines()[0]!;
    expect(b.status).toBe('learning');
    expect(() => synthesizePolicy(b)).toThrow(/still learning/);
    expect(synthesizePolicy(b, { allowLearning: true }).source.baselineStatus).toBe('learning');
  });

  for (const seed of [11, 12, 13]) {
    it(`allows every benign connect and exec the baseline saw, on fresh runs too (seed ${seed})`, async () => {
      const set = await learn(benignAgent({ seed, seconds: 300 }));
      const b = set.baselines()[0]!;
      b.markStable(T0 + 400e9);
      const policy = synthesizePolicy(b, { allowLoopback: false });
      expect(policy.egress.rules.length).toBeGreaterThan(0);
      expect(policy.exec.rules.length).toBeGreaterThan(0);
      // A run with a seed the baseline never saw, of the same agent.
      const fresh = enriched([...benignAgent({ seed: seed + 1000, seconds: 120, startNs: T0 + 500e9 })]);
      expect(fresh.filter((e) => e.kind === 'net.connect' && e.family !== 'unix').length).toBeGreaterThan(10);
      expect(fresh.filter((e) => e.kind === 'process.exec').length).toBeGreaterThan(10);
      const denied = fresh.filter((e) => !policyVerdict(policy, e).allowed);
      expect(denied.map((e) => `${e.kind} ${JSON.stringify(e)}`)).toEqual([]);
      const attacks = attackEvents(T0 + 900e9, agentWorkload());
      expect(policyVerdict(policy, attacks.binary![0]!)).toMatchObject({
        allowed: false,
        rule: 'exec.default-deny',
      });
      expect(policyVerdict(policy, attacks.shell![0]!).allowed).toBe(false);
      const exfil = enriched(attacks.egress!).find((e) => e.kind === 'net.connect')!;
      expect(policyVerdict(policy, exfil)).toMatchObject({ allowed: false, rule: 'egress.default-deny' });
    });
  }

  it('keeps ids and version when nothing changed; bumps the version and shows the diff when something did', async () => {
    const events = [...benignAgent({ seed: 5, seconds: 200 })];
    const b1 = (await learn(events)).baselines()[0]!;
    b1.markStable(T0 + 300e9);
    const p1 = synthesizePolicy(b1, { now: 0 });
    const again = synthesizePolicy(b1, { previous: p1, now: 1 });
    expect(again.version).toBe(1);
    expect(diffPolicies(p1, again).unchanged).toBe(true);

    const extra: VigilEvent = {
      ts: T0 + 250e9,
      workload: agentWorkload(),
      pid: 5,
      ppid: 1,
      comm: 'python3',
      exe: '/usr/bin/python3',
      source: 'synthetic',
      kind: 'net.connect',
      family: 'inet',
      protocol: 'tcp',
      daddr: '198.51.100.7',
      dport: 8443,
      result: 0,
    };
    const b2 = (await learn([...events, extra])).baselines()[0]!;
    b2.markStable(T0 + 300e9);
    const p2 = synthesizePolicy(b2, { previous: p1, now: 2 });
    expect(p2.version).toBe(2);
    const d = diffPolicies(p1, p2);
    expect(d.egressAdded.map((r) => `${r.cidr}:${r.port}`)).toEqual(['198.51.100.7/32:8443']);
    expect(d.summary).toBe('+ egress tcp 198.51.100.7/32:8443');
    // Rules that stayed keep their ids.
    const ids1 = new Map(p1.egress.rules.map((r) => [`${r.cidr ?? r.host}:${r.port}`, r.id]));
    for (const r of p2.egress.rules) {
      const before = ids1.get(`${r.cidr ?? r.host}:${r.port}`);
      if (before) expect(r.id).toBe(before);
    }
  });
});

describe('policy documents', () => {
  const valid = (): EnforcementPolicy => ({
    schemaVersion: 1,
    id: 'w',
    version: 1,
    createdAt: new Date(0).toISOString(),
    source: { kind: 'manual' },
    egress: { enforce: true, allowLoopback: true, rules: [] },
    exec: { enforce: true, rules: [] },
    notes: [],
  });

  it('names the file and the place of every problem', () => {
    const bad = { ...valid(), exec: { enforce: true, rules: [{ id: 'e', path: 'bin/sh', reason: '' }] } };
    expect(() => parseEnforcementPolicy(bad, 'p.json')).toThrow(
      /exec\.rules\[0\]\.path: expected an absolute path/,
    );
    try {
      parseEnforcementPolicy(
        {
          ...valid(),
          egress: {
            ...valid().egress,
            rules: [{ id: 'x', protocol: 'tcp', cidr: '10.0.0.0/33', port: 1, reason: '' }],
          },
        },
        'p.json',
      );
    } catch (e) {
      expect(isVigilError(e)).toBe(true);
      expect((e as Error & { location: { file: string } }).location.file).toBe('p.json');
    }
  });

  it('states the map limit and refuses more rules than the kernel maps hold', () => {
    const rules = Array.from({ length: MAX_POLICY_RULES + 1 }, (_, i) => ({
      id: `e${i}`,
      path: `/bin/x${i}`,
      reason: '',
    }));
    expect(() => parseEnforcementPolicy({ ...valid(), exec: { enforce: true, rules } })).toThrow(/65536/);
  });

  it('never accepts a malformed document and never throws anything but a VigilError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        try {
          const p = parseEnforcementPolicy(v);
          // Accepted documents are complete policies.
          expect(p.schemaVersion).toBe(1);
        } catch (e) {
          expect(isVigilError(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    // Mutations of a valid policy: accepted only when still valid.
    fc.assert(
      fc.property(
        fc.constantFrom('id', 'version', 'egress', 'exec', 'notes', 'schemaVersion'),
        fc.jsonValue(),
        (k, val) => {
          const doc = { ...valid(), [k]: val };
          try {
            parseEnforcementPolicy(doc);
          } catch (e) {
            expect(isVigilError(e)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parses address blocks into what the kernel maps hold, for both families', () => {
    expect(parseCidr('10.1.2.0/24')).toEqual({ family: 4, bytes: Uint8Array.from([10, 1, 2, 0]), bits: 24 });
    const v6 = parseCidr('fd00::1/128');
    expect(v6.family).toBe(6);
    expect([...v6.bytes.slice(0, 2), v6.bytes[15]]).toEqual([0xfd, 0, 1]);
    expect(() => parseCidr('fd00::1::2/64')).toThrow(/not an address block/);
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, bits) => {
        const c = parseCidr(`${ip}/${bits}`);
        expect([...c.bytes].join('.')).toBe(ip);
      }),
    );
  });
});
