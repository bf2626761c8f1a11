import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type AiBom,
  AiBomBuilder,
  type Baseline,
  BaselineLearner,
  type BaselineStore,
  CgroupDiscovery,
  type Consumer,
  type ConsumerContext,
  captureCoverage,
  correlateIncidents,
  type DiscoveredCgroup,
  DnsEnricher,
  defaultBaselineKey,
  type EventSource,
  type Finding,
  type Incident,
  type LearnedCoverage,
  ObservedUseAccumulator,
  type ObservedUseDocument,
  type PodListFetchOptions,
  ProcessTreeEnricher,
  type RunSummary,
  SqliteBaselineStore,
  type StabilityPolicy,
  severityRank,
  Vigil,
  VigilError,
  type VigilEvent,
  type WorkloadKind,
} from '@vigil/core';
import {
  builtinPacks,
  criticalBehaviours,
  type RuleException,
  type RulePack,
  type RulesCheckDetector,
  rulesCheckDetector,
} from '@vigil/rules';
import { EventEmitter } from 'eventemitter3';
import { OtlpRelay } from '../internal/otlp-relay.js';
import type { FleetOtlpExporter, OtlpRelayStats } from '../otlp.js';
import type { FleetBaselineWatcher } from '../watcher.js';
import { RotatingCapture, type RotatingCaptureOptions } from './capture-rotation.js';
import { type CheckedBaselineSource, CheckedBaselines } from './checked-baselines.js';
import type { DaemonSink } from './sink.js';
import { ResolvedSource, WorkloadResolver } from './workload-resolver.js';

/**
 * Options for {@link NodeDaemon}.
 *
 * @example
 * ```ts
 * const options: NodeDaemonOptions = { store: '/var/lib/vigil/baselines.db', sink: new JsonLinesSink('-') };
 * ```
 */
export interface NodeDaemonOptions {
  /** The SQLite baseline store (a path) or any {@link BaselineStore}; learned baselines are merged into it. */
  readonly store: string | BaselineStore;
  /** Where findings, incidents, baseline deltas, AI-BOM and gap observations go. */
  readonly sink: DaemonSink;
  /** The node's name (labels every workload). Default `$NODE_NAME` or the host name. */
  readonly node?: string;
  /** The cgroup subtree watched: absolute or relative to the cgroup v2 mount. Default: the whole mount. */
  readonly cgroupRoot?: string;
  /** Which workload kinds discovery reports. Default core's `DEFAULT_DISCOVERED_KINDS`. */
  readonly kinds?: readonly WorkloadKind[];
  /** Milliseconds between cgroup scans. Default 1,000. */
  readonly discoveryIntervalMs?: number;
  /** Where Kubernetes metadata comes from (the kubelet's `/pods`, another URL, a file); `false`: cgroup paths only. */
  readonly pods?: PodListFetchOptions | false;
  /** Milliseconds between reports (store merge, baseline deltas, AI-BOM, gap observations, incidents). Default 30,000. */
  readonly reportIntervalMs?: number;
  /** Rule packs. Default the built-in packs. */
  readonly packs?: readonly RulePack[];
  readonly exceptions?: readonly RuleException[];
  /** When a baseline is stable. Default core's `DEFAULT_STABILITY`. */
  readonly stability?: StabilityPolicy;
  /** Local capture files, rotated with a size cap; absent: none. */
  readonly capture?: RotatingCaptureOptions;
  /** Send raw events too: every batch (1), a fraction of batches (0–1), or none (0, the default). */
  readonly eventSample?: number;
  /**
   * The event source. Default: a live `Sensor` (from `@vigil/ebpf-native`) on
   * `cgroupRoot` and every cgroup below it, so a container's first exec is
   * seen even before discovery's next scan.
   */
  readonly source?: EventSource;
  /**
   * Sensor options when the daemon opens the sensor (ring buffer, dedup, payloads). Their
   * `payloads` mode is also what learned baselines record as covered (for a live sensor passed as
   * `source`, give the mode it was opened with here).
   */
  readonly sensor?: Record<string, unknown>;
  /** The version stamped on capture files. */
  readonly version?: string;
  /**
   * The fleet's stable baselines (a {@link FleetBaselineWatcher}, which the
   * caller opens and closes): a workload is checked against the fleet's
   * stable baseline of its workload and version when there is one, against
   * the node's own otherwise; each drift finding's evidence says which.
   */
  readonly fleetBaselines?: Pick<FleetBaselineWatcher, 'set' | 'on' | 'off'>;
  /**
   * Also send findings (as OTLP log records) and model and tool calls (as
   * GenAI spans) to an OpenTelemetry collector: an `OtlpHttpExporter` from
   * `@vigil/reporters`. Batched every `otlpIntervalMs`.
   */
  readonly otlp?: FleetOtlpExporter;
  /** Milliseconds between OTLP exports. Default 5,000. */
  readonly otlpIntervalMs?: number;
}

