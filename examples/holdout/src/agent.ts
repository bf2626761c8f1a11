import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, Tool, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

// Usage: agent.ts --ticket N
// A ticket-handling agent on the Anthropic SDK (Messages API, streamed, tool use). It reads the
// model's address and key from the SDK's own variables (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY) and
// the ticket service from HOLDOUT_TICKETS. Local tools: a bash shell, an HTTP fetch, reading and
// writing files; and the tools of the "everything" MCP server from npm, started over stdio.
const { values } = parseArgs({ options: { ticket: { type: 'string' } } });
const tickets = process.env['HOLDOUT_TICKETS'];
if (values.ticket === undefined || !/^\d+$/.test(values.ticket) || !tickets) {
  process.stderr.write('usage: agent.ts --ticket N (with HOLDOUT_TICKETS and ANTHROPIC_BASE_URL set)\n');
  process.exit(2);
}

const HERE = dirname(fileURLToPath(import.meta.url));

function shell(command: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('/bin/bash', ['-c', command], { timeout: 20_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve(`${stdout}${stderr}${err ? `\n(exit ${String(err.code ?? err.signal)})` : ''}`);
    });
  });
}

async function fetchUrl(url: string): Promise<string> {
  try {
    const res = await fetch(url);
    return `${res.status} ${(await res.text()).slice(0, 8192)}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, 64 << 10);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

function writeText(path: string, content: string): string {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return `wrote ${content.length} characters to ${path}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const object = (properties: Record<string, { type: string; description: string }>): Tool['input_schema'] => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
});

const LOCAL: Tool[] = [
  {
    name: 'shell',
    description: 'Run a bash command and return its output.',
    input_schema: object({ command: { type: 'string', description: 'the command line' } }),
  },
  {
    name: 'fetch_url',
    description: 'GET a URL and return the status and body.',
    input_schema: object({ url: { type: 'string', description: 'an http(s) URL' } }),
  },
  {
    name: 'read_file',
    description: 'Read a text file.',
    input_schema: object({ path: { type: 'string', description: 'an absolute path' } }),
  },
  {
    name: 'write_file',
    description: 'Write a text file, creating its folder.',
    input_schema: object({
      path: { type: 'string', description: 'an absolute path' },
      content: { type: 'string', description: 'the text' },
    }),
  },
];

async function runLocal(name: string, a: Record<string, unknown>): Promise<string | undefined> {
  const s = (k: string) => String(a[k] ?? '');
  switch (name) {
    case 'shell':
      return shell(s('command'));
    case 'fetch_url':
      return fetchUrl(s('url'));
    case 'read_file':
      return readText(s('path'));
    case 'write_file':
      return writeText(s('path'), s('content'));
    default:
      return undefined;
  }
}

// The "everything" MCP server from npm, over stdio.
const serverEntry = realpathSync(
  join(HERE, '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js'),
);
const mcp = new Client({ name: 'holdout-agent', version: '0.1.0' });
await mcp.connect(new StdioClientTransport({ command: process.execPath, args: [serverEntry, 'stdio'] }));
const prefix = 'everything__';
const listed = await mcp.listTools();
const tools: Tool[] = [
  ...LOCAL,
  ...listed.tools.map((t) => ({
    name: `${prefix}${t.name}`,
    description: t.description ?? '',
    input_schema: t.inputSchema as Tool['input_schema'],
  })),
];

async function runTool(name: string, input: unknown): Promise<string> {
  const a = (input ?? {}) as Record<string, unknown>;
  const local = await runLocal(name, a);
  if (local !== undefined) return local;
  if (!name.startsWith(prefix)) return `error: no tool ${name}`;
  const r = await mcp.callTool({ name: name.slice(prefix.length), arguments: a });
  const content = (r.content ?? []) as { type: string; text?: string }[];
  return content.map((c) => (c.type === 'text' ? (c.text ?? '') : `[${c.type}]`)).join('\n');
}

const client = new Anthropic();
const messages: MessageParam[] = [
  { role: 'user', content: `Handle ticket ${values.ticket} from the ticket service at ${tickets}.` },
];
let answer = '';
try {
  for (let turn = 0; ; turn++) {
    if (turn >= 30) throw new Error('the agent did not finish in 30 turns');
    const stream = client.messages.stream({
      model: 'claude-sonnet-5',
      max_tokens: 1024,
      system: 'You handle engineering tickets with your tools, then write a short report.',
      messages,
      tools,
    });
    const msg = await stream.finalMessage();
    messages.push({ role: 'assistant', content: msg.content });
    const uses = msg.content.filter((b) => b.type === 'tool_use');
    if (msg.stop_reason !== 'tool_use' || uses.length === 0) {
      answer = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      break;
    }
    const results: ToolResultBlockParam[] = [];
    for (const u of uses)
      results.push({ type: 'tool_result', tool_use_id: u.id, content: await runTool(u.name, u.input) });
    messages.push({ role: 'user', content: results });
  }
} finally {
  await mcp.close();
}
process.stdout.write(`${JSON.stringify({ ticket: Number(values.ticket), answer })}\n`);
