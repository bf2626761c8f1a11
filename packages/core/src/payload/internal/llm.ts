import { createHash, type Hash } from 'node:crypto';
import { redactSecrets } from '../redact.js';
import { argumentDigest, hashJson } from './canonical-json.js';
import type { DefinitionHashes } from './definition-hashes.js';

/** The LLM wire APIs the decoder understands. */
export type LlmApi =
  | 'openai-chat'
  | 'openai-responses'
  | 'anthropic-messages'
  | 'ollama-chat'
  | 'ollama-generate'
  | 'gemini';

/** Which API a request speaks, from its method and path; `undefined` for anything else. */
export function classifyLlmRequest(
  method: string,
  path: string,
  headers: ReadonlyMap<string, string>,
): { api: LlmApi; model?: string; operation: string } | undefined {
  if (method !== 'POST') return undefined;
  const p = path.split('?')[0] ?? '';
  if (/\/chat\/completions\/?$/.test(p)) return { api: 'openai-chat', operation: 'chat' };
  if (/\/v1\/responses\/?$/.test(p) || /^\/responses\/?$/.test(p))
    return { api: 'openai-responses', operation: 'chat' };
  if (/\/v1\/messages\/?$/.test(p) || (/\/messages\/?$/.test(p) && headers.has('anthropic-version')))
    return { api: 'anthropic-messages', operation: 'chat' };
  if (/\/api\/chat\/?$/.test(p)) return { api: 'ollama-chat', operation: 'chat' };
  if (/\/api\/generate\/?$/.test(p)) return { api: 'ollama-generate', operation: 'text_completion' };
  const g = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(p);
  if (g) return { api: 'gemini', model: decodeURIComponent(g[1]!), operation: 'generate_content' };
  return undefined;
}

/** The provider an API speaks for when the host does not say more. */
export function defaultProvider(api: LlmApi, hostIsOpenAi: boolean): string {
  switch (api) {
    case 'openai-chat':
    case 'openai-responses':
      return hostIsOpenAi ? 'openai' : 'openai-compatible';
    case 'anthropic-messages':
      return 'anthropic';
    case 'ollama-chat':
    case 'ollama-generate':
      return 'ollama';
    case 'gemini':
      return 'gcp.gemini';
  }
}

/** A tool call as it is assembled from a response or its streamed deltas. */
interface PendingToolCall {
  id: string | undefined;
  name: string;
  text: string;
  object: unknown;
  hasObject: boolean;
  overflow: boolean;
  hash: Hash;
}

export interface ModelCallFields {
  model: string;
  responseModel?: string;
  toolsOffered?: { name: string; definitionHash: string }[];
  toolCalls?: { id?: string; name: string; argumentNames?: string[]; argumentsHash?: string }[];
  finishReason?: string;
  inputTokens?: number;
  outputTokens?: number;
  promptText?: string;
  completionText?: string;
  streaming: boolean;
  partial: boolean;
}

const MAX_ARGUMENT_TEXT = 256 * 1024;
const MAX_KEPT_TEXT = 64 * 1024;

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

/**
 * One model call: the request's model, tools and (in content mode) prompt,
 * then the response's model, tool calls, finish reason and usage, from one
 * JSON body, a stream of SSE events, NDJSON lines or a JSON array (Gemini).
 */
export class ModelCallAccumulator {
  readonly api: LlmApi;
  readonly #content: boolean;
  #model = '';
  #responseModel: string | undefined;
  #tools: { name: string; definitionHash: string }[] | undefined;
  readonly #calls = new Map<string, PendingToolCall>();
  #finish: string | undefined;
  #in: number | undefined;
  #out: number | undefined;
  #prompt: string | undefined;
  #completion = '';
  #streaming = false;
  #sawResponse = false;
  #anthropicBlocks = new Map<number, string>();
  readonly #hashDefinition: (definition: unknown) => string;

  /** `definitions` caches the hashes of tool definitions across calls (they repeat in every request). */
  constructor(api: LlmApi, content: boolean, pathModel?: string, definitions?: DefinitionHashes) {
    this.api = api;
    this.#content = content;
    if (pathModel) this.#model = pathModel;
    this.#hashDefinition = definitions ? (d) => definitions.hash(d) : hashJson;
  }

