import type { SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import { commandWorkloadName, type EnforcementPolicy } from '@vigil/core';
import {
  type AppliedPolicy,
  type EnforcementMode,
  Enforcer,
  type PolicyViolationEvent,
} from '@vigil/ebpf-native';
import { createRunCgroup } from './record-run.js';

/**
 * Options for {@link enforceRun}.
 *
 * @example
 * ```ts
 * const options: EnforceRunOptions = { policy, mode: 'monitor', name: 'agent', onViolation: (v) => console.log(v.action) };
 * ```
 */
export interface EnforceRunOptions {
  readonly policy: EnforcementPolicy;
  readonly mode: EnforcementMode;
  /**
   * The workload's name: the run gets a cgroup under `vigil-NAME`, the identity
   * `vigil record` gives runs of that name, so it matches its baseline.
   * Default: derived from the command, as `vigil record` derives it.
   */
  readonly name?: string;
  /** Called for every decision outside the policy, as it happens. */
  readonly onViolation?: (v: PolicyViolationEvent) => void;
  /**
   * Switch from monitor to enforce while the command runs, once this many
   * milliseconds passed with no would-block decision (promotion within a run).
   */
  readonly promoteAfterMs?: number;
  /** Called when the mode changes during the run. */
  readonly onModeChange?: (mode: EnforcementMode, reason: string) => void;
  /** How the command is spawned (stdio, cwd, env). Default: inherit stdio. */
  readonly spawn?: SpawnOptions;
  /** Kills the command (SIGTERM) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * What {@link enforceRun} reports.
 *
 * @example
 * ```ts
 * const r: EnforceRunResult = await enforceRun(['node', 'agent.js'], { policy, mode: 'enforce' });
 * console.log(r.exitCode, r.violations.length, r.counters.blocked);
 * ```
 */
export interface EnforceRunResult {
  readonly applied: AppliedPolicy;
  /** The mode at the end of the run. */
  readonly mode: EnforcementMode;
  readonly violations: readonly PolicyViolationEvent[];
  readonly counters: ReturnType<Enforcer['counters']>;
  readonly durationMs: number;
  /** The command's exit code, or 128 + N when it died of signal N. */
  readonly exitCode: number;
  readonly cgroupPath: string;
}

/**
 * Runs `command` in a fresh cgroup under an enforcement policy: in `monitor`
 * mode what the policy does not allow is reported as `would-block` and goes
 * ahead; in `enforce` mode connects are refused (EPERM) and execs killed. The
 * programs go away with the run. Needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN).
 *
 * @example
 * ```ts
 * import { synthesizePolicy } from '@vigil/core';
 * import { enforceRun } from '@vigil/cli';
 *
 * const r = await enforceRun(['node', 'agent.js'], { policy: synthesizePolicy(baseline), mode: 'enforce', name: 'agent' });
 * for (const v of r.violations) console.log(v.action, v.operation, v.daddr ?? v.path);
 * ```
 */
export async function enforceRun(
  command: readonly string[],
  options: EnforceRunOptions,
): Promise<EnforceRunResult> {
  const [cmd, ...args] = command;
  if (cmd === undefined) throw new TypeError('enforceRun needs a command');
  const cg = createRunCgroup(options.name ?? commandWorkloadName(command).name);
  let enforcer: Enforcer | undefined;
  let promote: NodeJS.Timeout | undefined;
  try {
    enforcer = await Enforcer.open();
    const violations: PolicyViolationEvent[] = [];
    const e = enforcer;
    let mode = options.mode;
    const armPromotion = () => {
      if (options.promoteAfterMs === undefined || mode !== 'monitor') return;
      clearTimeout(promote);
      promote = setTimeout(() => {
        mode = 'enforce';
        e.setMode(cg.dir, 'enforce');
        options.onModeChange?.(
          'enforce',
          `no would-block decision for ${Math.round((options.promoteAfterMs ?? 0) / 1000)} s of monitoring`,
        );
      }, options.promoteAfterMs);
    };
    e.on('violation', (v) => {
      violations.push(v);
      options.onViolation?.(v);
      if (v.action === 'would-block') armPromotion();
    });
    const applied = await e.apply(cg.dir, options.policy, mode);
    const started = Date.now();
    armPromotion();
    const child = cg.spawn(cmd, args, { stdio: 'inherit', ...options.spawn });
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve([c, signal]));
    });
    options.signal?.removeEventListener('abort', onAbort);
    clearTimeout(promote);
    // Decisions still in the ring buffer arrive within the poll interval.
    await new Promise((r) => setTimeout(r, 60));
    const counters = e.counters();
    return {
      applied,
      mode,
      violations,
      counters,
      durationMs: Date.now() - started,
      exitCode: code ?? 128 + (sig ? constants.signals[sig] : 0),
      cgroupPath: cg.path,
    };
  } finally {
    clearTimeout(promote);
    enforcer?.close();
    await cg.remove().catch(() => undefined);
  }
}
