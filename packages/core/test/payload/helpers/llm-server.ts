import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

/** What the scripted server answered to one request: the facts a model.call event must carry. */
export interface ServedCall {
  readonly path: string;
  readonly model: string;
  readonly responseModel: string;
  readonly toolCalls: { id?: string; name: string; args: Record<string, unknown> }[];
  readonly finishReason: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly status: number;
  readonly streaming: boolean;
}

const TOOL_CALLS = [
  { name: 'read_file', args: { path: '/etc/hostname' } },
  { name: 'run_shell', args: { command: 'ls -la', timeoutMs: 5000, env: { A: '1' } } },
];

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as Record<string, unknown>;
}

/** Splits a string into `n` pieces, so streamed arguments arrive as several deltas. */
function pieces(s: string, n: number): string[] {
  const size = Math.ceil(s.length / n);
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function sendJson(req: IncomingMessage, res: ServerResponse, value: unknown, status = 200): void {
  const raw = Buffer.from(JSON.stringify(value));
  const accept = String(req.headers['accept-encoding'] ?? '');
  const forced = String(req.headers['x-test-encoding'] ?? '');
  const enc = forced || (accept.includes('gzip') ? 'gzip' : 'identity');
  const out =
    enc === 'gzip'
      ? gzipSync(raw)
      : enc === 'br'
        ? brotliCompressSync(raw)
        : enc === 'deflate'
          ? deflateSync(raw)
          : raw;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': out.length,
    ...(enc !== 'identity' ? { 'content-encoding': enc } : {}),
  });
  res.end(out);
}

