import { hostname } from 'node:os';
import type { VigilEvent } from '../events/schema.js';
import type { Evidence, Finding } from '../findings/finding.js';
import { riskScore } from '../findings/risk-scale.js';
import type { Consumer, ConsumerContext } from '../stream/consumer.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { Baseline } from './baseline.js';
import type { LearnedCoverage } from './coverage.js';
import { type CriticalBehaviour, CriticalGuard } from './critical.js';
import { driftFindingId } from './drift.js';
import { type BaselineDomain, DEFAULT_GENERALISATION, type GeneralisationConfig } from './generalise.js';
import type { Introducer } from './internal/pattern-trie.js';
import {
  type BaselineObservation,
  describePattern,
  listedToolObservations,
  observeEvent,
} from './observation.js';
import type { LearningReopened, LearningState, StabilityPolicy } from './schema.js';
import { BaselineSet } from './set.js';
import { ShellContextCache, shellObservations } from './shell-context.js';
import { DEFAULT_STABILITY } from './stability.js';
import { type BaselineKeyFn, defaultBaselineKey } from './subject.js';
import { toolEffectObservations } from './tool-effects.js';

const MAX_RUNS_REMEMBERED = 65_536;

/** Options for {@link BaselineLearner}. */
export interface BaselineLearnerOptions {
  /** Names this learner in per-origin counts (one per replica or node). Default: the host name. */
  readonly origin?: string;
  /** How workloads map to baselines. Default {@link defaultBaselineKey}. */
  readonly key?: BaselineKeyFn;
  readonly generalisation?: GeneralisationConfig;
  readonly stability?: StabilityPolicy;
  /**
   * Behaviour quarantined instead of admitted while learning: the critical
   * rules of `@vigil/rules` (`criticalBehaviours(builtinPacks())`, what
   * `vigil learn` uses) and your own. Default none.
   */
  readonly critical?: readonly CriticalBehaviour[];
  /**
   * Stop admitting behaviour once a baseline is stable (default true). With false, a baseline judged
   * stable by quiet runs or convergence goes back to learning when a later run is not quiet.
   */
  readonly freezeWhenStable?: boolean;
  /** Baselines to continue learning (e.g. loaded from a store). */
  readonly resume?: BaselineSet;
  /**
   * Most entries a baseline admits per domain (default 4,096): a guard against
   * behaviour the generalisation cannot absorb (or an attacker inventing paths).
   * Observations beyond it are not admitted and count as new behaviour, so the
   * baseline does not become stable on them.
   */
  readonly maxEntriesPerDomain?: number;
  /**
   * What the stream this learner reads could show, for a live source (the node daemon: the
   * `captureCoverage` of its sensor as a capture header would describe it), noted once on each
   * baseline the first time a workload's events reach it, as {@link BaselineLearner.noteCoverage}
   * does per capture for `vigil learn`. Default: nothing noted.
   */
  readonly coverage?: LearnedCoverage;
}

/**
 * Something the learner noticed: a baseline became stable, went back to learning (a run after it
 * looked stable was not quiet, see {@link LearningState.reopened}), is full, or behaviour was quarantined.
 */
export type LearnerNotice =
  | { readonly type: 'stable'; readonly baseline: Baseline; readonly ts: number }
  | {
      readonly type: 'reopened';
      readonly baseline: Baseline;
      readonly ts: number;
      readonly reopened: LearningReopened;
    }
  | {
      readonly type: 'full';
      readonly baseline: Baseline;
      readonly domain: BaselineDomain;
      readonly ts: number;
    }
  | { readonly type: 'quarantined'; readonly baseline: Baseline; readonly finding: Finding };

/**
 * Learns baselines from the observation stream, per workload and image/model
 * version: generalises what it sees, measures how fast new behaviour still
 * appears and freezes each baseline once it is stable. Behaviour matching a
 * critical check is quarantined (and reported as a finding), never admitted.
 *
 * @example
 * ```ts
 * import { BaselineLearner, DnsEnricher, ReplaySource, Vigil } from '@vigil/core';
 *
 * const learner = new BaselineLearner({ origin: 'node-1' });
 * await new Vigil({ source: new ReplaySource(['week.vcap']), enrichers: [new DnsEnricher()], consumers: [learner] }).run();
 * for (const b of learner.set.baselines()) console.log(b.subject, b.status, b.size());
 * ```
 */
export class BaselineLearner implements Consumer {
  readonly name = 'baseline-learner';
  readonly origin: string;
  /** The baselines learned so far. */
  readonly set: BaselineSet;
  readonly #key: BaselineKeyFn;
  readonly #generalisation: GeneralisationConfig;
  readonly #stability: StabilityPolicy;
  readonly #guard: CriticalGuard;
  readonly #shells: ShellContextCache;
  readonly #freeze: boolean;
  readonly #maxEntries: number;
  readonly #coverage: LearnedCoverage | undefined;
  readonly #full = new Set<string>();
  readonly #byWorkload = new Map<string, Baseline>();
  readonly #reported = new Map<string, Finding & { count: number; lastSeen: number }>();
  readonly #listeners: ((n: LearnerNotice) => void)[] = [];
  // Per baseline: the run its last event came from, and the runs seen (bounded).
  readonly #currentRun = new Map<Baseline, string>();
  readonly #runsSeen = new Map<Baseline, Set<string>>();
  #lastTs = 0;

