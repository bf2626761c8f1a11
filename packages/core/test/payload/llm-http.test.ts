import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventOf,
  EventSchema,
  type PayloadChunk,
  PayloadDecoder,
  type VigilEvent,
} from '../../src/index.js';
import { type ServedCall, startScriptedLlm } from './helpers/llm-server.js';
import { importOpenAi } from './helpers/real-deps.js';
import { ChunkLog, canonical, resplit, sha256, startTee } from './helpers/recorder.js';

type ModelCall = EventOf<'model.call'>;

interface OpenAiClient {
  chat: { completions: { create(body: unknown): Promise<unknown> } };
  responses: { create(body: unknown): Promise<unknown> };
}

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'read_file',
      description: 'Read a file',
      parameters: { type: 'object', properties: { path: { type: 'string' } } },
    },
  },
  {
    type: 'function',
    function: {
      name: 'run_shell',
      description: 'Run a command',
      parameters: { type: 'object', properties: { command: { type: 'string' } } },
    },
  },
];

function decodeAll(chunks: readonly PayloadChunk[], decoder = new PayloadDecoder()): VigilEvent[] {
  const out: VigilEvent[] = [];
  for (const c of chunks) out.push(...decoder.push(c));
  out.push(...decoder.end());
  return out;
}

const digest = (args: Record<string, unknown>) => ({
  argumentNames: Object.keys(args).sort(),
  argumentsHash: sha256(canonical(args)),
});

let log: ChunkLog;
let served: ServedCall[];
/** What the OpenAI client itself returned, per call, in order. */
const clientSaw: {
  model: string;
  finish: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  input: number;
  output: number;
}[] = [];
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const llm = await startScriptedLlm();
  log = new ChunkLog();
  const tee = await startTee(llm.port, log);
  served = llm.served;
  cleanup = async () => {
    await tee.close();
    await llm.close();
  };
  const { default: OpenAI } = await importOpenAi<{ default: new (o: unknown) => OpenAiClient }>();
  const client = new OpenAI({
    baseURL: `http://127.0.0.1:${tee.port}/v1`,
    apiKey: 'sk-test-0123456789abcdefghij',
    maxRetries: 0,
  });
  const messages = [{ role: 'user', content: 'read /etc/hostname' }];

  // 1. Chat Completions, not streamed (gzip body).
  const c1 = (await client.chat.completions.create({ model: 'gpt-test', messages, tools: TOOLS })) as {
    model: string;
    choices: {
      finish_reason: string;
      message: { tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
    }[];
    usage: { prompt_tokens: number; completion_tokens: number };
  };
  clientSaw.push({
    model: c1.model,
    finish: c1.choices[0]!.finish_reason,
    toolCalls: (c1.choices[0]!.message.tool_calls ?? []).map((t) => ({
      id: t.id,
      name: t.function.name,
      arguments: t.function.arguments,
    })),
    input: c1.usage.prompt_tokens,
    output: c1.usage.completion_tokens,
  });

  // 2. Chat Completions, streamed: tool calls assembled from deltas, as the client does.
  const stream = (await client.chat.completions.create({
    model: 'gpt-test',
    messages,
    tools: TOOLS,
    stream: true,
    stream_options: { include_usage: true },
  })) as AsyncIterable<{
    model: string;
    choices: {
      finish_reason: string | null;
      delta: {
        tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
      };
    }[];
    usage?: { prompt_tokens: number; completion_tokens: number };
  }>;
  const acc: { id: string; name: string; arguments: string }[] = [];
  let model = '';
  let finish = '';
  let usage = { prompt_tokens: -1, completion_tokens: -1 };
  for await (const chunk of stream) {
    model = chunk.model;
    if (chunk.usage) usage = chunk.usage;
    for (const ch of chunk.choices) {
      if (ch.finish_reason) finish = ch.finish_reason;
      for (const t of ch.delta.tool_calls ?? []) {
        acc[t.index] ??= { id: '', name: '', arguments: '' };
        const a = acc[t.index]!;
        if (t.id) a.id = t.id;
        if (t.function?.name) a.name = t.function.name;
        a.arguments += t.function?.arguments ?? '';
      }
    }
  }
  clientSaw.push({
    model,
    finish,
    toolCalls: acc,
    input: usage.prompt_tokens,
    output: usage.completion_tokens,
  });

  // 3. A turn after the tool result: text, no tool calls.
  const c3 = (await client.chat.completions.create({
    model: 'gpt-test',
    messages: [
      ...messages,
      {
        role: 'assistant',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'host-1' },
    ],
  })) as typeof c1;
  clientSaw.push({
    model: c3.model,
    finish: c3.choices[0]!.finish_reason,
    toolCalls: [],
    input: c3.usage.prompt_tokens,
    output: c3.usage.completion_tokens,
  });

  // 4. Responses API, not streamed and streamed.
  for (const streamed of [false, true]) {
    const r = await client.responses.create({
      model: 'gpt-resp',
      input: 'hello',
      tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object' }, strict: false }],
      stream: streamed,
    });
    let resp:
      | {
          model: string;
          status: string;
          output: { type: string; call_id?: string; name?: string; arguments?: string }[];
          usage: { input_tokens: number; output_tokens: number };
        }
      | undefined;
    if (streamed) {
      for await (const ev of r as AsyncIterable<{ type: string; response?: typeof resp }>)
        if (ev.type === 'response.completed') resp = ev.response;
    } else resp = r as typeof resp;
    clientSaw.push({
      model: resp!.model,
      finish: resp!.status,
      toolCalls: resp!.output
        .filter((o) => o.type === 'function_call')
        .map((o) => ({ id: o.call_id!, name: o.name!, arguments: o.arguments! })),
      input: resp!.usage.input_tokens,
      output: resp!.usage.output_tokens,
    });
  }

  // 5. Anthropic, Ollama and Gemini wire formats, with plain fetch.
  const base = `http://127.0.0.1:${tee.port}`;
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
  };
  await post(
    '/v1/messages',
    {
      model: 'claude-test',
      max_tokens: 100,
      stream: true,
      messages,
      tools: [{ name: 'read_file', input_schema: { type: 'object' } }],
    },
    { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
  );
  await post('/api/chat', { model: 'llama3.2', messages, tools: TOOLS });
  await post('/v1beta/models/gemini-test:streamGenerateContent?alt=sse', {
    contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    tools: [{ functionDeclarations: [{ name: 'read_file', parameters: { type: 'object' } }] }],
  });
  await post(
    '/v1beta/models/gemini-test:generateContent',
    { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    { 'x-test-encoding': 'br' },
  );
  await post('/v1/chat/completions', { model: 'gpt-deflate', messages }, { 'x-test-encoding': 'deflate' });
  await post('/api/generate', { model: 'llama3.2', prompt: 'hi', stream: false });
  await cleanup();
}, 120_000);

