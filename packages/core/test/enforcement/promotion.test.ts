import { describe, expect, it } from 'vitest';
import {
  EnforcementLedgerSchema,
  emptyLedger,
  modeFor,
  pinMode,
  recordEnforcementRun,
} from '../../src/index.js';

const run = (over: Partial<Parameters<typeof recordEnforcementRun>[2]> = {}) => ({
  policy: 'agent@1',
  baselineStatus: 'stable' as const,
  mode: 'monitor' as const,
  durationMs: 400_000,
  wouldBlock: 0,
  blocked: 0,
  ...over,
});

describe('promotion by confidence', () => {
  it('promotes only when the baseline is stable, enough was monitored, and nothing would have been blocked', () => {
    let l = emptyLedger();
    let r = recordEnforcementRun(l, 'agent', run({ baselineStatus: 'learning' }), 1);
    expect(r.decision).toBeUndefined();
    expect(r.waiting).toEqual(['the baseline is still learning', 'monitored 400 s of 600 s', '1 of 3 runs']);
    l = r.ledger;
    r = recordEnforcementRun(l, 'agent', run({ wouldBlock: 2 }), 2);
    expect(r.waiting?.join()).toMatch(/2 would-block decisions \(at most 0 allowed\)/);
    l = r.ledger;
    r = recordEnforcementRun(l, 'agent', run(), 3);
    // The would-block decisions of this policy's monitor period still count.
    expect(r.ledger.workloads['agent']!.mode).toBe('monitor');
    // A new policy version (relearned after review) restarts the period.
    l = r.ledger;
    for (let i = 0; i < 2; i++) {
      r = recordEnforcementRun(l, 'agent', run({ policy: 'agent@2' }), 10 + i);
      expect(r.ledger.workloads['agent']!.mode).toBe('monitor');
      l = r.ledger;
    }
    r = recordEnforcementRun(l, 'agent', run({ policy: 'agent@2' }), 20);
    expect(r.decision).toMatchObject({ cause: 'promotion', from: 'monitor', to: 'enforce' });
    expect(r.decision!.evidence).toEqual({
      policy: 'agent@2',
      baselineStatus: 'stable',
      monitoredMs: 1_200_000,
      monitoredRuns: 3,
      wouldBlock: 0,
    });
    expect(EnforcementLedgerSchema.parse(r.ledger)).toEqual(r.ledger);
  });

  it('goes back to monitor for a new policy version, and a pin overrides both ways', () => {
    let l = emptyLedger({ minMonitorMs: 0, minMonitorRuns: 1, maxWouldBlock: 0 });
    l = recordEnforcementRun(l, 'a', run(), 1).ledger;
    expect(modeFor(l, 'a', 'agent@1').mode).toBe('enforce');
    const back = modeFor(l, 'a', 'agent@2', 2);
    expect(back.mode).toBe('monitor');
    expect(back.ledger.workloads['a']!.decisions.at(-1)).toMatchObject({
      cause: 'demotion',
      from: 'enforce',
      to: 'monitor',
    });
    l = pinMode(back.ledger, 'a', 'enforce', { by: 'bob', reason: 'reviewed' }, 3);
    expect(modeFor(l, 'a', 'agent@3').mode).toBe('enforce');
    l = pinMode(l, 'a', undefined, { by: 'bob', reason: 'done' }, 4);
    expect(l.workloads['a']!.pinned).toBeUndefined();
    expect(l.workloads['a']!.decisions.map((d) => d.cause)).toEqual([
      'initial',
      'promotion',
      'demotion',
      'pin',
      'unpin',
    ]);
  });
});
