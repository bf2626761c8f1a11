import type {
  ComplianceRef,
  Consumer,
  ConsumerContext,
  CriticalBehaviour,
  CriticalHit,
  DriftAssessment,
  DriftAssessor,
  DriftCheck,
  DriftVerdict,
  Evidence,
  Finding,
  FindingTags,
  ProcessTree,
  Severity,
  UncoveredObservation,
  VigilEvent,
  WorkloadRef,
} from '@vigil/core';
import { riskScore, VigilError } from '@vigil/core';
import type { BaselineView } from '../api/baseline-view.js';
import { criticalBehaviour, resolveOverrides } from '../api/critical.js';
import { type CompiledException, compileExceptions, type RuleException } from '../api/exceptions.js';
import { type RulePack, validateRulePack } from '../api/pack.js';
import type {
  Detection,
  DriftView,
  EventRule,
  ProcessFacts,
  ProcessLookup,
  Rule,
  RuleContext,
  RuleDeclarations,
  RuleLogger,
  RuleMeta,
  RuleRole,
  RuleState,
  RuleTags,
  SequenceRule,
  SequenceStep,
} from '../api/rule.js';
import { complianceFor } from '../compliance/mappings.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { globListMatcher } from '../internal/glob.js';
import { stableId } from '../internal/hash.js';
import { isBuiltinPack } from '../packs/builtin.js';
import { allFacts, factMask, KindRoute } from './dispatch.js';

/**
 * Finding rate limit per rule, in stream time.
 *
 * @example
 * ```ts
 * new RuleEngine({ packs, rateLimit: { perMinute: 30, burst: 10 } });
 * ```
 */
export interface RateLimit {
  /** Findings a rule may report per minute once its burst is used up. */
  readonly perMinute: number;
  /** Findings a rule may report at once. */
  readonly burst: number;
}

/**
 * A user's change to a rule without editing its pack: another severity for
 * every finding it reports, other values for its parameters.
 *
 * @example
 * ```ts
 * const o: RuleOverride = { rule: 'vigil.critical.token-then-egress', params: { windowSeconds: 1800 } };
 * ```
 */
export interface RuleOverride {
  /** A rule id or a glob of ids (`vigil.drift.file.*`). */
  readonly rule: string;
  readonly severity?: Severity;
  /** Values for the rule's `meta.params` (unknown names are an error). */
  readonly params?: Readonly<Record<string, number>>;
}

/**
 * Options of {@link RuleEngine}.
 *
 * @example
 * ```ts
 * const options: RuleEngineOptions = { packs: builtinPacks(), disable: ['vigil.runtime.unexpected-egress'], dedupWindowMs: 60_000 };
 * ```
 */
export interface RuleEngineOptions {
  /** The packs to run (validated again here). */
  readonly packs: readonly RulePack[];
  /** With a baseline, baseline-aware rules run too; without one they are skipped. */
  readonly baseline?: BaselineView | undefined;
  /** Exceptions on top of the packs' own. */
  readonly exceptions?: readonly RuleException[];
  /** Rule ids or globs to turn off. */
  readonly disable?: readonly string[];
  /** Severity and parameter overrides, applied in order (a later one wins). */
  readonly overrides?: readonly RuleOverride[];
  /** Drop the packs' default exceptions. Default false. */
  readonly ignorePackExceptions?: boolean;
  /** Repeats of a finding within this window are counted on the first one instead of reported. Default 10 minutes. */
  readonly dedupWindowMs?: number;
  /** Most findings remembered for deduplication. Default 100,000. */
  readonly maxDedupEntries?: number;
  /** Per-rule rate limit; `false` turns it off. Default 60 per minute, burst 100. */
  readonly rateLimit?: RateLimit | false;
  /** Most partial matches a sequence rule keeps (unless the rule sets its own). Default 10,000. */
  readonly maxSequenceKeys?: number;
  /** Most `ctx.state` entries per rule. Default 10,000. */
  readonly maxStateEntries?: number;
  /** `ctx.state` entries older than this (stream time) disappear. Default 1 hour. */
  readonly stateTtlMs?: number;
  /** Most processes in the engine's process table. Default 65,536. */
  readonly maxProcesses?: number;
  /** Most findings kept for {@link RuleEngine.findings} (later ones are still reported). Default 100,000. */
  readonly maxRetainedFindings?: number;
  /** A rule that throws this many times is disabled. Default 10. */
  readonly maxErrorsPerRule?: number;
  readonly logger?: RuleLogger;
  /** Called for every finding reported (besides the pipeline's `report`). */
  readonly onFinding?: (finding: Finding) => void;
  /** What the deployment declares (data stores and their exposure), for the rules that use it. */
  readonly declared?: RuleDeclarations;
  /** Called when a rule throws or is disabled. Default: the logger's `error`. */
  readonly onError?: (error: VigilError) => void;
}

/**
 * Counters of a {@link RuleEngine}; memory-bearing structures report their size, peak and evictions.
 *
 * @example
 * ```ts
 * const { sequence, rateLimited } = engine.stats();
 * console.log(sequence.keys, '/', sequence.maxKeys, rateLimited);
 * ```
 */
