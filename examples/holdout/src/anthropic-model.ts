import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { nextCall, type PlannedCall, readBody } from '../../lab/src/scripted-model.js';

/**
 * A deterministic endpoint on 127.0.0.1 that speaks the Anthropic Messages API
 * (`POST /v1/messages`, streamed as server-sent events or answered whole), so
 * the held-out agent runs on the real `@anthropic-ai/sdk` without a network.
 *
 * It decides like the lab's scripted model (whose plan follower it reuses):
 * the user's first message names a ticket, `planFor` turns the ticket into a
 * plan of tool calls, and instructions found in tool results ("run this
 * command: `…`") are obeyed, as by a model without defences against prompt
 * injection. The Messages API's content blocks are mapped onto the lab's
 * Chat Completions shape for that, and the decision back onto `tool_use`.
 */

/** A content block of the Messages API (the kinds this endpoint reads). */
interface Block {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
}

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | Block[];
}

interface MessagesRequest {
  model?: string;
  stream?: boolean;
  messages?: AnthropicMessage[];
  tools?: { name?: string; description?: string }[];
}

/** One request the endpoint answered. */
export interface AnthropicTurn {
  readonly model: string;
  readonly streamed: boolean;
  /** The tool the model called, or undefined for the final answer. */
  readonly called?: string;
}

/** A running endpoint. */
export interface AnthropicModel {
  /** Base URL for the SDK's `baseURL` (`ANTHROPIC_BASE_URL`): the SDK appends `/v1/messages`. */
  readonly url: string;
  readonly turns: AnthropicTurn[];
  close(): Promise<void>;
}

/** Options of {@link startAnthropicModel}. */
export interface AnthropicModelOptions {
  /** The plan (numbered `tool {json}` lines) for the user's first message; none gives a plain answer. */
  readonly planFor: (firstUserText: string) => readonly PlannedCall[];
  /** Serve HTTPS with this PEM key and certificate (as a hosted API does) instead of plain HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

function blocks(content: string | Block[]): Block[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => String((c as Block).text ?? '')).join('');
  return '';
}

/** The conversation in the lab's Chat Completions shape, with the plan as the user's prompt. */
export function asChat(
  messages: readonly AnthropicMessage[],
  planFor: AnthropicModelOptions['planFor'],
): { role: string; content?: unknown; tool_calls?: { function: { name: string; arguments: string } }[] }[] {
  const first = messages.find((m) => m.role === 'user');
  const prompt = first
    ? blocks(first.content)
        .filter((b) => b.type === 'text')
        .map((b) => b.text ?? '')
        .join('')
    : '';
  const plan = planFor(prompt)
    .map((c, i) => `${i + 1}. ${c.tool} ${JSON.stringify(c.args)}`)
    .join('\n');
  const out: ReturnType<typeof asChat> = [{ role: 'user', content: `${prompt}\n\nPLAN:\n${plan}\n` }];
  for (const m of messages) {
    if (m === first) continue;
    const bs = blocks(m.content);
    if (m.role === 'assistant') {
      const calls = bs
        .filter((b) => b.type === 'tool_use')
        .map((b) => ({ function: { name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) } }));
      out.push({ role: 'assistant', tool_calls: calls });
    } else
      for (const b of bs)
        if (b.type === 'tool_result') out.push({ role: 'tool', content: resultText(b.content) });
  }
  return out;
}

let sequence = 0;

function sse(res: ServerResponse, type: string, data: object): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

/** Writes one assistant message as the Messages API's event stream, the tool input in small deltas. */
function stream(res: ServerResponse, id: string, model: string, call: PlannedCall | undefined): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  sse(res, 'message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 96, output_tokens: 1 },
    },
  });
  const say = call ? `I'll use ${call.tool} next.` : 'Done: the ticket is handled.';
  sse(res, 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const part of say.match(/.{1,12}/g) ?? [])
    sse(res, 'content_block_delta', { index: 0, delta: { type: 'text_delta', text: part } });
  sse(res, 'content_block_stop', { index: 0 });
  if (call) {
    sse(res, 'content_block_start', {
      index: 1,
      content_block: { type: 'tool_use', id: `toolu_${sequence}`, name: call.tool, input: {} },
    });
    for (const part of JSON.stringify(call.args).match(/.{1,24}/gs) ?? [])
      sse(res, 'content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: part } });
    sse(res, 'content_block_stop', { index: 1 });
  }
  sse(res, 'message_delta', {
    delta: { stop_reason: call ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: 24 },
  });
  sse(res, 'message_stop', {});
  res.end();
}

/** Starts the endpoint on 127.0.0.1 (a free port). */
export async function startAnthropicModel(options: AnthropicModelOptions): Promise<AnthropicModel> {
  const turns: AnthropicTurn[] = [];
  const handler: RequestListener = (req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              type: 'error',
              error: { type: 'not_found_error', message: `no route ${req.method} ${req.url}` },
            }),
          );
          return;
        }
        const parsed = JSON.parse(await readBody(req)) as MessagesRequest;
        const model = parsed.model ?? 'unknown';
        const offered = (parsed.tools ?? [])
          .map((t) => ({ name: t.name ?? '', description: t.description ?? '' }))
          .filter((t) => t.name.length > 0);
        const call = nextCall(asChat(parsed.messages ?? [], options.planFor), offered);
        sequence += 1;
        const id = `msg_holdout_${sequence}`;
        turns.push({ model, streamed: parsed.stream === true, ...(call ? { called: call.tool } : {}) });
        if (parsed.stream === true) {
          stream(res, id, model, call);
          return;
        }
        const content: Block[] = [
          { type: 'text', text: call ? `I'll use ${call.tool} next.` : 'Done: the ticket is handled.' },
          ...(call ? [{ type: 'tool_use', id: `toolu_${sequence}`, name: call.tool, input: call.args }] : []),
        ];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            type: 'message',
            role: 'assistant',
            model,
            content,
            stop_reason: call ? 'tool_use' : 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: 96, output_tokens: 24 },
          }),
        );
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ type: 'error', error: { type: 'api_error', message: (err as Error).message } }),
        );
      }
    })();
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    turns,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
