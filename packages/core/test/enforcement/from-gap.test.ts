import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzeGaps,
  DeclaredPermissionsBuilder,
  diffPolicies,
  EnforcementPolicySchema,
  generateLeastPrivilege,
  isVigilError,
  type LeastPrivilege,
  LeastPrivilegeSchema,
  leastPrivilegeOf,
  mergeObservedUse,
  ObservedUseAccumulator,
  policyFromLeastPrivilege,
  policyVerdict,
} from '../../src/index.js';
import { BROAD_RBAC, connect, DEPLOYMENT, NETPOL } from '../permissions/fixtures.js';

/** The least-privilege output of a real gap analysis: the agent used 10.0.0.5:443 and DNS on 10.0.0.2. */
function realLeastPrivilege(): LeastPrivilege {
  const declared = new DeclaredPermissionsBuilder()
    .add(BROAD_RBAC, 'rbac.yaml')
    .add(DEPLOYMENT, 'deploy.yaml')
    .add(NETPOL, 'netpol.yaml')
    .build();
  const acc = new ObservedUseAccumulator();
  for (const ev of [
    connect('10.0.0.5', 443),
    connect('10.0.0.2', 53, undefined, 'udp'),
    connect('127.0.0.1', 8080),
  ])
    acc.add(ev);
  const observed = mergeObservedUse([acc.result()]);
  return LeastPrivilegeSchema.parse(
    generateLeastPrivilege(declared, analyzeGaps(declared, observed), observed),
  );
}

function netpolArtifact(workload: string, egress: unknown[], extra: Record<string, unknown> = {}) {
  return {
    kind: 'network-policy' as const,
    workload,
    subject: `${workload}/sa`,
    fileName: `${workload.replace(/\W+/g, '-')}-netpol.yaml`,
    format: 'yaml' as const,
    content: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'np' },
        spec: { egress },
      },
    ],
    notes: [],
    issues: [],
    ...extra,
  };
}

const lpOf = (...artifacts: ReturnType<typeof netpolArtifact>[]): LeastPrivilege => ({
  schemaVersion: 1,
  kind: 'LeastPrivilege',
  artifacts,
});

describe('policyFromLeastPrivilege', () => {
  it("turns a real gap analysis's NetworkPolicy into an egress allowlist that allows what was used, only", () => {
    const lp = realLeastPrivilege();
    // The gap document as `vigil gap --emit-policy DIR --format json` writes it.
    const policy = policyFromLeastPrivilege(
      leastPrivilegeOf({ kind: 'vigil.gap', schemaVersion: 1, leastPrivilege: lp }),
    );
    expect(EnforcementPolicySchema.parse(policy)).toEqual(policy);
    expect(policy.id).toBe('k8s:workload:ai/Deployment/agent');
    expect(policy.source.kind).toBe('gap');
    expect(policy.egress.rules.map((r) => `${r.protocol} ${r.cidr}:${r.port}`).sort()).toEqual([
      'tcp 10.0.0.5/32:443',
      'udp 10.0.0.2/32:53',
    ]);
    expect(policy.exec).toEqual({ enforce: false, rules: [] });
    expect(policy.notes.join('\n')).toMatch(/file rules are not enforced: they need BPF-LSM/);
    const ev = (daddr: string, dport: number, protocol = 'tcp') => ({
      kind: 'net.connect',
      daddr,
      dport,
      protocol,
    });
    expect(policyVerdict(policy, ev('10.0.0.5', 443)).allowed).toBe(true);
    expect(policyVerdict(policy, ev('10.0.0.2', 53, 'udp')).allowed).toBe(true);
    // Declared, never used: the NetworkPolicy allowed 10.0.0.0/8 and the whole internet.
    expect(policyVerdict(policy, ev('10.0.0.6', 443)).allowed).toBe(false);
    expect(policyVerdict(policy, ev('203.0.113.7', 443)).allowed).toBe(false);
    expect(policyVerdict(policy, ev('10.0.0.5', 80)).allowed).toBe(false);
    // Loopback is not NetworkPolicy's business, nor this policy's by default.
    expect(policyVerdict(policy, ev('127.0.0.1', 8080)).allowed).toBe(true);
  });

  it('says what it cannot express instead of dropping it silently', () => {
    const policy = policyFromLeastPrivilege(
      lpOf(
        netpolArtifact('w', [
          { to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
          {
            to: [{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.2.0/24'] } }],
            ports: [
              { protocol: 'SCTP', port: 9 },
              { protocol: 'UDP', port: 'dns' },
            ],
          },
          { to: [{ ipBlock: { cidr: 'fd00::/8' } }] },
        ]),
      ),
    );
    expect(policy.egress.rules.map((r) => `${r.protocol} ${r.cidr}:${r.port}`)).toEqual([
      'any fd00::/8:null',
      'udp 10.1.0.0/16:null',
    ]);
    const notes = policy.notes.join('\n');
    expect(notes).toMatch(/egress\[0\]: an in-cluster selector peer cannot be an address allowlist/);
    expect(notes).toMatch(/except blocks of 10\.1\.0\.0\/16 are not enforced/);
    expect(notes).toMatch(/SCTP to 10\.1\.0\.0\/16 is not enforced/);
    expect(notes).toMatch(/named port dns is allowed as any port/);
    expect(notes).toMatch(/exec is not restricted/);
  });

  it('a NetworkPolicy that allows nothing refuses every egress', () => {
    const policy = policyFromLeastPrivilege(lpOf(netpolArtifact('w', [])));
    expect(policy.egress).toMatchObject({ enforce: true, rules: [] });
    expect(policy.notes[0]).toMatch(/every egress is refused/);
  });

  it('picks the workload by id or subject; several without a choice is an error listing them', () => {
    const lp = lpOf(
      netpolArtifact('a', [{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }] }]),
      netpolArtifact('b', [{ to: [{ ipBlock: { cidr: '10.0.0.2/32' } }] }]),
    );
    expect(() => policyFromLeastPrivilege(lp)).toThrow(/covers 2 workloads; say which: a, b/);
    expect(policyFromLeastPrivilege(lp, { workload: 'b' }).egress.rules[0]!.cidr).toBe('10.0.0.2/32');
    expect(policyFromLeastPrivilege(lp, { workload: 'a/sa' }).egress.rules[0]!.cidr).toBe('10.0.0.1/32');
    expect(() => policyFromLeastPrivilege(lp, { workload: 'c' })).toThrow(
      /no NetworkPolicy artifact for c in the least-privilege output; it has: a, b/,
    );
    expect(() => policyFromLeastPrivilege(lpOf())).toThrow(/no NetworkPolicy artifact/);
  });

  it('continues a previous version: same rules keep ids and version; a change bumps it', () => {
    const v1 = policyFromLeastPrivilege(
      lpOf(netpolArtifact('w', [{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 443 }] }])),
    );
    const same = policyFromLeastPrivilege(
      lpOf(netpolArtifact('w', [{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 443 }] }])),
      { previous: v1 },
    );
    expect(same.version).toBe(1);
    expect(same.egress.rules).toEqual(v1.egress.rules);
    const v2 = policyFromLeastPrivilege(
      lpOf(
        netpolArtifact('w', [
          {
            to: [{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: '10.0.0.9/32' } }],
            ports: [{ port: 443 }],
          },
        ]),
      ),
      { previous: v1 },
    );
    expect(v2.version).toBe(2);
    expect(v2.egress.rules.find((r) => r.cidr === '10.0.0.1/32')!.id).toBe(v1.egress.rules[0]!.id);
    expect(diffPolicies(v1, v2).summary).toBe('+ egress tcp 10.0.0.9/32:443');
  });
});