export interface RuleEngineStats {
  readonly events: number;
  /** Rule invocations (an event routed to three rules counts three). */
  readonly invocations: number;
  readonly findings: number;
  readonly deduplicated: number;
  readonly rateLimited: number;
  readonly excepted: number;
  readonly ruleErrors: number;
  readonly disabledRules: readonly string[];
  readonly sequence: {
    readonly keys: number;
    readonly peakKeys: number;
    readonly maxKeys: number;
    readonly evictions: number;
    readonly expirations: number;
    readonly completed: number;
  };
  readonly state: { readonly entries: number; readonly peakEntries: number; readonly evictions: number };
  readonly processes: { readonly entries: number; readonly peakEntries: number; readonly evictions: number };
  readonly dedupEntries: number;
}

/**
 * Whether a rule runs, and if not why.
 *
 * @example
 * ```ts
 * for (const r of engine.rules()) if (!r.enabled) console.log(`${r.id}: ${r.reason}`);
 * ```
 */
export interface RuleStatus {
  readonly id: string;
  readonly pack: string;
  readonly enabled: boolean;
  readonly reason?: string;
}

interface SequenceState {
  readonly wid: string;
  /** First step of the group being matched. */
  next: number;
  /** Steps of that group matched so far (bit per step index). */
  matched: number;
  /** Matched events, by step index. */
  events: VigilEvent[];
}

interface Compiled {
  readonly rule: Rule;
  readonly meta: RuleMeta;
  readonly pack: string;
  readonly tags: FindingTags;
  readonly compliance: readonly ComplianceRef[];
  readonly exceptions: CompiledException[];
  readonly needsBaseline: boolean;
  readonly role: RuleRole;
  readonly severity: Severity | undefined;
  readonly params: Readonly<Record<string, number>>;
  /** For rules of role `critical`: what the drift detector and learner see of the rule. */
  readonly behaviour: CriticalBehaviour | undefined;
  readonly ctx: RuleContext;
  readonly state: BoundedMap<string, unknown>;
  readonly seq: BoundedMap<string | number, SequenceState> | undefined;
  /** Per kind, the facts (bits, see dispatch.ts) an event must have to reach the rule; absent: none. */
  readonly needs: Map<string, number>;
  /** For an event rule: the rule itself, called directly (one call per event instead of two). */
  readonly eventRule: EventRule | undefined;
  /** A sequence rule's handler, given the event and its facts. */
  handle: (ev: VigilEvent, facts: number) => void;
  errors: number;
  disabled: boolean;
  tokens: number;
  tokensTs: number;
  limitedWarned: boolean;
}

const NS_PER_MS = 1e6;
const SILENT: RuleLogger = { debug() {}, info() {}, warn() {}, error() {} };
const MAX_TREE_DEPTH = 32;

function prefixed(base: RuleLogger, id: string): RuleLogger {
  return {
    debug: (m) => base.debug(`[${id}] ${m}`),
    info: (m) => base.info(`[${id}] ${m}`),
    warn: (m) => base.warn(`[${id}] ${m}`),
    error: (m) => base.error(`[${id}] ${m}`),
  };
}

/**
 * The rule engine: routes each event only to the rules that select its kind,
 * runs stateless and sequence rules, applies exceptions, deduplicates and
 * rate-limits findings, and isolates rules that throw. It is a core
 * `Consumer`, so it plugs into the `Vigil` pipeline; it also works on its own
 * with {@link RuleEngine.process}.
 *
 * Findings are core `Finding`s with category `detection`, the rule's tags and
 * the compliance references of this package's mappings. A repeat of a finding
 * within the dedup window increments `count` and `lastSeen` on the finding
 * already reported.
 *
 * @example
 * ```ts
 * import { MemorySource, Vigil } from '@vigil/core';
 * import { builtinPacks, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: builtinPacks() });
 * const vigil = new Vigil({ source: new MemorySource(events), consumers: [engine] });
 * vigil.on('finding', (f) => console.log(f.severity, f.ruleId, f.summary));
 * await vigil.run();
 * ```
 */
export class RuleEngine implements Consumer, DriftAssessor {
  readonly name = 'rules';
  readonly #options: RuleEngineOptions;
  readonly #baseline: BaselineView | undefined;
  /** Detection rules by event kind, with a dispatch table by the facts an event has. */
  readonly #routes = new Map<string, KindRoute<Compiled>>();
  /** Bumped whenever a rule is disabled, so the routes' counts of enabled rules are taken again. */
  #disabledGen = 0;
  /** Rules of role `critical` and `drift`, by event kind: run only through {@link RuleEngine.assess}. */
  readonly #criticalRoutes = new Map<string, Compiled[]>();
  readonly #driftRoutes = new Map<string, Compiled[]>();
  #drift: DriftAssessing | undefined;
  readonly #compiled: Compiled[] = [];
  readonly #status: RuleStatus[] = [];
  readonly #dedup: BoundedMap<string, Finding>;
  /** The engine's own process table, used only when no pipeline hands it the shared tree. */
  readonly #procs: BoundedMap<number, ProcessFacts & { readonly wid: string }>;
  #tree: ProcessTree | undefined;
  readonly #processLookup: ProcessLookup;
  readonly #log: RuleLogger;
  readonly #onError: (error: VigilError) => void;
  readonly #dedupWindow: number;
  readonly #stateTtl: number;
  readonly #rate: RateLimit | false;
  readonly #maxErrors: number;
  #current: VigilEvent | undefined;
  /** The last root answered, for which event and pid (see the process lookup's `root`). */
  #rootOf: VigilEvent | undefined;
  #rootPid = -1;
  #root = 0;
  // Rule errors of the current batch, handed to the pipeline when no onError is configured.
  readonly #pending: VigilError[] = [];
  readonly #retained: Finding[] = [];
  readonly #maxRetained: number;
  #sink: ((f: Finding) => void) | undefined;
  #out: Finding[] | undefined;
  #events = 0;
  #invocations = 0;
  #findings = 0;
  #deduplicated = 0;
  #rateLimited = 0;
  #excepted = 0;
  #ruleErrors = 0;
  #completed = 0;

