import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzeGaps,
  DeclaredPermissionsBuilder,
  type Finding,
  gapFindings,
  loadedPackages,
  ObservedUseAccumulator,
  packageOfFinding,
  RiskRankingSchema,
  rankRisk,
  SEVERITIES,
  type Severity,
  type VigilEvent,
  type WorkloadRef,
} from '../../src/index.js';
import { BROAD_RBAC, connect, DEPLOYMENT, fileOpen, POD_REF, T0 } from '../permissions/fixtures.js';

function finding(
  over: Partial<Finding> & Pick<Finding, 'id' | 'severity' | 'category'>,
  workload: WorkloadRef = POD_REF,
): Finding {
  return {
    ruleId: `test.${over.category}`,
    title: over.id,
    workload,
    ts: T0,
    summary: '',
    evidence: [],
    tags: { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] },
    compliance: [],
    risk: { score: 0, reasons: [] },
    ...over,
  };
}

const advisory = (i: number, pkg: string, severity: Severity = 'high'): Finding =>
  finding({
    id: `adv-${i}`,
    severity,
    category: 'supply-chain',
    title: `GHSA-${i} in ${pkg}`,
    evidence: [{ type: 'artifact', description: 'lockfile entry', uri: `pkg:npm/${pkg}@1.0.0` }],
  });

function observe(events: VigilEvent[]) {
  const acc = new ObservedUseAccumulator();
  for (const e of events) acc.add(e);
  return acc.result();
}

