import { countOf } from '@vigil/core';
import { defineRule, type EventRule } from '../../api/rule.js';
import { who } from './corpus-rules.js';
import { collectionsOf, type RagPolicy } from './policy.js';

/**
 * Retrieval from a table or collection the RAG configuration labels (`pii`,
 * `secrets`, `hr`, …) by an agent whose declared purpose does not need every
 * one of its labels, or by a workload with no declared purpose at all. The
 * corpus's own ingest path is not judged here.
 */
export function sensitiveRetrievalRule(policy: RagPolicy): EventRule {
  return defineRule({
    meta: {
      id: 'vigil.rag.sensitive-collection',
      title: 'Sensitive collection retrieved outside the agent’s purpose',
      description:
        'An agent retrieved from a table or collection whose labels (from the RAG configuration: `pii`, `secrets`, `hr`, …) its declared purpose does not cover, or a workload with no declared purpose retrieved from one. Needs a RAG configuration with `collections` labels.',
      severity: 'high',
      version: '1.0.0',
      areas: ['least-privilege', 'exfiltration'],
      tags: { owaspLlm: ['LLM02', 'LLM08'], owaspAgentic: ['ASI03'], atlas: ['AML.T0057'] },
      rationale:
        'Whatever the retriever returns reaches the model and can reach the user; data the purpose does not need is disclosure waiting for a prompt.',
      falsePositives: 'An agent whose purpose changed before its declaration did.',
      tuning:
        'Add the label to the agent’s `labels` in the RAG configuration, or remove the grant that lets it read the collection.',
    },
    kinds: ['retrieval'],
    onEvent(ev, ctx) {
      if (ev.error !== undefined || (ev.operation ?? 'query') !== 'query') return;
      for (const c of collectionsOf(ev)) {
        const labels = policy.labelsOf(ev.store, c);
        if (labels.length === 0 || policy.ingestFor(ev, c) !== undefined) continue;
        const agent = policy.agentOf(ev);
        const missing = labels.filter((l) => !(agent?.labels ?? []).includes(l));
        if (missing.length === 0) continue;
        const place = `${ev.store ?? 'store'}/${c}`;
        const purpose = agent
          ? `the declared purpose of ${agent.name}${agent.purpose ? ` ("${agent.purpose}")` : ''} covers ${agent.labels.length > 0 ? agent.labels.join(', ') : 'no labelled data'}`
          : 'it has no declared purpose in the RAG configuration';
        ctx.report({
          subject: `${place}:${missing.join(',')}`,
          summary: `${who(ev)} retrieved from ${place}, labelled ${labels.join(', ')}${ev.documents !== undefined ? ` (${countOf(ev.documents, 'row')})` : ''}; ${purpose}, not ${missing.join(', ')}`,
          riskReasons: [`labelled ${missing.join(', ')}`],
        });
      }
    },
  });
}
