import type { EventOf, RagAgent, RagConfig, RagIngest, RagSubject } from '@vigil/core';
import { globListMatcher } from '../../internal/glob.js';

type Retrieval = EventOf<'retrieval'>;
type Matcher = (value: string) => boolean;

interface CompiledSubject {
  readonly workload: Matcher | undefined;
  readonly exe: Matcher | undefined;
  readonly principal: Matcher | undefined;
}

const compile = (s: RagSubject): CompiledSubject => ({
  workload: s.workload ? globListMatcher(s.workload) : undefined,
  exe: s.exe ? globListMatcher(s.exe) : undefined,
  principal: s.principal ? globListMatcher(s.principal) : undefined,
});

function matches(s: CompiledSubject, ev: Retrieval): boolean {
  if (
    s.workload &&
    !s.workload(ev.workload.id) &&
    !(ev.workload.name !== undefined && s.workload(ev.workload.name))
  )
    return false;
  if (s.exe && !s.exe(ev.exe)) return false;
  if (s.principal) {
    const ok =
      (ev.principal !== undefined && s.principal(ev.principal)) ||
      (ev.principalHash !== undefined && s.principal(`key:${ev.principalHash}`));
    if (!ok) return false;
  }
  return true;
}

/** The table or collection names a request touched, `dataSource` first. */
export function collectionsOf(ev: Retrieval): readonly string[] {
  return ev.collections && ev.collections.length > 0 ? ev.collections : [ev.dataSource];
}

/** The tables or collections a request wrote (none for reads and refused requests). */
export function writtenBy(ev: Retrieval): readonly string[] {
  if (ev.error !== undefined || (ev.operation !== 'upsert' && ev.operation !== 'delete')) return [];
  return ev.written && ev.written.length > 0 ? ev.written : [ev.dataSource];
}

/**
 * A RAG configuration compiled for the pack's rules: who may write the corpus,
 * which collections carry which labels, which agent needs which labels.
 */
export class RagPolicy {
  readonly #ingest: { entry: RagIngest; subject: CompiledSubject; collections: Matcher | undefined }[];
  readonly #collections: {
    name: Matcher;
    store: string | undefined;
    labels: readonly string[];
    corpus: boolean;
  }[];
  readonly #agents: { entry: RagAgent; subject: CompiledSubject }[];
  readonly #corpusGlobs: { name: Matcher; store: string | undefined }[];

  constructor(config: RagConfig | undefined) {
    this.#ingest = (config?.ingest ?? []).map((entry) => ({
      entry,
      subject: compile(entry),
      collections: entry.collections ? globListMatcher(entry.collections) : undefined,
    }));
    this.#collections = (config?.collections ?? []).map((c) => ({
      name: globListMatcher([c.name]),
      store: c.store,
      labels: c.labels,
      corpus: c.corpus !== false,
    }));
    this.#agents = (config?.agents ?? []).map((entry) => ({ entry, subject: compile(entry) }));
    this.#corpusGlobs = [
      ...this.#collections.filter((c) => c.corpus).map((c) => ({ name: c.name, store: c.store })),
      ...this.#ingest.flatMap((i) => (i.collections ? [{ name: i.collections, store: i.entry.store }] : [])),
    ];
  }

  /** Whether the configuration declares an ingest path at all. */
  get declaresIngest(): boolean {
    return this.#ingest.length > 0;
  }

  /** The declared ingest entry that allows this request to write `collection`, if any. */
  ingestFor(ev: Retrieval, collection: string): RagIngest | undefined {
    for (const i of this.#ingest) {
      if (i.entry.store !== undefined && i.entry.store !== ev.store) continue;
      if (i.collections && !i.collections(collection)) continue;
      if (matches(i.subject, ev)) return i.entry;
    }
    return undefined;
  }

  /** The configuration names `collection` as part of the retrieval corpus. */
  isCorpus(store: string | undefined, collection: string): boolean {
    return this.#corpusGlobs.some((c) => (c.store === undefined || c.store === store) && c.name(collection));
  }

  /** Every label the configuration gives `collection` (sorted, unique). */
  labelsOf(store: string | undefined, collection: string): string[] {
    const out = new Set<string>();
    for (const c of this.#collections)
      if ((c.store === undefined || c.store === store) && c.name(collection))
        for (const l of c.labels) out.add(l);
    return [...out].sort();
  }

  /** The first agent entry the request's workload, executable and principal match. */
  agentOf(ev: Retrieval): RagAgent | undefined {
    return this.#agents.find((a) => matches(a.subject, ev))?.entry;
  }
}
