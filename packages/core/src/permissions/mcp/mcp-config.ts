import { basename } from 'node:path';
import { z } from 'zod';
import { fromZodError } from '../../errors/from-zod.js';
import { VigilError } from '../../errors/vigil-error.js';
import type { DeclaredSubject } from '../declared.js';
import { type Grant, makeGrant, subjectId } from '../grant.js';
import { mcpToolRisk } from '../inherent-risk.js';

/** One MCP server entry of a client configuration (Claude Desktop, Cursor, VS Code, …). */
export const McpServerEntrySchema = z
  .object({
    type: z.enum(['stdio', 'http', 'sse', 'streamable-http']).optional(),
    command: z.string().optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    url: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    disabled: z.boolean().optional(),
    /** Tools the client may call without asking (Cline, Roo). */
    alwaysAllow: z.array(z.string()).optional(),
    /** Tools the client may call without asking (Cursor, Windsurf). */
    autoApprove: z.array(z.string()).optional(),
    /** An allowlist of tools: only these are exposed to the agent. */
    allowedTools: z.array(z.string()).optional(),
    /** Tools hidden from the agent. */
    disabledTools: z.array(z.string()).optional(),
    /** An inline tool list, as the server announced it. */
    tools: z.array(z.union([z.string(), z.object({ name: z.string() }).passthrough()])).optional(),
  })
  .passthrough()
  .refine((s) => s.command !== undefined || s.url !== undefined, {
    message: 'a server needs a "command" (stdio) or a "url" (http/sse)',
  });
/** @see {@link McpServerEntrySchema} */
export type McpServerEntry = z.infer<typeof McpServerEntrySchema>;

const ServerMap = z.record(z.string().min(1), McpServerEntrySchema);

/** An MCP tools/list result (or a file holding one), naming the server it came from. */
export const McpToolListSchema = z.object({
  server: z.string().min(1).optional(),
  tools: z.array(z.object({ name: z.string().min(1), description: z.string().optional() }).passthrough()),
});

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
  const mcp = v['mcp'];
  return (
    'mcpServers' in v ||
    ('servers' in v && typeof v['servers'] === 'object') ||
    (mcp !== null && typeof mcp === 'object' && 'servers' in (mcp as object)) ||
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
  const r = McpToolListSchema.safeParse(body);
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
  const v = value as Record<string, unknown>;
  const mcpSection = looksLikeMcp(value) ? v['mcp'] : undefined;
  if (
    !looksLikeMcp(value) ||
    !(
      'mcpServers' in v ||
      'servers' in v ||
      (mcpSection !== null && typeof mcpSection === 'object' && 'servers' in mcpSection)
    )
  )
    throw new VigilError('INPUT_INVALID', 'expected an MCP client configuration (mcpServers or servers)', {
      location: { file },
    });
  const key = 'mcpServers' in v ? 'mcpServers' : 'servers' in v ? 'servers' : 'mcp';
  const raw = key === 'mcp' ? (v['mcp'] as Record<string, unknown>)['servers'] : v[key];
  const basePath = key === 'mcp' ? ['mcp', 'servers'] : [key];
  const r = ServerMap.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, 'MCP client configuration', { file, path: basePath });
  const client = options.client ?? basename(file).replace(/\.json$/, '');
  const subject = subjectId('mcp-client', client);
  const grants: Grant[] = [];
  const servers: string[] = [];
  for (const [server, entry] of Object.entries(r.data)) {
    if (entry.disabled === true) continue;
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
