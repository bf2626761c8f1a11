import { createHash } from 'node:crypto';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { Severity } from '../findings/finding.js';
import { safeParseDocument } from '../readers/document-value.js';
import { WILDCARD } from '../vocabulary/generalise.js';
import { isCredentialPath } from '../vocabulary/public.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { type EventFamily, FAMILY_DOMAINS, type LearnedCoverage, mergeCoverage } from './coverage.js';
import {
  BASELINE_DOMAINS,
  type BaselineDomain,
  CollapsePolicy,
  DEFAULT_GENERALISATION,
  type GeneralisationConfig,
  sameGeneralisation,
} from './generalise.js';
import { CoverageCache } from './internal/coverage-cache.js';
import { type EntryStats, type Introducer, PatternTrie } from './internal/pattern-trie.js';
import { type BaselineObservation, describePattern, observeEvent } from './observation.js';
import {
  BASELINE_SCHEMA_VERSION,
  type BaselineDocument,
  BaselineDocumentSchema,
  type BaselineEntryDocument,
  type LearningState,
  type QuarantineItemDocument,
  type ReviewRecord,
  type StabilityPolicy,
} from './schema.js';
import { DEFAULT_STABILITY, StabilityTracker } from './stability.js';
import type { BaselineKey } from './subject.js';

export type { Introducer } from './internal/pattern-trie.js';

/** One generalised pattern in a baseline, as the public API shows it. */
export interface BaselineEntry {
  readonly domain: BaselineDomain;
  /** Generalised segments (`*` wildcards, `<num>`-style placeholders). */
  readonly pattern: readonly string[];
  /** The pattern as people read it, e.g. `/tmp/* (write)` or `egress tcp api.openai.com:443`. */
  readonly display: string;
  /** Observations over all origins. */
  readonly count: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Concrete values the pattern absorbed (smallest first). */
  readonly examples: readonly string[];
  /** The earliest events that introduced it. */
  readonly introducedBy: readonly Introducer[];
}

/** Whether a baseline covers an event, and if not, what it knows that is closest. */
export interface BaselineCoverage {
  /** True when every observation of the event is covered (also for events that observe nothing). */
  readonly covered: boolean;
  /** The first observation that is not covered (or the last that is). */
  readonly observation?: BaselineObservation;
  /** The entry covering {@link BaselineCoverage.observation}. */
  readonly entry?: BaselineEntry;
  /** When not covered: the closest entry under the deepest pattern prefix that matched. */
  readonly nearest?: BaselineEntry;
  /** When not covered: how many leading segments of the observation matched. */
  readonly depth?: number;
}

/** A quarantined item, as the public API shows it. */
export type QuarantineItem = QuarantineItemDocument;

/**
 * The read-only face of one learned baseline that other components consult: the
 * rules engine asks "was this seen while learning?", gap analysis asks "what was
 * used?". {@link Baseline} is one. (The rule API's baseline lookup across
 * workloads is `BaselineView` of `@vigil/rules`.)
 *
 * @example
 * ```ts
 * import type { ReadonlyBaseline } from '@vigil/core';
 *
 * function isNew(view: ReadonlyBaseline, event: VigilEvent): boolean {
 *   return !view.covers(event).covered;
 * }
 * const peers = view.peers().map((e) => e.display); // ['egress tcp api.openai.com:443', …]
 * ```
 */