  constructor(options: BaselineLearnerOptions = {}) {
    this.origin = options.origin ?? hostname();
    this.#key = options.key ?? defaultBaselineKey;
    this.#generalisation = options.generalisation ?? DEFAULT_GENERALISATION;
    this.#stability = options.stability ?? DEFAULT_STABILITY;
    this.#guard = new CriticalGuard(options.critical ?? []);
    this.#shells = new ShellContextCache();
    this.#freeze = options.freezeWhenStable ?? true;
    this.#maxEntries = options.maxEntriesPerDomain ?? 4096;
    this.#coverage = options.coverage;
    this.set = options.resume ?? new BaselineSet();
  }

  /** Calls `listener` for every notice (stable, quarantined). */
  onNotice(listener: (n: LearnerNotice) => void): this {
    this.#listeners.push(listener);
    return this;
  }

  onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext): void {
    for (const ev of batch) this.observe(ev, ctx);
  }

  /** Re-checks every baseline's stability at the time of the last event (time may have passed quietly). */
  finish(): void {
    for (const b of this.set.baselines()) {
      const t = b.tracker(this.origin);
      // The stream is over, so the last run is complete.
      if (this.#currentRun.has(b)) this.#endRun(b, t, () => t.endRun(!this.#freeze));
      this.#currentRun.delete(b);
      if (t.state.observations > 0 && t.check(Math.max(this.#lastTs, t.state.lastSeen)))
        this.#notify({ type: 'stable', baseline: b, ts: this.#lastTs });
    }
  }

  /** The baseline a workload's events go to (created on first use). */
  baselineFor(ev: Pick<VigilEvent, 'workload'>): Baseline {
    let b = this.#byWorkload.get(ev.workload.id);
    if (b === undefined) {
      const key = this.#key(ev.workload);
      b = this.set.get(key.subject, key.versionKey);
      if (b === undefined) {
        b = Baseline.create({
          ...key,
          workload: ev.workload,
          generalisation: this.#generalisation,
          stability: this.#stability,
        });
        this.set.add(b);
      }
      b.noteWorkload(ev.workload);
      if (this.#coverage !== undefined) b.noteCoverage(this.#coverage);
      this.#byWorkload.set(ev.workload.id, b);
    }
    return b;
  }

  /**
   * Records what the recording of a workload's events could show (`captureCoverage(header)` of its
   * capture; for a live sensor, syscalls and, with payloads on, payloads) in the baseline its events
   * go to, so that drift on a family the recordings never carried is reported as a gap in coverage,
   * not as new behaviour.
   *
   * @example
   * ```ts
   * learner.noteCoverage(workload, { families: ['syscalls', 'payloads'], payloadModes: ['meta'] });
   * ```
   */
  noteCoverage(workload: WorkloadRef, coverage: LearnedCoverage): void {
    this.baselineFor({ workload }).noteCoverage(coverage);
  }

  /** Learns from one event; reports quarantined behaviour through `ctx` when given. */
  observe(ev: VigilEvent, ctx?: ConsumerContext): void {
    if (ev.ts > this.#lastTs) this.#lastTs = ev.ts;
    const b = this.baselineFor(ev);
    const tracker = b.tracker(this.origin);
    this.#trackRun(b, ev, tracker);
    const frozen = this.#freeze && b.status === 'stable';
    const sc = this.#shells.of(ev, ctx?.processes, this.#generalisation.maxArgs);
    const shell = sc ? { context: sc, known: b.coversSegments('shells', sc.segments) } : undefined;
    const hits = this.#guard.check(ev, b, { processes: ctx?.processes, shell });
    if (frozen) return;
    let obs: BaselineObservation[] = observeEvent(ev, this.#generalisation);
    // The tools a server listed are tools the agent has: their first call is judged by what it does.
    if (ev.kind === 'tool.list') obs = obs.concat(listedToolObservations(ev));
    // What runs under a shell is learned per the program that started it, besides the workload-wide domains.
    if (sc) obs = obs.concat(shellObservations(sc, ev, obs));
    // What each tool call did, per tool, where attribution placed the event in one call.
    if (ev.cause !== undefined) obs = obs.concat(toolEffectObservations(ev, obs));
    if (hits.length > 0) {
      for (const h of hits)
        this.#quarantine(
          b,
          ev,
          obs,
          h.behaviour.id,
          h.behaviour.title,
          h.behaviour.severity,
          h.match.reason,
          h.match.related ?? [],
          ctx,
        );
      return;
    }
    if (obs.length === 0) return;
    let novel = false;
    let entries = 0;
    let introducer: Introducer | undefined;
    for (const o of obs) {
      if (b.entryCount(o.domain) >= this.#maxEntries && !b.coversSegments(o.domain, o.segments)) {
        novel = true;
        const k = `${b.subject}\u0000${b.versionKey}\u0000${o.domain}`;
        if (!this.#full.has(k)) {
          this.#full.add(k);
          this.#notify({ type: 'full', baseline: b, domain: o.domain, ts: ev.ts });
        }
        continue;
      }
      introducer ??= { ts: ev.ts, pid: ev.pid, comm: ev.comm, exe: ev.exe, kind: ev.kind, value: o.concrete };
      if (b.record(o, ev.ts, this.origin, { ...introducer, value: o.concrete })) {
        novel = true;
        entries++;
      }
    }
    if (tracker.record(ev.ts, novel, entries)) this.#notify({ type: 'stable', baseline: b, ts: ev.ts });
  }

  /**
   * A run is one cgroup of the workload: each `vigil record` run, container
   * or pod replica. A run seen before (runs that overlap) does not count again,
   * and resets the streak of quiet runs.
   */
  #trackRun(b: Baseline, ev: VigilEvent, tracker: ReturnType<Baseline['tracker']>): void {
    const run = ev.workload.cgroupPath ?? ev.workload.id;
    if (this.#currentRun.get(b) === run) return;
    this.#currentRun.set(b, run);
    let seen = this.#runsSeen.get(b);
    if (seen === undefined) {
      seen = new Set();
      this.#runsSeen.set(b, seen);
    }
    if (seen.has(run)) {
      tracker.noteOverlap();
      return;
    }
    if (seen.size < MAX_RUNS_REMEMBERED) seen.add(run);
    this.#endRun(b, tracker, () => tracker.beginRun(run, !this.#freeze));
  }

  // Ends a run (through `end`) and reports a baseline that went back to learning.
  #endRun(b: Baseline, tracker: ReturnType<Baseline['tracker']>, end: () => void): void {
    const before: LearningState['reopened'] = tracker.state.reopened;
    end();
    const after = tracker.state.reopened;
    if (after !== undefined && after !== before)
      this.#notify({ type: 'reopened', baseline: b, ts: after.ts, reopened: after });
  }

  #quarantine(
    b: Baseline,
    ev: VigilEvent,
    obs: readonly BaselineObservation[],
    behaviour: string,
    title: string,
    severity: Finding['severity'],
    reason: string,
    related: readonly VigilEvent[],
    ctx: ConsumerContext | undefined,
  ): void {
    const observations = obs.map((o) => ({ domain: o.domain, pattern: [...o.segments] }));
    b.quarantine({
      behaviour,
      title,
      severity,
      reason,
      observations,
      counts: { [this.origin]: 1 },
      firstSeen: ev.ts,
      lastSeen: ev.ts,
      events: [...related, ev],
    });
    const id = driftFindingId(
      b.subject,
      b.versionKey,
      `quarantine:${behaviour}`,
      observations.flatMap((o) => [o.domain, ...o.pattern]),
    );
    const seen = this.#reported.get(id);
    if (seen) {
      seen.count++;
      seen.lastSeen = Math.max(seen.lastSeen, ev.ts);
      return;
    }
    const what = observations.map((o) => describePattern(o.domain, o.pattern)).join(', ') || ev.kind;
    const evidence: Evidence[] = [
      ...related.map((r) => ({
        type: 'event' as const,
        description: `earlier: ${r.kind} by ${r.comm} (pid ${r.pid})`,
        event: r,
      })),
      { type: 'event', description: `${ev.kind} by ${ev.comm} (pid ${ev.pid})`, event: ev },
      {
        type: 'baseline',
        description: `quarantined in baseline ${b.subject} @ ${b.versionKey} while learning; not admitted`,
      },
    ];
    const finding = {
      id,
      ruleId: 'vigil.baseline.quarantined',
      title: `Quarantined while learning: ${title}`,
      severity,
      category: 'drift' as const,
      workload: ev.workload,
      ts: ev.ts,
      summary: `${ev.workload.name ?? ev.workload.id}: ${reason}, during the learning window; held for review instead of admitted (${what}).`,
      evidence,
      tags: {
        owaspLlm: [],
        owaspAgentic: [],
        atlas: [],
        attack: [],
        ...Object.fromEntries(
          Object.entries(this.#guard.behaviours.find((x) => x.id === behaviour)?.tags ?? {}).map(([k, v]) => [
            k,
            [...(v ?? [])],
          ]),
        ),
      },
      compliance: [],
      risk: {
        score: riskScore(severity),
        reasons: [`critical behaviour ${behaviour} during learning`],
      },
      count: 1,
      lastSeen: ev.ts,
    };
    this.#reported.set(id, finding);
    ctx?.report(finding);
    this.#notify({ type: 'quarantined', baseline: b, finding });
  }

  /** Findings for quarantined behaviour so far (aggregated). */
  findings(): Finding[] {
    return [...this.#reported.values()];
  }

  #notify(n: LearnerNotice): void {
    for (const l of this.#listeners) {
      try {
        l(n);
      } catch {
        // A listener's failure must not stop learning.
      }
    }
  }
}
