import { WILDCARD } from '../../vocabulary/generalise.js';
import type { BaselineDomain, CollapsePolicy } from '../generalise.js';
import { nodePath } from '../observation.js';
import { toolEffectScope } from '../tool-effects.js';

/** A compact reference to an event that introduced an entry. */
export interface Introducer {
  readonly ts: number;
  readonly pid: number;
  readonly comm: string;
  readonly exe: string;
  readonly kind: string;
  /** The concrete value the event showed. */
  readonly value: string;
}

/**
 * What a baseline knows of one pattern. Counts are per origin (a learner on a
 * replica or node); merging takes the maximum per origin, which makes merges
 * idempotent, while a collapse adds the counts of the entries it combines.
 */
export interface EntryStats {
  counts: Map<string, number>;
  firstSeen: number;
  lastSeen: number;
  /** The smallest concrete values covered (sorted, at most `examplesPerEntry`). */
  examples: string[];
  /** The earliest introducing events (sorted by time, at most `introducersPerEntry`). */
  introducedBy: Introducer[];
}

/** Result of looking a pattern up. */
export interface TrieMatch {
  /** The matching entry, when covered. */
  readonly entry: EntryStats | undefined;
  /** The pattern that covers it (with wildcards), when covered. */
  readonly pattern: readonly string[] | undefined;
  /** How many leading segments matched. */
  readonly depth: number;
  /** The closest recorded pattern under the deepest matching node, when not covered. */
  readonly nearest: { readonly pattern: readonly string[]; readonly entry: EntryStats } | undefined;
}

class Node {
  children: Map<string, Node> | undefined;
  entry: EntryStats | undefined;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
}

function compareIntroducers(a: Introducer, b: Introducer): number {
  return a.ts - b.ts || a.pid - b.pid || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

function mergeSorted<T>(a: readonly T[], b: readonly T[], max: number, cmp: (x: T, y: T) => number): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (out.length < max && (i < a.length || j < b.length)) {
    let next: T;
    if (j >= b.length) next = a[i++]!;
    else if (i >= a.length) next = b[j++]!;
    else {
      const c = cmp(a[i]!, b[j]!);
      if (c < 0) next = a[i++]!;
      else if (c > 0) next = b[j++]!;
      else {
        next = a[i++]!;
        j++;
      }
    }
    const last = out[out.length - 1];
    if (last === undefined || cmp(last, next) !== 0) out.push(next);
  }
  return out;
}

const cmpString = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** Combines two entries: `join` (max per origin) or `sum` (add per origin). */
export function combineStats(
  a: EntryStats | undefined,
  b: EntryStats,
  mode: 'join' | 'sum',
  examples: number,
  introducers: number,
): EntryStats {
  if (a === undefined) {
    return {
      counts: new Map(b.counts),
      firstSeen: b.firstSeen,
      lastSeen: b.lastSeen,
      examples: [...b.examples],
      introducedBy: [...b.introducedBy],
    };
  }
  for (const [origin, n] of b.counts) {
    const cur = a.counts.get(origin) ?? 0;
    a.counts.set(origin, mode === 'join' ? Math.max(cur, n) : cur + n);
  }
  a.firstSeen = Math.min(a.firstSeen, b.firstSeen);
  a.lastSeen = Math.max(a.lastSeen, b.lastSeen);
  a.examples = mergeSorted(a.examples, b.examples, examples, cmpString);
  a.introducedBy = mergeSorted(a.introducedBy, b.introducedBy, introducers, compareIntroducers);
  return a;
}

/**
 * A trie of generalised patterns for one domain. Invariant: a node with a
 * wildcard child has no other children, so lookups walk one path and never
 * backtrack.
 */
export class PatternTrie {
  readonly domain: BaselineDomain;
  readonly #policy: CollapsePolicy;
  readonly #root: Node;
  readonly #examples: number;
  readonly #introducers: number;
  /** Entries, kept up to date where that is cheap; undefined when a join or collapse made it stale. */
  #count: number | undefined = 0;

  constructor(domain: BaselineDomain, policy: CollapsePolicy) {
    this.domain = domain;
    this.#policy = policy;
    this.#examples = policy.config.examplesPerEntry;
    this.#introducers = policy.config.introducersPerEntry;
    this.#root = new Node(this.#limit([]));
  }

