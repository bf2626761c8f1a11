import { CALL_EVENT_KINDS } from '@vigil/core';
import type { RulePack } from '../api/pack.js';

const CALL_KINDS: ReadonlySet<string> = new Set(CALL_EVENT_KINDS);

/**
 * The chains (sequence rules) of `packs` whose first step is a model call, a tool call, a tool
 * list or a retrieval, by id: the injection chains, which have nothing to start from in a capture
 * recorded without payload capture (`vigil record --payloads`) and without OTel spans.
 *
 * @example
 * ```ts
 * import { builtinPacks, chainsStartingFromCalls } from '@vigil/rules';
 *
 * chainsStartingFromCalls(builtinPacks()); // ['vigil.ai.injection-tool-exfiltration', 'vigil.ai.supply-chain']
 * ```
 */
export function chainsStartingFromCalls(packs: readonly RulePack[]): string[] {
  return packs.flatMap((p) =>
    p.rules
      .filter(
        (r) =>
          r.type === 'sequence' &&
          r.steps[0] !== undefined &&
          r.steps[0].kinds.every((k) => CALL_KINDS.has(k)),
      )
      .map((r) => r.meta.id),
  );
}