/**
 * What the daemon's events can show, as `vigil learn` reads it from a capture header
 * (`captureCoverage`): the live sensor's syscalls, and payloads in the mode `sensor.payloads`
 * asks for; for a `source` of the caller's, what its kind carries.
 */
function sourceCoverage(o: NodeDaemonOptions): LearnedCoverage | undefined {
  const payloads = sensorPayloads(o);
  return captureCoverage({
    source: o.source?.name ?? 'ebpf',
    ...(payloads !== undefined ? { payloads } : {}),
  });
}

/** The payload mode (and byte cap, when given) that `sensor` options ask for; none when off. */
function sensorPayloads(o: NodeDaemonOptions): { mode: 'meta' | 'content'; maxBytes?: number } | undefined {
  const mode = o.sensor?.['payloads'];
  if (mode !== 'meta' && mode !== 'content') return undefined;
  const cap = o.sensor?.['payloadBytes'];
  return typeof cap === 'number' && Number.isInteger(cap) && cap > 0 ? { mode, maxBytes: cap } : { mode };
}

/** What {@link NodeDaemon.stats} reports. */
export interface NodeDaemonStats {
  readonly node: string;
  readonly events: number;
  readonly batches: number;
  readonly workloads: number;
  readonly baselines: number;
  readonly stableBaselines: number;
  readonly findings: number;
  readonly incidents: number;
  readonly baselineDeltas: number;
  readonly reports: number;
  readonly errors: number;
  readonly drops: Readonly<Record<string, number>>;
  readonly pods: { readonly fetches: number; readonly failures: number; readonly pods: number };
  readonly captures?: { readonly rotations: number; readonly deleted: number };
  /** Drift findings checked against the fleet's stable baseline and against the node's own. */
  readonly checkedAgainst: Readonly<Record<CheckedBaselineSource, number>>;
  /** What went out over OTLP, when `otlp` is set. */
  readonly otlp?: OtlpRelayStats;
}

/** Events a {@link NodeDaemon} emits. */
export interface NodeDaemonEvents {
  finding: (finding: Finding) => void;
  incident: (incident: Incident) => void;
  /** A baseline changed and was sent. */
  baseline: (baseline: Baseline) => void;
  /** A workload cgroup appeared (`added`) or vanished (`removed`). */
  workload: (change: 'added' | 'removed', cgroup: DiscoveredCgroup) => void;
  /** Something failed; the daemon goes on. */
  error: (error: VigilError) => void;
}

const MAX_KEPT_FINDINGS = 10_000;
const LEARNING_NOTE = 'vigil.drift.baseline-learning';

/**
 * The node daemon (`vigil daemon`): one per node, watching every workload on
 * it. It discovers workload cgroups as they appear and vanish, gives each
 * event its workload's identity (Kubernetes metadata from the kubelet; the
 * replicas of one owner share a baseline), learns baselines continuously
 * into a SQLite store, checks every workload against its baseline once that
 * is stable with the detectors of `vigil check` (the rule packs and drift),
 * joins findings into incidents, keeps rotated local captures, and sends
 * findings, incidents, baseline deltas, AI-BOM and gap observations to a
 * {@link DaemonSink}. {@link NodeDaemon.stop} flushes everything and detaches
 * the sensor.
 *
 * @example
 * ```ts
 * import { JsonLinesSink, NodeDaemon } from '@vigil/fleet';
 *
 * const daemon = new NodeDaemon({ store: '/var/lib/vigil/baselines.db', sink: new JsonLinesSink('-') });
 * daemon.on('finding', (f) => console.error(f.severity, f.title));
 * await daemon.start();
 * process.once('SIGTERM', () => void daemon.stop());
 * await daemon.done;
 * ```
 */
