import type { RagConfig } from '@vigil/core';
import { RULE_ENGINE_VERSION, type RulePack } from '../../api/pack.js';
import { poisonedDocument } from './corpus-rules.js';
import { retrievalThenEgress } from './egress-rules.js';
import { RagPolicy } from './policy.js';
import { sensitiveRetrievalRule } from './purpose-rules.js';
import { storeWithoutAuth } from './store-rules.js';
import { corpusWriteRule } from './writer-rules.js';

/**
 * The RAG pack for a RAG configuration (`readRagConfig`): poisoned documents,
 * corpus writes outside the declared or learned ingest path, sensitive
 * collections retrieved outside an agent's declared purpose, and retrieval
 * followed by a large transfer to a new peer. Without a configuration the
 * ingest path is what the baselines learned and no collection is labelled.
 *
 * @example
 * ```ts
 * import { readRagConfig } from '@vigil/core';
 * import { createRagPack, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: [createRagPack(await readRagConfig('rag.yaml'))] });
 * ```
 */
export function createRagPack(config?: RagConfig): RulePack {
  const policy = new RagPolicy(config);
  return {
    name: '@vigil/rules/rag',
    version: '1.2.0',
    engine: `^${RULE_ENGINE_VERSION}`,
    description:
      'Retrieval-augmented generation: poisoned documents, corpus writes outside the ingest path, sensitive collections outside an agent’s purpose, retrieval followed by large egress; agents reaching data stores without authentication.',
    rules: [
      poisonedDocument,
      corpusWriteRule(policy),
      sensitiveRetrievalRule(policy),
      retrievalThenEgress,
      storeWithoutAuth,
    ],
  };
}

/**
 * The RAG pack without a RAG configuration (see {@link createRagPack}): the
 * payload decoder's `retrieval` events of PostgreSQL and vector-store traffic.
 *
 * @example
 * ```ts
 * import { ragPack, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: [ragPack] });
 * ```
 */
export const ragPack: RulePack = createRagPack();