afterAll(async () => {
  await cleanup?.();
});

describe('model calls decoded from real HTTP traffic', () => {
  it('matches every call the scripted server answered, one to one', () => {
    const events = decodeAll(log.chunks);
    for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
    const calls = events.filter((e): e is ModelCall => e.kind === 'model.call').sort((a, b) => a.ts - b.ts);
    expect(calls.length).toBe(served.length);
    expect(served.length).toBe(11);
    calls.forEach((ev, i) => {
      const s = served[i]!;
      expect(ev.path).toBe(s.path);
      expect(ev.model).toBe(s.model);
      expect(ev.responseModel).toBe(s.responseModel);
      expect(ev.finishReason).toBe(s.finishReason);
      expect(ev.inputTokens).toBe(s.inputTokens);
      expect(ev.outputTokens).toBe(s.outputTokens);
      expect(ev.status).toBe(200);
      expect(ev.partial).toBeUndefined();
      expect(ev.streaming).toBe(s.streaming);
      expect(ev.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ev.durationMs).toBeGreaterThanOrEqual(0);
      expect(ev.requestBytes).toBeGreaterThan(0);
      expect(ev.responseBytes).toBeGreaterThan(0);
      expect(ev.promptText).toBeUndefined();
      expect(
        (ev.toolCalls ?? []).map((t) => ({
          ...(t.id !== undefined ? { id: t.id } : {}),
          name: t.name,
          argumentNames: t.argumentNames,
          argumentsHash: t.argumentsHash,
        })),
      ).toEqual(
        s.toolCalls.map((t) => ({
          ...(t.id !== undefined ? { id: t.id } : {}),
          name: t.name,
          ...digest(t.args),
        })),
      );
    });
    // The traffic exercised what it is meant to: content codings, chunked SSE, NDJSON, keep-alive.
    const wire = Buffer.concat(log.chunks.filter((c) => c.direction === 'ingress').map((c) => c.bytes))
      .toString('latin1')
      .toLowerCase();
    for (const h of [
      'content-encoding: gzip',
      'content-encoding: br',
      'content-encoding: deflate',
      'transfer-encoding: chunked',
      'text/event-stream',
      'application/x-ndjson',
    ])
      expect(wire).toContain(h);
    expect(new Set(log.chunks.map((c) => c.connection)).size).toBeLessThan(served.length);
    expect(calls.map((c) => c.provider)).toContain('anthropic');
    expect(calls.map((c) => c.provider)).toContain('ollama');
    expect(calls.map((c) => c.provider)).toContain('gcp.gemini');
  });

  it('matches what the OpenAI client itself returned', () => {
    const calls = decodeAll(log.chunks)
      .filter((e): e is ModelCall => e.kind === 'model.call')
      .sort((a, b) => a.ts - b.ts)
      .slice(0, clientSaw.length);
    expect(calls.length).toBe(5);
    calls.forEach((ev, i) => {
      const c = clientSaw[i]!;
      expect(ev.responseModel).toBe(c.model);
      expect(ev.finishReason).toBe(c.finish);
      expect(ev.inputTokens).toBe(c.input);
      expect(ev.outputTokens).toBe(c.output);
      expect(ev.toolCalls?.map((t) => [t.id, t.name, t.argumentsHash]) ?? []).toEqual(
        c.toolCalls.map((t) => [t.id, t.name, sha256(canonical(JSON.parse(t.arguments)))]),
      );
    });
    // Tool definitions offered: one hash per definition, of its canonical JSON.
    expect(calls[0]!.toolsOffered).toEqual(
      TOOLS.map((t) => ({ name: t.function.name, definitionHash: sha256(canonical(t)) })),
    );
  });

  it('never lets prompt text into meta mode, and redacts secrets in content mode', () => {
    const meta = JSON.stringify(decodeAll(log.chunks));
    expect(meta).not.toContain('read /etc/hostname');
    const content = decodeAll(log.chunks, new PayloadDecoder({ mode: 'content' })).filter(
      (e): e is ModelCall => e.kind === 'model.call',
    );
    expect(content[0]!.promptText).toContain('read /etc/hostname');
    expect(
      content.some((e) => e.completionText?.includes('all done') || e.completionText?.includes('done')),
    ).toBe(true);
    expect(JSON.stringify(content)).not.toContain('sk-test-0123456789abcdefghij');
  });

  it('cut at a byte cap: what is not marked partial is exact, nothing throws', () => {
    const reference = new Map(decodeAll(log.chunks).map((e) => [e.ts, e]));
    for (const cap of [200, 300, 400, 600, 1024]) {
      const cut = log.chunks.map((c) => ({ ...c, bytes: c.bytes.subarray(0, cap) }));
      const decoder = new PayloadDecoder();
      const events = decodeAll(cut, decoder);
      expect(events.length).toBeLessThanOrEqual(served.length);
      for (const e of events) {
        expect(EventSchema.safeParse(e).success).toBe(true);
        if ((e as ModelCall).partial !== true) expect(e).toEqual(reference.get(e.ts));
      }
      // At 200 bytes even the heads are cut: nothing is decoded, and all of it is counted.
      if (cap === 200)
        expect(Object.values(decoder.stats().skipped).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      // At 600 bytes the heads fit and bodies are cut: every call is reported, most of them partial.
      if (cap === 600) {
        expect(events.length).toBe(served.length);
        expect(events.filter((e) => (e as ModelCall).partial === true).length).toBeGreaterThan(0);
      }
      expect(decoder.stats().bufferedBytes).toBe(0);
    }
  });

  it('random split points and interleaved connections never change the events', () => {
    const reference = decodeAll(log.chunks);
    const key = (e: VigilEvent) => `${e.ts}:${JSON.stringify(e)}`;
    const sorted = reference.map(key).sort();
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 64 }), fc.integer(), (seeds, mix) => {
        const split = resplit(log.chunks, (i, len) =>
          seeds.slice(0, (seeds[i % seeds.length]! % 4) + 1).map((s) => (s + i * 7919) % Math.max(len, 1)),
        );
        // Interleave connections: a stable merge that keeps each connection's own order.
        const byConn = new Map<string, PayloadChunk[]>();
        for (const c of split) byConn.set(c.connection, [...(byConn.get(c.connection) ?? []), c]);
        const queues = [...byConn.values()];
        const merged: PayloadChunk[] = [];
        let r = mix >>> 0;
        while (queues.some((q) => q.length > 0)) {
          r = (Math.imul(r, 1103515245) + 12345) >>> 0;
          const live = queues.filter((q) => q.length > 0);
          merged.push(live[r % live.length]!.shift()!);
        }
        const decoder = new PayloadDecoder();
        const events = decodeAll(merged, decoder);
        expect(events.map(key).sort()).toEqual(sorted);
        expect(decoder.stats().skipped).toEqual({});
      }),
      { numRuns: 40 },
    );
  });
});
