import { connectSucceeded, isLocalPeer, secretClass, type VigilEvent } from '@vigil/core';
import { EVENT_FACTS, type EventFact, type RuleFacts } from '../api/facts.js';

// One bit per fact; a fact shared by several kinds (`succeeded`) has one bit.
const SUCCEEDED = 1;
const READ = 2;
const WRITE = 4;
const MODIFY = 8;
const CREDENTIAL = 16;
const INET = 32;
const REMOTE = 64;
const MASKS = 128;

const BIT: Readonly<Record<EventFact, number>> = {
  succeeded: SUCCEEDED,
  read: READ,
  write: WRITE,
  modify: MODIFY,
  credential: CREDENTIAL,
  inet: INET,
  remote: REMOTE,
};

/**
 * The bits of the facts a rule or step declares for one kind (0: it needs none). Facts of another
 * kind's vocabulary are ignored, as the engine never works them out for this kind.
 */
export function factMask(facts: RuleFacts | undefined, kind: string): number {
  const listed = (facts as Readonly<Record<string, readonly EventFact[] | undefined>> | undefined)?.[kind];
  if (listed === undefined) return 0;
  const known = (EVENT_FACTS as Readonly<Record<string, readonly EventFact[]>>)[kind] ?? [];
  let m = 0;
  for (const f of listed) if (known.includes(f)) m |= BIT[f];
  return m;
}

/**
 * What one entry of a kind's route is: a rule and the facts it needs on that kind. For a sequence
 * rule, `start` lists what its first steps need on this kind: with no chain in progress, only an
 * event one of them can match does anything, so the rule is called for no other.
 */
export interface RouteEntry<C> {
  readonly rule: C;
  readonly needs: number;
  /** For a sequence rule: the needs of each first step selecting this kind (none: it cannot start here). */
  readonly start: readonly number[] | undefined;
}

/** The rules an event with given facts reaches, in route order. */
export interface Dispatch<C> {
  readonly rules: readonly C[];
  /** Per rule: call it only while it has a chain in progress (`start` could not be met). */
  readonly whileActive: readonly boolean[];
}

/**
 * The rules of one event kind, in pack order, with a dispatch table by the facts an event has: the
 * table for a set of facts holds the rules whose needs are among them, built on first use (at most
 * one per combination of facts).
 */
export class KindRoute<C> {
  readonly entries: RouteEntry<C>[] = [];
  /** Every need set of a rule or step on this kind: decides when `credential` is worth working out. */
  readonly #needSets: number[] = [];
  readonly #tables: (Dispatch<C> | undefined)[] = new Array(MASKS);
  /** Per set of the other facts: whether some rule or step on this kind could still need `credential`. */
  #credential: Uint8Array | undefined;
  /**
   * The engine's counts of the rules this kind routes to (for `stats().invocations`): enabled ones,
   * and of those the ones needing a baseline, as of the engine's `at` generation of disabled rules.
   */
  counts = { at: -1, all: 0, gated: 0 };

  add(entry: RouteEntry<C>, stepNeeds: readonly number[]): void {
    this.entries.push(entry);
    this.#needSets.push(entry.needs, ...(entry.start ?? []), ...stepNeeds);
    this.#credential = undefined;
    this.#tables.fill(undefined);
  }

  /** The rules an event with facts `mask` reaches. */
  dispatch(mask: number): Dispatch<C> {
    let d = this.#tables[mask];
    if (d === undefined) {
      const rules: C[] = [];
      const whileActive: boolean[] = [];
      for (const e of this.entries) {
        if ((e.needs & ~mask) !== 0) continue;
        rules.push(e.rule);
        whileActive.push(e.start !== undefined && !e.start.some((n) => (n & ~mask) === 0));
      }
      d = { rules, whileActive };
      this.#tables[mask] = d;
    }
    return d;
  }

  /** Whether, given the other facts, some rule or step could need `credential`. */
  wantsCredential(mask: number): boolean {
    let t = this.#credential;
    if (t === undefined) {
      t = new Uint8Array(MASKS);
      for (let m = 0; m < MASKS; m++)
        for (const n of this.#needSets)
          if ((n & CREDENTIAL) !== 0 && (n & ~CREDENTIAL & ~m) === 0) {
            t[m] = 1;
            break;
          }
      this.#credential = t;
    }
    return t[mask] === 1;
  }

  /** The facts of `ev` (an event of this route's kind) that rules on this kind can ask for. */
  facts(ev: VigilEvent): number {
    switch (ev.kind) {
      case 'file.open': {
        let m = ev.result >= 0 ? SUCCEEDED : 0;
        const a = ev.access;
        if (a === 'read') m |= READ;
        else if (a === 'write') m |= WRITE | MODIFY;
        else if (a === 'readwrite') m |= READ | WRITE | MODIFY;
        if (ev.created === true) m |= MODIFY;
        if (this.wantsCredential(m) && secretClass(ev.path) !== undefined) m |= CREDENTIAL;
        return m;
      }
      case 'net.connect': {
        let m = connectSucceeded(ev.result) ? SUCCEEDED : 0;
        if (ev.family !== 'unix') m |= isLocalPeer(ev.daddr, ev.dport) ? INET : INET | REMOTE;
        return m;
      }
      case 'process.exec':
        return ev.result === undefined || ev.result >= 0 ? SUCCEEDED : 0;
      default:
        return 0;
    }
  }
}

/** Every fact of `ev` its kind has (`credential` included): for the few events checked outside a route. */
export function allFacts(ev: VigilEvent): number {
  return EVERY.facts(ev);
}

const EVERY = new KindRoute<never>();
EVERY.add({ rule: undefined as never, needs: CREDENTIAL, start: undefined }, []);
