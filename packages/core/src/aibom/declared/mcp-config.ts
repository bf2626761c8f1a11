import { z } from 'zod';
import { fromZodError } from '../../errors/from-zod.js';
import { VigilError } from '../../errors/vigil-error.js';
import type { DeclaredMcpServer } from './declared-component.js';
import { lineOfKey, readJsonInput } from './json-input.js';
import type { DeclaredReadOptions } from './npm.js';

/**
 * One server entry as MCP clients write it. Local servers have `command`
 * (and `args`, `env`, `cwd`); remote ones a URL under `url` (Claude Code,
 * Cursor, VS Code, Gemini CLI SSE), `serverUrl` (Windsurf) or `httpUrl`
 * (Gemini CLI streamable HTTP).
 */
export const McpServerEntrySchema = z
  .looseObject({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    url: z.string().min(1).optional(),
    serverUrl: z.string().min(1).optional(),
    httpUrl: z.string().min(1).optional(),
    type: z.string().optional(),
    transport: z.string().optional(),
    disabled: z.boolean().optional(),
  })
  .refine(
    (e) =>
      e.command !== undefined || e.url !== undefined || e.serverUrl !== undefined || e.httpUrl !== undefined,
    {
      message: 'expected "command" (a local server) or "url", "serverUrl" or "httpUrl" (a remote one)',
    },
  );
/** @see {@link McpServerEntrySchema} */
export type McpServerEntry = z.infer<typeof McpServerEntrySchema>;

const ServersSchema = z.record(z.string(), McpServerEntrySchema);

/** Which client a configuration looks like it belongs to, from its file name and shape. */
function clientOf(path: string, shape: string): string {
  const p = path.toLowerCase();
  if (p.endsWith('claude_desktop_config.json')) return 'claude-desktop';
  if (p.endsWith('.mcp.json') || p.endsWith('.claude.json') || p.includes('/.claude/')) return 'claude-code';
  if (p.includes('/.cursor/')) return 'cursor';
  if (p.includes('/.vscode/') || shape === 'servers' || shape === 'mcp.servers') return 'vscode';
  if (p.includes('windsurf') || p.includes('/.codeium/')) return 'windsurf';
  if (p.includes('/.gemini/')) return 'gemini-cli';
  return 'unknown';
}

/**
 * Reads the MCP servers an MCP client configuration declares. Understands the
 * `mcpServers` shape (Claude Desktop, Claude Code, Cursor, Windsurf, Gemini
 * CLI, including Claude Code's per-project `projects.*.mcpServers`) and VS
 * Code's `servers` (in `.vscode/mcp.json`, or `mcp.servers` in settings).
 * Environment variable values are never read into the result: only their names.
 */
export async function* readMcpConfig(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredMcpServer> {
  const { value, text } = await readJsonInput(path, 'MCP client configuration', 'declared', {
    maxBytes: options.maxJsonBytes,
    signal: options.signal,
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VigilError('INPUT_INVALID', 'expected a JSON object with "mcpServers" or "servers"', {
      location: { file: path, line: 1 },
    });
  }
  const doc = value as Record<string, unknown>;
  const groups: [string[], unknown][] = [];
  if ('mcpServers' in doc) groups.push([['mcpServers'], doc['mcpServers']]);
  if ('servers' in doc) groups.push([['servers'], doc['servers']]);
  const mcp = doc['mcp'];
  if (mcp && typeof mcp === 'object' && 'servers' in mcp)
    groups.push([['mcp', 'servers'], (mcp as Record<string, unknown>)['servers']]);
  const projects = doc['projects'];
  if (projects && typeof projects === 'object') {
    for (const [proj, cfg] of Object.entries(projects as Record<string, unknown>)) {
      if (cfg && typeof cfg === 'object' && 'mcpServers' in cfg) {
        groups.push([['projects', proj, 'mcpServers'], (cfg as Record<string, unknown>)['mcpServers']]);
      }
    }
  }
  if (groups.length === 0) {
    throw new VigilError(
      'INPUT_INVALID',
      'not an MCP client configuration: expected "mcpServers" or "servers"',
      {
        location: { file: path, line: 1 },
      },
    );
  }
  for (const [at, raw] of groups) {
    const parsed = ServersSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0]?.path[0];
      const line =
        typeof first === 'string'
          ? lineOfKey(text, first, text.indexOf(`"${at[at.length - 1]}"`))
          : undefined;
      throw fromZodError(
        parsed.error,
        'MCP client configuration',
        { file: path, ...(line ? { line } : {}), path: at },
        'INPUT_INVALID',
      );
    }
    const client = clientOf(path, at.join('.'));
    for (const [name, e] of Object.entries(parsed.data)) {
      const url = e.url ?? e.serverUrl ?? e.httpUrl;
      const transport =
        e.type ??
        e.transport ??
        (url ? (e.httpUrl ? 'http' : url.endsWith('/sse') ? 'sse' : 'http') : 'stdio');
      const line = lineOfKey(text, name, text.indexOf(`"${at[at.length - 1]}"`));
      const envKeys = Object.keys(e.env ?? {});
      yield {
        kind: 'mcp-server',
        name,
        configName: name,
        ...(e.command ? { command: e.command } : {}),
        ...(e.args ? { args: e.args } : {}),
        ...(url ? { url } : {}),
        declaration: {
          file: path,
          input: 'mcp-config',
          ...(line ? { line } : {}),
          path: [...at, name].join('.'),
          ...(e.command
            ? { specifier: [e.command, ...(e.args ?? [])].join(' ') }
            : url
              ? { specifier: url }
              : {}),
          direct: true,
        },
        properties: {
          configName: name,
          client,
          transport,
          ...(envKeys.length > 0 ? { envKeys: envKeys.join(',') } : {}),
          ...(e.disabled ? { disabled: 'true' } : {}),
        },
      };
    }
  }
}
