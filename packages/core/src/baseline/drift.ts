import { createHash } from 'node:crypto';
import type { VigilEvent } from '../events/schema.js';
import { complianceRefs } from '../findings/compliance.js';
import type { Evidence, Finding, FindingTags, Severity } from '../findings/finding.js';
import { severityRank } from '../findings/finding.js';
import { riskScore } from '../findings/risk-scale.js';
import { countOf } from '../output/count-text.js';
import type { Consumer, ConsumerContext } from '../stream/consumer.js';
import type { ProcessTree } from '../stream/enricher.js';
import { ARGS_MARK, WILDCARD } from '../vocabulary/generalise.js';
import { isCredentialPath } from '../vocabulary/public.js';
import type { Baseline, BaselineCoverage } from './baseline.js';
import { coverageLabel, eventFamily, FAMILY_EVENTS } from './coverage.js';
import type { CriticalHit } from './critical.js';
import { explainLearning } from './explain.js';
import type { BaselineDomain } from './generalise.js';
import { EventKeyMap } from './internal/event-key-map.js';
import { type NearestBaseline, nearestBaselines } from './nearest.js';
import { type BaselineObservation, describePattern, observeEvent } from './observation.js';
import { type ShellContext, ShellContextCache, shellObservations } from './shell-context.js';
import { type BaselineKeyFn, baselineKeyString, defaultBaselineKey } from './subject.js';
import { causeTool, toolEffectObservations } from './tool-effects.js';

/** The "never ran while learning" of a drift rule's text, which a quarantined observation contradicts. */
const NEVER_RAN = /,? (?:which it|a program it|which) never ran while learning/;

/** What a drift finding says drifted, beyond the common {@link Finding} fields. */
export interface DriftDetail {
  /** The domain that drifted (absent on the `info` notes about missing or learning baselines). */
  readonly domain?: BaselineDomain;
  /** The generalised pattern of the new behaviour. */
  readonly pattern: readonly string[];
  /** The pattern as people read it. */
  readonly display: string;
  /**
   * What repeats aggregate under, as people read it: the first new folder for files
   * (`/usr/lib/locale/** (read)`), the program for new arguments, the known domain for new subdomains.
   */
  readonly aggregate?: string;
  readonly subject: string;
  readonly versionKey: string;
  /** Content hash of the baseline the behaviour was checked against. */
  readonly baselineVersion: string;
  readonly baselineStatus: 'learning' | 'stable';
  /** The closest behaviour the baseline knows, when there is one. */
  readonly nearest?: string;
  /** Leading pattern segments that matched the baseline (how far the behaviour is from known ground). */
  readonly matchedSegments: number;
  /** Set when the same behaviour was quarantined while the baseline was learned. */
  readonly quarantined?: boolean;
  /** Critical behaviours the event matched. */
  readonly critical?: readonly string[];
  /** Set when the baseline is still learning: the severity is capped at {@link PROVISIONAL_CAP}. */
  readonly provisional?: boolean;
}

/** The highest severity drift against a baseline still learning can have. */
export const PROVISIONAL_CAP: Severity = 'medium';

/**
 * A {@link Finding} with category `drift`: behaviour a workload's stable
 * baseline does not cover. Its `id` is stable (a hash of the baseline
 * subject, version key and the generalised pattern), so repeats aggregate
 * into `count` and `lastSeen` instead of new findings.
 *
 * @example
 * ```ts
 * detector.findings().filter((f) => f.drift.domain === 'peers').map((f) => f.summary);
 * ```
 */
export interface DriftFinding extends Finding {
  readonly category: 'drift';
  readonly drift: DriftDetail;
}

/** Looks a workload's baseline up. */
export interface BaselineLookup {
  get(subject: string, versionKey: string): Baseline | undefined;
}

/** Options for {@link DriftDetector}. */
export interface DriftDetectorOptions {
  /** The baselines to check against (or a lookup). */
  readonly baselines: Iterable<Baseline> | BaselineLookup;
  /** How workloads map to baselines; must match the learner's. */
  readonly key?: BaselineKeyFn;
  /**
   * Assesses uncovered behaviour: the rule engine of `@vigil/rules` with the
   * `vigil.drift` pack (`rulesCheckDetector` wires both).
   */
  readonly assessor: DriftAssessor;
  /** Check against baselines still learning as if they were stable (default false). */
  readonly allowLearning?: boolean;
  /**
   * What to do with a baseline still learning, unless `allowLearning`:
   * `provisional` (default) reports its drift labelled provisional with the
   * severity capped at {@link PROVISIONAL_CAP}, after one `info` finding that
   * says why the baseline is not stable and what makes it so; `skip` reports
   * only that `info` finding.
   */
  readonly learning?: 'provisional' | 'skip';
  /** Events kept as evidence per finding. Default 5. */
  readonly maxEvidence?: number;
  /**
   * `first` (default) reports a finding through the pipeline when it first
   * appears (later repeats update the same object); `finish` reports every
   * finding once the stream ends, with final counts.
   */
  readonly report?: 'first' | 'finish';
}

