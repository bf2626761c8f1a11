import type { SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import {
  BaselineSet,
  type Consumer,
  commandWorkloadName,
  DnsEnricher,
  type EnforcementPolicy,
  type Finding,
  type Incident,
  LiveResponse,
  ProcessTreeEnricher,
  Responder,
  type ResponseHandler,
  type ResponsePlan,
  type ResponseRecord,
  type RunSummary,
  Vigil,
  type VigilError,
} from '@vigil/core';
import {
  type AppliedPolicy,
  type EnforcementMode,
  Enforcer,
  enforcementResponses,
  type PolicyViolationEvent,
  Sensor,
} from '@vigil/ebpf-native';
import { builtinPacks, type RulePack } from '@vigil/rules';
import { CHECK_DETECTORS, type CheckDetectorContext } from './commands/check.js';
import { createRunCgroup } from './record-run.js';

/**
 * The automated response of an {@link enforceRun}: what the live stream is
 * checked with (the detectors of `vigil check`: drift against `baselines`, the
 * rule packs, incidents) and the plan whose actions answer what they find.
 *
 * @example
 * ```ts
 * const respond: EnforceRespondOptions = { plan, baselines, onResponse: (r) => console.log(r.outcome, r.action, r.detail) };
 * ```
 */
export interface EnforceRespondOptions {
  readonly plan: ResponsePlan;
  /** Drift is checked against these (the workload's baseline); without, the rule packs only. */
  readonly baselines?: BaselineSet;
  /** Check against baselines still learning as if stable. */
  readonly allowLearning?: boolean;
  /** Rule packs to run. Default: the built-in packs. */
  readonly packs?: readonly RulePack[];
  /** Exceptions on top of the packs' defaults. */
  readonly exceptions?: CheckDetectorContext['exceptions'];
  /**
   * Handlers besides the built-in ones (`kill-tree`, `webhook`) and the
   * enforcement ones this run registers (`tighten-egress`, `isolate-network`,
   * `kill-workload`); a handler given here replaces one of those.
   */
  readonly handlers?: Readonly<Record<string, ResponseHandler>>;
  /** Called with every finding and incident (as a finding) as it is answered. */
  readonly onFinding?: (f: Finding) => void;
  /** Called with every action taken, as it finishes. */
  readonly onResponse?: (r: ResponseRecord) => void;
}

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
  /** Check the live event stream and answer findings with a response plan. */
  readonly respond?: EnforceRespondOptions;
  /**
   * Keep the policy's DNS names current from the workload's own DNS answers (a
   * sensor on the run's cgroup feeds them to {@link Enforcer.learnDnsAnswer}).
   * Default: on when the policy has egress rules by name.
   */
  readonly followDns?: boolean;
  /** UDP ports whose traffic is read as DNS, for `followDns`. Default `[53]`. */
  readonly dnsPorts?: readonly number[];
  /** Called when a DNS answer allowed addresses for a name of the policy. */
  readonly onDnsLearned?: (name: string, addresses: readonly string[]) => void;
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
  /** With `respond`: every finding answered, every incident, every action taken. */
  readonly response?: {
    readonly findings: readonly Finding[];
    readonly incidents: readonly Incident[];
    readonly actions: readonly ResponseRecord[];
    /** Events the live check saw. */
    readonly events: number;
    /** Events lost by the sensor, by cause. */
    readonly drops: Readonly<Record<string, number>>;
    /** What failed in the live check (a detector that threw); the stream went on. */
    readonly errors: readonly string[];
  };
  /** With `followDns`: DNS answers that allowed addresses, as `name → addresses`. */
  readonly dnsLearned: readonly { readonly name: string; readonly addresses: readonly string[] }[];
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
 *
 * // Answer drift and detections while it runs: kill the process tree of a critical finding.
 * const plan = { schemaVersion: 1, dryRun: false, rules: [{ id: 'contain', when: { minSeverity: 'critical' }, actions: [{ type: 'kill-tree' }] }] } as const;
 * const answered = await enforceRun(['node', 'agent.js'], { policy, mode: 'monitor', respond: { plan, baselines } });
 * for (const a of answered.response?.actions ?? []) console.log(a.outcome, a.action, a.detail, a.cause);
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
  let sensor: Sensor | undefined;
  let pipeline: Promise<RunSummary> | undefined;
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

    // The live stream: DNS answers for the policy's names, and the checks a response plan answers.
    const followDns = options.followDns ?? options.policy.egress.rules.some((r) => r.host !== undefined);
    const dnsLearned: { name: string; addresses: readonly string[] }[] = [];
    const consumers: Consumer[] = [];
    let live: LiveResponse | undefined;
    const pipelineErrors: VigilError[] = [];
    if (followDns)
      consumers.push(
        e.dnsFeed(cg.dir, (name, addresses) => {
          dnsLearned.push({ name, addresses });
          options.onDnsLearned?.(name, addresses);
        }),
      );
    if (options.respond) {
      const r = options.respond;
      const responder = new Responder(r.plan);
      for (const [type, handler] of enforcementResponses(e, { cgroup: cg.dir, policy: options.policy }))
        responder.register(
          type,
          type === 'kill-workload'
            ? handler
            : async (f, a) => {
                // Tightening and isolating put the workload in enforce mode: the run's mode says so.
                const detail = await handler(f, a);
                if (mode !== 'enforce') {
                  mode = 'enforce';
                  clearTimeout(promote);
                  options.onModeChange?.('enforce', `automated response ${type} to ${f.ruleId}`);
                }
                return detail;
              },
        );
      for (const [type, handler] of Object.entries(r.handlers ?? {}))
        responder.register(type as Parameters<Responder['register']>[0], handler);
      if (r.onResponse) responder.on(r.onResponse);
      // The detectors of `vigil check`, reporting findings as they appear.
      for (const make of CHECK_DETECTORS)
        consumers.push(
          make({
            baselines: r.baselines ?? new BaselineSet(),
            allowLearning: r.allowLearning === true,
            packs: [...(r.packs ?? builtinPacks())],
            exceptions: [...(r.exceptions ?? [])],
            live: true,
          }).consumer,
        );
      live = new LiveResponse(responder, r.onFinding ? { onFinding: r.onFinding } : {});
    }
    if (consumers.length > 0) {
      sensor = await Sensor.open({
        dnsPorts: [...(options.dnsPorts ?? [53])],
        descendants: true,
        cgroups: [cg.dir],
      });
      const vigil = new Vigil({
        source: sensor,
        enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
        consumers,
      });
      vigil.on('error', (err) => pipelineErrors.push(err));
      live?.attach(vigil);
      pipeline = vigil.run();
      pipeline.catch(() => undefined); // awaited below
    }

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
    let response: EnforceRunResult['response'];
    if (sensor && pipeline) {
      // Events of the run's last moments are still on their way from the ring buffer.
      await new Promise((r) => setTimeout(r, 100));
      await sensor.close();
      const summary = await pipeline;
      if (live) {
        const actions = await live.settled();
        response = {
          errors: pipelineErrors.map((x) => x.message),
          findings: live.findings(),
          incidents: live.incidents(),
          actions,
          events: summary.events,
          drops: summary.source.drops,
        };
      }
    }
    const counters = e.counters();
    return {
      applied,
      mode,
      violations,
      counters,
      durationMs: Date.now() - started,
      exitCode: code ?? 128 + (sig ? constants.signals[sig] : 0),
      cgroupPath: cg.path,
      dnsLearned,
      ...(response ? { response } : {}),
    };
  } finally {
    clearTimeout(promote);
    await sensor?.close().catch(() => undefined);
    await pipeline?.catch(() => undefined);
    enforcer?.close();
    await cg.remove().catch(() => undefined);
  }
}
