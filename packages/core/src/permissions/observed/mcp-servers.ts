import { declaredMcpServerFor } from '../../mcp/launch-match.js';
import { documentRecord } from '../../readers/document-value.js';
import type { Grant } from '../grant.js';
import { mergeObservedUse, type ObservedUseDocument } from './use.js';

/**
 * Names the MCP servers of observed use as the declarations call them. A stdio
 * server seen from the kernel is known by the name it gave itself in
 * `initialize` (`secure-filesystem-server`), a declared one by its key in the
 * client configuration (`filesystem`): the two are joined when the server
 * process's command line is what the declared launch starts (same package,
 * same script, same program; see {@link mcpLaunchMatches}). Its tool calls and
 * tool lists then count as use of the declared server. A name whose processes
 * match different declared servers, or none, is left as it is.
 *
 * @example
 * ```ts
 * import { analyzeGaps, loadDeclaredPermissions, nameMcpServersAsDeclared } from '@vigil/core';
 *
 * const declared = await loadDeclaredPermissions(['mcp.json']);
 * const { observed: named, renamed } = nameMcpServersAsDeclared(observed, declared.grants);
 * for (const [wire, config] of renamed) console.log(`${wire} is ${config}`);
 * const report = analyzeGaps(declared, named);
 * ```
 */
export function nameMcpServersAsDeclared(
  observed: ObservedUseDocument,
  grants: readonly Grant[],
): { observed: ObservedUseDocument; renamed: Map<string, string> } {
  const declared = new Map<string, { name: string; command: string; args: string[] }>();
  for (const g of grants) {
    if (g.target.domain !== 'mcp-tool' || declared.has(g.target.server)) continue;
    // The grant keeps the launch as one line; URLs (remote servers) have no process to match.
    const [command, ...args] = (g.target.launch ?? '').split(' ').filter((a) => a.length > 0);
    if (command && !/^[a-z][a-z0-9+.-]*:\/\//i.test(command))
      declared.set(g.target.server, { name: g.target.server, command, args });
    else declared.set(g.target.server, { name: g.target.server, command: '', args: [] });
  }
  const renamed = new Map<string, string>();
  const conflicting = new Set<string>();
  for (const s of observed.mcpServers ?? []) {
    if (declared.has(s.name)) continue;
    const to = declaredMcpServerFor(s, [...declared.values()]);
    if (to === undefined) continue;
    const before = renamed.get(s.name);
    if (before !== undefined && before !== to) conflicting.add(s.name);
    renamed.set(s.name, to);
  }
  for (const c of conflicting) renamed.delete(c);
  if (renamed.size === 0) return { observed, renamed };
  const as = (server: string) => renamed.get(server) ?? server;
  // One server under two names: its uses are summed (by merging) and its tool lists united.
  const merged = mergeObservedUse([
    {
      ...observed,
      uses: observed.uses.map((u) =>
        u.target.domain === 'mcp-tool' ? { ...u, target: { ...u.target, server: as(u.target.server) } } : u,
      ),
    },
  ]);
  const toolLists = documentRecord<string[]>();
  for (const [server, tools] of Object.entries(observed.toolLists))
    toolLists[as(server)] = [...new Set([...(toolLists[as(server)] ?? []), ...tools])].sort();
  return { observed: { ...merged, toolLists }, renamed };
}
