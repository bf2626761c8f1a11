import type {
  BaselineDomain,
  ComplianceRef,
  ControlArea,
  DeclaredDataStores,
  DriftCheck,
  EventKind,
  EventOf,
  Evidence,
  Severity,
  UncoveredObservation,
  VigilEvent,
  WorkloadRef,
} from '@vigil/core';
import type { BaselineView } from './baseline-view.js';
import type { RuleFacts } from './facts.js';

export type { ControlArea } from '@vigil/core';
export { CONTROL_AREAS } from '@vigil/core';

/**
 * Taxonomy tags of a rule; every finding it reports carries them.
 *
 * @example
 * ```ts
 * const tags: RuleTags = { owaspAgentic: ['ASI02'], atlas: ['AML.T0053'], attack: ['T1059.004'] };
 * ```
 */
export interface RuleTags {
  /** OWASP Top 10 for LLM Applications 2025, e.g. `LLM06`. */
  readonly owaspLlm?: readonly string[];
  /** OWASP Top 10 for Agentic Applications 2026, `ASI01`–`ASI10`. */
  readonly owaspAgentic?: readonly string[];
  /** MITRE ATLAS technique ids, e.g. `AML.T0051.001`. */
  readonly atlas?: readonly string[];
  /** MITRE ATT&CK technique ids, e.g. `T1059.004`. */
  readonly attack?: readonly string[];
}

/**
 * What a rule is: the metadata findings, documentation and compliance mappings come from.
 *
 * @example
 * ```ts
 * const meta: RuleMeta = { id: 'acme.k8s.exec', title: 'kubectl exec', description: 'kubectl exec into a pod.', severity: 'medium', version: '1.0.0', areas: ['kubernetes-api'] };
 * ```
 */
export interface RuleMeta {
  /** Stable id, dotted, lower case: `vendor.area.name`. Never reuse an id for a different behaviour. */
  readonly id: string;
  readonly title: string;
  /** What the rule detects (one paragraph). */
  readonly description: string;
  readonly severity: Severity;
  /** The rule's own semver version; bump it when what fires changes. */
  readonly version: string;
  readonly tags?: RuleTags;
  /** Areas of control, for the compliance mappings. */
  readonly areas?: readonly ControlArea[];
  /** Equivalent rules in other tools, e.g. `Falco: Read sensitive file untrusted`. */
  readonly equivalents?: readonly string[];
  /** Why the behaviour matters. */
  readonly rationale?: string;
  /** Known benign causes. */
  readonly falsePositives?: string;
  /** How to tune it (exceptions to add, options). */
  readonly tuning?: string;
  /** The rule only works with a baseline; without one the engine skips it. */
  readonly requiresBaseline?: boolean;
  /** Controls beyond those the tags and areas imply. */
  readonly compliance?: readonly ComplianceRef[];
  /**
   * What the rule's reports become. `detection` (default): findings of
   * category `detection`. `drift`: the rule assesses behaviour a baseline does
   * not cover (`ctx.drift`), and its reports become drift findings. `critical`:
   * behaviour never admitted into a baseline silently; while learning it is
   * quarantined, while checking it lifts the drift findings of the same event.
   * Drift and critical rules run only where a drift detector hands them events.
   */
  readonly role?: RuleRole;
  /**
   * Tunable numbers and their defaults (a window in seconds, a depth); users
   * override them per rule (`RuleEngineOptions.overrides`), rules read
   * `ctx.params`.
   */
  readonly params?: Readonly<Record<string, number>>;
}

/**
 * What a rule's reports become; see {@link RuleMeta.role}.
 *
 * @example
 * ```ts
 * const role: RuleRole = 'drift';
 * ```
 */
export type RuleRole = 'detection' | 'drift' | 'critical';

/**
 * What a drift rule sees of an event its baseline does not fully cover
 * (`ctx.drift`): the observations still unclaimed (rules run in pack order;
 * reporting on an observation claims it, so a later, more general rule does
 * not report it again).
 *
 * @example
 * ```ts
 * for (const u of ctx.drift!.unclaimed('files')) ctx.report({ subject: u.observation.concrete, summary: 'new file', drift: { observation: u, what: `opened ${u.observation.concrete}` } });
 * ```
 */