describe('leastPrivilegeOf', () => {
  it('a gap document without least-privilege output says how to get it', () => {
    expect(() => leastPrivilegeOf({ kind: 'vigil.gap', schemaVersion: 1, report: {} }, 'gap.json')).toThrow(
      /gap\.json has no least-privilege artifacts: run vigil gap with --emit-policy DIR and --format json/,
    );
  });

  it('names the file and the place of a malformed artifact', () => {
    let err: unknown;
    try {
      leastPrivilegeOf(
        {
          kind: 'vigil.gap',
          leastPrivilege: { schemaVersion: 1, kind: 'LeastPrivilege', artifacts: [{ kind: 'nope' }] },
        },
        'gap.json',
      );
    } catch (e) {
      err = e;
    }
    expect(isVigilError(err)).toBe(true);
    expect((err as Error).message).toMatch(/leastPrivilege\.artifacts\[0\]\.kind/);
    expect(isVigilError(err) && err.location?.file).toBe('gap.json');
  });

  it('hostile input gives a VigilError or a valid policy, never anything else', () => {
    const peer = fc.oneof(
      fc.record({
        ipBlock: fc.record({ cidr: fc.oneof(fc.string(), fc.constant('10.0.0.0/8'), fc.constant('::/0')) }),
      }),
      fc.record({ podSelector: fc.anything() }),
      fc.anything(),
    );
    const rule = fc.oneof(
      fc.record({
        to: fc.array(peer, { maxLength: 4 }),
        ports: fc.array(
          fc.record({
            protocol: fc.oneof(fc.constant('TCP'), fc.constant('UDP'), fc.string()),
            port: fc.oneof(fc.integer(), fc.string()),
          }),
          { maxLength: 3 },
        ),
      }),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(rule, { maxLength: 5 })), (egress) => {
        const doc = {
          kind: 'vigil.gap',
          leastPrivilege: lpOf(netpolArtifact('w', Array.isArray(egress) ? egress : [egress])),
        };
        try {
          const p = policyFromLeastPrivilege(leastPrivilegeOf(JSON.parse(JSON.stringify(doc))));
          expect(EnforcementPolicySchema.safeParse(p).success).toBe(true);
        } catch (e) {
          expect(isVigilError(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
