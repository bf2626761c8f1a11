import { isVigilError, type ReviewRecord } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { type ReportKind, renderReport, reportFormats } from '../../src/index.js';

const KINDS: readonly ReportKind[] = [
  'check',
  'aibom',
  'gap',
  'baselines',
  'scan',
  'inspect',
  'probe',
  'maturity',
  'compliance',
  'review',
  'admission',
  'policy',
];

describe('the reporter registry', () => {
  it('offers json for every kind of document, and nothing twice', () => {
    for (const kind of KINDS) {
      const formats = reportFormats(kind);
      expect(formats, kind).toContain('json');
      expect(new Set(formats).size, kind).toBe(formats.length);
    }
  });

  it('refuses a format a kind does not have with a USAGE error listing the ones it does', () => {
    for (const [kind, format] of [
      ['policy', 'text'],
      ['maturity', 'markdown'],
      ['inspect', 'sarif'],
    ] as const) {
      let error: unknown;
      try {
        renderReport(kind, format, {} as never);
      } catch (e) {
        error = e;
      }
      expect(isVigilError(error) && error.code, kind).toBe('USAGE');
      expect((error as Error).message).toContain(`(choose ${reportFormats(kind).join(', ')})`);
    }
  });

  it('renders the baseline review queue and admissions as text and as JSON', () => {
    const review = {
      baseline: 'agent.baseline.json',
      quarantined: [
        {
          id: 'q-0123456789abcdef',
          subject: 'k8s:ai/agent/agent',
          versionKey: 'ghcr.io/acme/agent:1.4',
          flaggedBy: 'vigil.critical.shell-from-interpreter',
          title: 'Shell spawned by an agent or interpreter',
          severity: 'critical',
          reason: 'python3 (pid 146) started the shell /bin/sh',
          behaviour: ['processes: bin sh :: -c <str>', 'shell'],
          count: 1,
        },
      ],
    };
    const text = renderReport('review', 'text', review);
    expect(text).toBe(
      [
        'agent.baseline.json: 1 quarantined item',
        '',
        'q-0123456789abcdef  [critical] Shell spawned by an agent or interpreter  (k8s:ai/agent/agent @ ghcr.io/acme/agent:1.4, seen 1×)',
        '  python3 (pid 146) started the shell /bin/sh',
        '  holds processes: bin sh :: -c <str>',
        '  holds shell',
        '',
        'admit with: vigil baseline admit agent.baseline.json ID… --by WHO --reason WHY',
        '',
      ].join('\n'),
    );
    expect(renderReport('review', 'text', { baseline: 'b.json', quarantined: [] })).toBe(
      'b.json: 0 quarantined items\n',
    );
    expect(JSON.parse(renderReport('review', 'json', review) as string)).toEqual(review);
    const admitted: ReviewRecord[] = [
      {
        item: 'q-0123456789abcdef',
        behaviour: 'vigil.critical.shell-from-interpreter',
        observations: [],
        decision: 'admit',
        by: 'ana',
        reason: 'expected',
        at: 1,
      },
    ];
    expect(renderReport('admission', 'text', { baseline: 'b.json', admitted })).toBe(
      'admitted q-0123456789abcdef (vigil.critical.shell-from-interpreter) by ana: expected\n',
    );
  });
});
