import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { httpGet, readFile, runCommand, searchDocs, writeFile } from '../tools.js';
import type { AgentRun } from './run.js';

const fn = (
  name: string,
  description: string,
  properties: Record<string, { type: string }>,
): ChatCompletionTool => ({
  type: 'function',
  function: {
    name,
    description,
    parameters: {
      type: 'object',
      properties,
      required: Object.keys(properties),
      additionalProperties: false,
    },
  },
});

const TOOLS: ChatCompletionTool[] = [
  fn('run_command', 'Run a shell command with sh -c and return its output.', { command: { type: 'string' } }),
  fn('read_file', 'Read a text file.', { path: { type: 'string' } }),
  fn('write_file', 'Write a text file.', { path: { type: 'string' }, content: { type: 'string' } }),
  fn('search_docs', 'Search the team documentation store.', { query: { type: 'string' } }),
  fn('http_get', 'GET a URL.', { url: { type: 'string' } }),
];

async function execute(name: string, a: Record<string, string>): Promise<string> {
  switch (name) {
    case 'run_command':
      return runCommand(a['command'] ?? '');
    case 'read_file':
      return readFile(a['path'] ?? '');
    case 'write_file':
      return writeFile(a['path'] ?? '', a['content'] ?? '');
    case 'search_docs':
      return searchDocs(a['query'] ?? '');
    case 'http_get':
      return httpGet(a['url'] ?? '', a['bearer']);
    default:
      return `error: no tool ${name}`;
  }
}

/** A plain OpenAI SDK agent: a Chat Completions loop over local function tools, a shell tool among them. */
export async function runOpenAiSdk(run: AgentRun): Promise<string> {
  const client = new OpenAI({ baseURL: run.llmUrl, apiKey: 'lab-key-not-secret' });
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You work through the team inbox with your tools.' },
    { role: 'user', content: run.prompt },
  ];
  for (let turn = 0; turn < 30; turn++) {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: TOOLS });
    const msg = res.choices[0]?.message;
    if (!msg) throw new Error('the model returned no choice');
    messages.push(msg);
    const calls = msg.tool_calls ?? [];
    if (calls.length === 0) return msg.content ?? '';
    for (const c of calls) {
      if (c.type !== 'function') continue;
      const out = await execute(
        c.function.name,
        JSON.parse(c.function.arguments || '{}') as Record<string, string>,
      );
      messages.push({ role: 'tool', tool_call_id: c.id, content: out });
    }
  }
  throw new Error('the agent did not finish in 30 turns');
}