  constructor(options: RuleEngineOptions) {
    this.#options = options;
    this.#baseline = options.baseline;
    this.#log = options.logger ?? SILENT;
    this.#onError =
      options.onError ??
      ((e) => {
        this.#log.error(e.message);
        this.#pending.push(e);
      });
    this.#dedupWindow = (options.dedupWindowMs ?? 600_000) * NS_PER_MS;
    this.#stateTtl = (options.stateTtlMs ?? 3_600_000) * NS_PER_MS;
    this.#rate = options.rateLimit ?? { perMinute: 60, burst: 100 };
    this.#maxErrors = options.maxErrorsPerRule ?? 10;
    this.#maxRetained = options.maxRetainedFindings ?? 100_000;
    this.#dedup = new BoundedMap(options.maxDedupEntries ?? 100_000);
    this.#procs = new BoundedMap(options.maxProcesses ?? 65_536);
    const procs = this.#procs;
    const parentOf = (pid: number): number =>
      (this.#tree ? this.#tree.get(pid)?.ppid : procs.get(pid)?.ppid) ?? 0;
    this.#processLookup = {
      get: (pid) => (this.#tree ? this.#tree.get(pid) : procs.get(pid)),
      descendsFrom(pid, ancestor) {
        let p = pid;
        for (let i = 0; i < MAX_TREE_DEPTH && p > 0; i++) {
          if (p === ancestor) return true;
          p = parentOf(p);
        }
        return false;
      },
      root: (pid) => {
        // Several rules ask for the root of the same event's process: walk the tree once per event.
        const ev = this.#current;
        if (ev !== undefined && ev === this.#rootOf && pid === this.#rootPid) return this.#root;
        const root = this.#findRoot(pid);
        this.#rootOf = ev;
        this.#rootPid = pid;
        this.#root = root;
        return root;
      },
    };
    const disabled = globListMatcher(options.disable ?? []);
    const seenIds = new Map<string, string>();
    const packExceptions: RuleException[] = [];
    for (const raw of options.packs) {
      const pack = isBuiltinPack(raw) ? raw : validateRulePack(raw);
      if (!options.ignorePackExceptions) packExceptions.push(...(pack.exceptions ?? []));
      for (const rule of pack.rules) {
        const id = rule.meta.id;
        const other = seenIds.get(id);
        if (other !== undefined)
          throw new VigilError(
            'RULE_PACK_INVALID',
            `rule "${id}" of pack "${pack.name}" has the same id as a rule of pack "${other}"`,
          );
        seenIds.set(id, pack.name);
        if (disabled(id)) {
          this.#status.push({ id, pack: pack.name, enabled: false, reason: 'disabled by configuration' });
          continue;
        }
        if (
          rule.meta.requiresBaseline &&
          !this.#baseline &&
          (rule.meta.role ?? 'detection') === 'detection'
        ) {
          this.#status.push({ id, pack: pack.name, enabled: false, reason: 'needs a baseline' });
          continue;
        }
        this.#status.push({ id, pack: pack.name, enabled: true });
        this.#compiled.push(this.#compile(rule, pack.name, options));
      }
    }
    const exceptions = compileExceptions([...packExceptions, ...(options.exceptions ?? [])]);
    for (const c of this.#compiled) {
      for (const ex of exceptions) if (ex.appliesTo(c.meta.id)) c.exceptions.push(ex);
      try {
        c.rule.init?.({
          baseline: this.#baseline,
          log: c.ctx.log,
          ...(c.ctx.declared ? { declared: c.ctx.declared } : {}),
        });
      } catch (cause) {
        c.disabled = true;
        this.#disabledGen++;
        this.#ruleErrors++;
        this.#onError(
          new VigilError(
            'RULE',
            `rule "${c.meta.id}" of pack "${c.pack}" failed in init and is disabled: ${msg(cause)}`,
            {
              cause,
            },
          ),
        );
      }
    }
  }

  /**
   * The drift rules' verdict on one event its baseline does not fully cover
   * (the {@link DriftAssessor} a core `DriftDetector` consults): the critical
   * rules run first and their matches become hits; then the drift rules, in
   * pack order, each claiming the observations it reports on.
   */
  assess(check: DriftCheck, processes: ProcessTree | undefined): DriftVerdict {
    if (processes !== undefined) this.#tree = processes;
    const ev = check.event;
    const critical = this.#criticalRoutes.get(ev.kind);
    const drift = this.#driftRoutes.get(ev.kind);
    const assessments: DriftAssessment[] = [];
    const hits: CriticalHit[] = [];
    if (critical === undefined && drift === undefined) return { assessments, hits };
    const claimed = new Set<UncoveredObservation>();
    const view: DriftView = {
      check,
      shell: check.shell,
      unclaimed: (domain) =>
        check.uncovered.filter(
          (u) => !claimed.has(u) && (domain === undefined || u.observation.domain === domain),
        ),
      claim: (u) => {
        claimed.add(u);
      },
    };
    this.#drift = { view, claimed, assessments, hits };
    this.#current = ev;
    // Worked out only when a rule here declares facts (the built-in drift and critical rules do not).
    let facts = -1;
    try {
      for (const list of [critical, drift]) {
        if (list === undefined) continue;
        for (const c of list) {
          if (c.disabled) continue;
          this.#invocations++;
          const needs = c.needs.get(ev.kind) ?? 0;
          if (needs !== 0) {
            if (facts < 0) facts = allFacts(ev);
            if ((needs & ~facts) !== 0) continue;
          }
          try {
            if (c.eventRule !== undefined) c.eventRule.onEvent(ev, c.ctx);
            else c.handle(ev, facts < 0 ? allFacts(ev) : facts);
          } catch (cause) {
            this.#failed(c, ev, cause);
          }
        }
      }
    } finally {
      this.#drift = undefined;
      this.#current = undefined;
    }
    return { assessments, hits };
  }

  /** Which rules run and which were skipped, and why. */
  rules(): readonly RuleStatus[] {
    return this.#status.map((s) => {
      const c = this.#compiled.find((x) => x.meta.id === s.id);
      return c?.disabled ? { ...s, enabled: false, reason: 'disabled after errors' } : s;
    });
  }

  /** Consumer hook: remembers where to report; rules that failed in `init` are reported to the pipeline here. */
  start(ctx: ConsumerContext): void {
    this.#sink = (f) => ctx.report(f);
    this.#throwPending();
  }

  #throwPending(): void {
    if (this.#pending.length === 0) return;
    const errors = this.#pending.splice(0);
    throw new VigilError(
      'RULE',
      errors.length === 1 ? errors[0]!.message : `${errors.length} rule errors; first: ${errors[0]!.message}`,
      { cause: errors[0] },
    );
  }

  /**
   * Consumer hook: runs the rules over a batch. The whole batch is always
   * processed; when rules failed during it and no `onError` is configured,
   * one `VigilError` (code `RULE`) summarising them is thrown afterwards, which
   * the `Vigil` pipeline emits as `error` before going on with the next batch.
   */
  onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext): void {
    this.#sink = (f) => ctx.report(f);
    this.#tree = ctx.processes;
    this.#run(batch);
    this.#throwPending();
  }

  /**
   * Runs the rules over events outside a pipeline and returns the findings
   * newly reported (repeats folded into earlier findings are not returned).
   */
  process(events: Iterable<VigilEvent>): Finding[] {
    const out: Finding[] = [];
    this.#out = out;
    try {
      this.#run(events);
    } finally {
      this.#out = undefined;
      // Outside a pipeline the logger (or onError) is where rule errors go.
      this.#pending.length = 0;
    }
    return out;
  }

  /**
   * Every finding reported so far, in order, up to `maxRetainedFindings`;
   * repeats are folded into them (`count`, `lastSeen`), so after the stream
   * ends the counts are final.
   */
  findings(): readonly Finding[] {
    return this.#retained;
  }

  /** Calls every rule's `dispose` (errors are reported, not thrown). */
  dispose(): void {
    for (const c of this.#compiled) {
      try {
        c.rule.dispose?.();
      } catch (cause) {
        this.#onError(
          new VigilError('RULE', `rule "${c.meta.id}" failed in dispose: ${msg(cause)}`, { cause }),
        );
      }
    }
  }

  stats(): RuleEngineStats {
    let keys = 0;
    let peakKeys = 0;
    let maxKeys = 0;
    let evictions = 0;
    let expirations = 0;
    let entries = 0;
    let peakEntries = 0;
    let stateEvictions = 0;
    for (const c of this.#compiled) {
      if (c.seq) {
        keys += c.seq.size;
        peakKeys += c.seq.peak;
        maxKeys += c.seq.max;
        evictions += c.seq.evictions;
        expirations += c.seq.expirations;
      }
      entries += c.state.size;
      peakEntries += c.state.peak;
      stateEvictions += c.state.evictions;
    }
    return {
      events: this.#events,
      invocations: this.#invocations,
      findings: this.#findings,
      deduplicated: this.#deduplicated,
      rateLimited: this.#rateLimited,
      excepted: this.#excepted,
      ruleErrors: this.#ruleErrors,
      disabledRules: this.#compiled.filter((c) => c.disabled).map((c) => c.meta.id),
      sequence: { keys, peakKeys, maxKeys, evictions, expirations, completed: this.#completed },
      state: { entries, peakEntries, evictions: stateEvictions },
      processes: {
        entries: this.#procs.size,
        peakEntries: this.#procs.peak,
        evictions: this.#procs.evictions,
      },
      dedupEntries: this.#dedup.size,
    };
  }

  #run(events: Iterable<VigilEvent>): void {
    const routes = this.#routes;
    const baseline = this.#baseline;
    let invocations = 0;
    // Most events are of the kind before them: their route is looked up once per run of a kind.
    let lastKind: string | undefined;
    let route: KindRoute<Compiled> | undefined;
    for (const ev of events) {
      this.#events++;
      if (this.#tree === undefined) this.#track(ev);
      if (ev.kind !== lastKind) {
        lastKind = ev.kind;
        route = routes.get(lastKind);
      }
      if (route === undefined) continue;
      this.#current = ev;
      let counts = route.counts;
      if (counts.at !== this.#disabledGen) counts = this.#count(route);
      // Whether the workload has a baseline: asked once per event, when a rule of this kind needs one.
      const covered = counts.gated > 0 && baseline!.covers(ev.workload);
      // Every rule the kind routes to counts as invoked, whether or not the event's facts reach it.
      invocations += covered ? counts.all : counts.all - counts.gated;
      const facts = route.facts(ev);
      const { rules, whileActive } = route.dispatch(facts);
      for (let i = 0; i < rules.length; i++) {
        const c = rules[i]!;
        if (c.disabled || (c.needsBaseline && !covered)) continue;
        // A chain with nothing in progress: an event no first step can match does nothing.
        if (whileActive[i] && c.seq!.size === 0) continue;
        try {
          if (c.eventRule !== undefined) c.eventRule.onEvent(ev, c.ctx);
          else c.handle(ev, facts);
        } catch (cause) {
          this.#failed(c, ev, cause);
        }
      }
    }
    this.#invocations += invocations;
    this.#current = undefined;
  }

  #count(route: KindRoute<Compiled>): { at: number; all: number; gated: number } {
    let all = 0;
    let gated = 0;
    for (const { rule: c } of route.entries) {
      if (c.disabled) continue;
      all++;
      if (c.needsBaseline) gated++;
    }
    route.counts = { at: this.#disabledGen, all, gated };
    return route.counts;
  }

  /** The topmost known ancestor of `pid` in its workload: the pipeline's tree, or the engine's own table. */
  #findRoot(pid: number): number {
    const procs = this.#procs;
    const tree = this.#tree;
    if (tree) return tree.root(pid);
    let cur = procs.get(pid);
    if (cur === undefined) return pid;
    let root = pid;
    for (let i = 0; i < MAX_TREE_DEPTH; i++) {
      const parent = procs.get(cur.ppid);
      if (parent === undefined || parent.wid !== cur.wid || parent.pid === root) break;
      root = parent.pid;
      cur = parent;
    }
    return root;
  }

  #track(ev: VigilEvent): void {
    if (ev.pid === 0) return;
    const procs = this.#procs;
    if (ev.kind === 'process.exec') {
      if (ev.result !== undefined && ev.result < 0) return;
      const prev = procs.get(ev.pid);
      procs.set(
        ev.pid,
        { pid: ev.pid, ppid: ev.ppid || prev?.ppid || 0, exe: ev.filename, wid: ev.workload.id },
        ev.ts,
      );
    } else if (ev.kind === 'process.fork') {
      const parent = procs.get(ev.pid);
      procs.set(
        ev.childPid,
        { pid: ev.childPid, ppid: ev.pid, exe: parent?.exe ?? ev.exe, wid: ev.workload.id },
        ev.ts,
      );
    } else if (ev.ppid !== 0 && procs.get(ev.pid) === undefined) {
      // A process first seen by another event (its exec was before the stream) still joins its tree.
      procs.set(ev.pid, { pid: ev.pid, ppid: ev.ppid, exe: ev.exe, wid: ev.workload.id }, ev.ts);
    }
  }

  #failed(c: Compiled, ev: VigilEvent, cause: unknown): void {
    c.errors++;
    this.#ruleErrors++;
    this.#onError(
      new VigilError(
        'RULE',
        `rule "${c.meta.id}" of pack "${c.pack}" threw on a ${ev.kind} event of workload ${ev.workload.id}: ${msg(cause)}`,
        { cause },
      ),
    );
    if (c.errors >= this.#maxErrors) {
      c.disabled = true;
      this.#disabledGen++;
      this.#onError(
        new VigilError(
          'RULE',
          `rule "${c.meta.id}" of pack "${c.pack}" is disabled after ${c.errors} errors`,
        ),
      );
    }
  }

  #compile(rule: Rule, pack: string, options: RuleEngineOptions): Compiled {
    const meta = rule.meta;
    const engine = this;
    const state = new BoundedMap<string, unknown>(options.maxStateEntries ?? 10_000);
    const stateTtl = this.#stateTtl;
    const ruleState: RuleState = {
      get<T>(key: string): T | undefined {
        const ev = engine.#current;
        if (!ev) return undefined;
        return state.get(`${ev.workload.id}\u0000${key}`, ev.ts, stateTtl) as T | undefined;
      },
      set(key, value) {
        const ev = engine.#current;
        if (!ev) return;
        state.set(`${ev.workload.id}\u0000${key}`, value, ev.ts);
      },
      delete(key) {
        const ev = engine.#current;
        return ev ? state.delete(`${ev.workload.id}\u0000${key}`) : false;
      },
    };
    const log = prefixed(this.#log, meta.id);
    const role = meta.role ?? 'detection';
    const { severity, params } = resolveOverrides(meta, options.overrides ?? []);
    let compiled: Compiled;
    const ctx: RuleContext = {
      get workload(): WorkloadRef {
        return engine.#current!.workload;
      },
      baseline: this.#baseline,
      clock: { now: () => engine.#current?.ts ?? Date.now() * NS_PER_MS },
      log,
      state: ruleState,
      processes: this.#processLookup,
      get drift(): DriftView | undefined {
        return engine.#drift?.view;
      },
      params,
      ...(options.declared ? { declared: options.declared } : {}),
      report: (d: Detection) => engine.#report(compiled, d),
    };
    const rate = this.#rate;
    const seq =
      rule.type === 'sequence'
        ? new BoundedMap<string | number, SequenceState>(rule.maxKeys ?? options.maxSequenceKeys ?? 10_000)
        : undefined;
    compiled = {
      rule,
      meta,
      pack,
      tags: {
        owaspLlm: [...(meta.tags?.owaspLlm ?? [])],
        owaspAgentic: [...(meta.tags?.owaspAgentic ?? [])],
        atlas: [...(meta.tags?.atlas ?? [])],
        attack: [...(meta.tags?.attack ?? [])],
      },
      compliance: complianceFor(meta),
      exceptions: [],
      needsBaseline: meta.requiresBaseline === true && role === 'detection',
      role,
      severity,
      params,
      behaviour:
        role === 'critical' && rule.type === 'event'
          ? criticalBehaviour(rule, { severity, params })
          : undefined,
      ctx,
      state,
      seq,
      needs: new Map(),
      eventRule: rule.type === 'event' ? rule : undefined,
      handle: () => {},
      errors: 0,
      disabled: false,
      tokens: rate === false ? 0 : rate.burst,
      tokensTs: -1,
      limitedWarned: false,
    };
    // Per kind: what the rule needs of an event (dispatch), what its steps need, and for a chain keyed by
    // workload what its first steps need (with nothing in progress, only those events can start one).
    const perKind: { kind: string; needs: number; steps: number[]; start: number[] | undefined }[] = [];
    if (rule.type === 'sequence' && seq) {
      compiled.handle = this.#sequenceHandler(rule, seq, ctx, () => compiled);
      const first = firstGroup(rule.steps);
      for (const kind of new Set(rule.steps.flatMap((s) => s.kinds))) {
        const selecting = rule.steps.filter((s) => s.kinds.includes(kind as never));
        const steps = selecting.map((s) => factMask(s.facts, kind));
        const start = first
          .filter((s) => s.kinds.includes(kind as never))
          .map((s) => factMask(s.facts, kind));
        // Keyed by process tree, the rule is routed only where some step can match (it does nothing
        // otherwise); keyed by workload, always while a chain is in progress (an event's lookup
        // expires a chain whose window has passed).
        const needs = rule.keyBy === 'process-tree' ? steps.reduce((a, n) => a & n, -1) : 0;
        perKind.push({ kind, needs, steps, start });
      }
    } else {
      const r = rule as EventRule;
      // As listed: a kind listed twice routes the event to the rule twice, as it always did.
      for (const kind of r.kinds as readonly string[])
        perKind.push({ kind, needs: factMask(r.facts, kind), steps: [], start: undefined });
    }
    for (const { kind, needs } of perKind) if (needs !== 0) compiled.needs.set(kind, needs);
    if (role === 'detection') {
      for (const { kind, needs, steps, start } of perKind) {
        let route = this.#routes.get(kind);
        if (route === undefined) {
          route = new KindRoute<Compiled>();
          this.#routes.set(kind, route);
        }
        route.add({ rule: compiled, needs, start }, steps);
      }
    } else {
      const routes = role === 'critical' ? this.#criticalRoutes : this.#driftRoutes;
      for (const { kind } of perKind) {
        let list = routes.get(kind);
        if (!list) {
          list = [];
          routes.set(kind, list);
        }
        list.push(compiled);
      }
    }
    return compiled;
  }

  #sequenceHandler(
    rule: SequenceRule,
    seq: BoundedMap<string | number, SequenceState>,
    ctx: RuleContext,
    self: () => Compiled,
  ): (ev: VigilEvent, facts: number) => void {
    const steps = rule.steps;
    const n = steps.length;
    // For each kind, which steps select it and the facts each needs of it: one lookup per event
    // instead of one per step. A step whose needs an event lacks cannot match it and is not asked.
    const selects = new Map<string, { readonly selects: boolean[]; readonly needs: number[] }>();
    steps.forEach((s, i) => {
      for (const k of s.kinds) {
        let row = selects.get(k);
        if (row === undefined) {
          row = { selects: new Array<boolean>(n).fill(false), needs: new Array<number>(n).fill(0) };
          selects.set(k, row);
        }
        row.selects[i] = true;
        row.needs[i] = factMask(s.facts, k);
      }
    });
    // groupEnd[i]: one past the last step of the group that starts at i. Adjacent steps marked
    // `anyOrder` form one group whose steps may match in any order; other steps are groups of one.
    const groupEnd: number[] = new Array(n);
    for (let i = 0; i < n; ) {
      let e = i + 1;
      if (steps[i]!.anyOrder) while (e < n && steps[e]!.anyOrder) e++;
      for (let k = i; k < e; k++) groupEnd[k] = e;
      i = e;
    }
    const window = rule.windowMs * NS_PER_MS;
    const byTree = rule.keyBy === 'process-tree';
    const lookup = this.#processLookup;
    const firstEnd = groupEnd[0]!;
    let lastKind: string | undefined;
    let lastRow: { readonly selects: boolean[]; readonly needs: number[] } | undefined;
    const matchIn = (
      st: SequenceState | undefined,
      ev: VigilEvent,
      facts: number,
      from: number,
      to: number,
    ): number => {
      // Events of one kind come in runs: the row of the last kind is kept.
      if (ev.kind !== lastKind) {
        lastKind = ev.kind;
        lastRow = selects.get(ev.kind);
      }
      const row = lastRow;
      if (row === undefined) return -1;
      for (let i = from; i < to; i++) {
        if (!row.selects[i] || (row.needs[i]! & ~facts) !== 0) continue;
        if (st !== undefined && (st.matched & (1 << i)) !== 0) continue;
        if (steps[i]!.match(ev as never, ctx)) return i;
      }
      return -1;
    };
    return (ev, facts) => {
      const wid = ev.workload.id;
      const ts = ev.ts;
      let key: string | number | undefined;
      let st: SequenceState | undefined;
      if (byTree) {
        // Only an event that matches some step can start, continue or re-anchor a chain; most
        // events (file opens) match none and are spared the walk up the process tree.
        if (matchIn(undefined, ev, facts, 0, n) < 0) return;
        // Keyed by the pid that matched the first step (host pids are unique while alive); the
        // workload is checked so a reused pid in another workload never continues a chain.
        if (seq.size > 0) {
          let p = ev.pid;
          for (let i = 0; i < MAX_TREE_DEPTH && p > 0; i++) {
            const found = seq.get(p, ts, window);
            if (found !== undefined && found.wid === wid) {
              key = p;
              st = found;
              break;
            }
            p = lookup.get(p)?.ppid ?? (i === 0 ? ev.ppid : 0);
          }
        }
      } else {
        key = wid;
        st = seq.get(key, ts, window);
      }
      if (st !== undefined && key !== undefined) {
        const end = groupEnd[st.next]!;
        const hit = matchIn(st, ev, facts, st.next, end);
        if (hit >= 0) {
          st.events[hit] = ev;
          st.matched |= 1 << hit;
          if (st.matched === (1 << end) - 1 - ((1 << st.next) - 1)) {
            st.next = end;
            st.matched = 0;
          }
          if (st.next === n) {
            seq.delete(key);
            this.#completed++;
            this.#reportSequence(self(), rule, st.events);
          }
          return;
        }
        // A fresh first step re-anchors a chain that has not progressed, so the window follows the latest trigger.
        if (firstEnd === 1 && st.next === 1 && matchIn(undefined, ev, facts, 0, 1) === 0) {
          st.events[0] = ev;
          seq.set(key, st, ts);
        }
        return;
      }
      const hit = matchIn(undefined, ev, facts, 0, firstEnd);
      if (hit < 0) return;
      const events: VigilEvent[] = [];
      events[hit] = ev;
      const fresh: SequenceState =
        firstEnd === 1 ? { wid, next: 1, matched: 0, events } : { wid, next: 0, matched: 1 << hit, events };
      seq.set(byTree ? ev.pid : wid, fresh, ts);
    };
  }

  #reportSequence(c: Compiled, rule: SequenceRule, events: VigilEvent[]): void {
    // Evidence is in step order; with any-order steps that may differ from time order.
    const evidence: Evidence[] = events.map((e, i) => ({
      type: 'event',
      description: `step ${i + 1} of ${events.length} (${rule.steps[i]!.name}): ${rule.steps[i]!.description}`,
      event: e,
    }));
    let firstTs = Number.POSITIVE_INFINITY;
    let lastTs = 0;
    for (const e of events) {
      if (e.ts < firstTs) firstTs = e.ts;
      if (e.ts > lastTs) lastTs = e.ts;
    }
    const seconds = ((lastTs - firstTs) / 1e9).toFixed(1);
    const summary =
      rule.summarize?.(events) ?? `${rule.steps.map((s) => s.description).join(' → ')} (within ${seconds}s)`;
    this.#report(c, {
      subject: rule.subject?.(events) ?? '',
      summary,
      events: [],
      evidence,
      riskReasons: [`${events.length}-step chain completed within ${seconds}s`],
    });
  }

  #report(c: Compiled, d: Detection): void {
    const ev = this.#current;
    if (!ev) throw new VigilError('RULE', 'report() was called outside onEvent');
    for (const ex of c.exceptions) {
      if (ex.matches(ev)) {
        this.#excepted++;
        return;
      }
    }
    if (c.role !== 'detection') {
      this.#reportDrift(c, d, ev);
      return;
    }
    const events = d.events ?? [ev];
    let ts = ev.ts;
    for (const e of events) if (e.ts < ts) ts = e.ts;
    for (const e of d.evidence ?? []) if (e.event && e.event.ts < ts) ts = e.event.ts;
    const wid = ev.workload.id;
    const dedupKey = `${c.meta.id}\u0000${wid}\u0000${d.subject}`;
    const prev = this.#dedup.get(dedupKey);
    if (prev !== undefined) {
      const at = this.#dedup.writtenAt(dedupKey) ?? 0;
      if (ev.ts - at <= this.#dedupWindow) {
        prev.count = (prev.count ?? 1) + 1;
        prev.lastSeen = Math.max(prev.lastSeen ?? prev.ts, ev.ts);
        this.#deduplicated++;
        return;
      }
    }
    if (!this.#takeToken(c, ev.ts)) {
      this.#rateLimited++;
      if (!c.limitedWarned) {
        c.limitedWarned = true;
        c.ctx.log.warn('rate limit reached; further findings of this rule are dropped and counted');
      }
      return;
    }
    const severity = c.severity ?? d.severity ?? c.meta.severity;
    const reasons = [`${severity} severity detection by ${c.meta.id}`];
    let bonus = 0;
    if (c.needsBaseline) {
      bonus += 10;
      reasons.push('behaviour never seen while learning this workload');
    }
    for (const r of d.riskReasons ?? []) {
      bonus += 5;
      reasons.push(r);
    }
    const evidence: Evidence[] = events.map((e) => ({
      type: 'event',
      description: `observed ${e.kind}`,
      event: e,
    }));
    if (d.evidence) evidence.push(...d.evidence);
    const finding: Finding = {
      id: stableId(c.meta.id, wid, d.subject),
      ruleId: c.meta.id,
      title: c.meta.title,
      severity,
      category: 'detection',
      workload: ev.workload,
      ts,
      summary: d.summary,
      evidence,
      tags: {
        owaspLlm: [...c.tags.owaspLlm],
        owaspAgentic: [...c.tags.owaspAgentic],
        atlas: [...c.tags.atlas],
        attack: [...c.tags.attack],
      },
      compliance: c.compliance.map((r) => ({ ...r })),
      risk: { score: riskScore(severity, bonus), reasons },
      count: 1,
      lastSeen: ev.ts,
    };
    this.#dedup.set(dedupKey, finding, ev.ts);
    this.#findings++;
    if (this.#retained.length < this.#maxRetained) this.#retained.push(finding);
    this.#out?.push(finding);
    this.#sink?.(finding);
    this.#options.onFinding?.(finding);
  }

  /** A report of a drift or critical rule: an assessment or a hit of the event being assessed. */
  #reportDrift(c: Compiled, d: Detection, ev: VigilEvent): void {
    const st = this.#drift;
    if (st === undefined) return;
    if (c.role === 'critical') {
      st.hits.push({
        behaviour: c.behaviour!,
        match: { reason: d.summary, related: (d.events ?? []).filter((e) => e !== ev) },
      });
      return;
    }
    const r = d.drift;
    if (r === undefined)
      throw new VigilError('RULE', 'a drift rule reported without `drift` (the observation it is about)');
    if (st.claimed.has(r.observation)) return;
    st.claimed.add(r.observation);
    this.#findings++;
    st.assessments.push({
      observation: r.observation.observation,
      coverage: r.observation.coverage,
      ruleId: c.meta.id,
      title: r.title ?? c.meta.title,
      severity: c.severity ?? d.severity ?? c.meta.severity,
      what: r.what,
      tags: mergeTags(c.tags, r.tags),
    });
  }

  #takeToken(c: Compiled, ts: number): boolean {
    const rate = this.#rate;
    if (rate === false) return true;
    if (c.tokensTs >= 0 && ts > c.tokensTs) {
      c.tokens = Math.min(rate.burst, c.tokens + ((ts - c.tokensTs) / 60e9) * rate.perMinute);
    }
    if (ts > c.tokensTs) c.tokensTs = ts;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }
}

/** The steps a sequence starts with: the first, and the `anyOrder` steps grouped with it. */
function firstGroup(steps: readonly SequenceStep[]): readonly SequenceStep[] {
  let end = 1;
  if (steps[0]?.anyOrder) while (end < steps.length && steps[end]!.anyOrder) end++;
  return steps.slice(0, end);
}

interface DriftAssessing {
  readonly view: DriftView;
  readonly claimed: Set<UncoveredObservation>;
  readonly assessments: DriftAssessment[];
  readonly hits: CriticalHit[];
}

function mergeTags(base: FindingTags, extra: RuleTags | undefined): Partial<FindingTags> {
  if (extra === undefined) return base;
  const out: FindingTags = {
    owaspLlm: [...base.owaspLlm],
    owaspAgentic: [...base.owaspAgentic],
    atlas: [...base.atlas],
    attack: [...base.attack],
  };
  for (const k of ['owaspLlm', 'owaspAgentic', 'atlas', 'attack'] as const)
    for (const v of extra[k] ?? []) if (!out[k].includes(v)) out[k].push(v);
  return out;
}

function msg(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
