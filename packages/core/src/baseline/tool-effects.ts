import type { VigilEvent } from '../events/schema.js';
import type { BaselineObservation } from './observation.js';

const EFFECT_DOMAINS = new Set(['processes', 'files', 'peers', 'dns']);

/**
 * The `toolEffects` observations of an event attribution placed in one tool
 * call (`cause`, not ambiguous): each process, file, peer and DNS observation
 * of the event prefixed with the tool (`server/tool`, `function/…` for the
 * agent's own tools), so a baseline learns what each tool does. None for
 * events outside a call or shared by several calls at once.
 *
 * @example
 * ```ts
 * import { DEFAULT_GENERALISATION, observeEvent, toolEffectObservations } from '@vigil/core';
 *
 * toolEffectObservations(ev, observeEvent(ev, DEFAULT_GENERALISATION));
 * // [{ domain: 'toolEffects', segments: ['function/run_command', '@files', 'etc', 'hostname'], … }]
 * ```
 */
export function toolEffectObservations(
  ev: VigilEvent,
  inner: readonly BaselineObservation[],
): BaselineObservation[] {
  const c = ev.cause;
  if (c === undefined || c.ambiguous === true || c.toolName === undefined || ev.kind === 'tool.call')
    return [];
  const tool = `${c.server ?? 'function'}/${c.toolName}`;
  const out: BaselineObservation[] = [];
  for (const o of inner)
    if (EFFECT_DOMAINS.has(o.domain))
      out.push({
        domain: 'toolEffects',
        segments: [tool, `@${o.domain}`, ...o.segments],
        concrete: `${tool}: ${o.concrete}`,
      });
  return out;
}
