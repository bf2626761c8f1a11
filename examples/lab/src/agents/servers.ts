import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How to start one MCP server over stdio. */
export interface StdioServer {
  readonly name: string;
  readonly command: string;
  readonly args: string[];
  readonly env?: Record<string, string>;
}

const LAB = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function npmServer(pkg: string): string {
  return realpathSync(join(LAB, 'node_modules', '@modelcontextprotocol', pkg, 'dist', 'index.js'));
}

function env(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return { ...out, ...extra };
}

/** The filesystem MCP server from npm, confined to `work`. */
export function filesystemServer(work: string): StdioServer {
  return { name: 'filesystem', command: process.execPath, args: [npmServer('server-filesystem'), work] };
}

/** The knowledge-graph memory MCP server from npm, keeping its graph in `work/memory.jsonl`. */
export function memoryServer(work: string): StdioServer {
  return {
    name: 'memory',
    command: process.execPath,
    args: [npmServer('server-memory')],
    env: env({ MEMORY_FILE_PATH: join(work, 'memory.jsonl') }),
  };
}

/** The sequential-thinking MCP server from npm. */
export function thinkingServer(): StdioServer {
  return {
    name: 'thinking',
    command: process.execPath,
    args: [npmServer('server-sequential-thinking')],
    env: env({ DISABLE_THOUGHT_LOGGING: 'true' }),
  };
}

/** The lab's own notes server (whose tool definitions a rug pull changes). */
export function notesServer(work: string): StdioServer {
  return {
    name: 'notes',
    command: process.execPath,
    args: ['--import', import.meta.resolve('tsx'), join(LAB, 'src', 'mcp', 'notes-server.ts'), work],
    // MCP clients pass stdio servers only a few variables by default; the server needs LAB_STATE.
    env: env({}),
  };
}
