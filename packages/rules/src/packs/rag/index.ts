import { RULE_ENGINE_VERSION, type RulePack } from '../../api/pack.js';
import { poisonedDocument } from './corpus-rules.js';
import { storeWithoutAuth } from './store-rules.js';

/**
 * The RAG pack: the retrieval chain's corpus, from `retrieval` events the
 * payload decoder makes of PostgreSQL and vector-store traffic.
 *
 * @example
 * ```ts
 * import { ragPack, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: [ragPack] });
 * ```
 */
export const ragPack: RulePack = {
  name: '@vigil/rules/rag',
  version: '1.0.0',
  engine: `^${RULE_ENGINE_VERSION}`,
  description:
    'Retrieval-augmented generation: poisoned documents written into or retrieved from the corpus; agents reaching data stores without authentication.',
  rules: [poisonedDocument, storeWithoutAuth],
};
