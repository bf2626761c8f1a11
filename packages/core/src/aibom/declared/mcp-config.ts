import { VigilError } from '../../errors/vigil-error.js';
import { mcpConfiguredServers } from '../../mcp/client-config.js';
import { lineOfKey, readJsonInput } from '../../readers/json-input.js';
import type { DeclaredMcpServer } from './declared-component.js';
import type { DeclaredReadOptions } from './npm.js';

/**
 * Reads the MCP servers an MCP client configuration declares, through the one
 * MCP client configuration parser (`mcpConfiguredServers`), adding the line
 * each server is declared on. Environment variable values are never read into
 * the result: only their names.
 */
export async function* readMcpConfig(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredMcpServer> {
  const { value, text } = await readJsonInput(path, 'MCP client configuration', 'declared', {
    maxBytes: options.maxJsonBytes,
    signal: options.signal,
  });
  let servers: ReturnType<typeof mcpConfiguredServers>;
  try {
    servers = mcpConfiguredServers(value, path);
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    // Name the line of the offending server, when the error points at one.
    const at = err.issues[0]?.path;
    const group = at?.find((p) => p === 'mcpServers' || p === 'servers');
    const server = group === undefined ? undefined : at?.[at.indexOf(group) + 1];
    const line = typeof server === 'string' ? lineOfKey(text, server, text.indexOf(`"${String(group)}"`)) : 1;
    throw new VigilError(
      err.code,
      err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message,
      {
        cause: err.cause,
        issues: err.issues,
        location: { file: path, ...(line ? { line } : {}) },
      },
    );
  }
  for (const s of servers) {
    const e = s.entry;
    const groupKey = s.path[s.path.length - 2] ?? '';
    const line = lineOfKey(text, s.name, text.indexOf(`"${groupKey}"`));
    const envKeys = Object.keys(e.env ?? {});
    yield {
      kind: 'mcp-server',
      name: s.name,
      configName: s.name,
      ...(e.command ? { command: e.command } : {}),
      ...(e.args ? { args: e.args } : {}),
      ...(s.url ? { url: s.url } : {}),
      declaration: {
        file: path,
        input: 'mcp-config',
        ...(line ? { line } : {}),
        path: s.path.join('.'),
        ...(e.command
          ? { specifier: [e.command, ...(e.args ?? [])].join(' ') }
          : s.url
            ? { specifier: s.url }
            : {}),
        direct: true,
      },
      properties: {
        configName: s.name,
        client: s.client,
        transport: s.transport,
        ...(envKeys.length > 0 ? { envKeys: envKeys.join(',') } : {}),
        ...(e.disabled ? { disabled: 'true' } : {}),
      },
    };
  }
}