export interface ReadonlyBaseline {
  readonly subject: string;
  readonly versionKey: string;
  /** A short content hash of the patterns: changes whenever coverage changes. */
  readonly version: string;
  readonly status: 'learning' | 'stable';
  /** Whether the event's behaviour was seen (after generalisation), with the entry or the nearest one. */
  covers(event: VigilEvent): BaselineCoverage;
  /** Like {@link ReadonlyBaseline.covers} for one observation. */
  coversObservation(observation: BaselineObservation): BaselineCoverage;
  /** Entries of one domain. */
  entries(domain: BaselineDomain): BaselineEntry[];
  /** Executables run, with argument patterns. */
  processes(): BaselineEntry[];
  /** Files opened, as path patterns with `read`, `write` or `exec`. */
  files(): BaselineEntry[];
  /** Network peers: egress (DNS name or address group, port), ingress and listening sockets. */
  peers(): BaselineEntry[];
  /** DNS names queried. */
  dnsNames(): BaselineEntry[];
  /** Capabilities put into the effective set. */
  capabilities(): BaselineEntry[];
  /** Notable system calls: privilege and namespace changes, ptrace, module and BPF loads, memfd. */
  syscalls(): BaselineEntry[];
  /** MCP tools invoked (server and tool). */
  tools(): BaselineEntry[];
  /** Models called (provider and model). */
  models(): BaselineEntry[];
  /** Retrieval data sources read. */
  retrievals(): BaselineEntry[];
  /** Kubernetes API calls (group, resource, namespace, verb). */
  k8sCalls(): BaselineEntry[];
  /** Cloud API calls (provider, service, action, resource). */
  cloudCalls(): BaselineEntry[];
  /** Behaviour held out of the baseline during learning. */
  quarantined(): readonly QuarantineItem[];
  /** What the recordings it was learned from could show; undefined when unknown. */
  coverage(): LearnedCoverage | undefined;
  /** Whether it can judge events of this family as new (see {@link Baseline.learnedFamily}). */
  learnedFamily(family: EventFamily): boolean;
}

/**
 * The former name of {@link ReadonlyBaseline}.
 *
 * @deprecated Use {@link ReadonlyBaseline}; `BaselineView` is the rule API's lookup in `@vigil/rules`.
 * @example
 * ```ts
 * import type { ReadonlyBaseline } from '@vigil/core';
 *
 * const peers = (view: ReadonlyBaseline) => view.peers().map((e) => e.display);
 * ```
 */
export type BaselineView = ReadonlyBaseline;

/** Options for {@link Baseline.create}. */
export interface BaselineCreateOptions extends BaselineKey {
  readonly workload: WorkloadRef;
  readonly generalisation?: GeneralisationConfig;
  readonly stability?: StabilityPolicy;
}

const MAX_WORKLOAD_IDS = 16;
const MAX_QUARANTINE_EVENTS = 3;

function quarantineKey(q: Pick<QuarantineItemDocument, 'behaviour' | 'observations'>): string {
  return `${q.behaviour}\u0000${JSON.stringify(q.observations)}`;
}

/**
 * The stable id of a quarantined item (`q-` and 16 hex digits): a hash of
 * the behaviour that flagged it and its observations, the same in every copy
 * and merge of the baseline.
 *
 * @example
 * ```ts
 * for (const q of baseline.quarantined()) console.log(quarantineId(q), q.title);
 * ```
 */
export function quarantineId(q: Pick<QuarantineItemDocument, 'behaviour' | 'observations'>): string {
  return `q-${createHash('sha256').update(quarantineKey(q)).digest('hex').slice(0, 16)}`;
}

