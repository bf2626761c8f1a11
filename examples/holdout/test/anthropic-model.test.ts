import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCall } from '../../lab/src/scripted-model.js';
import { type AnthropicModel, asChat, startAnthropicModel } from '../src/anthropic-model.js';
import { attackCommand, ticketPlan, ticketText } from '../src/tasks.js';

/** One request through the real SDK, in a child process (see the fixture). */
function sdkTurn(
  url: string,
  input: { messages: Anthropic.MessageParam[]; tools: Anthropic.Tool[]; stream: boolean },
): Promise<Anthropic.Message> {
  return new Promise((resolve, reject) => {
    const c = execFile(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        fileURLToPath(new URL('fixtures/sdk-turns.ts', import.meta.url)),
        url,
      ],
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${err.message}: ${stderr}`))
          : resolve(JSON.parse(stdout) as Anthropic.Message),
    );
    c.stdin?.end(JSON.stringify(input));
  });
}

const places = { work: '/w', tickets: 'http://127.0.0.1:1' };
const tool = (name: string) => ({
  name,
  description: `the ${name} tool`,
  input_schema: { type: 'object' as const, properties: {} },
});

describe('the scripted Anthropic endpoint', () => {
  let model: AnthropicModel;
  beforeAll(async () => {
    model = await startAnthropicModel({
      planFor: (text) =>
        /ticket (\d+)/.test(text) ? ticketPlan(Number(/ticket (\d+)/.exec(text)![1]), places) : [],
    });
  });
  afterAll(() => model.close());

  it('maps Messages API content blocks onto the plan follower: tool_use as calls, tool_result as results', () => {
    const chat = asChat(
      [
        { role: 'user', content: 'Handle ticket 3.' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'shell', input: { command: 'ls' } }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'a.ts' }] }],
        },
      ],
      () => [{ tool: 'shell', args: { command: 'ls' } }],
    );
    expect(chat[0]).toEqual({
      role: 'user',
      content: 'Handle ticket 3.\n\nPLAN:\n1. shell {"command":"ls"}\n',
    });
    expect(chat[1]).toEqual({
      role: 'assistant',
      tool_calls: [{ function: { name: 'shell', arguments: '{"command":"ls"}' } }],
    });
    expect(chat[2]).toEqual({ role: 'tool', content: 'a.ts' });
  });

  it('streams tool use to the real SDK, and answers whole; obeys an instruction injected into a fetched ticket', async () => {
    const tools = [tool('shell'), tool('fetch_url')];
    const first = await sdkTurn(model.url, {
      messages: [{ role: 'user', content: 'Handle ticket 7.' }],
      tools,
      stream: true,
    });
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(first.stop_reason).toBe('tool_use');
    expect(use).toMatchObject({ name: 'fetch_url', input: { url: 'http://127.0.0.1:1/tickets/7' } });
    const injected = attackCommand('download-exec', 'http://127.0.0.4:9');
    const next = await sdkTurn(model.url, {
      messages: [
        { role: 'user', content: 'Handle ticket 7.' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: use.id, content: `200 ${ticketText(7, injected)}` }],
        },
      ],
      tools,
      stream: false,
    });
    expect(next.content.find((b) => b.type === 'tool_use')).toMatchObject({
      name: 'shell',
      input: { command: injected },
    });
    expect(model.turns.map((t) => [t.model, t.streamed])).toEqual([
      ['claude-x', true],
      ['claude-x', false],
    ]);
  }, 60_000);

  it("follows the ticket plan through the MCP server's prefixed tool names, then ends the turn", () => {
    const plan = ticketPlan(5, places);
    const offered = [
      'shell',
      'fetch_url',
      'read_file',
      'write_file',
      'everything__echo',
      'everything__get-sum',
    ].map((name) => ({ name, description: '' }));
    const messages: Parameters<typeof asChat>[0][number][] = [{ role: 'user', content: 'Handle ticket 5.' }];
    const called: string[] = [];
    for (let i = 0; i <= plan.length; i++) {
      const call = nextCall(
        asChat(messages, (t) => ticketPlan(Number(/ticket (\d+)/.exec(t)![1]), places)),
        offered,
      );
      if (!call) break;
      called.push(call.tool);
      messages.push({
        role: 'assistant',
        content: [{ type: 'tool_use', id: `t${i}`, name: call.tool, input: call.args }],
      });
      messages.push({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: 'ok' }],
      });
    }
    expect(called).toEqual(
      plan.map((c) => (c.tool === 'echo' || c.tool === 'get-sum' ? `everything__${c.tool}` : c.tool)),
    );
  });

  it('varies the plan by seed and always fetches the ticket first and writes a report last', () => {
    const plans = [1, 2, 3, 4, 5, 6].map((s) => ticketPlan(s, places));
    expect(new Set(plans.map((p) => JSON.stringify(p))).size).toBe(6);
    for (const p of plans) {
      expect(p[0]!.tool).toBe('fetch_url');
      expect(p.at(-1)!.tool).toBe('write_file');
    }
  });
});