  #limit(segs: readonly string[]): number {
    if (this.domain === 'toolEffects') {
      // What a tool did generalises by the rules of the domain it did it in (temp folders, /etc, …).
      const [domain, inner] = toolEffectScope(segs);
      return this.#policy.maxChildren(domain, nodePath(domain, inner));
    }
    return this.#policy.maxChildren(this.domain, nodePath(this.domain, segs));
  }

  /** Looks `segs` up without changing anything. */
  match(segs: readonly string[]): TrieMatch {
    let node = this.#root;
    const pattern: string[] = [];
    for (let i = 0; i < segs.length; i++) {
      const ch = node.children;
      let next: Node | undefined;
      let key = segs[i]!;
      if (ch !== undefined) {
        next = ch.get(key);
        if (next === undefined) {
          next = ch.get(WILDCARD);
          key = WILDCARD;
        }
      }
      if (next === undefined)
        return { entry: undefined, pattern: undefined, depth: i, nearest: this.#nearest(node, pattern) };
      pattern.push(key);
      node = next;
    }
    if (node.entry !== undefined)
      return { entry: node.entry, pattern, depth: segs.length, nearest: undefined };
    return {
      entry: undefined,
      pattern: undefined,
      depth: segs.length,
      nearest: this.#nearest(node, pattern),
    };
  }

  /** True when `segs` is covered. Cheaper than {@link PatternTrie.match}. */
  covers(segs: readonly string[]): boolean {
    let node: Node | undefined = this.#root;
    for (let i = 0; i < segs.length && node !== undefined; i++) {
      const ch: Map<string, Node> | undefined = node.children;
      node = ch === undefined ? undefined : (ch.get(segs[i]!) ?? ch.get(WILDCARD));
    }
    return node?.entry !== undefined;
  }

  // Shallowest entry under `start` (breadth first, bounded).
  #nearest(start: Node, prefix: readonly string[]): TrieMatch['nearest'] {
    const queue: [Node, string[]][] = [[start, [...prefix]]];
    for (let steps = 0; queue.length > 0 && steps < 4096; steps++) {
      const [n, p] = queue.shift()!;
      if (n.entry !== undefined) return { pattern: p, entry: n.entry };
      if (n.children) {
        for (const k of [...n.children.keys()].sort()) queue.push([n.children.get(k)!, [...p, k]]);
      }
    }
    return undefined;
  }

  /**
   * Records one observation; returns true when it was not covered before
   * (a new entry, possibly a new wildcard).
   */
  learn(
    segs: readonly string[],
    concrete: string,
    ts: number,
    origin: string,
    introducer: Introducer | undefined,
  ): boolean {
    let node = this.#root;
    let novel = false;
    const path: string[] = [];
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      let ch = node.children;
      let next = ch?.get(seg);
      let key = seg;
      if (next === undefined && ch !== undefined) {
        next = ch.get(WILDCARD);
        if (next !== undefined) key = WILDCARD;
      }
      if (next === undefined) {
        novel = true;
        if (ch === undefined) {
          ch = new Map();
          node.children = ch;
        }
        path.push(seg);
        next = new Node(this.#limit(path));
        path.pop();
        ch.set(seg, next);
        if (ch.size > node.limit) {
          next = this.#collapse(node, path);
          key = WILDCARD;
          this.#count = undefined;
        }
      }
      path.push(key);
      node = next;
    }
    let e = node.entry;
    if (e === undefined) {
      novel = true;
      if (this.#count !== undefined) this.#count++;
      e = { counts: new Map(), firstSeen: ts, lastSeen: ts, examples: [], introducedBy: [] };
      node.entry = e;
    }
    e.counts.set(origin, (e.counts.get(origin) ?? 0) + 1);
    if (ts < e.firstSeen) e.firstSeen = ts;
    if (ts > e.lastSeen) e.lastSeen = ts;
    const ex = e.examples;
    if (
      this.#examples > 0 &&
      (ex.length < this.#examples || concrete < ex[ex.length - 1]!) &&
      !ex.includes(concrete)
    ) {
      e.examples = mergeSorted(ex, [concrete], this.#examples, cmpString);
    }
    if (introducer !== undefined && this.#introducers > 0) {
      const intro = e.introducedBy;
      if (intro.length < this.#introducers || compareIntroducers(introducer, intro[intro.length - 1]!) < 0)
        e.introducedBy = mergeSorted(intro, [introducer], this.#introducers, compareIntroducers);
    }
    return novel;
  }

  // Replaces the children of `node` with one wildcard child that combines them all (counts add up).
  #collapse(node: Node, segs: string[]): Node {
    const ch = node.children;
    const existing = ch?.get(WILDCARD);
    if (ch !== undefined && existing !== undefined && ch.size === 1) return existing;
    segs.push(WILDCARD);
    const w = new Node(this.#limit(segs));
    if (ch !== undefined) for (const c of ch.values()) this.#combine(w, c, segs, 'sum');
    segs.pop();
    node.children = new Map([[WILDCARD, w]]);
    return w;
  }

  // Folds `src` (not modified) into `dst`.
  #combine(dst: Node, src: Node, segs: string[], mode: 'join' | 'sum'): void {
    if (src.entry !== undefined) {
      dst.entry = combineStats(dst.entry, src.entry, mode, this.#examples, this.#introducers);
    }
    const sch = src.children;
    if (sch === undefined || sch.size === 0) return;
    const dch = dst.children;
    if (sch.has(WILDCARD) || dch?.has(WILDCARD)) {
      // Either side is already generalised here: both become one wildcard, then fold.
      const dw = this.#collapse(dst, segs);
      segs.push(WILDCARD);
      const sw = new Node(dw.limit);
      for (const c of sch.values()) this.#combine(sw, c, segs, 'sum');
      this.#combine(dw, sw, segs, mode);
      segs.pop();
      return;
    }
    let out = dch;
    if (out === undefined) {
      out = new Map();
      dst.children = out;
    }
    for (const [k, c] of sch) {
      segs.push(k);
      let d = out.get(k);
      if (d === undefined) {
        d = new Node(this.#limit(segs));
        out.set(k, d);
      }
      this.#combine(d, c, segs, mode);
      segs.pop();
    }
    if (out.size > dst.limit) this.#collapse(dst, segs);
  }

  /** Joins another trie of the same domain and policy into this one (max per origin). */
  joinFrom(other: PatternTrie): void {
    this.#combine(this.#root, other.#root, [], 'join');
    // Counted when next asked: a baseline read from a document joins one entry at a time, and a
    // walk of the whole trie after each would make reading it quadratic in its entries.
    this.#count = undefined;
  }

  /** Number of entries: kept up to date as entries are learnt, counted again after a join or a collapse. */
  get count(): number {
    this.#count ??= this.size;
    return this.#count;
  }

  /** Inserts an entry as stored in a document (joined with what is there). */
  insertEntry(segs: readonly string[], stats: EntryStats): void {
    const single = new PatternTrie(this.domain, this.#policy);
    let node = single.#root;
    for (const s of segs) {
      const n = new Node(Number.POSITIVE_INFINITY);
      node.children = new Map([[s, n]]);
      node = n;
    }
    node.entry = stats;
    this.joinFrom(single);
  }

  /** Every entry with its pattern, in a stable (sorted) order. */
  entries(): { pattern: string[]; stats: EntryStats }[] {
    const out: { pattern: string[]; stats: EntryStats }[] = [];
    const walk = (n: Node, p: string[]) => {
      if (n.entry !== undefined) out.push({ pattern: [...p], stats: n.entry });
      if (n.children === undefined) return;
      for (const k of [...n.children.keys()].sort()) {
        p.push(k);
        walk(n.children.get(k)!, p);
        p.pop();
      }
    };
    walk(this.#root, []);
    return out;
  }

  /** Number of entries. */
  get size(): number {
    let n = 0;
    const stack: Node[] = [this.#root];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x.entry !== undefined) n++;
      if (x.children) for (const c of x.children.values()) stack.push(c);
    }
    return n;
  }

  /** Removes the entry at exactly `pattern`; true when there was one. */
  remove(pattern: readonly string[]): boolean {
    let node: Node | undefined = this.#root;
    for (const s of pattern) node = node?.children?.get(s);
    if (node?.entry === undefined) return false;
    node.entry = undefined;
    if (this.#count !== undefined) this.#count--;
    return true;
  }
}
