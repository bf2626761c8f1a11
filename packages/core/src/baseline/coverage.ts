import type { PayloadMode } from '../payload/chunk.js';
import type { BaselineDomain } from './generalise.js';

/**
 * Where an event comes from, as far as what a recording can show: `syscalls` (process, file,
 * network, DNS and other kernel events, recorded by every capture), `payloads` (model calls,
 * tool calls, tool lists and retrievals, decoded from traffic with `vigil record --payloads` or
 * read from OTel GenAI spans), `audit` (Kubernetes and cloud API calls, from audit logs).
 */
export type EventFamily = 'syscalls' | 'payloads' | 'audit';

/**
 * Every event family, in a stable order.
 *
 * @example
 * ```ts
 * for (const f of EVENT_FAMILIES) console.log(f, baseline.learnedFamily(f));
 * ```
 */
export const EVENT_FAMILIES: readonly EventFamily[] = ['syscalls', 'payloads', 'audit'];

const FAMILY_OF_KIND: Readonly<Record<string, EventFamily>> = {
  'model.call': 'payloads',
  'tool.call': 'payloads',
  'tool.list': 'payloads',
  retrieval: 'payloads',
  'k8s.api': 'audit',
  'cloud.api': 'audit',
};

/**
 * The family of an event kind: what a recording must have captured for such events to appear.
 *
 * @example
 * ```ts
 * eventFamily('model.call'); // 'payloads'
 * eventFamily('process.exec'); // 'syscalls'
 * ```
 */
export function eventFamily(kind: string): EventFamily {
  return FAMILY_OF_KIND[kind] ?? 'syscalls';
}

/**
 * The baseline domains learned from each family's events.
 *
 * @example
 * ```ts
 * FAMILY_DOMAINS.payloads; // ['tools', 'models', 'retrievals', 'toolEffects']
 * ```
 */
export const FAMILY_DOMAINS: Readonly<Record<EventFamily, readonly BaselineDomain[]>> = {
  syscalls: ['processes', 'files', 'peers', 'dns', 'syscalls', 'capabilities', 'shells'],
  // What each tool call did is attributed from decoded tool calls: no payloads, no tool effects.
  payloads: ['tools', 'models', 'retrievals', 'toolEffects'],
  audit: ['k8s', 'cloud'],
};

/**
 * What the recordings a baseline was learned from could show: the event families they carried and
 * the payload modes they were recorded with. A family the recordings did not carry cannot be judged
 * for drift: its events were never there to learn.
 *
 * @example
 * ```ts
 * const c: LearnedCoverage = { families: ['syscalls'], payloadModes: ['off'] };
 * ```
 */
export interface LearnedCoverage {
  /** Event families the recordings carried (sorted as {@link EVENT_FAMILIES}). */
  families: EventFamily[];
  /** Payload modes of the captures learned from (`off`, `meta`, `content`), each once, sorted. */
  payloadModes: PayloadMode[];
}

/**
 * What a capture could show, from its header: a kernel recording (`ebpf`, `proc`) carries
 * syscalls, and payloads when it was recorded with `--payloads`; an OTel or MCP-proxy recording
 * carries payloads; an audit-log one carries audit events. Undefined for other sources (synthetic
 * or unknown ones), whose coverage the header does not say.
 *
 * @example
 * ```ts
 * import { CaptureReader, captureCoverage } from '@vigil/core';
 *
 * const reader = await CaptureReader.open('run.vcap');
 * console.log(captureCoverage(reader.header)); // { families: ['syscalls'], payloadModes: ['off'] }
 * await reader.close();
 * ```
 */
