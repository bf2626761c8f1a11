import { z } from 'zod';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import { safeParseDocument } from '../readers/document-value.js';
import { lazySchema } from '../schemas/lazy.js';

/**
 * One MCP server entry as MCP clients write it. Local servers have `command`
 * (and `args`, `env`, `cwd`); remote ones a URL under `url` (Claude Code,
 * Cursor, VS Code, Gemini CLI SSE), `serverUrl` (Windsurf) or `httpUrl`
 * (Gemini CLI streamable HTTP). Tool filters: `alwaysAllow` (Cline, Roo),
 * `autoApprove` (Cursor, Windsurf), `allowedTools`, `disabledTools`, and an
 * inline `tools` list.
 *
 * @example
 * ```ts
 * import { McpServerEntrySchema } from '@vigil/core';
 *
 * McpServerEntrySchema.parse({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] });
 * ```
 */
export const McpServerEntrySchema = lazySchema(() =>
  z
    .looseObject({
      command: z.string().min(1).optional(),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      cwd: z.string().optional(),
      url: z.string().min(1).optional(),
      serverUrl: z.string().min(1).optional(),
      httpUrl: z.string().min(1).optional(),
      headers: z.record(z.string(), z.string()).optional(),
      /** `stdio`, `http`, `sse`, `streamable-http` (clients spell it differently). */
      type: z.string().optional(),
      transport: z.string().optional(),
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
      tools: z.array(z.union([z.string(), z.looseObject({ name: z.string() })])).optional(),
    })
    .refine(
      (e) =>
        e.command !== undefined ||
        e.url !== undefined ||
        e.serverUrl !== undefined ||
        e.httpUrl !== undefined,
      {
        message: 'expected "command" (a local server) or "url", "serverUrl" or "httpUrl" (a remote one)',
      },
    ),
);
/** @see {@link McpServerEntrySchema} */
export interface McpServerEntry {
  [key: string]: unknown;
  command?: string | undefined;
  args?: string[] | undefined;
  env?: Record<string, string> | undefined;
  cwd?: string | undefined;
  url?: string | undefined;
  serverUrl?: string | undefined;
  httpUrl?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** `stdio`, `http`, `sse`, `streamable-http` (clients spell it differently). */
  type?: string | undefined;
  transport?: string | undefined;
  disabled?: boolean | undefined;
  /** Tools the client may call without asking (Cline, Roo). */
  alwaysAllow?: string[] | undefined;
  /** Tools the client may call without asking (Cursor, Windsurf). */
  autoApprove?: string[] | undefined;
  /** An allowlist of tools: only these are exposed to the agent. */
  allowedTools?: string[] | undefined;
  /** Tools hidden from the agent. */
  disabledTools?: string[] | undefined;
  /** An inline tool list, as the server announced it. */
  tools?:
    | (
        | string
        | {
            [key: string]: unknown;
            name: string;
          }
      )[]
    | undefined;
}

const ServersSchema = lazySchema(() => z.record(z.string().min(1), McpServerEntrySchema));

/** The MCP clients Vigil knows the configuration files of. */
export type McpClient =
  | 'claude-desktop'
  | 'claude-code'
  | 'cursor'
  | 'vscode'
  | 'windsurf'
  | 'gemini-cli'
  | 'unknown';

/**
 * Where each MCP client keeps its configuration (`~` is the user's home;
 * project files are relative to a project folder), and the JSON key its
 * servers live under. The one table of client configuration locations.
 *
 * @example
 * ```ts
 * import { MCP_CLIENT_CONFIG_LOCATIONS } from '@vigil/core';
 *
 * for (const c of MCP_CLIENT_CONFIG_LOCATIONS) console.log(c.client, c.path);
 * ```
 */
export const MCP_CLIENT_CONFIG_LOCATIONS: readonly {
  readonly client: Exclude<McpClient, 'unknown'>;
  readonly path: string;
  readonly key: 'mcpServers' | 'servers' | 'mcp.servers' | 'projects.*.mcpServers';
}[] = [
  { client: 'claude-desktop', path: '~/.config/Claude/claude_desktop_config.json', key: 'mcpServers' },
  {
    client: 'claude-desktop',
    path: '~/Library/Application Support/Claude/claude_desktop_config.json',
    key: 'mcpServers',
  },
  { client: 'claude-code', path: '~/.claude.json', key: 'projects.*.mcpServers' },
  { client: 'claude-code', path: '~/.claude.json', key: 'mcpServers' },
  { client: 'claude-code', path: '.mcp.json', key: 'mcpServers' },
  { client: 'cursor', path: '~/.cursor/mcp.json', key: 'mcpServers' },
  { client: 'cursor', path: '.cursor/mcp.json', key: 'mcpServers' },
  { client: 'vscode', path: '.vscode/mcp.json', key: 'servers' },
  { client: 'vscode', path: '~/.config/Code/User/settings.json', key: 'mcp.servers' },
  { client: 'vscode', path: '~/.config/Code/User/mcp.json', key: 'servers' },
  { client: 'windsurf', path: '~/.codeium/windsurf/mcp_config.json', key: 'mcpServers' },
  { client: 'gemini-cli', path: '~/.gemini/settings.json', key: 'mcpServers' },
  { client: 'gemini-cli', path: '.gemini/settings.json', key: 'mcpServers' },
];