async function sse(res: ServerResponse, events: { event?: string; data: unknown }[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

/**
 * A scripted LLM server speaking the OpenAI Chat Completions and Responses,
 * Anthropic Messages, Ollama and Gemini wire formats: the first turn returns
 * two tool calls, a turn after a tool result returns text.
 */
export async function startScriptedLlm(): Promise<{
  port: number;
  served: ServedCall[];
  close(): Promise<void>;
}> {
  const served: ServedCall[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const b = await body(req);
      const messages = Array.isArray(b['messages']) ? (b['messages'] as Record<string, unknown>[]) : [];
      const last = messages[messages.length - 1];
      const afterTool =
        last?.['role'] === 'tool' ||
        (Array.isArray(b['input']) &&
          (b['input'] as Record<string, unknown>[]).some((i) => i['type'] === 'function_call_output'));
      const model = String(b['model'] ?? '');
      const calls = afterTool ? [] : TOOL_CALLS.map((t) => ({ ...t, id: `call_${++n}` }));
      const stream = b['stream'] === true;
      const record = (
        path: string,
        responseModel: string,
        finishReason: string,
        toolCalls: ServedCall['toolCalls'],
        streaming: boolean,
        inTok = 17,
        outTok = 9,
      ): void => {
        served.push({
          path,
          model,
          responseModel,
          toolCalls,
          finishReason,
          inputTokens: inTok,
          outputTokens: outTok,
          status: 200,
          streaming,
        });
      };
      if (url.pathname === '/v1/chat/completions') {
        const responseModel = `${model}-2026-01-01`;
        const finish = calls.length > 0 ? 'tool_calls' : 'stop';
        record(url.pathname, responseModel, finish, calls, stream);
        if (!stream) {
          sendJson(req, res, {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1,
            model: responseModel,
            choices: [
              {
                index: 0,
                finish_reason: finish,
                message: {
                  role: 'assistant',
                  content: calls.length ? null : 'done',
                  ...(calls.length
                    ? {
                        tool_calls: calls.map((c) => ({
                          id: c.id,
                          type: 'function',
                          function: { name: c.name, arguments: JSON.stringify(c.args) },
                        })),
                      }
                    : {}),
                },
              },
            ],
            usage: { prompt_tokens: 17, completion_tokens: 9, total_tokens: 26 },
          });
          return;
        }
        const base = { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: responseModel };
        const events: { data: unknown }[] = [
          {
            data: {
              ...base,
              choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
            },
          },
        ];
        calls.forEach((c, index) => {
          events.push({
            data: {
              ...base,
              choices: [
                {
                  index: 0,
                  delta: {
                    tool_calls: [
                      { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } },
                    ],
                  },
                  finish_reason: null,
                },
              ],
            },
          });
          for (const p of pieces(JSON.stringify(c.args), 3))
            events.push({
              data: {
                ...base,
                choices: [
                  {
                    index: 0,
                    delta: { tool_calls: [{ index, function: { arguments: p } }] },
                    finish_reason: null,
                  },
                ],
              },
            });
        });
        if (!calls.length)
          events.push({
            data: { ...base, choices: [{ index: 0, delta: { content: 'all done' }, finish_reason: null }] },
          });
        events.push({ data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] } });
        events.push({
          data: {
            ...base,
            choices: [],
            usage: { prompt_tokens: 17, completion_tokens: 9, total_tokens: 26 },
          },
        });
        events.push({ data: '[DONE]' });
        await sse(res, events);
        return;
      }
      if (url.pathname === '/v1/responses') {
        const responseModel = `${model}-r`;
        const output = calls.map((c, i) => ({
          type: 'function_call',
          id: `fc_${i}`,
          call_id: c.id,
          name: c.name,
          arguments: JSON.stringify(c.args),
          status: 'completed',
        }));
        if (!calls.length)
          output.push({
            type: 'message',
            id: 'msg_1',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: 'done', annotations: [] }],
          } as never);
        const response = {
          id: 'resp_1',
          object: 'response',
          created_at: 1,
          model: responseModel,
          status: 'completed',
          output,
          usage: { input_tokens: 17, output_tokens: 9, total_tokens: 26 },
        };
        record(url.pathname, responseModel, 'completed', calls, stream);
        if (!stream) return sendJson(req, res, response);
        const events: { event: string; data: unknown }[] = [
          {
            event: 'response.created',
            data: { type: 'response.created', response: { ...response, status: 'in_progress', output: [] } },
          },
        ];
        output.forEach((item, i) => {
          events.push({
            event: 'response.output_item.added',
            data: { type: 'response.output_item.added', output_index: i, item: { ...item, arguments: '' } },
          });
          events.push({
            event: 'response.output_item.done',
            data: { type: 'response.output_item.done', output_index: i, item },
          });
        });
        events.push({ event: 'response.completed', data: { type: 'response.completed', response } });
        return sse(res, events);
      }
      if (url.pathname === '/v1/messages') {
        const responseModel = `${model}-latest`;
        const finish = calls.length ? 'tool_use' : 'end_turn';
        record(url.pathname, responseModel, finish, calls, true, 21, 12);
        const events: { event: string; data: unknown }[] = [
          {
            event: 'message_start',
            data: {
              type: 'message_start',
              message: {
                id: 'msg_1',
                type: 'message',
                role: 'assistant',
                model: responseModel,
                content: [],
                stop_reason: null,
                usage: { input_tokens: 21, output_tokens: 1 },
              },
            },
          },
        ];
        calls.forEach((c, index) => {
          events.push({
            event: 'content_block_start',
            data: {
              type: 'content_block_start',
              index,
              content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
            },
          });
          for (const p of pieces(JSON.stringify(c.args), 4))
            events.push({
              event: 'content_block_delta',
              data: {
                type: 'content_block_delta',
                index,
                delta: { type: 'input_json_delta', partial_json: p },
              },
            });
          events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
        });
        events.push({
          event: 'message_delta',
          data: { type: 'message_delta', delta: { stop_reason: finish }, usage: { output_tokens: 12 } },
        });
        events.push({ event: 'message_stop', data: { type: 'message_stop' } });
        return sse(res, events);
      }
      if (url.pathname === '/api/chat') {
        record(
          url.pathname,
          model,
          'stop',
          calls.map(({ id: _id, ...c }) => c),
          true,
          30,
          5,
        );
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(
          `${JSON.stringify({ model, created_at: 't', message: { role: 'assistant', content: 'thinking ' }, done: false })}\n`,
        );
        await new Promise((r) => setImmediate(r));
        res.write(
          `${JSON.stringify({ model, created_at: 't', message: { role: 'assistant', content: '', tool_calls: calls.map((c) => ({ function: { name: c.name, arguments: c.args } })) }, done: false })}\n`,
        );
        res.end(
          `${JSON.stringify({ model, created_at: 't', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 30, eval_count: 5 })}\n`,
        );
        return;
      }
      if (url.pathname === '/api/generate') {
        record(url.pathname, model, 'stop', [], stream, 12, 4);
        return sendJson(req, res, {
          model,
          created_at: 't',
          response: 'generated text',
          done: true,
          done_reason: 'stop',
          prompt_eval_count: 12,
          eval_count: 4,
        });
      }
      const g = /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname);
      if (g) {
        const responseModel = `${g[1]}-001`;
        served.push({
          path: url.pathname,
          model: g[1]!,
          responseModel,
          toolCalls: calls.map(({ id: _id, ...c }) => c),
          finishReason: 'STOP',
          inputTokens: 40,
          outputTokens: 8,
          status: 200,
          streaming: g[2] === 'streamGenerateContent',
        });
        const chunkOf = (parts: unknown[], last: boolean): unknown => ({
          candidates: [{ content: { role: 'model', parts }, ...(last ? { finishReason: 'STOP' } : {}) }],
          ...(last ? { usageMetadata: { promptTokenCount: 40, candidatesTokenCount: 8 } } : {}),
          modelVersion: responseModel,
        });
        const parts = calls.map((c) => ({ functionCall: { name: c.name, args: c.args } }));
        if (g[2] === 'generateContent') return sendJson(req, res, chunkOf(parts, true));
        return sse(res, [{ data: chunkOf([{ text: 'ok' }], false) }, { data: chunkOf(parts, true) }]);
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    served,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
