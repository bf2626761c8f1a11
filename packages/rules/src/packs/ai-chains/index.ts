import { RULE_ENGINE_VERSION, type RulePack } from '../../api/pack.js';
import { agentEscape, agenticSupplyChain, injectionToExfiltration, privilegeTraversal } from './chains.js';

/**
 * The AI attack-chain pack: four multi-step chains as sequence rules, each
 * mapped to MITRE ATLAS and the OWASP Top 10 for Agentic Applications.
 *
 * @example
 * ```ts
 * import { aiChainsPack, MemoryBaselineView, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: [aiChainsPack], baseline: MemoryBaselineView.fromEvents(learning) });
 * ```
 */
export const aiChainsPack: RulePack = {
  name: '@vigil/rules/ai-chains',
  version: '1.1.0',
  engine: `^${RULE_ENGINE_VERSION}`,
  description: 'Multi-step AI attack chains across tool, file, process, network and API signals.',
  rules: [injectionToExfiltration, privilegeTraversal, agentEscape, agenticSupplyChain],
};