function sortedRecord(
  m: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): Record<string, number> {
  const entries = m instanceof Map ? [...m] : Object.entries(m);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(entries);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * A behavioural baseline of one workload (all its replicas) for one
 * image/model version: generalised patterns per domain with counts, first and
 * last sight and examples; learning progress per origin; quarantined
 * behaviour. Build one with a {@link BaselineLearner}, read one with
 * {@link Baseline.fromDocument}, consult it through {@link ReadonlyBaseline}.
 *
 * @example
 * ```ts
 * import { Baseline } from '@vigil/core';
 *
 * const b = Baseline.fromDocument(doc);
 * const c = b.covers(event);
 * if (!c.covered) console.log('new:', c.observation?.concrete, 'nearest:', c.nearest?.display);
 * console.log(b.tools().map((t) => t.display));
 * ```
 */
let fromValidated: (doc: BaselineDocument) => Baseline;

/**
 * A baseline from a document that already passed {@link BaselineDocumentSchema} (a member of a set
 * that `BaselineSetDocumentSchema` validated): {@link Baseline.fromDocument} without validating it
 * again. Internal to the package; anything read from outside goes through `fromDocument`.
 */
export function baselineFromValidatedDocument(doc: BaselineDocument): Baseline {
  return fromValidated(doc);
}

export class Baseline implements ReadonlyBaseline {
  readonly subject: string;
  readonly versionKey: string;
  readonly generalisation: GeneralisationConfig;
  #stability: StabilityPolicy;
  #workload: WorkloadRef;
  #workloads: string[];
  readonly #policy: CollapsePolicy;
  readonly #tries = new Map<BaselineDomain, PatternTrie>();
  readonly #learning = new Map<string, StabilityTracker>();
  readonly #quarantine = new Map<string, QuarantineItemDocument>();
  /** Review decisions, by canonical form (so merges are a set union). */
  readonly #reviews = new Map<string, ReviewRecord>();
  /** What the recordings it learned from could show; undefined: unknown. */
  #coverage: LearnedCoverage | undefined;
  #gen = 0;
  #versionGen = -1;
  #version = '';
  readonly #cache = new CoverageCache();
  #stable: boolean | undefined;
  #cacheGen = 0;
  // Trackers call it when their status changes, so the cached status is worked out again.
  readonly #statusChanged = () => {
    this.#stable = undefined;
  };

  private constructor(
    key: BaselineKey,
    workload: WorkloadRef,
    generalisation: GeneralisationConfig,
    stability: StabilityPolicy,
  ) {
    this.subject = key.subject;
    this.versionKey = key.versionKey;
    this.#workload = workload;
    this.#workloads = [workload.id];
    this.generalisation = generalisation;
    this.#stability = stability;
    this.#policy = new CollapsePolicy(generalisation);
  }

  /** An empty baseline. */
  static create(options: BaselineCreateOptions): Baseline {
    return new Baseline(
      options,
      options.workload,
      options.generalisation ?? DEFAULT_GENERALISATION,
      options.stability ?? DEFAULT_STABILITY,
    );
  }

  /**
   * Reads a baseline document (validated with {@link BaselineDocumentSchema}).
   * Throws a `VigilError` with code `SCHEMA_INVALID` listing every problem and its path.
   */
  static fromDocument(input: unknown, where: { file?: string; path?: (string | number)[] } = {}): Baseline {
    const r = safeParseDocument(BaselineDocumentSchema, input);
    if (!r.success)
      throw fromZodError(r.error, 'baseline', {
        ...(where.file ? { file: where.file } : {}),
        path: where.path ?? [],
      });
    return Baseline.#fromValidated(r.data);
  }

  // A set's members were validated with the set (`BaselineSetDocumentSchema` holds
  // `BaselineDocumentSchema`): `BaselineSet.fromDocument` builds them through
  // `baselineFromValidatedDocument` rather than validating each a second time.
  static {
    fromValidated = (doc) => Baseline.#fromValidated(doc);
  }

  static #fromValidated(doc: BaselineDocument): Baseline {
    const b = new Baseline(doc, doc.workload, doc.generalisation, doc.stability);
    b.#workloads = [...new Set(doc.workloads)].sort().slice(0, MAX_WORKLOAD_IDS);
    if (!b.#workloads.includes(doc.workload.id))
      b.#workloads = [...b.#workloads, doc.workload.id].sort().slice(0, MAX_WORKLOAD_IDS);
    for (const domain of BASELINE_DOMAINS) {
      const list = doc.entries[domain];
      if (!list || list.length === 0) continue;
      const trie = b.#trie(domain);
      for (const e of list) trie.insertEntry(e.pattern, b.#statsFromDocument(domain, e));
    }
    for (const [origin, state] of Object.entries(doc.learning))
      b.#learning.set(origin, new StabilityTracker(doc.stability, state, b.#statusChanged));
    for (const q of doc.quarantine) b.#addQuarantine(q, 'join');
    for (const r of doc.reviews ?? []) b.#addReview(r);
    b.#coverage = mergeCoverage(doc.coverage, undefined);
    b.#gen++;
    return b;
  }

  /** The same baseline as a document: entries, origins and quarantine in sorted order, so equal baselines give equal documents. */
  toDocument(): BaselineDocument {
    const entries: Partial<Record<BaselineDomain, BaselineEntryDocument[]>> = {};
    for (const domain of BASELINE_DOMAINS) {
      const trie = this.#tries.get(domain);
      if (!trie) continue;
      const list = trie.entries().map(({ pattern, stats }) => this.#entryDocument(domain, pattern, stats));
      if (list.length > 0) entries[domain] = list;
    }
    const learning: Record<string, LearningState> = {};
    for (const origin of [...this.#learning.keys()].sort())
      learning[origin] = { ...this.#learning.get(origin)!.state };
    const quarantine = [...this.#quarantine.keys()].sort().map((k) => {
      const q = this.#quarantine.get(k)!;
      return { ...q, counts: sortedRecord(q.counts), events: [...q.events] };
    });
    return {
      schemaVersion: BASELINE_SCHEMA_VERSION,
      subject: this.subject,
      versionKey: this.versionKey,
      workload: this.#workload,
      workloads: [...this.#workloads],
      generalisation: this.generalisation,
      stability: this.#stability,
      learning,
      entries,
      quarantine,
      reviews: [...this.#reviews.keys()].sort().map((k) => this.#reviews.get(k)!),
      ...(this.#coverage !== undefined ? { coverage: mergeCoverage(this.#coverage, undefined)! } : {}),
    };
  }

  /**
   * What the recordings this baseline was learned from could show (event families, payload
   * modes), or undefined when that is unknown: a baseline learned before Vigil recorded it, or from
   * a stream whose recording nobody described ({@link Baseline.noteCoverage}).
   */
  coverage(): LearnedCoverage | undefined {
    return this.#coverage === undefined ? undefined : mergeCoverage(this.#coverage, undefined);
  }

  /** Adds what one more recording it learns from could show (`captureCoverage(header)`). */
  noteCoverage(coverage: LearnedCoverage): void {
    this.#coverage = mergeCoverage(this.#coverage, coverage);
    this.#gen++;
  }

  /**
   * Whether this baseline can judge events of `family` as new: its recordings carried the family,
   * or (coverage unknown or not declaring it) it learned entries of that family's domains. A family
   * it cannot judge is not new behaviour, only behaviour it never had the chance to see.
   */
  learnedFamily(family: EventFamily): boolean {
    if (this.#coverage?.families.includes(family) === true) return true;
    return FAMILY_DOMAINS[family].some((d) => this.entryCount(d) > 0);
  }

  /** Review decisions recorded in this baseline, in a stable order. */
  reviews(): readonly ReviewRecord[] {
    return [...this.#reviews.keys()].sort().map((k) => this.#reviews.get(k)!);
  }

  /**
   * Admits the quarantined item with id `id` (see {@link quarantineId}) after
   * review, recording who admitted it, why and when. Returns the record, or
   * undefined when no quarantined item has that id.
   */
  admitById(id: string, review: { by: string; reason: string; at: number }): ReviewRecord | undefined {
    const q = this.quarantined().find((x) => quarantineId(x) === id);
    if (q === undefined) return undefined;
    // Each admitted item counts under its own origin, so merges (max per origin) stay order-independent.
    this.admit(q, `review:${id}`);
    const record: ReviewRecord = {
      item: id,
      behaviour: q.behaviour,
      observations: q.observations,
      decision: 'admit',
      by: review.by,
      reason: review.reason,
      at: review.at,
    };
    this.#addReview(record);
    return record;
  }

  #addReview(r: ReviewRecord): void {
    this.#reviews.set(canonical(r), r);
    // An admitted item never comes back through a merge with a copy reviewed earlier.
    this.#quarantine.delete(quarantineKey(r));
  }

  #entryDocument(domain: BaselineDomain, pattern: string[], s: EntryStats): BaselineEntryDocument {
    const doc: BaselineEntryDocument = {
      pattern,
      counts: sortedRecord(s.counts),
      firstSeen: s.firstSeen,
      lastSeen: s.lastSeen,
    };
    if (
      !(s.examples.length === 1 && s.examples[0] === describePattern(domain, pattern)) &&
      s.examples.length > 0
    )
      doc.examples = [...s.examples];
    if (s.introducedBy.length > 0) doc.introducedBy = [...s.introducedBy];
    return doc;
  }

  #statsFromDocument(domain: BaselineDomain, e: BaselineEntryDocument): EntryStats {
    const k = this.generalisation.examplesPerEntry;
    const examples = e.examples ?? (k > 0 ? [describePattern(domain, e.pattern)] : []);
    return {
      counts: new Map(Object.entries(e.counts)),
      firstSeen: e.firstSeen,
      lastSeen: Math.max(e.lastSeen, e.firstSeen),
      examples: [...new Set(examples)].sort().slice(0, k),
      introducedBy: [...(e.introducedBy ?? [])]
        .sort((a, b) => a.ts - b.ts || a.pid - b.pid || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
        .slice(0, this.generalisation.introducersPerEntry),
    };
  }

  #trie(domain: BaselineDomain): PatternTrie {
    let t = this.#tries.get(domain);
    if (!t) {
      t = new PatternTrie(domain, this.#policy);
      this.#tries.set(domain, t);
    }
    return t;
  }

  /** A representative workload (the contributing one with the smallest id). */
  get workload(): WorkloadRef {
    return this.#workload;
  }

  /** Ids of contributing workloads (smallest first, at most 16). */
  get workloads(): readonly string[] {
    return this.#workloads;
  }

  /** The stability policy learners apply. */
  get stability(): StabilityPolicy {
    return this.#stability;
  }

  /**
   * `stable` when any origin's learning converged (or ran out of time, or was marked by hand). An
   * origin that kept learning after it looked stable goes back to learning on a run that was not
   * quiet (see {@link StabilityTracker.endRun}).
   */
  get status(): 'learning' | 'stable' {
    // Remembered until a tracker's status changes or a merge replaces one.
    this.#stable ??= [...this.#learning.values()].some((t) => t.state.status === 'stable');
    return this.#stable ? 'stable' : 'learning';
  }

  /** Learning progress per origin. */
  /** The stability policy learning is measured against. */
  get stabilityPolicy(): StabilityPolicy {
    return this.#stability;
  }

  learning(): Readonly<Record<string, LearningState>> {
    const out: Record<string, LearningState> = {};
    for (const [o, t] of this.#learning) out[o] = { ...t.state };
    return out;
  }

  get version(): string {
    if (this.#versionGen !== this.#gen) {
      const h = createHash('sha256');
      for (const domain of BASELINE_DOMAINS) {
        const t = this.#tries.get(domain);
        if (!t) continue;
        for (const { pattern } of t.entries()) h.update(`${domain}\u0001${pattern.join('\u0002')}\n`);
      }
      this.#version = h.digest('hex').slice(0, 12);
      this.#versionGen = this.#gen;
    }
    return this.#version;
  }

  /** Number of entries in one domain, without walking the patterns. */
  entryCount(domain: BaselineDomain): number {
    return this.#tries.get(domain)?.count ?? 0;
  }

  /** Whether one observation is covered (no entry objects built). */
  coversSegments(domain: BaselineDomain, segments: readonly string[]): boolean {
    return this.#tries.get(domain)?.covers(segments) ?? false;
  }

  /** Number of entries, over all domains or in one. */
  size(domain?: BaselineDomain): number {
    if (domain !== undefined) return this.#tries.get(domain)?.size ?? 0;
    let n = 0;
    for (const t of this.#tries.values()) n += t.size;
    return n;
  }

  covers(event: VigilEvent): BaselineCoverage {
    const obs = observeEvent(event, this.generalisation);
    const secret = isSecretRead(event);
    let last: BaselineCoverage = { covered: true };
    for (const o of obs) {
      const c = this.coversObservation(o, secret && o.domain === 'files');
      if (!c.covered) return c;
      last = c;
    }
    return last;
  }

  coversObservation(observation: BaselineObservation, exactOnly = false): BaselineCoverage {
    const trie = this.#tries.get(observation.domain);
    if (!trie) return { covered: false, observation, depth: 0 };
    const m = trie.match(observation.segments);
    // A credential is covered only by an entry that names it: no wildcard absorbs a secret.
    if (m.entry && m.pattern && !(exactOnly && m.pattern.includes(WILDCARD)))
      return { covered: true, observation, entry: this.#entry(observation.domain, m.pattern, m.entry) };
    const out: { covered: false; observation: BaselineObservation; depth: number; nearest?: BaselineEntry } =
      {
        covered: false,
        observation,
        depth: m.depth,
      };
    // A nearest entry that shares only the structural prefix (direction, protocol) says nothing.
    const structural = observation.domain === 'peers' ? 3 : 1;
    if (m.nearest && m.depth >= structural)
      out.nearest = this.#entry(observation.domain, m.nearest.pattern, m.nearest.entry);
    return out;
  }

  /**
   * Fast yes/no coverage for hot paths (cached per exact event value until the
   * baseline changes).
   */
  isCovered(event: VigilEvent): boolean {
    if (this.#cacheGen !== this.#gen) {
      this.#cache.clear();
      this.#cacheGen = this.#gen;
    }
    const hit = this.#cache.get(event);
    if (hit !== undefined) return hit;
    let covered = true;
    const secret = isSecretRead(event);
    for (const o of observeEvent(event, this.generalisation, false)) {
      if (secret && o.domain === 'files') {
        if (!this.coversObservation(o, true).covered) {
          covered = false;
          break;
        }
        continue;
      }
      const t = this.#tries.get(o.domain);
      if (!t?.covers(o.segments)) {
        covered = false;
        break;
      }
    }
    this.#cache.set(event, covered);
    return covered;
  }

  #entry(domain: BaselineDomain, pattern: readonly string[], s: EntryStats): BaselineEntry {
    let count = 0;
    for (const n of s.counts.values()) count += n;
    return {
      domain,
      pattern,
      display: describePattern(domain, pattern),
      count,
      counts: sortedRecord(s.counts),
      firstSeen: s.firstSeen,
      lastSeen: s.lastSeen,
      examples: s.examples,
      introducedBy: s.introducedBy,
    };
  }

  entries(domain: BaselineDomain): BaselineEntry[] {
    const t = this.#tries.get(domain);
    if (!t) return [];
    return t.entries().map(({ pattern, stats }) => this.#entry(domain, pattern, stats));
  }
  processes(): BaselineEntry[] {
    return this.entries('processes');
  }
  files(): BaselineEntry[] {
    return this.entries('files');
  }
  peers(): BaselineEntry[] {
    return this.entries('peers');
  }
  dnsNames(): BaselineEntry[] {
    return this.entries('dns');
  }
  capabilities(): BaselineEntry[] {
    return this.entries('capabilities');
  }
  syscalls(): BaselineEntry[] {
    return this.entries('syscalls');
  }
  tools(): BaselineEntry[] {
    return this.entries('tools');
  }
  models(): BaselineEntry[] {
    return this.entries('models');
  }
  retrievals(): BaselineEntry[] {
    return this.entries('retrievals');
  }
  k8sCalls(): BaselineEntry[] {
    return this.entries('k8s');
  }
  cloudCalls(): BaselineEntry[] {
    return this.entries('cloud');
  }
  quarantined(): readonly QuarantineItem[] {
    return [...this.#quarantine.keys()].sort().map((k) => this.#quarantine.get(k)!);
  }

  // ---- learning (used by BaselineLearner; usable directly) ----

  /** The stability tracker of one origin (created on first use). */
  tracker(origin: string): StabilityTracker {
    let t = this.#learning.get(origin);
    if (!t) {
      t = new StabilityTracker(this.#stability, undefined, this.#statusChanged);
      this.#learning.set(origin, t);
      this.#stable = undefined;
    }
    return t;
  }

  /** Records that a workload contributed. */
  noteWorkload(workload: WorkloadRef): void {
    if (this.#workloads.includes(workload.id)) return;
    if (workload.id < this.#workload.id) this.#workload = workload;
    this.#workloads = [...this.#workloads, workload.id].sort().slice(0, MAX_WORKLOAD_IDS);
  }

  /**
   * Admits one observation into the baseline; returns true when it was new
   * behaviour. Does not consult stability or quarantine: that is the learner's job.
   */
  record(observation: BaselineObservation, ts: number, origin: string, introducer?: Introducer): boolean {
    const novel = this.#trie(observation.domain).learn(
      observation.segments,
      observation.concrete,
      ts,
      origin,
      introducer,
    );
    if (novel) this.#gen++;
    return novel;
  }

  /** Holds behaviour out of the baseline for review (repeats add to the same item). */
  quarantine(item: QuarantineItemDocument): void {
    this.#addQuarantine(item, 'sum');
  }

  #addQuarantine(item: QuarantineItemDocument, mode: 'join' | 'sum'): void {
    const key = quarantineKey(item);
    const cur = this.#quarantine.get(key);
    if (!cur) {
      this.#quarantine.set(key, {
        ...item,
        counts: { ...item.counts },
        events: [...item.events].sort((a, b) => a.ts - b.ts).slice(0, MAX_QUARANTINE_EVENTS),
      });
      return;
    }
    for (const [o, n] of Object.entries(item.counts)) {
      const c = cur.counts[o] ?? 0;
      cur.counts[o] = mode === 'join' ? Math.max(c, n) : c + n;
    }
    cur.firstSeen = Math.min(cur.firstSeen, item.firstSeen);
    cur.lastSeen = Math.max(cur.lastSeen, item.lastSeen);
    if (cur.events.length < MAX_QUARANTINE_EVENTS || mode === 'join') {
      const seen = new Set(cur.events.map((e) => canonical(e)));
      const all = [...cur.events, ...item.events.filter((e) => !seen.has(canonical(e)))];
      all.sort((a, b) => a.ts - b.ts || (canonical(a) < canonical(b) ? -1 : 1));
      cur.events = all.slice(0, MAX_QUARANTINE_EVENTS);
    }
    // Keep the text deterministic whatever the order items arrive in.
    if (item.reason < cur.reason) cur.reason = item.reason;
    if (item.title < cur.title) cur.title = item.title;
    if (severityOrder(item.severity) > severityOrder(cur.severity)) cur.severity = item.severity;
  }

  /**
   * Admits a quarantined item after review: its observations join the
   * baseline and the item is removed. Returns false when there is no such item.
   */
  admit(item: Pick<QuarantineItem, 'behaviour' | 'observations'>, origin = 'review'): boolean {
    const key = quarantineKey(item);
    const q = this.#quarantine.get(key);
    if (!q) return false;
    this.#quarantine.delete(key);
    for (const o of q.observations) {
      const trie = this.#trie(o.domain);
      const stats: EntryStats = {
        counts: new Map([[origin, 1]]),
        firstSeen: q.firstSeen,
        lastSeen: q.lastSeen,
        examples: this.generalisation.examplesPerEntry > 0 ? [describePattern(o.domain, o.pattern)] : [],
        introducedBy: [],
      };
      trie.insertEntry(o.pattern, stats);
    }
    this.#gen++;
    return true;
  }

  /** Marks the baseline stable by hand (origin `manual` unless given). */
  markStable(ts: number, origin = 'manual'): void {
    const t = this.tracker(origin);
    if (t.state.observations === 0) {
      t.state.firstSeen = ts;
      t.state.lastSeen = ts;
    }
    t.markStable(ts);
  }

  /**
   * Joins two baselines of the same subject and version: patterns unite (and
   * re-generalise), counts take the maximum per origin, first/last sight the
   * min/max, examples and introducers the smallest/earliest. Commutative,
   * associative and idempotent when each origin's view is one learner's.
   *
   * @example
   * ```ts
   * const fleet = Baseline.merge(replicaA, replicaB);
   * ```
   */
  static merge(a: Baseline, b: Baseline): Baseline {
    const out = Baseline.fromDocument(a.toDocument());
    out.joinFrom(b);
    return out;
  }

  /** Joins `other` into this baseline (see {@link Baseline.merge}). */
  joinFrom(other: Baseline): void {
    if (other.subject !== this.subject || other.versionKey !== this.versionKey) {
      throw new VigilError(
        'INPUT_INVALID',
        `cannot merge baselines of different workloads or versions: '${this.subject}' @ '${this.versionKey}' and '${other.subject}' @ '${other.versionKey}'`,
      );
    }
    if (!sameGeneralisation(this.generalisation, other.generalisation)) {
      throw new VigilError(
        'INPUT_INVALID',
        `cannot merge baselines of '${this.subject}' learned with different generalisation settings`,
      );
    }
    for (const domain of BASELINE_DOMAINS) {
      const t = other.#tries.get(domain);
      if (t) this.#trie(domain).joinFrom(t);
    }
    for (const [origin, t] of other.#learning) {
      const mine = this.#learning.get(origin);
      if (!mine || learningOrder(t.state, mine.state) > 0)
        this.#learning.set(origin, new StabilityTracker(this.#stability, t.state, this.#statusChanged));
      this.#stable = undefined;
    }
    for (const q of other.#quarantine.values()) this.#addQuarantine(q, 'join');
    for (const r of [...this.#reviews.values(), ...other.#reviews.values()]) this.#addReview(r);
    this.#coverage = mergeCoverage(this.#coverage, other.#coverage);
    if (canonical(other.#stability) < canonical(this.#stability)) this.#stability = other.#stability;
    if (
      other.#workload.id < this.#workload.id ||
      (other.#workload.id === this.#workload.id && canonical(other.#workload) < canonical(this.#workload))
    )
      this.#workload = other.#workload;
    this.#workloads = [...new Set([...this.#workloads, ...other.#workloads])]
      .sort()
      .slice(0, MAX_WORKLOAD_IDS);
    this.#gen++;
  }
}

function severityOrder(s: Severity): number {
  return ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);
}

// A total order on learning states of one origin: the more advanced one wins a merge.
function learningOrder(a: LearningState, b: LearningState): number {
  if (a.observations !== b.observations) return a.observations - b.observations;
  if (a.lastSeen !== b.lastSeen) return a.lastSeen - b.lastSeen;
  const sa = a.status === 'stable' ? 1 : 0;
  const sb = b.status === 'stable' ? 1 : 0;
  if (sa !== sb) return sa - sb;
  const ca = canonical(a);
  const cb = canonical(b);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

// Reads of credentials, keys and tokens need an exact baseline entry (see coversObservation).
function isSecretRead(event: VigilEvent): boolean {
  return event.kind === 'file.open' && isCredentialPath(event.path);
}