export interface DriftView {
  /** The check: the event, its baseline, every uncovered observation, the shell it ran under. */
  readonly check: DriftCheck | undefined;
  /** The shell the event ran under, and whether the baseline knows shells started that way. */
  readonly shell: DriftCheck['shell'];
  /** Uncovered observations no earlier drift rule claimed, of one domain or all. */
  unclaimed(domain?: BaselineDomain): readonly UncoveredObservation[];
  /** Marks an observation as handled without a finding of its own (another finding speaks for it). */
  claim(observation: UncoveredObservation): void;
}

/**
 * What a drift rule reports about one uncovered observation (`Detection.drift`).
 *
 * @example
 * ```ts
 * const r: DriftReport = { observation: u, what: 'opened /dev/nvidia0, a device it never used while learning' };
 * ```
 */
export interface DriftReport {
  readonly observation: UncoveredObservation;
  /** Completes "<workload> …". */
  readonly what: string;
  /** The finding's title when it differs from the rule's (e.g. "… in a known folder"). */
  readonly title?: string;
  /** Tags beyond the rule's. */
  readonly tags?: RuleTags;
}

/**
 * What a rule hands to `ctx.report`; the engine turns it into a core `Finding`.
 *
 * @example
 * ```ts
 * ctx.report({ subject: ev.path, summary: `${ev.comm} read ${ev.path}`, severity: 'high' });
 * ```
 */
export interface Detection {
  /**
   * What the finding is about within the workload (a path, a peer, an
   * executable). Rule, workload and subject make the finding's stable id;
   * repeats of the same id are deduplicated.
   */
  readonly subject: string;
  /** One sentence for people. */
  readonly summary: string;
  /** Events that are the evidence; defaults to the event being handled. */
  readonly events?: readonly VigilEvent[];
  /** Further evidence (baseline entries, notes). */
  readonly evidence?: readonly Evidence[];
  /** Overrides the rule's severity for this finding. */
  readonly severity?: Severity;
  /** Extra reasons for the risk score. */
  readonly riskReasons?: readonly string[];
  /** For rules of role `drift`: the uncovered observation the report is about. */
  readonly drift?: DriftReport;
}

/**
 * A rule's view of time: stream time, the `ts` of the event being handled (ns since the epoch).
 *
 * @example
 * ```ts
 * const ageNs = ctx.clock.now() - startedAt;
 * ```
 */
export interface RuleClock {
  now(): number;
}

/**
 * Where rules write diagnostics; messages are prefixed with the rule id.
 *
 * @example
 * ```ts
 * ctx.log.warn('unexpected event shape; skipped');
 * ```
 */
export interface RuleLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Per-workload state of one rule, bounded by the engine (entries past the cap
 * or older than the state TTL disappear). Keys are scoped to the workload of
 * the event being handled.
 *
 * @example
 * ```ts
 * ctx.state.set(`written:${ev.path}`, ev.ts);
 * const when = ctx.state.get<number>(`written:${ev.path}`);
 * ```
 */
export interface RuleState {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): boolean;
}

/**
 * What the engine knows of a process from the exec and fork events it saw.
 *
 * @example
 * ```ts
 * const parent: ProcessFacts | undefined = ctx.processes.get(ev.ppid);
 * ```
 */
export interface ProcessFacts {
  readonly pid: number;
  readonly ppid: number;
  readonly exe: string;
}

/**
 * Ancestry lookups for rules: the process tree the pipeline maintains
 * (`ConsumerContext.processes`), or the engine's own bounded table when it runs
 * outside a pipeline.
 *
 * @example
 * ```ts
 * if (ctx.processes.descendsFrom(ev.pid, agentPid)) ctx.report({ subject: '', summary: 'from the agent tree' });
 * ```
 */
export interface ProcessLookup {
  get(pid: number): ProcessFacts | undefined;
  /** True when `pid` is `ancestor` or descends from it (bounded walk). */
  descendsFrom(pid: number, ancestor: number): boolean;
  /** The topmost known ancestor of `pid` in its workload: the process tree a tool's shell and its pipes share. */
  root(pid: number): number;
}

/**
 * What `init` receives.
 *
 * @example
 * ```ts
 * init(ctx) { if (!ctx.baseline) ctx.log.info('running without a baseline'); },
 * ```
 */
export interface RuleInitContext {
  readonly baseline: BaselineView | undefined;
  readonly log: RuleLogger;
  /** What the deployment declares, when the engine was given it. */
  readonly declared?: RuleDeclarations;
}

