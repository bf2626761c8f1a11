import { describe, expect, it } from 'vitest';
import {
  AREA_CONTROLS,
  buildComplianceEvidence,
  CONTROL_AREAS,
  ComplianceEvidenceReportSchema,
  complianceRefs,
  EVIDENCE_FACETS,
  EventSchema,
  emptyLedger,
  type Finding,
  FindingSchema,
  ObservedUseAccumulator,
  renderComplianceMarkdown,
  type VigilEventInput,
} from '../../src/index.js';

const T0 = 1_800_000_000_000_000_000;
const WL = { id: 'agent', kind: 'systemd-service' as const, labels: {} };

function observed(kinds: ('egress' | 'file')[]) {
  const acc = new ObservedUseAccumulator();
  let n = 0;
  const e = (p: Record<string, unknown>) =>
    EventSchema.parse({
      ts: T0 + ++n * 1e9,
      workload: WL,
      pid: 7,
      ppid: 1,
      comm: 'python3',
      exe: '/usr/bin/python3',
      source: 'replay',
      ...p,
    } as VigilEventInput);
  const events = kinds.map((k) =>
    k === 'egress'
      ? e({
          kind: 'net.connect',
          family: 'inet',
          protocol: 'tcp',
          daddr: '203.0.113.7',
          dport: 443,
          result: 0,
        })
      : e({ kind: 'file.open', path: '/srv/app/config.yaml', flags: 0, access: 'read', result: 3 }),
  );
  for (const ev of events) acc.add(ev);
  return acc.result();
}

function finding(control: string, severity: Finding['severity']): Finding {
  return FindingSchema.parse({
    id: `f-${control}-${severity}`,
    ruleId: 'vigil.test.rule',
    title: 'A test finding',
    summary: 'summary',
    severity,
    category: 'detection',
    workload: WL,
    ts: T0 + 5e9,
    evidence: [],
    tags: {},
    compliance: [{ framework: 'pci-dss-4', control }],
    risk: { score: 50, reasons: [] },
  });
}

const control = (r: ReturnType<typeof buildComplianceEvidence>, id: string) =>
  r.controls.find((c) => c.control === id)!;

describe('compliance evidence per control', () => {
  it('every row of the mapping table says what evidence supports it, and findings carry only the reference', () => {
    for (const area of CONTROL_AREAS)
      for (const row of AREA_CONTROLS[area]) {
        expect(row.evidence.length, `${row.framework} ${row.control}`).toBeGreaterThan(0);
        for (const f of row.evidence) expect(EVIDENCE_FACETS).toContain(f);
        expect(row.supports.length).toBeGreaterThan(20);
      }
    for (const ref of complianceRefs({ areas: [...CONTROL_AREAS] }))
      expect(Object.keys(ref).sort()).toEqual(
        ref.title === undefined ? ['control', 'framework'] : ['control', 'framework', 'title'],
      );
  });

  it('an egress control is supported by the peers seen and by enforcement, and says what is missing without it', () => {
    const withLedger = buildComplianceEvidence({
      framework: 'pci-dss-4',
      observed: [observed(['egress', 'file'])],
      ledger: emptyLedger(),
      now: 0,
    });
    ComplianceEvidenceReportSchema.parse(withLedger);
    const egress = control(withLedger, '1.3.2');
    expect(egress.wants).toEqual(['network-egress', 'enforcement']);
    expect(egress.evidence.sort()).toEqual(['captures-1-network-egress', 'enforcement']);
    expect(egress.missing).toEqual([]);
    expect(egress.status).toBe('supported');
    expect(egress.supports.join(' ')).toMatch(/peers each workload connected to/);
    // The audit-log control wants more kinds than one capture without baselines gives.
    const audit = control(withLedger, '10.2.1');
    expect(audit.status).toBe('partial');
    expect(audit.missing).toEqual(['process-behaviour', 'drift-detection']);
    expect(audit.evidence.sort()).toEqual([
      'captures-1',
      'captures-1-file-access',
      'captures-1-network-egress',
    ]);
    // Supply-chain inventory gets nothing from egress evidence.
    expect(control(withLedger, '6.3.2').evidence).toEqual(['captures-1']);

    const noLedger = buildComplianceEvidence({
      framework: 'pci-dss-4',
      observed: [observed(['file'])],
      now: 0,
    });
    const e2 = control(noLedger, '1.3.2');
    expect(e2.evidence).toEqual([]);
    expect(e2.status).toBe('no-evidence');
    expect(e2.missing).toEqual(['network-egress', 'enforcement']);
    expect(
      noLedger.summary.findings +
        noLedger.summary.supported +
        noLedger.summary.partial +
        noLedger.summary.noEvidence,
    ).toBe(noLedger.controls.length);
  });

  it('a finding at medium or above sets the status; one below only lists itself', () => {
    const low = buildComplianceEvidence({
      framework: 'pci-dss-4',
      observed: [observed(['egress'])],
      ledger: emptyLedger(),
      findings: [finding('1.3.2', 'low')],
      now: 0,
    });
    expect(control(low, '1.3.2').status).toBe('supported');
    expect(control(low, '1.3.2').findings).toHaveLength(1);
    const high = buildComplianceEvidence({
      framework: 'pci-dss-4',
      observed: [observed(['egress'])],
      findings: [finding('1.3.2', 'high')],
      now: 0,
    });
    expect(control(high, '1.3.2').status).toBe('findings');
    const md = renderComplianceMarkdown(high);
    expect(md).toMatch(
      /### 1\.3\.2 Outbound traffic[^\n]*\n\nStatus: findings\.\nSupported by: [^\n]+\nEvidence it wants: network-egress, enforcement\.\nEvidence of the period: captures-1-network-egress\.\nMissing: enforcement\.\n\nFindings:\n\n- HIGH A test finding/,
    );
  });
});