const MAX_DETECTOR_FINDINGS = 100_000;

/**
 * One observation of an event its baseline does not cover, and how far it got.
 *
 * @example
 * ```ts
 * const u: UncoveredObservation = { observation: obs, coverage: baseline.coversObservation(obs) };
 * ```
 */
export interface UncoveredObservation {
  readonly observation: BaselineObservation;
  readonly coverage: BaselineCoverage;
}

/**
 * One event its workload's baseline does not fully cover: what drift rules
 * assess. `uncovered` holds the workload-wide observations the baseline does
 * not cover and, in a tool call, the `toolEffects` observations it has not
 * seen that tool do, or else, under a shell, the `shells` observations it has
 * not seen under a shell started that way.
 *
 * @example
 * ```ts
 * const files = check.uncovered.filter((u) => u.observation.domain === 'files');
 * ```
 */
export interface DriftCheck {
  readonly event: VigilEvent;
  readonly baseline: Baseline;
  readonly uncovered: readonly UncoveredObservation[];
  /** The shell the event happened under, and whether the baseline knows shells started that way. */
  readonly shell: { readonly context: ShellContext; readonly known: boolean } | undefined;
  /**
   * The tool (`server/tool`, `function/…`) whose call attribution placed the event in, when the
   * baseline learned what tools do: the event was checked against what that tool did while learning.
   */
  readonly tool?: string;
  /** The baseline is still learning: severities will be capped at {@link PROVISIONAL_CAP}. */
  readonly provisional: boolean;
}

/**
 * What a drift rule concluded about one uncovered observation: the rule, the
 * finding's title and severity, and what the workload did.
 *
 * @example
 * ```ts
 * const a: DriftAssessment = { observation: u.observation, coverage: u.coverage, ruleId: 'acme.drift.gpu', title: 'New GPU device', severity: 'high', what: 'opened /dev/nvidia0', tags: {} };
 * ```
 */
export interface DriftAssessment {
  readonly observation: BaselineObservation;
  readonly coverage: BaselineCoverage;
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  /** Completes "<workload> …", e.g. `connected out to evil.example:443 (tcp), a destination it never used while learning`. */
  readonly what: string;
  readonly tags: Partial<FindingTags>;
}

/**
 * What the drift rules concluded about one {@link DriftCheck}: an assessment
 * per observation a rule claimed, and the critical behaviours the event matched.
 *
 * @example
 * ```ts
 * const verdict: DriftVerdict = { assessments: [], hits: [] };
 * ```
 */
export interface DriftVerdict {
  readonly assessments: readonly DriftAssessment[];
  readonly hits: readonly CriticalHit[];
}

/**
 * Decides what uncovered behaviour means. The {@link DriftDetector} finds what
 * a baseline does not cover and aggregates findings; the assessor (the rule
 * engine of `@vigil/rules` running the `vigil.drift` pack) says which rule
 * fires and how severe it is.
 *
 * @example
 * ```ts
 * import { builtinPacks, RuleEngine } from '@vigil/rules';
 *
 * const drift = new DriftDetector({ baselines, assessor: new RuleEngine({ packs: builtinPacks() }) });
 * ```
 */
export interface DriftAssessor {
  assess(check: DriftCheck, processes: ProcessTree | undefined): DriftVerdict;
}

/**
 * The pattern drift of `obs` aggregates under: for files, the first folder the
 * baseline does not know (or the known folder, when only the file name is
 * new) with `**`; for new arguments, the program; for new subdomains, the
 * known domain; otherwise the pattern itself.
 */
function aggregationPattern(obs: BaselineObservation, depth: number): readonly string[] {
  const s = obs.segments;
  switch (obs.domain) {
    case 'files': {
      const nameAt = s.length - 2;
      if (nameAt < 0) return s;
      return [...s.slice(0, Math.min(depth + 1, nameAt)), '**', s[s.length - 1]!];
    }
    case 'processes': {
      const i = s.indexOf(ARGS_MARK);
      return i >= 0 && depth > i ? [...s.slice(0, i + 1), WILDCARD] : s;
    }
    case 'dns':
      return depth >= 2 && depth < s.length ? [...s.slice(0, depth), WILDCARD] : s;
    default:
      return s;
  }
}