export class NodeDaemon extends EventEmitter<NodeDaemonEvents> {
  readonly node: string;
  readonly #options: NodeDaemonOptions;
  readonly #sink: DaemonSink;
  readonly #resolver: WorkloadResolver;
  readonly #packs: readonly RulePack[];
  #store: BaselineStore | undefined;
  #learner: BaselineLearner | undefined;
  readonly #perWorkload = new WorkloadObservations();
  #discovery: CgroupDiscovery | undefined;
  #source: EventSource | undefined;
  #capture: RotatingCapture | undefined;
  #pipeline: Promise<RunSummary> | undefined;
  #vigil: Vigil | undefined;
  #timer: NodeJS.Timeout | undefined;
  #incidentTimer: NodeJS.Timeout | undefined;
  #done: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #findings = new Map<string, Finding>();
  readonly #sentIncidents = new Map<string, string>();
  readonly #sentBaselines = new Map<string, string>();
  #events = 0;
  #batches = 0;
  #incidents = 0;
  #deltas = 0;
  #reports = 0;
  #errors = 0;
  #checked: CheckedBaselines | undefined;
  #checker: LiveChecker | undefined;
  #otlp: OtlpRelay | undefined;
  readonly #checkedAgainst: Record<CheckedBaselineSource, number> = { fleet: 0, local: 0 };
  readonly #onFleetBaseline = () => this.#checker?.reset();

