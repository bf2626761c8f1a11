import { basename, type VigilEvent } from '../../../packages/core/src/index.js';
import type { AttackPlan } from './tasks.js';

/**
 * What an attack run did, told apart from the rest of the run: the events that
 * make the attack, so that a finding counts as detecting the attack only when
 * its evidence is the attack's own behaviour (not a benign step of the same
 * task that happened to be rated high).
 *
 * An event is the attack's when it is one of the attack's markers (a read of
 * its file, a connect to its peer, an exec of its program; see
 * {@link AttackPlan.markers}), or when it is an event of an attack process: a
 * process whose exec names a marker path or program in its arguments (the
 * shell command the injected instruction asked for) and every process it
 * starts. Feed the events in time order with {@link AttackTrace.observe}
 * (live, batch by batch, before the detector sees them), then ask.
 *
 * @example
 * ```ts
 * const trace = new AttackTrace(run.attack!);
 * for (const ev of events) trace.observe(ev);
 * const detected = findings.some((f) => atLeast(f.severity, 'high') && trace.concerns(eventsOf(f)));
 * ```
 */
export class AttackTrace {
  readonly #plan: AttackPlan;
  readonly #pids = new Set<number>();
  #first: number | undefined;

  constructor(plan: AttackPlan) {
    this.#plan = plan;
  }

  /** The kernel timestamp of the attack's first malicious syscall (its first marker event) so far. */
  get firstTs(): number | undefined {
    return this.#first;
  }

  /** Takes one event of the run into account (events in time order). */
  observe(ev: VigilEvent): void {
    if (this.isMarker(ev) && (this.#first === undefined || ev.ts < this.#first)) this.#first = ev.ts;
    if (ev.kind === 'process.fork') {
      if (this.#pids.has(ev.pid)) this.#pids.add(ev.childPid);
    } else if (ev.kind === 'process.exec') {
      if (this.#pids.has(ev.ppid) || this.#namesMarker(ev.filename, ev.argv)) this.#pids.add(ev.pid);
    }
  }

  /** True for one of the attack's markers: its file read, its peer connected to, its program run. */
  isMarker(ev: VigilEvent): boolean {
    const m = this.#plan.markers;
    return (
      (ev.kind === 'file.open' && m.paths.includes(ev.path)) ||
      (ev.kind === 'net.connect' &&
        m.ports.includes(ev.dport) &&
        ev.daddr.startsWith('127.0.0.') &&
        ev.daddr !== '127.0.0.1') ||
      (ev.kind === 'process.exec' && m.programs.includes(ev.filename))
    );
  }

  /** True for an event of the attack: a marker, or any event of an attack process. */
  isAttackEvent(ev: VigilEvent): boolean {
    return this.isMarker(ev) || this.#pids.has(ev.pid);
  }

  /** True when one of `events` (a finding's or an incident's evidence) is the attack's. */
  concerns(events: Iterable<VigilEvent>): boolean {
    for (const ev of events) if (this.isAttackEvent(ev)) return true;
    return false;
  }

  #namesMarker(filename: string, argv: readonly string[]): boolean {
    const m = this.#plan.markers;
    if (m.programs.includes(filename)) return true;
    const words = argv.join(' ').split(/[\s"'`;|&()<>=@]+/);
    return words.some(
      (w) => m.paths.includes(w) || m.programs.includes(w) || m.programs.some((p) => basename(p) === w),
    );
  }
}
