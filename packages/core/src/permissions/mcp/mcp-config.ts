import { basename } from 'node:path';
import { z } from 'zod';
import { fromZodError } from '../../errors/from-zod.js';
import { isMcpClientConfig, mcpConfiguredServers } from '../../mcp/client-config.js';
import { safeParseDocument } from '../../readers/document-value.js';
import { lazySchema } from '../../schemas/lazy.js';
import type { DeclaredSubject } from '../declared.js';
import { type Grant, makeGrant, subjectId } from '../grant.js';
import { mcpToolRisk } from '../inherent-risk.js';

/** An MCP tools/list result (or a file holding one), naming the server it came from. */
export const McpToolListSchema = lazySchema(() =>
  z.object({
    server: z.string().min(1).optional(),
    tools: z.array(z.object({ name: z.string().min(1), description: z.string().optional() }).passthrough()),
  }),
);
/** @see {@link McpToolListSchema} */
export interface McpToolList {
  server?: string | undefined;
  tools: {
    [key: string]: unknown;
    name: string;
    description?: string | undefined;
  }[];
}

/** Options for {@link mcpConfigGrants}. */
export interface McpConfigOptions {
  /** Name of the client/agent the configuration belongs to; default the file's base name. */
  readonly client?: string;
  /** Tools each server offers (server → tool names), e.g. from `tool.list` events or tools/list files. */
  readonly toolsByServer?: ReadonlyMap<string, readonly string[]>;
}

/** True when a parsed JSON value looks like an MCP client configuration or tool list. */
export function looksLikeMcp(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    isMcpClientConfig(value) ||
    (Array.isArray(v['tools']) && !('apiVersion' in v)) ||
    (typeof v['result'] === 'object' &&
      v['result'] !== null &&
      Array.isArray((v['result'] as { tools?: unknown }).tools))
  );
}

/** Reads a tools/list result file: `{ server?, tools }` or a JSON-RPC response `{ result: { tools } }`.
 *
 * @example
 * ```ts
 * readMcpToolList({ server: 'fs', tools: [{ name: 'read_file' }] }, 'fs.tools.json');
 * // { server: 'fs', tools: ['read_file'] }
 * ```
 */
export function readMcpToolList(value: unknown, file: string): { server: string; tools: string[] } {
  const v = value as Record<string, unknown>;
  const body =
    v['result'] && typeof v['result'] === 'object' ? { server: v['server'], ...(v['result'] as object) } : v;
  const r = safeParseDocument(McpToolListSchema, body);
  if (!r.success) throw fromZodError(r.error, 'MCP tool list', { file });
  return {
    server: r.data.server ?? basename(file).replace(/\.(tools\.)?json$/, ''),
    tools: r.data.tools.map((t) => t.name),
  };
}

/**
 * Reads an MCP client configuration into grants: for every enabled server,
 * one grant per tool the agent is given (the server's tools, narrowed by
 * `allowedTools`/`tools` and minus `disabledTools`), or one grant for `*`
 * when the tool list is not known. Accepts `mcpServers` (Claude Desktop,
 * Cursor, Windsurf, Cline), `servers` and `mcp.servers` (VS Code).
 *
 * @example
 * ```ts
 * import { mcpConfigGrants } from '@vigil/core';
 *
 * const { grants } = mcpConfigGrants(
 *   { mcpServers: { fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] } } },
 *   'claude_desktop_config.json',
 *   { toolsByServer: new Map([['fs', ['read_file', 'write_file']]]) },
 * );
 * ```
 */
export function mcpConfigGrants(
  value: unknown,
  file: string,
  options: McpConfigOptions = {},
): { grants: Grant[]; subjects: DeclaredSubject[]; servers: string[] } {
  const configured = mcpConfiguredServers(value, file);
  const client = options.client ?? basename(file).replace(/\.json$/, '');
  const subject = subjectId('mcp-client', client);
  const grants: Grant[] = [];
  const servers: string[] = [];
  for (const { name: server, entry, path } of configured) {
    if (entry.disabled === true) continue;
    const basePath = path.slice(0, -1);
    servers.push(server);
    const launch = entry.url ?? [entry.command, ...(entry.args ?? [])].join(' ');
    const inline = entry.tools?.map((t) => (typeof t === 'string' ? t : t.name));
    const offered = inline ?? options.toolsByServer?.get(server);
    const allowed = entry.allowedTools;
    const disabled = new Set(entry.disabledTools ?? []);
    let tools: { name: string; path: (string | number)[] }[];
    if (allowed) tools = allowed.map((name, i) => ({ name, path: [...basePath, server, 'allowedTools', i] }));
    else if (offered)
      tools = offered.map((name, i) => ({
        name,
        path: inline ? [...basePath, server, 'tools', i] : [...basePath, server],
      }));
    else tools = [{ name: '*', path: [...basePath, server] }];
    if (allowed && offered) tools = tools.filter((t) => offered.includes(t.name));
    for (const t of tools) {
      if (disabled.has(t.name)) continue;
      grants.push(
        makeGrant({
          subject,
          domain: 'mcp-tool',
          effect: 'allow',
          action: 'call',
          target: { domain: 'mcp-tool', server, tool: t.name, launch },
          source: {
            file,
            path: t.path,
            via: t.name === '*' ? ['server tool list unknown: every tool it offers'] : [],
          },
          inherentRisk: mcpToolRisk(t.name),
        }),
      );
    }
  }
  return { grants, subjects: [{ id: subject, kind: 'mcp-client', name: client }], servers };
}