  constructor(options: NodeDaemonOptions) {
    super();
    this.#options = options;
    this.#sink = options.sink;
    this.node = options.node ?? process.env['NODE_NAME'] ?? hostname();
    this.#packs = options.packs ?? builtinPacks();
    if (options.eventSample !== undefined && !(options.eventSample >= 0 && options.eventSample <= 1))
      throw new VigilError('USAGE', `eventSample is a fraction from 0 to 1 (got ${options.eventSample})`);
    this.#resolver = new WorkloadResolver({
      node: this.node,
      pods: options.pods ?? false,
      onError: (e) => this.#fail(e),
    });
  }

  /** Resolves when the daemon has stopped (after {@link NodeDaemon.stop}, or when its source ended). */
  get done(): Promise<void> {
    if (this.#done === undefined) throw new VigilError('USAGE', 'the daemon was not started');
    return this.#done;
  }

  /** The baselines learned so far (live; stable ones are checked against). */
  baselines(): Baseline[] {
    return this.#learner?.set.baselines() ?? [];
  }

  /** The workload cgroups discovery holds now. */
  workloads(): DiscoveredCgroup[] {
    return [...(this.#discovery?.current().values() ?? [])];
  }

  /** Findings sent so far (the latest state of each), by id. */
  findings(): Finding[] {
    return [...this.#findings.values()];
  }

  /** Opens the store, the sensor and discovery, and starts learning and checking. */
  async start(): Promise<void> {
    if (this.#done !== undefined) throw new VigilError('USAGE', 'start() was already called');
    const o = this.#options;
    this.#store = typeof o.store === 'string' ? await SqliteBaselineStore.open(o.store) : o.store;
    const resume = await this.#store.loadSet();
    for (const b of resume.baselines()) this.#sentBaselines.set(keyOf(b), b.version + b.status);
    const coverage = sourceCoverage(o);
    this.#learner = new BaselineLearner({
      origin: this.node,
      resume,
      ...(coverage !== undefined ? { coverage } : {}),
      critical: criticalBehaviours(this.#packs),
      ...(o.stability !== undefined ? { stability: o.stability } : {}),
    });
    this.#learner.onNotice((n) => {
      if (n.type === 'stable') this.#scheduleReport(0);
    });
    await this.#resolver.refresh();

    const discovery = new CgroupDiscovery({
      ...(o.cgroupRoot !== undefined ? { root: o.cgroupRoot } : {}),
      ...(o.kinds !== undefined ? { kinds: o.kinds } : {}),
      ...(o.discoveryIntervalMs !== undefined ? { intervalMs: o.discoveryIntervalMs } : {}),
    });
    this.#discovery = discovery;
    discovery.on('error', (e) => this.#fail(e));
    discovery.on('added', (c) => {
      if (
        c.workload.kind === 'kubernetes-pod' &&
        this.#resolver.index.pod(c.workload.podUid ?? '') === undefined
      )
        void this.#resolver.refresh();
      this.emit('workload', 'added', c);
    });
    discovery.on('removed', (c) => {
      this.#resolver.forget(c.path);
      this.emit('workload', 'removed', c);
    });

    if (o.capture) {
      // The files say what the learner's coverage says: payloads in the mode the sensor asks for.
      const payloads = sensorPayloads(o);
      this.#capture = new RotatingCapture({
        createdBy: `vigil daemon ${o.version ?? ''}`.trim(),
        ...(payloads !== undefined ? { payloads } : {}),
        ...o.capture,
        meta: { node: this.node, ...o.capture.meta },
      });
    }
    const inner = o.source ?? (await this.#openSensor(discovery.root));
    this.#source = new ResolvedSource(inner, this.#resolver);
    discovery.start();

    const daemon = this;
    const learnerSet = this.#learner.set;
    const fleet = o.fleetBaselines;
    this.#checked = new CheckedBaselines(learnerSet, () => fleet?.set);
    const checker = new LiveChecker(this.#learner, this.#checked, this.#packs, o.exceptions ?? []);
    this.#checker = checker;
    // A newly published fleet baseline is used from the next batch on (the rules' lookups are cached per detector).
    fleet?.on('baseline', this.#onFleetBaseline);
    if (o.otlp)
      this.#otlp = new OtlpRelay({
        exporter: o.otlp,
        ...(o.otlpIntervalMs !== undefined ? { intervalMs: o.otlpIntervalMs } : {}),
        onError: (e) => this.#fail(e),
      });
    const tap: Consumer = {
      name: 'daemon',
      onBatch(batch) {
        daemon.#events += batch.length;
        daemon.#batches++;
        daemon.#capture?.writeAll(batch);
        daemon.#otlp?.add({ events: batch });
        const sample = o.eventSample ?? 0;
        if (sample > 0 && daemon.#sink.publishEvents && Math.random() < sample)
          daemon.#publish(() => daemon.#sink.publishEvents?.(batch));
      },
    };
    const vigil = new Vigil({
      source: this.#source,
      enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
      consumers: [tap, this.#learner, checker, this.#perWorkload],
    });
    this.#vigil = vigil;
    vigil.on('finding', (f) => this.#onFinding(f));
    vigil.on('error', (e) => this.#fail(e));
    this.#pipeline = vigil.run();
    this.#done = this.#pipeline.then(
      () => this.stop(),
      (e) => {
        this.#fail(e);
        return this.stop();
      },
    );
    this.#scheduleReport();
  }

  async #openSensor(root: string): Promise<EventSource> {
    let native: typeof import('@vigil/ebpf-native');
    try {
      native = await import('@vigil/ebpf-native');
    } catch (cause) {
      throw new VigilError(
        'NATIVE_ADDON_MISSING',
        `the daemon's live sensor needs @vigil/ebpf-native: ${(cause as Error).message}`,
        { cause },
      );
    }
    return native.Sensor.open({
      dnsPorts: [53],
      ...(this.#options.sensor ?? {}),
      cgroups: [root],
      descendants: true,
    });
  }

  #publish(fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((e: unknown) => this.#fail(e));
    } catch (e) {
      this.#fail(e);
    }
  }

  #onFinding(found: Finding): void {
    // A daemon learns all the time: that a workload's baseline is still learning is no finding to send.
    if (found.ruleId === LEARNING_NOTE) return;
    const f = this.#withBaselineSource(found);
    const before = this.#findings.get(f.id);
    if (before !== undefined && severityRank(before.severity) >= severityRank(f.severity)) {
      this.#findings.set(f.id, f);
      return;
    }
    if (this.#findings.size >= MAX_KEPT_FINDINGS) {
      const oldest = this.#findings.keys().next().value;
      if (oldest !== undefined) this.#findings.delete(oldest);
    }
    this.#findings.set(f.id, f);
    this.#publish(() => this.#sink.publishFinding(f));
    this.#otlp?.add({ findings: [f] });
    this.emit('finding', f);
    // Incidents join findings of one process tree: look again shortly (findings come in bursts).
    this.#incidentTimer ??= setTimeout(() => {
      this.#incidentTimer = undefined;
      this.#correlate();
    }, 500);
  }

  // A drift finding says whether the fleet's stable baseline or the node's own was checked against.
  #withBaselineSource(f: Finding): Finding {
    const drift = (
      f as Finding & { drift?: { subject: string; versionKey: string; baselineVersion: string } }
    ).drift;
    if (f.category !== 'drift' || drift === undefined || drift.baselineVersion === '') return f;
    const source = this.#checked?.sourceOf(drift.subject, drift.versionKey, drift.baselineVersion);
    if (source === undefined) return f;
    if (f.evidence.some((e) => e.type === 'baseline' && e.description.startsWith('checked against')))
      return f;
    this.#checkedAgainst[source]++;
    return {
      ...f,
      evidence: [
        ...f.evidence,
        {
          type: 'baseline',
          description:
            source === 'fleet'
              ? `checked against the fleet's stable baseline ${drift.subject} @ ${drift.versionKey}, version ${drift.baselineVersion} (merged by the hub from every replica)`
              : `checked against this node's own baseline ${drift.subject} @ ${drift.versionKey}, version ${drift.baselineVersion} (the fleet has no stable baseline of it)`,
        },
      ],
    };
  }

  #correlate(): void {
    const incidents = correlateIncidents([...this.#findings.values()], {
      ...(this.#vigil ? { processes: this.#vigil.processes } : {}),
    });
    for (const i of incidents) {
      const state = `${i.severity}:${i.findings.length}`;
      if (this.#sentIncidents.get(i.id) === state) continue;
      this.#sentIncidents.set(i.id, state);
      this.#incidents++;
      this.#publish(() => this.#sink.publishIncident(i));
      this.emit('incident', i);
    }
  }

  #scheduleReport(delayMs = this.#options.reportIntervalMs ?? 30_000): void {
    clearTimeout(this.#timer);
    if (this.#stopping) return;
    this.#timer = setTimeout(() => {
      void this.report().finally(() => this.#scheduleReport());
    }, delayMs);
    this.#timer.unref();
  }

  /**
   * Merges what was learned into the store and sends what changed since the
   * last report: baselines, the AI-BOM, observed use (gap observations) and
   * incidents. Runs every `reportIntervalMs`, when a baseline becomes stable,
   * and at stop.
   */
  async report(): Promise<void> {
    const learner = this.#learner;
    const store = this.#store;
    if (!learner || !store) return;
    this.#reports++;
    try {
      const changed = learner.set
        .baselines()
        .filter((b) => this.#sentBaselines.get(keyOf(b)) !== b.version + b.status);
      if (changed.length > 0) {
        await store.mergeAll(changed);
        for (const b of changed) {
          this.#sentBaselines.set(keyOf(b), b.version + b.status);
          this.#deltas++;
          this.#publish(() => this.#sink.publishBaseline(b.subject, b));
          this.emit('baseline', b);
        }
      }
      const generator = { name: 'vigil daemon', version: this.#options.version ?? '0' };
      for (const w of this.#perWorkload.changed(generator)) {
        if (w.bom) this.#publish(() => this.#sink.publishAiBom({ workloadKey: w.workloadKey, bom: w.bom! }));
        if (w.observed)
          this.#publish(() => this.#sink.publishGap({ workloadKey: w.workloadKey, observed: w.observed! }));
      }
      this.#correlate();
    } catch (e) {
      this.#fail(e);
    }
  }

  /**
   * Stops cleanly: stops discovery, detaches the sensor (delivering what the
   * kernel already wrote), lets the learner and detectors finish, makes a last
   * report, closes the capture file, flushes and closes the sink and the store.
   * Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#timer);
      clearTimeout(this.#incidentTimer);
      this.#incidentTimer = undefined;
      this.#discovery?.stop();
      await this.#source?.close().catch((e: unknown) => this.#fail(e));
      await this.#pipeline?.catch(() => undefined);
      await this.report();
      try {
        this.#capture?.close({ drops: this.#source?.stats().drops ?? {} });
      } catch (e) {
        this.#fail(e);
      }
      this.#options.fleetBaselines?.off('baseline', this.#onFleetBaseline);
      await this.#otlp?.close();
      await this.#sink.flush().catch((e: unknown) => this.#fail(e));
      await this.#sink.close().catch((e: unknown) => this.#fail(e));
      if (typeof this.#options.store === 'string') await this.#store?.close();
    })();
    return this.#stopping;
  }

  stats(): NodeDaemonStats {
    const baselines = this.baselines();
    return {
      node: this.node,
      events: this.#events,
      batches: this.#batches,
      workloads: this.#discovery?.current().size ?? 0,
      baselines: baselines.length,
      stableBaselines: baselines.filter((b) => b.status === 'stable').length,
      findings: this.#findings.size,
      incidents: this.#incidents,
      baselineDeltas: this.#deltas,
      reports: this.#reports,
      errors: this.#errors,
      drops: this.#source?.stats().drops ?? {},
      pods: this.#resolver.stats(),
      ...(this.#capture ? { captures: this.#capture.stats() } : {}),
      checkedAgainst: { ...this.#checkedAgainst },
      ...(this.#otlp ? { otlp: this.#otlp.stats() } : {}),
    };
  }

  #fail(e: unknown): void {
    this.#errors++;
    const err =
      e instanceof VigilError
        ? e
        : new VigilError('INTERNAL', `daemon: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    this.emit('error', err);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * The AI-BOM and observed use of each workload identity (the baseline
 * subject the replicas share), built from its own events, and what changed
 * since the last look.
 */
class WorkloadObservations implements Consumer {
  readonly name = 'workload-observations';
  readonly #byKey = new Map<
    string,
    { aibom: AiBomBuilder; observed: ObservedUseAccumulator; sentBom: string; sentGap: string }
  >();

  onBatch(batch: readonly VigilEvent[]): void {
    let last: VigilEvent['workload'] | undefined;
    let slot: { aibom: AiBomBuilder; observed: ObservedUseAccumulator } | undefined;
    for (const ev of batch) {
      if (ev.workload !== last) {
        last = ev.workload;
        const key = defaultBaselineKey(ev.workload).subject;
        let s = this.#byKey.get(key);
        if (s === undefined) {
          s = { aibom: new AiBomBuilder(), observed: new ObservedUseAccumulator(), sentBom: '', sentGap: '' };
          this.#byKey.set(key, s);
        }
        slot = s;
      }
      slot!.aibom.observe(ev);
      slot!.observed.add(ev);
    }
  }

  /** Per workload, the AI-BOM and observed use when they changed since the last call. */
  changed(generator: {
    readonly name: string;
    readonly version: string;
  }): { workloadKey: string; bom?: AiBom; observed?: ObservedUseDocument }[] {
    const out: { workloadKey: string; bom?: AiBom; observed?: ObservedUseDocument }[] = [];
    for (const [workloadKey, s] of this.#byKey) {
      const bom = s.aibom.result({ generator });
      const observed = s.observed.result();
      const bomHash = bom.components.length > 0 ? digest(bom.components) : '';
      const gapHash = observed.uses.length > 0 ? digest(observed.uses) : '';
      const item: { workloadKey: string; bom?: AiBom; observed?: ObservedUseDocument } = { workloadKey };
      if (bomHash !== s.sentBom) {
        s.sentBom = bomHash;
        item.bom = bom;
      }
      if (gapHash !== s.sentGap) {
        s.sentGap = gapHash;
        item.observed = observed;
      }
      if (item.bom || item.observed) out.push(item);
    }
    return out;
  }
}

function keyOf(b: Baseline): string {
  return `${b.subject}\u0000${b.versionKey}`;
}

function digest(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex');
}

/**
 * The detectors of `vigil check` over the learner's live baselines: the
 * learner runs first in each batch, so every workload's baseline exists when
 * the detector first looks it up, and its status is read per event (drift is
 * reported once the baseline is stable; while it learns, only the rules that
 * need no baseline fire).
 */
class LiveChecker implements Consumer {
  readonly name = 'check';
  readonly #learner: BaselineLearner;
  readonly #baselines: CheckedBaselines;
  readonly #packs: readonly RulePack[];
  readonly #exceptions: readonly RuleException[];
  #detector: RulesCheckDetector | undefined;
  #started: ConsumerContext | undefined;

  constructor(
    learner: BaselineLearner,
    baselines: CheckedBaselines,
    packs: readonly RulePack[],
    exceptions: readonly RuleException[],
  ) {
    this.#learner = learner;
    this.#baselines = baselines;
    this.#packs = packs;
    this.#exceptions = exceptions;
  }

  /** Builds the detector again at the next batch (the fleet's baselines changed). */
  reset(): void {
    this.#detector = undefined;
  }

  start(ctx: ConsumerContext): void {
    this.#started = ctx;
  }

  onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext): void | Promise<void> {
    if (this.#detector === undefined) {
      if (this.#learner.set.size === 0 && this.#baselines.size === 0) return;
      this.#detector = rulesCheckDetector({
        packs: [...this.#packs],
        baselines: this.#baselines,
        engine: { exceptions: [...this.#exceptions] },
        drift: { report: 'first', learning: 'skip' },
      });
      const started = this.#detector.consumer.start?.(this.#started ?? ctx);
      if (started instanceof Promise) return started.then(() => this.#detector?.consumer.onBatch(batch, ctx));
    }
    return this.#detector.consumer.onBatch(batch, ctx);
  }
}
