import type { WorkloadGap } from './report.js';

/**
 * Captured subjects whose uses a declared workload was credited with although they are not bound
 * to it: uses of MCP tools matched to the MCP configurations that declare the server, by the
 * server's name. One entry per captured subject.
 *
 * @example
 * ```ts
 * const s: GapUseSource = { subject: 'workload:cgroup:/vigil-agent', servers: ['filesystem'], uses: 3 };
 * ```
 */
export interface GapUseSource {
  /** The captured subject the uses came from (`workload:…`). */
  readonly subject: string;
  /** The MCP servers whose name matched, for MCP tool uses. */
  readonly servers: readonly string[];
  /** Distinct uses credited. */
  readonly uses: number;
}

/**
 * Where a workload's uses came from when they did not come from a captured workload bound to it
 * (`observedAs`) or from one of its own subjects: the captured subjects, and the MCP servers whose
 * names matched their tool calls to the configurations declaring them. Empty when every use came
 * from a bound workload. `vigil gap` prints it beside "used N", so a count of uses next to "no
 * captured workload is bound" says where the uses came from.
 *
 * @example
 * ```ts
 * import { analyseGap, gapUseSources } from '@vigil/core';
 *
 * const { report } = await analyseGap({ declared: ['mcp.json'], observed: ['run.vcap'] });
 * for (const w of report.workloads)
 *   for (const s of gapUseSources(w)) console.log(w.id, 'credited with', s.uses, 'uses of', s.subject);
 * ```
 */
export function gapUseSources(w: WorkloadGap): GapUseSource[] {
  const own = new Set([...w.subjects, ...w.observedAs.map((r) => `workload:${r.id}`)]);
  const by = new Map<string, { servers: Set<string>; uses: number }>();
  for (const d of w.domains)
    for (const u of [...d.uses, ...d.ungranted]) {
      if (own.has(u.subject)) continue;
      const s = by.get(u.subject) ?? { servers: new Set<string>(), uses: 0 };
      s.uses++;
      if (u.target.domain === 'mcp-tool') s.servers.add(u.target.server);
      by.set(u.subject, s);
    }
  return [...by.entries()]
    .map(([subject, s]) => ({ subject, servers: [...s.servers].sort(), uses: s.uses }))
    .sort((a, b) => b.uses - a.uses || a.subject.localeCompare(b.subject));
}