export function captureCoverage(header: {
  readonly source: string;
  readonly payloads?: { readonly mode: PayloadMode } | undefined;
}): LearnedCoverage | undefined {
  const mode: PayloadMode = header.payloads?.mode ?? 'off';
  switch (header.source) {
    case 'ebpf':
    case 'proc':
      return { families: mode === 'off' ? ['syscalls'] : ['syscalls', 'payloads'], payloadModes: [mode] };
    case 'otel':
    case 'mcp-proxy':
      return { families: ['payloads'], payloadModes: [] };
    case 'k8s-audit':
    case 'cloudtrail':
      return { families: ['audit'], payloadModes: [] };
    default:
      return undefined;
  }
}

/**
 * The union of two coverages: a baseline learned from several captures covers what any of them
 * carried (so merges are commutative, associative and idempotent).
 *
 * @example
 * ```ts
 * mergeCoverage({ families: ['syscalls'], payloadModes: ['off'] }, { families: ['syscalls', 'payloads'], payloadModes: ['meta'] });
 * // { families: ['syscalls', 'payloads'], payloadModes: ['meta', 'off'] }
 * ```
 */
export function mergeCoverage(
  a: LearnedCoverage | undefined,
  b: LearnedCoverage | undefined,
): LearnedCoverage | undefined {
  if (a === undefined) return b === undefined ? undefined : copyCoverage(b);
  if (b === undefined) return copyCoverage(a);
  const families = new Set([...a.families, ...b.families]);
  return {
    families: EVENT_FAMILIES.filter((f) => families.has(f)),
    payloadModes: [...new Set([...a.payloadModes, ...b.payloadModes])].sort(),
  };
}

function copyCoverage(c: LearnedCoverage): LearnedCoverage {
  return {
    families: EVENT_FAMILIES.filter((f) => c.families.includes(f)),
    payloadModes: [...new Set(c.payloadModes)].sort(),
  };
}

/**
 * What a family's events are, for people.
 *
 * @example
 * ```ts
 * FAMILY_EVENTS.payloads; // 'model calls, tool calls and retrievals'
 * ```
 */
export const FAMILY_EVENTS: Readonly<Record<EventFamily, string>> = {
  syscalls: 'processes, files, network peers and DNS names',
  payloads: 'model calls, tool calls and retrievals',
  audit: 'Kubernetes and cloud API calls',
};

/**
 * A short label of a coverage, e.g. `syscalls, payloads off` or `syscalls + payloads (meta)`;
 * `unknown` when undefined.
 *
 * @example
 * ```ts
 * coverageLabel({ families: ['syscalls'], payloadModes: ['off'] }); // 'syscalls, payloads off'
 * ```
 */
export function coverageLabel(c: LearnedCoverage | undefined): string {
  if (c === undefined) return 'unknown';
  const families = c.families.join(' + ') || 'nothing';
  if (c.families.includes('payloads'))
    return c.payloadModes.length > 0 ? `${families} (payloads ${c.payloadModes.join('/')})` : families;
  return c.payloadModes.length > 0 ? `${families}, payloads off` : families;
}

/**
 * One line on what a baseline's recordings covered, e.g. `syscalls; payloads off (model and tool
 * calls not captured)`, or `unknown (…)` for a baseline learned before coverage was recorded.
 *
 * @example
 * ```ts
 * describeCoverage({ families: ['syscalls', 'payloads'], payloadModes: ['meta'] }); // 'syscalls and payloads (payload mode meta)'
 * ```
 */
export function describeCoverage(c: LearnedCoverage | undefined): string {
  if (c === undefined)
    return 'unknown (learned before Vigil recorded coverage; model and tool calls are judged only if it learned some)';
  const families = c.families.length > 0 ? c.families.join(' and ') : 'nothing';
  const modes = c.payloadModes;
  if (!c.families.includes('payloads'))
    return `${families}; payloads off (model and tool calls not captured: re-learn from captures recorded with --payloads to judge them)`;
  if (modes.includes('off'))
    return `${families} (payload modes ${modes.join(', ')}: some captures had no payloads)`;
  return modes.length > 0 ? `${families} (payload mode ${modes.join(', ')})` : families;
}
