import type { EventKind, VigilEvent } from '../events/schema.js';
import type { FindingTags, Severity } from '../findings/finding.js';
import type { ProcessTree } from '../stream/enricher.js';
import type { ReadonlyBaseline } from './baseline.js';
import type { ShellContext } from './shell-context.js';

/** What a {@link CriticalBehaviour} can consult. */
export interface CriticalContext {
  /** The workload's baseline as it stands (being learned, or the stable one being checked against). */
  readonly baseline: ReadonlyBaseline | undefined;
  /** The executable a process runs, from the pipeline's process tree. */
  exeOf(pid: number): string | undefined;
  /** The pipeline's process tree (undefined outside a pipeline). */
  readonly processes: ProcessTree | undefined;
  /** The shell the event happened under, and whether the baseline already knows shells started that way. */
  readonly shell: { readonly context: ShellContext; readonly known: boolean } | undefined;
  /** Scratch state for this behaviour and workload, created with `init` on first use. */
  state<T>(init: () => T): T;
}

/** A critical behaviour matched: why, and any earlier events it depends on. */
export interface CriticalMatch {
  /** One sentence. */
  readonly reason: string;
  /** Earlier events that are part of it (e.g. the token read before an egress). */
  readonly related?: readonly VigilEvent[];
}

/**
 * Behaviour that must never be admitted into a baseline silently. While
 * learning it is quarantined for review; while checking it lifts a drift
 * finding's severity. This is the port the learner consults: the critical
 * behaviours Vigil ships are rules of the `vigil.drift` pack in
 * `@vigil/rules` (`criticalBehaviours(builtinPacks())` adapts them).
 *
 * @example
 * ```ts
 * import type { CriticalBehaviour } from '@vigil/core';
 *
 * const cryptoMiner: CriticalBehaviour = {
 *   id: 'acme.critical.miner-pool', title: 'Connection to a mining pool', severity: 'critical',
 *   kinds: ['net.connect'],
 *   check: (ev) => (ev.kind === 'net.connect' && ev.dport === 3333 ? { reason: `connected to ${ev.daddr}:3333` } : undefined),
 * };
 * new BaselineLearner({ critical: [...criticalBehaviours(builtinPacks()), cryptoMiner] });
 * ```
 */
export interface CriticalBehaviour {
  /** Stable id, e.g. `vigil.critical.shell-from-interpreter`. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Event kinds it looks at (all when omitted). */
  readonly kinds?: readonly EventKind[];
  readonly tags?: Partial<Record<keyof FindingTags, string[]>>;
  check(event: VigilEvent, ctx: CriticalContext): CriticalMatch | undefined;
}

/**
 * How long after a credential read an egress counts as using it (ns): the
 * default window of the credential-then-egress rules.
 *
 * @example
 * ```ts
 * const inWindow = egress.ts - read.ts <= TOKEN_EGRESS_WINDOW_NS;
 * ```
 */
export const TOKEN_EGRESS_WINDOW_NS = 10 * 60 * 1e9;

/** One behaviour that matched an event. */
export interface CriticalHit {
  readonly behaviour: CriticalBehaviour;
  readonly match: CriticalMatch;
}

const MAX_WORKLOADS = 10_000;

/**
 * What {@link CriticalGuard.check} may be told besides the event and baseline.
 *
 * @example
 * ```ts
 * guard.check(ev, baseline, { processes: vigil.processes });
 * ```
 */
export interface CriticalCheckOptions {
  /** The pipeline's process tree. */
  readonly processes?: ProcessTree | undefined;
  /** The shell the event happened under and whether the baseline knows shells started that way. */
  readonly shell?: { readonly context: ShellContext; readonly known: boolean } | undefined;
}

/**
 * Runs critical behaviours over a stream, keeping the scratch state they need
 * per workload; process ancestry comes from the pipeline's process tree.
 *
 * @example
 * ```ts
 * const guard = new CriticalGuard(criticalBehaviours(builtinPacks()));
 * for (const ev of events) for (const hit of guard.check(ev, baseline, { processes: vigil.processes })) console.log(hit.behaviour.id, hit.match.reason);
 * ```
 */
export class CriticalGuard {
  readonly behaviours: readonly CriticalBehaviour[];
  readonly #byKind = new Map<string, CriticalBehaviour[]>();
  readonly #workloads = new Map<string, Map<string, unknown>>();

  constructor(behaviours: readonly CriticalBehaviour[]) {
    this.behaviours = behaviours;
  }

  #forKind(kind: string): CriticalBehaviour[] {
    let list = this.#byKind.get(kind);
    if (!list) {
      list = this.behaviours.filter((b) => b.kinds === undefined || b.kinds.includes(kind as EventKind));
      this.#byKind.set(kind, list);
    }
    return list;
  }

  #state(ev: VigilEvent): Map<string, unknown> {
    let w = this.#workloads.get(ev.workload.id);
    if (!w) {
      if (this.#workloads.size >= MAX_WORKLOADS) {
        const oldest = this.#workloads.keys().next().value;
        if (oldest !== undefined) this.#workloads.delete(oldest);
      }
      w = new Map();
      this.#workloads.set(ev.workload.id, w);
    }
    return w;
  }

  /** True when some behaviour looks at events of this kind. */
  selects(kind: string): boolean {
    return this.#forKind(kind).length > 0;
  }

  /** Every behaviour the event matches (empty when none). Never throws: a failing behaviour is skipped. */
  check(
    ev: VigilEvent,
    baseline: ReadonlyBaseline | undefined,
    options: CriticalCheckOptions = {},
  ): CriticalHit[] {
    const list = this.#forKind(ev.kind);
    if (list.length === 0) return [];
    const ws = this.#state(ev);
    const tree = options.processes;
    let hits: CriticalHit[] | undefined;
    for (const b of list) {
      const ctx: CriticalContext = {
        baseline,
        processes: tree,
        shell: options.shell,
        exeOf: (pid) => tree?.get(pid)?.exe || undefined,
        state: <T>(init: () => T): T => {
          let s = ws.get(b.id) as T | undefined;
          if (s === undefined) {
            s = init();
            ws.set(b.id, s);
          }
          return s;
        },
      };
      let match: CriticalMatch | undefined;
      try {
        match = b.check(ev, ctx);
      } catch {
        match = undefined;
      }
      if (match) {
        hits ??= [];
        hits.push({ behaviour: b, match });
      }
    }
    return hits ?? [];
  }
}
