/** Shared pieces of the baseline benchmarks: pinning to one core, statistics, tables, workloads. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Core from '../../packages/core/src/index.js';
import type { BaselineSet, VigilEvent, WorkloadRef } from '../../packages/core/src/index.js';
import { agentWorkload, benignAgent } from '../../packages/core/test/baseline/helpers/agent-sim.js';
import type * as Rules from '../../packages/rules/src/index.js';

const DIST = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
const RULES_DIST = fileURLToPath(new URL('../../packages/rules/dist/index.js', import.meta.url));
/**
 * The core package under test: the built package users import (run `pnpm build`
 * first), or its TypeScript sources with VIGIL_BENCH_CORE=src. Sources run
 * through tsx, whose name-keeping wrappers cost the hot paths noticeably, so
 * figures are taken from the build. With sources, run with
 * NODE_OPTIONS=--conditions=@vigil/source so the rules package sees the same core.
 */
export const CORE_FROM = process.env['VIGIL_BENCH_CORE'] === 'src' ? 'sources' : 'built package';
if (CORE_FROM === 'built package' && !existsSync(DIST)) {
  console.error(`${DIST} is missing: run \`pnpm build\` first (or VIGIL_BENCH_CORE=src)`);
  process.exit(2);
}
export const core: typeof Core =
  CORE_FROM === 'sources' ? await import('../../packages/core/src/index.js') : await import(DIST);
/** The rules package (the drift pack assesses what drift finds), loaded the same way as core. */
export const rules: typeof Rules =
  CORE_FROM === 'sources' ? await import('../../packages/rules/src/index.js') : await import(RULES_DIST);
const { BaselineLearner, DnsEnricher } = core;

/** What `vigil check` runs as drift: a drift detector whose uncovered behaviour the drift pack assesses. */
export function driftDetector(baselines: Iterable<Core.Baseline>): Core.DriftDetector {
  return new core.DriftDetector({ baselines, assessor: new rules.RuleEngine({ packs: [rules.driftPack] }) });
}

/** Re-runs this script pinned to CPU 0 (one core) with a larger heap, unless it already is. */
export function pinToOneCore(): void {
  if (process.env['VIGIL_BENCH_PINNED'] === '1' || !existsSync('/usr/bin/taskset')) return;
  const r = spawnSync(
    '/usr/bin/taskset',
    [
      '-c',
      '0',
      process.execPath,
      '--max-old-space-size=4096',
      '--expose-gc',
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit', env: { ...process.env, VIGIL_BENCH_PINNED: '1' } },
  );
  process.exit(r.status ?? 1);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly (string | number)[]) =>
    `| ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(cells[0]!),
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export function fmt(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The i-th workload of a fleet of agents (distinct Deployments). */
export function fleetWorkload(i: number): WorkloadRef {
  const w = agentWorkload(`r${String(i).padStart(4, '0')}`.slice(-5));
  return { ...w, id: `k8s:pod-${i}/agent`, pod: `agent${i}-7d9f8c6b5-x2kq9`, name: `agent${i}` };
}

/** Learns baselines for `workloads` agents from `seconds` of simulated benign behaviour each. */
export function learnFleet(workloads: number, seconds: number, stepsPerSecond = 1): BaselineSet {
  const learner = new BaselineLearner({
    origin: 'bench',
    critical: rules.criticalBehaviours(rules.builtinPacks()),
  });
  const dns = new DnsEnricher();
  for (let i = 0; i < workloads; i++) {
    const batch: VigilEvent[] = [];
    for (const e of benignAgent({ seed: 1000 + i, seconds, stepsPerSecond, workload: fleetWorkload(i) })) {
      batch.push(e);
      if (batch.length === 1024) {
        dns.enrich(batch);
        for (const x of batch) learner.observe(x);
        batch.length = 0;
      }
    }
    dns.enrich(batch);
    for (const x of batch) learner.observe(x);
  }
  learner.finish();
  return learner.set;
}
