import { buildComplianceEvidence, type Finding } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import {
  buildFindingsReport,
  renderHtml,
  renderMarkdown,
  renderReport,
  toOcsf,
  toSarif,
} from '../../src/index.js';
import { finding } from './fixtures.js';

// Equal in severity, risk, time and id: only the rule, the place and the message tell them apart,
// so an order that stops at the id keeps whatever order they came in.
const tied: Finding[] = [
  finding({ id: 'same', severity: 'high', ruleId: 'vigil.b', summary: 'second rule' }),
  finding({
    id: 'same',
    severity: 'high',
    ruleId: 'vigil.a',
    summary: 'first rule, later line',
    evidence: [{ type: 'artifact', description: 'x', uri: 'a.json', path: 'a.json', line: 9 }],
  }),
  finding({
    id: 'same',
    severity: 'high',
    ruleId: 'vigil.a',
    summary: 'first rule, earlier line',
    evidence: [{ type: 'artifact', description: 'x', uri: 'a.json', path: 'a.json', line: 2 }],
  }),
  finding({ id: 'same', severity: 'high', ruleId: 'vigil.a', summary: 'first rule, no place, message z' }),
  finding({ id: 'same', severity: 'high', ruleId: 'vigil.a', summary: 'first rule, no place, message m' }),
  finding({ id: 'other', severity: 'critical', ruleId: 'vigil.z', summary: 'most severe' }),
].map((f) => ({ ...f, compliance: [{ framework: 'soc2', control: 'CC7.2' }] }));

const generatedAt = new Date(Date.UTC(2026, 11, 6));

function everyReport(findings: readonly Finding[]): string[] {
  const report = buildFindingsReport(findings, { generatedAt });
  const scan = {
    schemaVersion: 1 as const,
    kind: 'ScanResult' as const,
    inputs: ['a.json'],
    findings: [...findings],
    artifacts: { scanned: 1, skipped: 0, bytes: 1, notFollowed: 0 },
    scanners: [],
    errors: [],
    runtime: { observed: false, events: 0, confirmed: 0, demoted: 0 },
  };
  const compliance = buildComplianceEvidence({ framework: 'soc2', findings, now: generatedAt.getTime() });
  return [
    renderMarkdown(report),
    renderHtml({ title: 't', findings: report, generatedAt }),
    JSON.stringify(report),
    JSON.stringify(toSarif(findings)),
    JSON.stringify(toOcsf(findings)),
    String(renderReport('scan', 'sarif', scan)),
    String(renderReport('compliance', 'json', compliance)),
    String(renderReport('compliance', 'markdown', compliance)),
  ];
}

describe('one order of findings in every report', () => {
  it('the same findings in any input order give byte-identical reports', () => {
    const expected = everyReport(tied);
    for (const order of [[...tied].reverse(), [tied[3]!, tied[0]!, tied[5]!, tied[2]!, tied[4]!, tied[1]!]])
      expect(everyReport(order)).toEqual(expected);
  });

  it('ties are broken by rule id, then place, then message', () => {
    const summaries = buildFindingsReport([...tied].reverse(), { generatedAt }).findings.map(
      (f) => f.summary,
    );
    expect(summaries).toEqual([
      'most severe',
      'first rule, earlier line',
      'first rule, later line',
      'first rule, no place, message m',
      'first rule, no place, message z',
      'second rule',
    ]);
    const compliance = buildComplianceEvidence({ framework: 'soc2', findings: [...tied].reverse(), now: 0 });
    const control = compliance.controls.find((c) => c.control === 'CC7.2')!;
    expect(control.findings.map((f) => f.summary)).toEqual(summaries);
  });
});