  /** The request body, parsed; or the text prefix of one that was cut. */
  request(body: unknown, prefix: string | undefined): void {
    const b = obj(body);
    if (!b) {
      // A cut body: the model name is usually near the start.
      const m = prefix ? /"model"\s*:\s*"([^"\\]{1,256})"/.exec(prefix) : null;
      if (m && !this.#model) this.#model = m[1]!;
      return;
    }
    const model = str(b['model']);
    if (model && !this.#model) this.#model = model;
    if (b['stream'] === true) this.#streaming = true;
    if (this.api === 'ollama-chat' || this.api === 'ollama-generate') this.#streaming = b['stream'] !== false;
    const tools: { name: string; definitionHash: string }[] = [];
    for (const t of arr(b['tools'])) {
      const to = obj(t);
      if (!to) continue;
      if (this.api === 'gemini') {
        for (const d of arr(to['functionDeclarations'] ?? to['function_declarations'])) {
          const n = str(obj(d)?.['name']);
          if (n) tools.push({ name: n, definitionHash: this.#hashDefinition(d) });
        }
        continue;
      }
      const name = str(obj(to['function'])?.['name']) ?? str(to['name']) ?? str(to['type']) ?? '';
      tools.push({ name, definitionHash: this.#hashDefinition(t) });
    }
    if (tools.length > 0) this.#tools = tools;
    if (this.#content) this.#prompt = clip(redactSecrets(promptOf(this.api, b)));
  }

  /** A whole JSON response body (or a Gemini stream's JSON array). */
  response(body: unknown): void {
    this.#sawResponse = true;
    if (Array.isArray(body)) {
      this.#streaming = true;
      for (const part of body) this.#piece(part, '');
      return;
    }
    this.#piece(body, '');
  }

  /** One streamed element: an SSE event's data or an NDJSON line, parsed. */
  streamed(data: unknown, eventName: string): void {
    this.#sawResponse = true;
    this.#streaming = true;
    this.#piece(data, eventName);
  }

  get sawResponse(): boolean {
    return this.#sawResponse;
  }

  result(partial: boolean): ModelCallFields {
    const calls = [...this.#calls.values()].map((c) => {
      let digest: { argumentNames?: string[]; argumentsHash?: string };
      if (c.hasObject) digest = argumentDigest(c.object);
      else if (c.overflow) digest = { argumentsHash: c.hash.digest('hex') };
      else digest = argumentDigest(c.text);
      return { ...(c.id !== undefined ? { id: c.id } : {}), name: c.name, ...digest };
    });
    const out: ModelCallFields = {
      model: this.#model || this.#responseModel || 'unknown',
      streaming: this.#streaming,
      partial:
        partial || calls.length !== this.#calls.size || [...this.#calls.values()].some((c) => c.overflow),
    };
    if (this.#responseModel !== undefined) out.responseModel = this.#responseModel;
    if (this.#tools) out.toolsOffered = this.#tools;
    if (calls.length > 0) out.toolCalls = calls;
    if (this.#finish !== undefined) out.finishReason = this.#finish;
    if (this.#in !== undefined) out.inputTokens = this.#in;
    if (this.#out !== undefined) out.outputTokens = this.#out;
    if (this.#content && this.#prompt !== undefined) out.promptText = this.#prompt;
    if (this.#content && this.#completion !== '') out.completionText = clip(redactSecrets(this.#completion));
    return out;
  }

  #text(t: unknown): void {
    if (!this.#content || typeof t !== 'string') return;
    if (this.#completion.length < MAX_KEPT_TEXT * 2) this.#completion += t;
  }

  #call(key: string, id: string | undefined, name: string | undefined): PendingToolCall {
    let c = this.#calls.get(key);
    if (!c) {
      c = {
        id,
        name: name ?? '',
        text: '',
        object: undefined,
        hasObject: false,
        overflow: false,
        hash: createHash('sha256'),
      };
      this.#calls.set(key, c);
    } else {
      if (id !== undefined && c.id === undefined) c.id = id;
      if (name && !c.name) c.name = name;
    }
    return c;
  }

  #argText(c: PendingToolCall, part: unknown): void {
    if (typeof part !== 'string' || part === '') return;
    c.hash.update(part);
    if (c.overflow) return;
    if (c.text.length + part.length > MAX_ARGUMENT_TEXT) {
      c.overflow = true;
      c.text = '';
    } else c.text += part;
  }

  #argObject(c: PendingToolCall, value: unknown): void {
    c.object = value;
    c.hasObject = true;
  }

  #usage(input: unknown, output: unknown): void {
    const i = num(input);
    const o = num(output);
    if (i !== undefined) this.#in = i;
    if (o !== undefined) this.#out = o;
  }

  #piece(data: unknown, eventName: string): void {
    const d = obj(data);
    if (!d) return;
    if (this.api === 'openai-chat') this.#openAiChat(d);
    else if (this.api === 'openai-responses') this.#openAiResponses(d, eventName);
    else if (this.api === 'anthropic-messages') this.#anthropic(d);
    else if (this.api === 'gemini') this.#gemini(d);
    else this.#ollama(d);
  }

  #openAiChat(d: Record<string, unknown>): void {
    const m = str(d['model']);
    if (m) this.#responseModel = m;
    const usage = obj(d['usage']);
    if (usage) this.#usage(usage['prompt_tokens'], usage['completion_tokens']);
    for (const choice of arr(d['choices'])) {
      const ch = obj(choice);
      if (!ch) continue;
      const fr = str(ch['finish_reason']);
      if (fr) this.#finish = fr;
      const msg = obj(ch['message']) ?? obj(ch['delta']);
      if (!msg) continue;
      this.#text(msg['content']);
      const isDelta = ch['delta'] !== undefined;
      arr(msg['tool_calls']).forEach((tc, pos) => {
        const t = obj(tc);
        if (!t) return;
        const fn = obj(t['function']);
        const idx = isDelta ? (num(t['index']) ?? pos) : pos;
        const c = this.#call(`${num(ch['index']) ?? 0}:${idx}`, str(t['id']), str(fn?.['name']));
        const args = fn?.['arguments'];
        if (typeof args === 'string') this.#argText(c, args);
        else if (args !== undefined) this.#argObject(c, args);
      });
    }
  }

  #openAiResponses(d: Record<string, unknown>, eventName: string): void {
    const type = str(d['type']) ?? eventName;
    if (type === 'response.output_item.done' || type === 'response.output_item.added') {
      const item = obj(d['item']);
      if (item) this.#responseItem(item, type === 'response.output_item.done');
      return;
    }
    if (type === 'response.output_text.delta') {
      this.#text(d['delta']);
      return;
    }
    const resp = obj(d['response']) ?? (d['object'] === 'response' ? d : undefined);
    if (!resp) return;
    const m = str(resp['model']);
    if (m) this.#responseModel = m;
    const status = str(resp['status']);
    if (status && status !== 'in_progress' && status !== 'queued') {
      const reason = str(obj(resp['incomplete_details'])?.['reason']);
      this.#finish = reason ?? status;
    }
    const usage = obj(resp['usage']);
    if (usage) this.#usage(usage['input_tokens'], usage['output_tokens']);
    const done = type === 'response.completed' || type === 'response.incomplete' || !eventName;
    if (done) {
      const streamedText = this.#completion !== '';
      for (const it of arr(resp['output'])) {
        const item = obj(it);
        if (!item) continue;
        this.#responseItem(item, true);
        if (!streamedText && item['type'] === 'message')
          for (const c of arr(item['content'])) this.#text(obj(c)?.['text']);
      }
    }
  }

  #responseItem(item: Record<string, unknown>, complete: boolean): void {
    if (item['type'] !== 'function_call') return;
    const key = str(item['id']) ?? str(item['call_id']) ?? String(this.#calls.size);
    const c = this.#call(key, str(item['call_id']), str(item['name']));
    if (complete && typeof item['arguments'] === 'string') {
      c.text = '';
      c.overflow = false;
      c.hash = createHash('sha256');
      this.#argText(c, item['arguments']);
    }
  }

  #anthropic(d: Record<string, unknown>): void {
    const type = str(d['type']);
    if (type === 'message_start') {
      const msg = obj(d['message']);
      if (msg) this.#anthropicMessage(msg);
      return;
    }
    if (type === 'content_block_start') {
      const block = obj(d['content_block']);
      const idx = num(d['index']) ?? 0;
      if (block?.['type'] === 'tool_use') {
        this.#anthropicBlocks.set(idx, 'tool_use');
        this.#call(`b${idx}`, str(block['id']), str(block['name']));
      } else if (block?.['type'] === 'text') this.#text(block['text']);
      return;
    }
    if (type === 'content_block_delta') {
      const delta = obj(d['delta']);
      const idx = num(d['index']) ?? 0;
      if (delta?.['type'] === 'input_json_delta' && this.#anthropicBlocks.get(idx) === 'tool_use')
        this.#argText(this.#call(`b${idx}`, undefined, undefined), delta['partial_json']);
      else if (delta?.['type'] === 'text_delta') this.#text(delta['text']);
      return;
    }
    if (type === 'message_delta') {
      const fr = str(obj(d['delta'])?.['stop_reason']);
      if (fr) this.#finish = fr;
      const usage = obj(d['usage']);
      if (usage) this.#usage(usage['input_tokens'], usage['output_tokens']);
      return;
    }
    if (type === 'message' || d['content'] !== undefined) this.#anthropicMessage(d);
  }

  #anthropicMessage(msg: Record<string, unknown>): void {
    const m = str(msg['model']);
    if (m) this.#responseModel = m;
    const fr = str(msg['stop_reason']);
    if (fr) this.#finish = fr;
    const usage = obj(msg['usage']);
    if (usage) this.#usage(usage['input_tokens'], usage['output_tokens']);
    arr(msg['content']).forEach((b, idx) => {
      const block = obj(b);
      if (block?.['type'] === 'tool_use') {
        const c = this.#call(`b${idx}`, str(block['id']), str(block['name']));
        this.#argObject(c, block['input'] ?? {});
      } else if (block?.['type'] === 'text') this.#text(block['text']);
    });
  }

  #ollama(d: Record<string, unknown>): void {
    const m = str(d['model']);
    if (m) this.#responseModel = m;
    const msg = obj(d['message']);
    if (msg) {
      this.#text(msg['content']);
      for (const tc of arr(msg['tool_calls'])) {
        const t = obj(tc);
        const fn = obj(t?.['function']);
        if (!fn) continue;
        const c = this.#call(`o${this.#calls.size}`, str(t?.['id']), str(fn['name']));
        const args = fn['arguments'];
        if (typeof args === 'string') this.#argText(c, args);
        else this.#argObject(c, args ?? {});
      }
    }
    this.#text(d['response']);
    if (d['done'] === true) {
      this.#finish = str(d['done_reason']) ?? 'stop';
      this.#usage(d['prompt_eval_count'], d['eval_count']);
    }
  }

  #gemini(d: Record<string, unknown>): void {
    const m = str(d['modelVersion']);
    if (m) this.#responseModel = m;
    const usage = obj(d['usageMetadata']);
    if (usage) this.#usage(usage['promptTokenCount'], usage['candidatesTokenCount']);
    arr(d['candidates']).forEach((cand) => {
      const c = obj(cand);
      if (!c) return;
      const fr = str(c['finishReason']);
      if (fr) this.#finish = fr;
      for (const p of arr(obj(c['content'])?.['parts'])) {
        const part = obj(p);
        if (!part) continue;
        this.#text(part['text']);
        const fc = obj(part['functionCall']);
        if (fc) {
          const call = this.#call(`g${this.#calls.size}`, str(fc['id']), str(fc['name']));
          this.#argObject(call, fc['args'] ?? {});
        }
      }
    });
  }
}

function clip(text: string): string {
  return text.length > MAX_KEPT_TEXT ? text.slice(0, MAX_KEPT_TEXT) : text;
}

/** The user-visible prompt text of a request, for content mode. */
function promptOf(api: LlmApi, b: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) for (const x of v) add(obj(x)?.['text'] ?? obj(x)?.['content'] ?? x);
  };
  if (api === 'gemini') {
    for (const c of arr(b['contents'])) for (const p of arr(obj(c)?.['parts'])) add(obj(p)?.['text']);
    return parts.join('\n');
  }
  add(b['system']);
  add(b['instructions']);
  add(b['prompt']);
  if (typeof b['input'] === 'string') add(b['input']);
  else for (const m of arr(b['input'])) add(obj(m)?.['content']);
  for (const m of arr(b['messages'])) add(obj(m)?.['content']);
  return parts.join('\n');
}