/**
 * Which client a configuration belongs to, from its file name (and, for
 * VS Code, the key its servers are under).
 *
 * @example
 * ```ts
 * import { mcpClientOf } from '@vigil/core';
 *
 * mcpClientOf('/home/a/.cursor/mcp.json'); // 'cursor'
 * ```
 */
export function mcpClientOf(path: string, key?: string): McpClient {
  const p = path.toLowerCase().replaceAll('\\', '/');
  if (p.endsWith('claude_desktop_config.json')) return 'claude-desktop';
  if (p.endsWith('.mcp.json') || p.endsWith('.claude.json') || p.includes('/.claude/')) return 'claude-code';
  if (p.includes('/.cursor/') || p.startsWith('.cursor/')) return 'cursor';
  if (p.includes('/.vscode/') || p.startsWith('.vscode/') || key === 'servers' || key === 'mcp.servers')
    return 'vscode';
  if (p.includes('windsurf') || p.includes('/.codeium/')) return 'windsurf';
  if (p.includes('/.gemini/') || p.startsWith('.gemini/')) return 'gemini-cli';
  return 'unknown';
}

/** One server of an MCP client configuration, where it was declared and by which client. */
export interface McpConfiguredServer {
  /** The name the client knows the server by (its key). */
  readonly name: string;
  /** JSON path of the entry, e.g. `['mcpServers', 'fs']`. */
  readonly path: readonly string[];
  readonly client: McpClient;
  readonly entry: McpServerEntry;
  /** How the client talks to it: `stdio`, `http`, `sse`, or what the entry says. */
  readonly transport: string;
  /** The remote server's URL (`url`, `serverUrl` or `httpUrl`). */
  readonly url?: string;
}

/**
 * True when a parsed JSON document has a key MCP clients keep servers under
 * (`mcpServers`, `servers`, `mcp.servers`, `projects.*.mcpServers`).
 *
 * @example
 * ```ts
 * import { isMcpClientConfig } from '@vigil/core';
 *
 * isMcpClientConfig({ mcpServers: {} }); // true
 * ```
 */
export function isMcpClientConfig(value: unknown): boolean {
  return serverGroups(value).length > 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function serverGroups(value: unknown): [string[], unknown][] {
  if (!isObject(value)) return [];
  const groups: [string[], unknown][] = [];
  if (Object.hasOwn(value, 'mcpServers')) groups.push([['mcpServers'], value['mcpServers']]);
  if (isObject(value['servers'])) groups.push([['servers'], value['servers']]);
  const mcp = value['mcp'];
  if (isObject(mcp) && Object.hasOwn(mcp, 'servers')) groups.push([['mcp', 'servers'], mcp['servers']]);
  const projects = value['projects'];
  if (isObject(projects))
    for (const [proj, cfg] of Object.entries(projects))
      if (isObject(cfg) && Object.hasOwn(cfg, 'mcpServers'))
        groups.push([['projects', proj, 'mcpServers'], cfg['mcpServers']]);
  return groups;
}

/**
 * Reads the servers of an MCP client configuration — the one parser behind
 * the AI-BOM, the declared permissions and the MCP scanner. Understands
 * `mcpServers` (Claude Desktop, Claude Code with its per-project
 * `projects.*.mcpServers`, Cursor, Windsurf, Gemini CLI), VS Code's `servers`
 * (`.vscode/mcp.json`) and `mcp.servers` (settings). A document without any of
 * them, or an invalid entry, is a `VigilError` naming the file and the JSON
 * path.
 *
 * @example
 * ```ts
 * import { mcpConfiguredServers } from '@vigil/core';
 *
 * const servers = mcpConfiguredServers(
 *   { mcpServers: { fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] } } },
 *   'claude_desktop_config.json',
 * );
 * console.log(servers[0]?.name, servers[0]?.client); // fs claude-desktop
 * ```
 */
export function mcpConfiguredServers(value: unknown, file: string): McpConfiguredServer[] {
  const groups = serverGroups(value);
  if (groups.length === 0)
    throw new VigilError(
      'INPUT_INVALID',
      'not an MCP client configuration: expected "mcpServers" or "servers" in a JSON object',
      { location: { file } },
    );
  const out: McpConfiguredServer[] = [];
  for (const [at, raw] of groups) {
    const parsed = safeParseDocument(ServersSchema, raw);
    if (!parsed.success)
      throw fromZodError(parsed.error, 'MCP client configuration', { file, path: at }, 'INPUT_INVALID');
    const client = mcpClientOf(file, at.join('.'));
    for (const [name, entry] of Object.entries(parsed.data)) {
      const url = entry.url ?? entry.serverUrl ?? entry.httpUrl;
      const transport =
        entry.type ??
        entry.transport ??
        (url ? (entry.httpUrl ? 'http' : url.endsWith('/sse') ? 'sse' : 'http') : 'stdio');
      out.push({ name, path: [...at, name], client, entry, transport, ...(url ? { url } : {}) });
    }
  }
  return out;
}
