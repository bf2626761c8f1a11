import type { VigilEvent, WorkloadRef } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { type BaselineView, builtinPacks, RuleEngine } from '../src/index.js';

/** A baseline that covers every workload and has seen nothing: every baseline-aware rule and chain is live. */
const EMPTY_BASELINE: BaselineView = {
  covers: () => true,
  seen: () => false,
  approvedTools: () => undefined,
};

// A small deterministic PRNG so a failure reproduces.
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

// Two million events turn every cap over hundreds of times (each eviction count below is several
// times its floor); VIGIL_HOSTILE_EVENTS runs a longer soak.
const TOTAL = Number(process.env['VIGIL_HOSTILE_EVENTS'] ?? 2_000_000);
const BATCH = 10_000;
const LIMITS = {
  maxSequenceKeys: 2_000,
  maxStateEntries: 2_000,
  maxProcesses: 5_000,
  maxDedupEntries: 5_000,
};

describe('engine under hostile load', () => {
  it(`keeps sequence-rule and state memory bounded over ${TOTAL.toLocaleString('en')} events with random keys`, () => {
    const engine = new RuleEngine({ packs: builtinPacks(), baseline: EMPTY_BASELINE, ...LIMITS });
    const sequenceRules = builtinPacks()
      .flatMap((p) => p.rules)
      .filter((r) => r.type === 'sequence').length;
    const allRules = builtinPacks().flatMap((p) => p.rules).length;
    const rand = xorshift(7);
    const workloads: WorkloadRef[] = Array.from({ length: 50_000 }, (_, i) => ({
      id: `w${i}`,
      kind: 'cgroup',
      labels: {},
    }));
    let ts = 1.8e18;
    let maxKeys = 0;
    let maxState = 0;
    let maxProcs = 0;
    let maxDedup = 0;
    const batch: VigilEvent[] = new Array(BATCH);
    for (let done = 0; done < TOTAL; done += BATCH) {
      for (let i = 0; i < BATCH; i++) {
        ts += 1000;
        const workload = workloads[(rand() * workloads.length) | 0]!;
        const pid = 2 + ((rand() * 4_000_000) | 0);
        const ppid = 2 + ((rand() * 4_000_000) | 0);
        const r = (rand() * 8) | 0;
        const n = (rand() * 1e9) | 0;
        // Plain literals (no spreads) give the events the compact shapes decoded events have.
        const source = 'synthetic' as const;
        switch (r) {
          case 0:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'tool.call',
              server: `s${n % 1000}`,
              tool: `t${n}`,
            };
            break;
          case 1:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'process.exec',
              filename: '/bin/sh',
              argv: ['sh'],
            };
            break;
          case 2:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'file.open',
              path: `/tmp/f${n}`,
              flags: 0o101,
              access: 'write',
              created: true,
              result: 3,
            };
            break;
          case 3:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'file.open',
              path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
              flags: 0,
              access: 'read',
              created: false,
              result: 3,
            };
            break;
          case 4:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'file.open',
              path: `/models/m${n}.pkl`,
              flags: 0,
              access: 'read',
              created: false,
              result: 3,
            };
            break;
          case 5:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'net.connect',
              family: 'inet',
              protocol: 'tcp',
              daddr: `10.${n & 255}.${(n >> 8) & 255}.${(n >> 16) & 255}`,
              dport: 443,
              result: 0,
            };
            break;
          case 6:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'process.fork',
              childPid: 2 + ((rand() * 4_000_000) | 0),
            };
            break;
          default:
            batch[i] = {
              ts,
              workload,
              pid,
              ppid,
              comm: 'x',
              exe: '/usr/bin/x',
              source,
              kind: 'tool.list',
              server: `s${n % 1000}`,
              tools: [{ name: 'a', description: String(n % 3) }],
            };
        }
      }
      engine.process(batch);
      const s = engine.stats();
      maxKeys = Math.max(maxKeys, s.sequence.keys);
      maxState = Math.max(maxState, s.state.entries);
      maxProcs = Math.max(maxProcs, s.processes.entries);
      maxDedup = Math.max(maxDedup, s.dedupEntries);
    }
    const s = engine.stats();
    expect(s.events).toBe(TOTAL);
    expect(s.ruleErrors).toBe(0);
    // Hard caps from the engine's own counters, at every batch boundary and at the peak.
    expect(maxKeys).toBeLessThanOrEqual(sequenceRules * LIMITS.maxSequenceKeys);
    expect(s.sequence.peakKeys).toBeLessThanOrEqual(sequenceRules * LIMITS.maxSequenceKeys);
    expect(s.sequence.maxKeys).toBe(sequenceRules * LIMITS.maxSequenceKeys);
    expect(maxState).toBeLessThanOrEqual(allRules * LIMITS.maxStateEntries);
    expect(s.state.peakEntries).toBeLessThanOrEqual(allRules * LIMITS.maxStateEntries);
    expect(maxProcs).toBeLessThanOrEqual(LIMITS.maxProcesses);
    expect(maxDedup).toBeLessThanOrEqual(LIMITS.maxDedupEntries);
    // The input really was hostile: the caps were hit and old keys were evicted, and chains still completed.
    expect(s.sequence.evictions).toBeGreaterThan(100_000);
    expect(s.state.evictions).toBeGreaterThan(100_000);
    expect(s.processes.evictions).toBeGreaterThan(100_000);
    expect(s.sequence.completed).toBeGreaterThan(0);
    console.info(
      `hostile load: ${s.events} events, ${s.invocations} rule invocations, ${s.findings} findings (${s.deduplicated} deduplicated, ${s.rateLimited} rate-limited); ` +
        `sequence keys peak ${s.sequence.peakKeys}/${s.sequence.maxKeys}, ${s.sequence.evictions} evicted, ${s.sequence.expirations} expired; ` +
        `state peak ${s.state.peakEntries}, ${s.state.evictions} evicted; processes peak ${s.processes.peakEntries}, ${s.processes.evictions} evicted`,
    );
  }, 600_000);
});