/**
 * What the deployment declares, for rules that compare it with what runs:
 * given to the engine (`RuleEngineOptions.declared`) and passed to every rule.
 *
 * @example
 * ```ts
 * import { loadDataStores } from '@vigil/core';
 * import { builtinPacks, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: builtinPacks(), declared: { dataStores: await loadDataStores(['deploy/']) } });
 * ```
 */
export interface RuleDeclarations {
  /** Data stores: their configuration (authentication, TLS, bind address) and Kubernetes exposure. */
  readonly dataStores?: DeclaredDataStores;
}

/**
 * What `onEvent` receives besides the event.
 *
 * @example
 * ```ts
 * onEvent(ev, ctx) { if (ctx.baseline?.seen(ev) === false) ctx.report({ subject: ev.kind, summary: 'new behaviour' }); },
 * ```
 */
export interface RuleContext {
  /** The workload of the event being handled. */
  readonly workload: WorkloadRef;
  /** The baseline, when the engine has one (always set for rules with `requiresBaseline`). */
  readonly baseline: BaselineView | undefined;
  readonly clock: RuleClock;
  readonly log: RuleLogger;
  /** This rule's state for the current workload. */
  readonly state: RuleState;
  readonly processes: ProcessLookup;
  /** For rules of role `drift` and `critical`: the uncovered behaviour of the event. */
  readonly drift: DriftView | undefined;
  /** The rule's `meta.params` with the user's overrides applied. */
  readonly params: Readonly<Record<string, number>>;
  /** What the deployment declares, when the engine was given it. */
  readonly declared?: RuleDeclarations;
  report(detection: Detection): void;
}

/**
 * A rule that looks at events one at a time (it may keep per-workload state
 * in `ctx.state`). Build one with {@link defineRule}.
 *
 * @example
 * ```ts
 * const rule: EventRule = defineRule({ meta, kinds: ['ptrace'], onEvent: (ev, ctx) => ctx.report({ subject: ev.requestName, summary: 'ptrace' }) });
 * ```
 */
export interface EventRule<K extends EventKind = EventKind> {
  readonly type: 'event';
  readonly meta: RuleMeta;
  /** The event kinds the rule selects; the engine routes only these to it. */
  readonly kinds: readonly K[];
  /**
   * What the rule needs of an event, per kind (see {@link EventFacts}): the engine calls `onEvent`
   * for an event of a listed kind only when all of them hold, working each fact out once per event
   * for every rule that asks. Kinds not listed, and rules that declare nothing, get every event
   * of their kinds. Keep the rule's own checks: it behaves the same wherever it is called.
   *
   * @example
   * ```ts
   * facts: { 'file.open': ['succeeded', 'read', 'credential'], 'net.connect': ['succeeded', 'remote'] },
   * ```
   */
  readonly facts?: RuleFacts<K>;
  init?(ctx: RuleInitContext): void;
  onEvent(event: EventOf<K>, ctx: RuleContext): void;
  dispose?(): void;
}

/**
 * One step of a {@link SequenceRule}.
 *
 * @example
 * ```ts
 * const s: SequenceStep = step({ name: 'api', description: 'called the API', kinds: ['k8s.api'], match: (ev) => ev.verb === 'create' });
 * ```
 */
export interface SequenceStep<K extends EventKind = EventKind> {
  /** Short name, e.g. `ingest`. */
  readonly name: string;
  /** What the step means; used as the evidence description. */
  readonly description: string;
  readonly kinds: readonly K[];
  /**
   * Adjacent steps marked `anyOrder` form a group whose steps may happen in
   * any order (e.g. a shell redirect connects before the file is read). The
   * group as a whole still comes after the steps before it.
   */
  readonly anyOrder?: boolean;
  /**
   * What the step needs of an event, per kind (see {@link EventFacts}): the engine asks `match` only
   * about events of a listed kind that have all of them; a chain keyed by process tree is not
   * called at all for an event no step can match.
   *
   * @example
   * ```ts
   * facts: { 'net.connect': ['succeeded', 'remote'] },
   * ```
   */
  readonly facts?: RuleFacts<K>;
  /** Whether the event is this step; the engine may ask more than once about one event (keep it free of side effects). */
  match(event: EventOf<K>, ctx: RuleContext): boolean;
}

