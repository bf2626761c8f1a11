import type { VigilEvent } from '../events/schema.js';
import { isOwnProcPath } from '../vocabulary/public.js';
import type { BaselineDomain } from './generalise.js';
import type { BaselineObservation } from './observation.js';

const EFFECT_DOMAINS = new Set(['processes', 'files', 'peers', 'dns']);

/**
 * The `toolEffects` observations of an event attribution placed in one tool
 * call (`cause`, not ambiguous): each process, file, peer and DNS observation
 * of the event prefixed with the tool (`server/tool`, `function/…` for the
 * agent's own tools), so a baseline learns what each tool does. None for
 * events outside a call or shared by several calls at once, and none for a
 * process reading its own `/proc` pseudo-files ({@link isOwnProcPath}): what a
 * program learns about itself (`/proc/self/maps` at start) is not what the
 * tool's task did, and differs with each program the tool runs.
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
  const tool = causeTool(ev);
  if (tool === undefined) return [];
  if (
    ev.kind === 'file.open' &&
    (ev.access === 'read' || ev.access === 'path') &&
    isOwnProcPath(ev.path, ev.pid, ev.tid)
  )
    return [];
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

/**
 * The tool (`server/tool`, `function/…` for the agent's own tools) whose one
 * call attribution placed `ev` in; undefined outside a call, for calls shared
 * by several tools at once, and for the `tool.call` event itself.
 *
 * `causeTool({ ...catExec, cause: { toolCallId: 'call_1', toolName: 'run_command' } })` is
 * `'function/run_command'`.
 */
export function causeTool(ev: VigilEvent): string | undefined {
  const c = ev.cause;
  if (c === undefined || c.ambiguous === true || c.toolName === undefined || ev.kind === 'tool.call')
    return undefined;
  return `${c.server ?? 'function'}/${c.toolName}`;
}

/**
 * The domain whose collapse rules apply to the `toolEffects` node at `segs`,
 * and the node's segments within it: a tool's files generalise like files
 * (temp folders after 4 names, `/etc` never), its programs like programs; the
 * tools themselves never collapse.
 */
export function toolEffectScope(segs: readonly string[]): [BaselineDomain, readonly string[]] {
  if (segs.length === 0) return ['tools', segs];
  const inner = segs[1];
  if (inner === undefined || !EFFECT_DOMAINS.has(inner.slice(1))) return ['toolEffects', segs];
  return [inner.slice(1) as BaselineDomain, segs.slice(2)];
}
