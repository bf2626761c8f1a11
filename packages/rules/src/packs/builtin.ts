import type { RulePack } from '../api/pack.js';
import { aiChainsPack } from './ai-chains/index.js';
import { runtimePack } from './runtime/index.js';

/**
 * Every built-in pack: the runtime pack and the AI attack-chain pack.
 *
 * @example
 * ```ts
 * import { builtinPacks, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: builtinPacks() });
 * ```
 */
export function builtinPacks(): RulePack[] {
  return [runtimePack, aiChainsPack];
}