describe('risk ranking across sources', () => {
  const events: VigilEvent[] = [
    fileOpen('/app/node_modules/langchain/dist/index.js', 'read'),
    fileOpen('/app/node_modules/@scope/tool/lib/a.js', 'read'),
    fileOpen('/app/node_modules/a/node_modules/nested/x.js', 'read'),
    fileOpen('/usr/lib/python3/site-packages/PyYAML/__init__.py', 'read'),
    fileOpen('/usr/lib/python3/dist-packages/six.py', 'read'),
    connect('10.0.0.5', 443),
    fileOpen('/tmp/x', 'write', T0 + 20 * 86_400e9),
    {
      kind: 'k8s.api',
      ts: T0 + 86_400e9,
      workload: { id: 'k8s:serviceaccount:ai/agent', kind: 'external', labels: {} },
      pid: 0,
      ppid: 0,
      comm: 'kube-apiserver',
      exe: '',
      source: 'k8s-audit',
      verb: 'get',
      resource: 'configmaps',
      apiGroup: '',
      namespace: 'ai',
      user: 'system:serviceaccount:ai:agent',
      responseCode: 200,
    },
  ];
  const EXEC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: exec-only }
rules: [{ apiGroups: [""], resources: [pods/exec], verbs: [create] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: exec-only }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: exec-only }
subjects: [{ kind: ServiceAccount, name: agent, namespace: ai }]
`;
  const observed = observe(events);

  it('knows which packages were loaded, from the files read', () => {
    expect([...loadedPackages(observed).keys()].sort()).toEqual([
      'npm:@scope/tool',
      'npm:langchain',
      'npm:nested',
      'pypi:pyyaml',
      'pypi:six',
    ]);
    expect(packageOfFinding(advisory(1, '@scope/tool'))).toEqual({
      ecosystem: 'npm',
      name: '@scope/tool',
      version: '1.0.0',
    });
    expect(
      packageOfFinding(
        finding({ id: 'x', severity: 'low', category: 'supply-chain', summary: 'see pkg:pypi/Py_Yaml@6.0' }),
      )?.name,
    ).toBe('py-yaml');
  });

  it('turns hundreds of theoretical findings into a short list and says why', () => {
    const declared = new DeclaredPermissionsBuilder()
      .add(BROAD_RBAC, 'rbac.yaml')
      .add(EXEC, 'exec.yaml')
      .add(DEPLOYMENT, 'deploy.yaml')
      .build();
    const report = analyzeGaps(declared, observed);
    const loaded = ['langchain', '@scope/tool', 'nested'];
    const findings: Finding[] = [];
    for (let i = 0; i < 500; i++) {
      const pkg = i % 50 === 0 ? loaded[(i / 50) % 3]! : `unused-${i}`;
      findings.push(advisory(i, pkg, SEVERITIES[2 + (i % 3)]!));
    }
    // A posture finding about a grant never exercised (pods/exec), one about a rule that was used.
    findings.push(
      finding({
        id: 'posture-exec',
        severity: 'high',
        category: 'posture',
        evidence: [{ type: 'artifact', description: 'rule', uri: 'exec.yaml', path: 'rules[0]' }],
      }),
      finding({
        id: 'posture-read',
        severity: 'high',
        category: 'posture',
        evidence: [{ type: 'artifact', description: 'rule', uri: 'rbac.yaml', path: 'rules[0]' }],
      }),
      finding({ id: 'detect-1', severity: 'high', category: 'detection' }),
    );
    const r = RiskRankingSchema.parse(
      rankRisk([...findings, ...gapFindings(report)], { observed, gapReport: report, declared }),
    );
    expect(report.coverage.confidence).toBe('high');
    expect(r.summary.total).toBe(findings.length + gapFindings(report).length);
    expect(r.summary.byAdjustment['runtime-reachable']).toBe(10);
    expect(r.summary.byAdjustment['never-loaded']).toBe(490);
    expect(r.summary.byAdjustment['permission-unused']).toBe(1);
    expect(r.summary.byAdjustment['permission-exercised']).toBe(1);
    expect(r.summary.byAdjustment['observed-at-runtime']).toBe(1);
    expect(r.summary.demoted).toBe(491);
    expect(r.summary.shortList).toBeLessThan(r.summary.shortListBefore / 5);
    // The loaded, reachable advisories and the detection lead the list.
    // The short list: every reachable advisory, the detection, the unused-grant gaps; no advisory nobody loaded.
    const short = r.findings.filter((f) => f.risk.score >= r.summary.threshold).map((f) => f.id);
    expect(short).toContain('detect-1');
    expect(short).toContain('posture-exec');
    expect(short.filter((id) => id.startsWith('adv-')).sort()).toEqual(
      Array.from({ length: 10 }, (_, k) => `adv-${k * 50}`).sort(),
    );
    expect(r.findings[0]!.risk.score).toBe(100);
    const reach = r.findings.find((f) => f.id === 'adv-0')!;
    expect(reach.risk.reasons.join(' ')).toMatch(/npm package langchain was loaded at runtime/);
    expect(reach.risk.reasons.join(' ')).toMatch(/active detections/);
    const cold = r.findings.find((f) => f.id === 'adv-1')!;
    expect(cold.risk.reasons.join(' ')).toMatch(/never loaded in 8 observed events \(high coverage\)/);
    expect(r.findings.find((f) => f.id === 'posture-exec')!.risk.reasons.join(' ')).toMatch(
      /never exercised .* removable/,
    );
    expect(r.findings.find((f) => f.id === 'posture-read')!.risk.reasons.join(' ')).toMatch(
      /was exercised: the workload needs it/,
    );
  });

  it('does not demote without runtime data, and halves demotions over a short window', () => {
    const none = rankRisk([advisory(1, 'x')]);
    expect(none.summary.demoted).toBe(0);
    expect(none.findings[0]!.risk.reasons.join(' ')).toMatch(/no runtime data/);
    const short = observe([
      fileOpen('/app/node_modules/y/i.js', 'read'),
      fileOpen('/app/z', 'read', T0 + 60e9),
    ]);
    const r = rankRisk([advisory(1, 'x')], { observed: short });
    expect(r.summary.coverage).toBe('low');
    expect(r.findings[0]!.risk.score).toBe(Math.round(70 * 0.7));
  });

  it('property: scores stay in 0–100, every finding is kept, and the order is by score', () => {
    const arbFinding = fc.record({
      severity: fc.constantFrom(...SEVERITIES),
      category: fc.constantFrom('drift', 'detection', 'gap', 'supply-chain', 'posture' as const),
      pkg: fc.constantFrom('langchain', 'nested', 'other', 'none'),
    });
    fc.assert(
      fc.property(fc.array(arbFinding, { maxLength: 40 }), fc.boolean(), (list, withRuntime) => {
        const fs = list.map((x, i) =>
          finding({
            id: `f${i}`,
            severity: x.severity,
            category: x.category,
            ...(x.pkg !== 'none'
              ? { evidence: [{ type: 'artifact' as const, description: '', uri: `pkg:npm/${x.pkg}` }] }
              : {}),
          }),
        );
        const r = rankRisk(fs, withRuntime ? { observed } : {});
        expect(r.findings).toHaveLength(fs.length);
        expect(r.summary.promoted + r.summary.demoted + r.summary.unchanged).toBe(fs.length);
        for (const f of r.findings) expect(f.risk.score >= 0 && f.risk.score <= 100).toBe(true);
        for (let i = 1; i < r.findings.length; i++)
          expect(r.findings[i - 1]!.risk.score).toBeGreaterThanOrEqual(r.findings[i]!.risk.score);
      }),
    );
  });
});
