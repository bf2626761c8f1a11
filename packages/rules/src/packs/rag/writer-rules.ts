import type { EventOf, Severity } from '@vigil/core';
import { defineRule, type EventRule, type RuleContext } from '../../api/rule.js';
import { poison, who } from './corpus-rules.js';
import { collectionsOf, type RagPolicy, writtenBy } from './policy.js';

type Retrieval = EventOf<'retrieval'>;

/** Unexplained writes kept until someone reads the collection, and collections seen read; both bounded. */
const MAX_PENDING = 4096;
const MAX_READ = 16_384;

const keyOf = (store: string | undefined, collection: string) => `${store ?? 'store'}/${collection}`;

/** The worst poisoned document among the texts a write carried (content mode only). */
function poisonIn(ev: Retrieval): { severity: Severity; what: string } | undefined {
  for (const t of ev.texts ?? []) {
    const p = poison(t);
    if (p) return p;
  }
  return undefined;
}

/**
 * Writes (upsert, insert, update, delete) to a table or collection of the
 * retrieval corpus by a workload that is not its ingest path. The ingest path
 * is the configured `ingest` entries, and every workload whose baseline
 * learned that very write (store, collection, operation, role). A collection
 * is part of the corpus when the configuration says so, or once any workload
 * is seen retrieving from it; a write seen before the first retrieval is
 * reported at that retrieval, with both events.
 */
export function corpusWriteRule(policy: RagPolicy): EventRule {
  let read = new Map<string, Retrieval>();
  let pending = new Map<string, { write: Retrieval; collection: string }[]>();
  const report = (ctx: RuleContext, write: Retrieval, collection: string, reader: Retrieval | undefined) => {
    const p = poisonIn(write);
    const place = keyOf(write.store, collection);
    const role = write.principal ? ` as ${write.principal}` : '';
    const readBy = reader ? `, a corpus ${who(reader)} retrieves from` : ', part of the retrieval corpus';
    const basis = policy.declaresIngest
      ? 'matches no declared ingest entry'
      : 'its baseline never learned this write';
    ctx.report({
      subject: `${place}:${write.workload.id}:${write.operation ?? 'upsert'}`,
      summary: `${who(write)} ${write.operation === 'delete' ? 'deleted from' : 'wrote'} ${place}${role}${readBy}; it is not the corpus's ingest path (${basis})${p ? `, and the document carries ${p.what}` : ''}`,
      events: reader ? [write, reader] : [write],
      ...(p ? { severity: 'critical' as const } : {}),
      riskReasons: [
        'a writer outside the ingest path can instruct every agent that retrieves from the corpus',
        ...(p ? ['the document written carries instructions for the model'] : []),
      ],
    });
  };
  return defineRule({
    meta: {
      id: 'vigil.rag.corpus-write-outside-ingest',
      title: 'Retrieval corpus written outside its ingest path',
      description:
        'A workload that is not the declared or learned ingest path wrote to (inserted, upserted, updated, deleted from) a table or collection agents retrieve from. The ingest path is the `ingest` entries of the RAG configuration and the workloads whose baseline learned that write; with neither, the rule stays silent. Critical when the document written carries hidden instructions or invisible Unicode (content mode).',
      severity: 'high',
      version: '1.0.0',
      areas: ['agent-tool-misuse', 'least-privilege'],
      tags: { owaspLlm: ['LLM04', 'LLM08'], owaspAgentic: ['ASI06'], atlas: ['AML.T0051.001'] },
      rationale:
        'RAG poisoning needs write access to the corpus; a write from anywhere other than the ingest job is the poisoning path being used.',
      falsePositives: 'A new ingest job, a migration or a manual fix by an operator.',
      tuning:
        'Declare the ingest job in the RAG configuration (`ingest`), or learn a baseline that includes its writes.',
    },
    kinds: ['retrieval'],
    init() {
      read = new Map();
      pending = new Map();
    },
    onEvent(ev, ctx) {
      if (ev.error !== undefined) return;
      const written = writtenBy(ev);
      if (written.length === 0) {
        for (const c of collectionsOf(ev)) {
          const key = keyOf(ev.store, c);
          if (read.has(key)) continue;
          if (read.size >= MAX_READ) read.delete(read.keys().next().value!);
          read.set(key, ev);
          const waiting = pending.get(key);
          if (waiting === undefined) continue;
          pending.delete(key);
          for (const w of waiting) report(ctx, w.write, w.collection, ev);
        }
        return;
      }
      // Without a declared ingest path or a baseline there is nothing to compare the writer with.
      if (!policy.declaresIngest && ctx.baseline === undefined) return;
      if (ctx.baseline?.seen(ev) === true) return;
      for (const c of written) {
        if (policy.ingestFor(ev, c) !== undefined) continue;
        const key = keyOf(ev.store, c);
        const reader = read.get(key);
        if (reader !== undefined || policy.isCorpus(ev.store, c)) {
          report(ctx, ev, c, reader);
          continue;
        }
        let list = pending.get(key);
        if (list === undefined) {
          if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
          list = [];
          pending.set(key, list);
        }
        if (list.length < 16) list.push({ write: ev, collection: c });
      }
    },
  });
}
