import type { RagConfig } from '@vigil/core';
import type { RulePack } from '../api/pack.js';
import { aiChainsPack } from './ai-chains/index.js';
import { driftPack } from './drift/index.js';
import { createRagPack, ragPack } from './rag/index.js';
import { runtimePack } from './runtime/index.js';

/**
 * Every built-in pack: the runtime pack, the AI attack-chain pack, the drift pack and the RAG pack
 * (drift and critical rules, which run where a drift detector hands them events). With
 * `rag`, the RAG pack judges corpus writes, sensitive collections and agents' purposes by that
 * configuration (see `createRagPack`).
 *
 * @example
 * ```ts
 * import { builtinPacks, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: builtinPacks() });
 * ```
 */
export function builtinPacks(options: { readonly rag?: RagConfig } = {}): RulePack[] {
  return [runtimePack, aiChainsPack, driftPack, options.rag ? createRagPack(options.rag) : ragPack];
}

const BUILTIN: ReadonlySet<RulePack> = new Set(builtinPacks());

/**
 * Whether `pack` is one of the built-in pack objects: their tests validate them, so the engine
 * skips validating them again at every start (the zod pass costs start-up time).
 *
 * @internal
 */
export function isBuiltinPack(pack: RulePack): boolean {
  return BUILTIN.has(pack);
}
