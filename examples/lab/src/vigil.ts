import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VigilEvent } from '../../../packages/core/src/index.js';
import type { PreparedRun } from './lab.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The `vigil` command of this checkout (built by `bash scripts/setup.sh`). */
export const VIGIL_BIN = join(REPO, 'packages', 'cli', 'bin', 'vigil.js');

/** Why the built `vigil` command cannot run here, or undefined. */
export function vigilUnavailable(): string | undefined {
  return existsSync(join(REPO, 'packages', 'cli', 'dist', 'index.js'))
    ? undefined
    : 'the vigil CLI is not built (bash scripts/setup.sh)';
}

/** What one `vigil` invocation printed. */
export interface VigilResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vigil ARGS…` as a separate process (asynchronously: the lab's servers live in the caller). */
export function runVigil(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<VigilResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [VIGIL_BIN, ...args], { env: { ...process.env, ...env }, cwd: REPO });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Records one prepared lab run with `vigil record --name lab-AGENT` (so all runs
 * of an agent are one workload), then undoes what its attack planted. With
 * `payloads`, as `vigil record --payloads` (model and tool calls from the kernel).
 */
export async function recordRun(
  run: PreparedRun,
  out: string,
  options: { readonly payloads?: boolean } = {},
): Promise<void> {
  try {
    const r = await runVigil(
      [
        'record',
        ...(options.payloads === true ? ['--payloads'] : []),
        ...['--name', `lab-${run.agent}`, '--out', out, '--', ...run.argv],
      ],
      run.env,
    );
    if (r.code !== 0)
      throw new Error(`${run.agent} (seed ${run.seed}) exited ${r.code}: ${r.stderr.slice(-800)}`);
  } finally {
    run.cleanup();
  }
}

/** A finding as `vigil check --format json` prints it (the fields the lab reads). */
export interface CheckedFinding {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: 'info' | 'low' | 'medium' | 'high' | 'critical';
  readonly ts: number;
  readonly summary: string;
  /** What the finding rests on; `event` for an observed event. */
  readonly evidence?: readonly { readonly type: string; readonly event?: VigilEvent }[];
}

/** An incident as `vigil check --format json` prints it (the fields the lab reads). */
export interface CheckedIncident {
  readonly id: string;
  readonly title: string;
  readonly severity: CheckedFinding['severity'];
  readonly summary: string;
  readonly findings: readonly { readonly ruleId: string; readonly severity: CheckedFinding['severity'] }[];
  /** The chain of events, in order. */
  readonly chain: readonly { readonly description: string; readonly event?: VigilEvent }[];
}

/** Everything `vigil check --format json` reports about a capture: findings and incidents. */
export interface CheckReport {
  readonly findings: readonly CheckedFinding[];
  readonly incidents: readonly CheckedIncident[];
}

/** `vigil check --baseline BASELINE --format json CAPTURE`: its findings. */
export async function checkCapture(baseline: string, capture: string): Promise<CheckedFinding[]> {
  const r = await runVigil(['check', '--baseline', baseline, '--format', 'json', capture]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`vigil check exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { findings: CheckedFinding[] }).findings;
}

/** `vigil check --baseline BASELINE --format json CAPTURE`: its findings and its incidents. */
export async function checkReport(baseline: string, capture: string): Promise<CheckReport> {
  const r = await runVigil(['check', '--baseline', baseline, '--format', 'json', capture]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`vigil check exited ${r.code}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { findings: CheckedFinding[]; incidents?: CheckedIncident[] };
  return { findings: out.findings, incidents: out.incidents ?? [] };
}

/**
 * `vigil learn` on the captures, then what a reviewer does with benign
 * learning runs: admit their quarantined items (`vigil baseline admit`, with
 * who and why) and mark the baseline stable. Returns the state `learn`
 * reported on its own and the items admitted.
 */
export async function learnReviewed(
  baseline: string,
  captures: readonly string[],
): Promise<{ state: string; admitted: string[] }> {
  const l = await runVigil(['learn', '--out', baseline, ...captures]);
  if (l.code !== 0) throw new Error(`vigil learn exited ${l.code}: ${l.stderr}`);
  const state = /: (learning|stable)\b[^,]*/.exec(l.stderr)?.[0].slice(2) ?? 'unknown';
  const m = await runVigil(['learn', '--mark-stable', '--out', baseline, ...captures]);
  if (m.code !== 0) throw new Error(`vigil learn --mark-stable exited ${m.code}: ${m.stderr}`);
  const review = JSON.parse(
    (await runVigil(['baseline', 'review', baseline, '--format', 'json'])).stdout,
  ) as {
    quarantined: { id: string; title: string; behaviour: string[] }[];
  };
  if (review.quarantined.length > 0) {
    const a = await runVigil([
      'baseline',
      'admit',
      baseline,
      ...review.quarantined.map((q) => q.id),
      '--by',
      'lab',
      '--reason',
      'seen in the benign learning runs: part of the agent’s job',
    ]);
    if (a.code !== 0) throw new Error(`vigil baseline admit exited ${a.code}: ${a.stderr}`);
  }
  return { state, admitted: review.quarantined.map((q) => `${q.title} (${q.behaviour.join('; ')})`) };
}