/**
 * Stable finding id for drift of `pattern` in `domain` against a baseline key.
 *
 * @example
 * ```ts
 * driftFindingId('k8s:ai/agent/agent', 'img:1', 'tools', ['github', 'create_issue']); // 'drift-…' (20 hex digits)
 * ```
 */
export function driftFindingId(
  subject: string,
  versionKey: string,
  domain: string,
  pattern: readonly string[],
): string {
  return `drift-${createHash('sha256')
    .update(`${subject}\u0000${versionKey}\u0000${domain}\u0000${pattern.join('\u0001')}`)
    .digest('hex')
    .slice(0, 20)}`;
}

function tagsOf(...parts: Partial<FindingTags>[]): FindingTags {
  const out: FindingTags = { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] };
  for (const p of parts) {
    for (const k of ['owaspLlm', 'owaspAgentic', 'atlas', 'attack'] as const) {
      for (const v of p[k] ?? []) if (!out[k].includes(v)) out[k].push(v);
    }
  }
  return out;
}

function workloadName(ev: VigilEvent): string {
  return ev.workload.name ?? ev.workload.pod ?? ev.workload.id;
}

interface Slot {
  finding: DriftFinding & { count: number; lastSeen: number; evidence: Evidence[] };
}

/**
 * Checks a stream against stable baselines: finds every observation they do
 * not cover (coverage), hands it to the drift rules (the
 * {@link DriftAssessor}: which rule fires, how severe, why) and reports each
 * as a {@link DriftFinding} with the baseline version, evidence events and a
 * one-sentence explanation; repeats aggregate into one finding (aggregation).
 *
 * @example
 * ```ts
 * import { DnsEnricher, DriftDetector, ReplaySource, Vigil } from '@vigil/core';
 * import { builtinPacks, RuleEngine } from '@vigil/rules';
 *
 * const drift = new DriftDetector({ baselines: set.baselines(), assessor: new RuleEngine({ packs: builtinPacks() }) });
 * await new Vigil({ source: new ReplaySource(['today.vcap']), enrichers: [new DnsEnricher()], consumers: [drift] }).run();
 * for (const f of drift.findings()) console.log(f.severity, f.summary);
 * ```
 */
export class DriftDetector implements Consumer {
  readonly name = 'drift';
  readonly #lookup: BaselineLookup;
  readonly #key: BaselineKeyFn;
  // Every baseline, to name the nearest ones when a workload has none.
  #all: () => Baseline[] = () => [];
  readonly #assessor: DriftAssessor;
  readonly #shells: ShellContextCache;
  readonly #allowLearning: boolean;
  readonly #learningMode: 'provisional' | 'skip';
  readonly #maxEvidence: number;
  readonly #reportMode: 'first' | 'finish';
  readonly #byWorkload = new Map<string, Baseline | null>();
  readonly #findings = new Map<string, Slot>();
  /** The slot the latest uncovered event with a given key landed on. */
  readonly #byEventKey = new EventKeyMap<Slot>();

  readonly #noted = new Set<string>();
  readonly #ids = new Map<string, string>();
  readonly #shellCoverages = new Map<string, BaselineCoverage>();
  /** Per baseline and shell pattern: covered file opens whose shell observations were all covered. */
  readonly #shellMemos = new Map<Baseline, Map<string, EventKeyMap<true>>>();
  #shellMemoSize = 0;
  #lastShell: ShellContext | undefined;
  #lastShellBaseline: Baseline | undefined;
  #lastShellVersion = '';
  #lastShellMemo: EventKeyMap<true> | undefined;
  /** Per baseline, per event kind: whether it learned the kind's family. */
  readonly #families = new Map<Baseline, Map<string, boolean>>();
  #learnedOf: Baseline | undefined;
  #learnedKinds: Map<string, boolean> | undefined;
  #learnedKind: string | undefined;
  #learnedYes = false;
  #lastWorkload: object | undefined;
  #lastBaseline: Baseline | null = null;
  #events = 0;
  #uncovered = 0;

  constructor(options: DriftDetectorOptions) {
    const b = options.baselines;
    if (typeof (b as BaselineLookup).get === 'function' && !(Symbol.iterator in (b as object))) {
      this.#lookup = b as BaselineLookup;
      const all = (b as { baselines?: () => Baseline[] }).baselines;
      if (typeof all === 'function') this.#all = () => all.call(b);
    } else {
      const map = new Map<string, Baseline>();
      for (const x of b as Iterable<Baseline>) map.set(baselineKeyString(x), x);
      this.#all = () => [...map.values()];
      this.#lookup = { get: (subject, versionKey) => map.get(baselineKeyString({ subject, versionKey })) };
    }
    this.#key = options.key ?? defaultBaselineKey;
    this.#assessor = options.assessor;
    this.#shells = new ShellContextCache();
    this.#allowLearning = options.allowLearning ?? false;
    this.#learningMode = options.learning ?? 'provisional';
    this.#maxEvidence = options.maxEvidence ?? 5;
    this.#reportMode = options.report ?? 'first';
  }

  onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext): void {
    // The pipeline completed the batch's process tree before any consumer: shell contexts hold for it.
    this.#shells.beginBatch();
    try {
      for (const ev of batch) this.observe(ev, ctx);
    } finally {
      this.#shells.endBatch();
    }
  }

  finish(ctx: ConsumerContext): void {
    if (this.#reportMode === 'finish') for (const f of this.findings()) ctx.report(f);
  }

  /** Events checked and events not covered so far. */
  stats(): { events: number; uncovered: number; findings: number } {
    return { events: this.#events, uncovered: this.#uncovered, findings: this.#findings.size };
  }

  /** Every finding so far, most severe first, then by first sight. */
  findings(): DriftFinding[] {
    return [...this.#findings.values()]
      .map((s) => s.finding)
      .sort(
        (a, b) =>
          severityRank(b.severity) - severityRank(a.severity) || a.ts - b.ts || (a.id < b.id ? -1 : 1),
      );
  }

  #baselineFor(ev: VigilEvent): Baseline | null {
    // Events of one workload usually share its WorkloadRef object: skip the map on a run of them.
    if (ev.workload === this.#lastWorkload) return this.#lastBaseline;
    let b = this.#byWorkload.get(ev.workload.id);
    if (b === undefined) {
      const k = this.#key(ev.workload);
      b = this.#lookup.get(k.subject, k.versionKey) ?? null;
      this.#byWorkload.set(ev.workload.id, b);
    }
    this.#lastWorkload = ev.workload;
    this.#lastBaseline = b;
    return b;
  }

  /** Checks one event; reports new findings through `ctx` when given. */
  observe(ev: VigilEvent, ctx?: ConsumerContext): void {
    const check = this.check(ev, ctx);
    if (check === undefined) return;
    this.record(check, this.#assessor.assess(check, ctx?.processes), ctx);
  }

  /**
   * Coverage: what of `ev` its baseline does not cover, or undefined when
   * there is nothing to assess (covered, no baseline, or a repeat of drift
   * already found, which is counted on its finding).
   */
  check(ev: VigilEvent, ctx?: ConsumerContext): DriftCheck | undefined {
    this.#events++;
    const baseline = this.#baselineFor(ev);
    if (baseline === null) {
      if (!this.#noted.has(ev.workload.id)) this.#note(ev, 'no-baseline', ctx);
      return undefined;
    }
    const provisional = baseline.status !== 'stable' && !this.#allowLearning;
    if (provisional) {
      if (!this.#noted.has(ev.workload.id)) this.#note(ev, 'not-stable', ctx, baseline);
      if (this.#learningMode === 'skip') return undefined;
    }
    // Events of a family the baseline's recordings never carried (model and tool calls against a
    // baseline learned without payloads) are not new behaviour: one note says so, no drift.
    if (!this.#learned(baseline, ev.kind)) {
      this.#notCovered(ev, baseline, ctx);
      return undefined;
    }
    // In a tool call, what the event did is checked against what that tool did while learning, which
    // says more than the shell it ran under (baselines without toolEffects entries: the shell decides).
    let tool: string | undefined;
    let effects: UncoveredObservation[] | undefined;
    let obs: BaselineObservation[] | undefined;
    if (ev.cause !== undefined && baseline.entryCount('toolEffects') > 0) {
      const t = causeTool(ev);
      if (t !== undefined) {
        // The shell check may be skipped for this event; an exec still changes the tree the cache read.
        if (ev.kind === 'process.exec') this.#shells.forget();
        obs = observeEvent(ev, baseline.generalisation);
        effects = this.#toolEffects(ev, baseline, obs);
        if (effects?.length === 0) return undefined;
        if (effects !== undefined) tool = t;
      }
    }
    // Under a shell, what runs is checked against what ran under shells started the same way (baselines
    // without any shell entries predate that domain or never saw a shell: the workload-wide check decides).
    const sc =
      effects === undefined && baseline.entryCount('shells') > 0
        ? this.#shells.of(ev, ctx?.processes, baseline.generalisation.maxArgs)
        : undefined;
    const covered = baseline.isCovered(ev);
    let shellMemo: EventKeyMap<true> | undefined;
    if (covered && effects === undefined) {
      if (sc === undefined) return undefined;
      // A file open the workload-wide baseline covers, under a shell: remembered when every one of its
      // shell observations was covered too (they depend on the shell's pattern, the access and the path).
      shellMemo = this.#shellMemo(baseline, sc, ev);
      if (shellMemo?.get(ev) === true) return undefined;
    }
    const uncovered: UncoveredObservation[] = [];
    if (!covered) {
      this.#uncovered++;
      // A repeat of drift already found is counted before the event is turned into observations.
      if (tool === undefined) {
        const slot = this.#byEventKey.get(ev);
        if (slot !== undefined && slot.finding.workload.id === ev.workload.id) {
          this.#repeat(slot, ev);
          return undefined;
        }
      }
    }
    obs ??= observeEvent(ev, baseline.generalisation);
    if (!covered) {
      const secret = ev.kind === 'file.open' && isCredentialPath(ev.path);
      for (const o of obs) {
        const coverage = baseline.coversObservation(o, secret && o.domain === 'files');
        if (!coverage.covered) uncovered.push({ observation: o, coverage });
      }
    }
    let shell: DriftCheck['shell'];
    if (sc !== undefined) {
      shell = { context: sc, known: baseline.coversSegments('shells', sc.segments) };
      for (const o of shellObservations(sc, ev, obs)) {
        const coverage = this.#shellCoverage(baseline, o);
        if (!coverage.covered) uncovered.push({ observation: o, coverage });
      }
    }
    if (effects !== undefined) for (const u of effects) uncovered.push(u);
    if (uncovered.length === 0) {
      if (shellMemo !== undefined) {
        shellMemo.set(ev, true);
        this.#shellMemoSize++;
      }
      return undefined;
    }
    if (covered) this.#uncovered++;
    return { event: ev, baseline, uncovered, shell, provisional, ...(tool !== undefined ? { tool } : {}) };
  }

  /** Whether `baseline` can judge events of this kind (remembered per baseline and kind). */
  #learned(baseline: Baseline, kind: string): boolean {
    if (kind === this.#learnedKind && baseline === this.#learnedOf) return this.#learnedYes;
    let known = baseline === this.#learnedOf ? this.#learnedKinds : undefined;
    if (known === undefined) {
      known = this.#families.get(baseline);
      if (known === undefined) {
        known = new Map();
        this.#families.set(baseline, known);
      }
      this.#learnedOf = baseline;
      this.#learnedKinds = known;
    }
    let yes = known.get(kind);
    if (yes === undefined) {
      yes = baseline.learnedFamily(eventFamily(kind));
      known.set(kind, yes);
    }
    this.#learnedKind = kind;
    this.#learnedYes = yes;
    return yes;
  }

  /** The one note per baseline and event family its recordings did not carry; later events count on it. */
  #notCovered(ev: VigilEvent, baseline: Baseline, ctx: ConsumerContext | undefined): void {
    const family = eventFamily(ev.kind);
    const id = driftFindingId(baseline.subject, baseline.versionKey, 'not-covered', [family]);
    const slot = this.#findings.get(id);
    if (slot !== undefined) {
      this.#repeat(slot, ev);
      return;
    }
    const coverage = baseline.coverage();
    const what = FAMILY_EVENTS[family];
    const howLearned =
      coverage === undefined
        ? `does not record what its captures carried (it was learned before Vigil recorded that) and learned no ${what}`
        : family === 'payloads'
          ? `was learned from captures recorded without payload capture (payload mode ${coverage.payloadModes.join(', ') || 'off'})`
          : `was learned from recordings that carried ${coverage.families.join(' and ') || 'nothing'}, not ${family}`;
    const remedy =
      family === 'payloads'
        ? 're-learn with captures recorded with `vigil record --payloads` to judge model and tool calls'
        : family === 'syscalls'
          ? 're-learn with kernel captures (`vigil record`) to judge processes, files and peers'
          : 're-learn with the audit events to judge Kubernetes and cloud API calls';
    const title =
      family === 'payloads'
        ? 'Baseline learned without payload capture'
        : family === 'syscalls'
          ? 'Baseline learned without kernel capture'
          : 'Baseline learned without audit events';
    const finding: DriftFinding & { count: number; lastSeen: number; evidence: Evidence[] } = {
      id,
      ruleId: 'vigil.drift.not-covered',
      title,
      severity: 'info',
      category: 'drift',
      workload: ev.workload,
      ts: ev.ts,
      summary: `${workloadName(ev)}'s baseline ${baseline.subject} @ ${baseline.versionKey} ${howLearned}, so it never had the chance to see ${what}: those in this capture are not new behaviour and were not judged for drift (the count says how many events); ${remedy}.`,
      evidence: [
        {
          type: 'event',
          description: `first event not judged: ${ev.kind} by ${ev.comm} (pid ${ev.pid})`,
          event: ev,
        },
        {
          type: 'baseline',
          description: `baseline ${baseline.subject} @ ${baseline.versionKey}, version ${baseline.version}, learned from ${coverageLabel(coverage)}`,
        },
      ],
      tags: tagsOf(),
      compliance: [],
      risk: { score: riskScore('info'), reasons: [`not-covered: ${family}`] },
      count: 1,
      lastSeen: ev.ts,
      drift: {
        pattern: [],
        display: '',
        subject: baseline.subject,
        versionKey: baseline.versionKey,
        baselineVersion: baseline.version,
        baselineStatus: baseline.status,
        matchedSegments: 0,
      },
    };
    this.#findings.set(id, { finding });
    if (ctx && this.#reportMode === 'first') ctx.report(finding);
  }

  /** What of an event in a tool call its baseline never saw that tool do; undefined when it has no `toolEffects` observations. */
  #toolEffects(
    ev: VigilEvent,
    baseline: Baseline,
    obs: readonly BaselineObservation[],
  ): UncoveredObservation[] | undefined {
    const fx = toolEffectObservations(ev, obs);
    if (fx.length === 0) return undefined;
    // A credential under a tool is covered only by an entry naming it, as workload-wide.
    const secret = ev.kind === 'file.open' && isCredentialPath(ev.path);
    const out: UncoveredObservation[] = [];
    for (const o of fx) {
      const coverage = baseline.coversObservation(o, secret && o.segments[1] === '@files');
      if (!coverage.covered) out.push({ observation: o, coverage });
    }
    return out;
  }

  /**
   * Aggregation: turns what the drift rules concluded about a {@link DriftCheck}
   * into findings (one per rule and aggregate pattern; repeats are counted),
   * applying the quarantine floor, the critical lifts and the provisional cap.
   */
  record(check: DriftCheck, verdict: DriftVerdict, ctx?: ConsumerContext): void {
    // The same event means something else under another tool: no repeat shortcut for events in a call.
    const keyed = check.tool === undefined;
    for (const a of verdict.assessments)
      this.#drift(check.event, a, check.baseline, verdict.hits, keyed, ctx);
  }

  /**
   * `coversObservation` for an observation under a shell, remembered per baseline version and
   * pattern: the programs a shell tool runs open the same files run after run, and finding the
   * nearest entry of one that is new costs far more than the lookup.
   */
  #shellCoverage(baseline: Baseline, o: BaselineObservation): BaselineCoverage {
    const key = `${baseline.subject}\u0000${baseline.versionKey}\u0000${baseline.version}\u0000${o.domain}\u0000${o.segments.join('\u0001')}`;
    let c = this.#shellCoverages.get(key);
    if (c === undefined) {
      c = baseline.coversObservation(o);
      if (this.#shellCoverages.size >= MAX_DETECTOR_FINDINGS) this.#shellCoverages.clear();
      this.#shellCoverages.set(key, c);
    }
    return c.observation === o ? c : { ...c, observation: o };
  }

  /**
   * The memo of covered file opens under the shell context `sc` against `baseline` (their key: access
   * and path), or undefined for events it does not hold: other kinds, and a process's own `/proc`
   * files, which count under a shell or not depending on the process.
   */
  #shellMemo(baseline: Baseline, sc: ShellContext, ev: VigilEvent): EventKeyMap<true> | undefined {
    if (ev.kind !== 'file.open' || ev.path.startsWith('/proc/')) return undefined;
    if (this.#shellMemoSize >= MAX_DETECTOR_FINDINGS) {
      this.#shellMemos.clear();
      this.#shellMemoSize = 0;
      this.#lastShell = undefined;
    }
    const version = baseline.version;
    if (sc === this.#lastShell && baseline === this.#lastShellBaseline && version === this.#lastShellVersion)
      return this.#lastShellMemo;
    let byShell = this.#shellMemos.get(baseline);
    if (byShell === undefined) {
      byShell = new Map();
      this.#shellMemos.set(baseline, byShell);
    }
    // Contexts are made afresh per batch and process; their patterns repeat.
    const key = `${version}\u0000${sc.segments.join('\u0001')}`;
    let memo = byShell.get(key);
    if (memo === undefined) {
      memo = new EventKeyMap();
      byShell.set(key, memo);
    }
    this.#lastShell = sc;
    this.#lastShellBaseline = baseline;
    this.#lastShellVersion = version;
    this.#lastShellMemo = memo;
    return memo;
  }

  /** {@link driftFindingId}, remembered: repeats of a drift hash the same inputs again and again. */
  #findingId(baseline: Baseline, domain: string, pattern: readonly string[]): string {
    const raw = `${baseline.subject}\u0000${baseline.versionKey}\u0000${domain}\u0000${pattern.join('\u0001')}`;
    let id = this.#ids.get(raw);
    if (id === undefined) {
      id = driftFindingId(baseline.subject, baseline.versionKey, domain, pattern);
      if (this.#ids.size >= MAX_DETECTOR_FINDINGS) this.#ids.clear();
      this.#ids.set(raw, id);
    }
    return id;
  }

  #repeat(slot: Slot, ev: VigilEvent): void {
    const f = slot.finding;
    f.count++;
    if (ev.ts > f.lastSeen) f.lastSeen = ev.ts;
    if (f.evidence.length < this.#maxEvidence + 1)
      f.evidence.push({
        type: 'event',
        description: `repeat: ${ev.kind} by ${ev.comm} (pid ${ev.pid})`,
        event: ev,
      });
  }

  #drift(
    ev: VigilEvent,
    a: DriftAssessment,
    baseline: Baseline,
    hits: readonly CriticalHit[],
    keyed: boolean,
    ctx: ConsumerContext | undefined,
  ): void {
    const obs = a.observation;
    const coverage = a.coverage;
    // One finding per rule, critical behaviours and aggregate: thirty new locale files under one new
    // folder are one drift, not thirty.
    const aggregate = aggregationPattern(obs, coverage.depth ?? 0);
    const id = this.#findingId(baseline, `${obs.domain}\u0000${a.ruleId}`, [
      ...aggregate,
      ...hits.map((h) => `!${h.behaviour.id}`),
    ]);
    const existing = this.#findings.get(id);
    if (existing) {
      this.#repeat(existing, ev);
      if (keyed && this.#byEventKey.size < MAX_DETECTOR_FINDINGS) this.#byEventKey.set(ev, existing);
      return;
    }
    if (this.#findings.size >= MAX_DETECTOR_FINDINGS) return;
    let severity = a.severity;
    const reasons = [`${a.title.toLowerCase()} (${obs.domain})`];
    const provisional = baseline.status !== 'stable' && !this.#allowLearning;
    const quarantined = baseline
      .quarantined()
      .some((q) =>
        q.observations.some((o) => o.domain === obs.domain && samePattern(o.pattern, obs.segments)),
      );
    const critical: string[] = [];
    let extra = '';
    for (const h of hits) {
      critical.push(h.behaviour.id);
      if (severityRank(h.behaviour.severity) > severityRank(severity)) severity = h.behaviour.severity;
      reasons.push(`critical behaviour ${h.behaviour.id}: ${h.match.reason}`);
      if (!extra && severityRank(h.behaviour.severity) > severityRank(a.severity))
        extra = ` (${h.match.reason})`;
    }
    if (quarantined) {
      reasons.push('quarantined while the baseline was learned');
      if (severityRank(severity) < severityRank('high')) severity = 'high';
    }
    if (provisional && severityRank(severity) > severityRank(PROVISIONAL_CAP)) {
      reasons.push(
        `provisional: capped at ${PROVISIONAL_CAP} from ${severity} while the baseline is learning`,
      );
      severity = PROVISIONAL_CAP;
    }
    // Quarantined behaviour did run while learning: held for review, not unseen.
    const what = quarantined ? a.what.replace(NEVER_RAN, '') : a.what;
    const summary = `${workloadName(ev)} ${what}${extra}${quarantined ? `; it ran while learning but was held for review (quarantined) and never admitted: \`vigil baseline review\` lists it with its id, \`vigil baseline admit\` admits it` : ''}${provisional ? ' (provisional: the baseline is still learning)' : ''}.`;
    const evidence: Evidence[] = [];
    for (const h of hits)
      for (const r of h.match.related ?? [])
        evidence.push({
          type: 'event',
          description: `earlier: ${r.kind} by ${r.comm} (pid ${r.pid})`,
          event: r,
        });
    evidence.push({
      type: 'event',
      description: `${ev.kind} by ${ev.comm} (pid ${ev.pid}): ${obs.concrete}`,
      event: ev,
    });
    evidence.push({
      type: 'baseline',
      description: `baseline ${baseline.subject} @ ${baseline.versionKey}, version ${baseline.version} (${baseline.status})${
        coverage.nearest ? `; nearest known: ${coverage.nearest.display}` : '; nothing similar known'
      }`,
    });
    const detail: DriftDetail = {
      domain: obs.domain,
      pattern: obs.segments,
      display: describePattern(obs.domain, obs.segments),
      aggregate: describePattern(obs.domain, aggregate),
      subject: baseline.subject,
      versionKey: baseline.versionKey,
      baselineVersion: baseline.version,
      baselineStatus: baseline.status,
      matchedSegments: coverage.depth ?? 0,
      ...(coverage.nearest ? { nearest: coverage.nearest.display } : {}),
      ...(quarantined ? { quarantined: true } : {}),
      ...(critical.length > 0 ? { critical } : {}),
      ...(provisional ? { provisional: true } : {}),
    };
    const finding = {
      id,
      ruleId: a.ruleId,
      title: provisional ? `Provisional: ${a.title}` : a.title,
      severity,
      category: 'drift' as const,
      workload: ev.workload,
      ts: ev.ts,
      summary,
      evidence,
      tags: tagsOf(a.tags, ...hits.map((h) => h.behaviour.tags ?? {})),
      compliance:
        severityRank(severity) >= severityRank('medium')
          ? complianceRefs({ tags: a.tags, areas: ['behaviour-drift'] })
          : [],
      risk: { score: riskScore(severity), reasons },
      count: 1,
      lastSeen: ev.ts,
      drift: detail,
    };
    const slot: Slot = { finding };
    this.#findings.set(id, slot);
    if (keyed && this.#byEventKey.size < MAX_DETECTOR_FINDINGS) this.#byEventKey.set(ev, slot);
    if (ctx && this.#reportMode === 'first') ctx.report(finding);
  }

  #note(
    ev: VigilEvent,
    why: 'no-baseline' | 'not-stable',
    ctx: ConsumerContext | undefined,
    baseline?: Baseline,
  ): void {
    this.#noted.add(ev.workload.id);
    const k = this.#key(ev.workload);
    const id = driftFindingId(k.subject, k.versionKey, why, [ev.workload.id]);
    const near = why === 'no-baseline' ? nearestBaselines(ev.workload, this.#all(), { key: this.#key }) : [];
    const summary =
      why === 'no-baseline'
        ? `${workloadName(ev)} has no baseline for ${k.subject} @ ${k.versionKey}, so its behaviour was not checked for drift. ${describeNearest(near, this.#all().length)}`
        : this.#learningMode === 'skip'
          ? `${workloadName(ev)}'s baseline ${k.subject} @ ${k.versionKey} is still learning, so its behaviour was not checked for drift: ${explainLearning(baseline!).text}.`
          : `${workloadName(ev)}'s baseline ${k.subject} @ ${k.versionKey} is ${explainLearning(baseline!).text}. Drift against it is reported as provisional, capped at ${PROVISIONAL_CAP}.`;
    const finding: DriftFinding & { count: number; lastSeen: number; evidence: Evidence[] } = {
      id,
      ruleId: why === 'no-baseline' ? 'vigil.drift.no-baseline' : 'vigil.drift.baseline-learning',
      title: why === 'no-baseline' ? 'No baseline' : 'Baseline still learning',
      severity: 'info',
      category: 'drift',
      workload: ev.workload,
      ts: ev.ts,
      summary,
      evidence: [
        { type: 'event', description: `first event: ${ev.kind}`, event: ev },
        ...near.map((n) => ({
          type: 'baseline' as const,
          description: `nearest baseline ${n.baseline.subject} @ ${n.baseline.versionKey} (${n.baseline.status}): ${n.reasons.join('; ')}`,
        })),
      ],
      tags: tagsOf(),
      compliance: [],
      risk: { score: riskScore('info'), reasons: [why] },
      count: 1,
      lastSeen: ev.ts,
      drift: {
        pattern: [],
        display: '',
        subject: k.subject,
        versionKey: k.versionKey,
        baselineVersion: baseline?.version ?? '',
        baselineStatus: baseline?.status ?? 'learning',
        matchedSegments: 0,
      },
    };
    this.#findings.set(id, { finding });
    if (ctx && this.#reportMode === 'first') ctx.report(finding);
  }
}

function describeNearest(near: readonly NearestBaseline[], total: number): string {
  if (total === 0) return 'The baseline file holds no baselines.';
  if (near.length === 0)
    return `None of the ${countOf(total, 'baseline')} looks like it (no shared program or name); learn one from captures of this workload, recorded under one workload name.`;
  const list = near
    .map((n) => `${n.baseline.subject} @ ${n.baseline.versionKey} (${n.reasons.join('; ')})`)
    .join(', ');
  return `Nearest: ${list}. If this is the same workload under another name, check against one with --use-baseline ${near[0]!.baseline.subject}, and record its next runs with the same --name.`;
}

function samePattern(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