/**
 * A rule over ordered steps: it fires when events matching every step happen
 * in order, per workload or per process tree, within a time window. The engine
 * keeps the partial matches with a hard cap and expires them, so memory stays
 * bounded under any input. Build one with {@link defineSequenceRule}.
 *
 * @example
 * ```ts
 * const chain: SequenceRule = defineSequenceRule({ meta, keyBy: 'process-tree', windowMs: 60_000, steps: [spawnShell, unshare] });
 * ```
 */
export interface SequenceRule {
  readonly type: 'sequence';
  readonly meta: RuleMeta;
  /** `workload`: steps may come from any process of the workload; `process-tree`: from the process that matched the first step or its descendants. */
  readonly keyBy: 'workload' | 'process-tree';
  /** Most time from the first step to the last, in milliseconds of stream time. */
  readonly windowMs: number;
  /** Most partial matches kept at once (default: the engine's `maxSequenceKeys`). */
  readonly maxKeys?: number;
  readonly steps: readonly SequenceStep[];
  /** The finding's subject; defaults to `''` (one finding per workload). */
  subject?(events: readonly VigilEvent[]): string;
  /** The finding's summary; defaults to the step descriptions. */
  summarize?(events: readonly VigilEvent[]): string;
  init?(ctx: RuleInitContext): void;
  dispose?(): void;
}

/**
 * Any rule.
 *
 * @example
 * ```ts
 * const rules: Rule[] = [shellInJupyter, tokenThenApi];
 * ```
 */
export type Rule = EventRule | SequenceRule;

/**
 * The input of {@link defineRule}.
 *
 * @example
 * ```ts
 * const spec: EventRuleSpec<'process.exec'> = { meta, kinds: ['process.exec'], onEvent() {} };
 * ```
 */
export type EventRuleSpec<K extends EventKind> = Omit<EventRule<K>, 'type'>;

/**
 * Defines a rule over single events. The event type of `onEvent` narrows to
 * the kinds listed.
 *
 * @example
 * ```ts
 * import { defineRule } from '@vigil/rules';
 *
 * export const shellInJupyter = defineRule({
 *   meta: { id: 'acme.jupyter.shell', title: 'Shell in a notebook server', description: 'A shell ran under Jupyter.', severity: 'medium', version: '1.0.0' },
 *   kinds: ['process.exec'],
 *   onEvent(ev, ctx) {
 *     if (ev.filename.endsWith('/bash')) ctx.report({ subject: ev.filename, summary: `${ev.comm} started bash` });
 *   },
 * });
 * ```
 */
export function defineRule<K extends EventKind>(spec: EventRuleSpec<K>): EventRule {
  return { type: 'event', ...spec } as unknown as EventRule;
}

/**
 * Defines one step of a sequence rule; `match` narrows to the kinds listed.
 *
 * @example
 * ```ts
 * const readsToken = step({
 *   name: 'token', description: 'read a service-account token', kinds: ['file.open'],
 *   match: (ev) => ev.path.endsWith('/serviceaccount/token'),
 * });
 * ```
 */
export function step<K extends EventKind>(spec: SequenceStep<K>): SequenceStep {
  return spec as unknown as SequenceStep;
}

/**
 * The input of {@link defineSequenceRule}.
 *
 * @example
 * ```ts
 * const spec: SequenceRuleSpec = { meta, keyBy: 'workload', windowMs: 60_000, steps: [a, b] };
 * ```
 */
export type SequenceRuleSpec = Omit<SequenceRule, 'type'>;

/**
 * Defines a sequence rule.
 *
 * @example
 * ```ts
 * import { defineSequenceRule, step } from '@vigil/rules';
 *
 * export const tokenThenApi = defineSequenceRule({
 *   meta: { id: 'acme.k8s.token-then-api', title: 'Token read then API call', description: 'A process read its token and then called the API.', severity: 'high', version: '1.0.0' },
 *   keyBy: 'workload',
 *   windowMs: 60_000,
 *   steps: [
 *     step({ name: 'token', description: 'read the token', kinds: ['file.open'], match: (ev) => ev.path.endsWith('/token') }),
 *     step({ name: 'api', description: 'called the API', kinds: ['k8s.api'], match: (ev) => ev.verb === 'list' }),
 *   ],
 * });
 * ```
 */
export function defineSequenceRule(spec: SequenceRuleSpec): SequenceRule {
  return { type: 'sequence', ...spec };
}
