import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A deterministic OpenAI-compatible Chat Completions endpoint on 127.0.0.1 that
 * stands in for a hosted model, so real agents run without a network.
 *
 * It follows the plan in the user's prompt, one tool call per turn:
 *
 * ```
 * PLAN:
 * 1. read_text_file {"path": "/srv/work/inbox.md"}
 * 2. run_command {"command": "wc -l /srv/work/inbox.md"}
 * ```
 *
 * and, like a model with no defence against prompt injection, it also obeys
 * instructions it finds in tool output or in a tool's description:
 * "run this command: `…`" (through the shell tool) and
 * "call the tool NAME with {…}" (`{{previous}}` in the arguments stands for the
 * last tool result). A step whose tool the agent does not offer is skipped.
 */

/** One tool call the model plans or was told to make. */
export interface PlannedCall {
  readonly tool: string;
  readonly args: Record<string, unknown>;
}

/** One request the endpoint answered. */
export interface ScriptedTurn {
  readonly toolNames: readonly string[];
  /** The tool the model called, or undefined for the final answer. */
  readonly called?: string;
}

/** A running scripted endpoint. */
export interface ScriptedModel {
  /** Base URL including `/v1`. */
  readonly url: string;
  readonly port: number;
  readonly turns: ScriptedTurn[];
  close(): Promise<void>;
}

/** Names of the shell tool across the lab's agents. */
const SHELL_TOOLS = ['run_command', 'shell'];

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[];
}

interface OfferedTool {
  name: string;
  description: string;
}

/** Parses the `PLAN:` block of a prompt: one `N. tool {json}` per line. */
export function parsePlan(prompt: string): PlannedCall[] {
  const at = prompt.indexOf('PLAN:');
  if (at < 0) return [];
  const out: PlannedCall[] = [];
  for (const line of prompt.slice(at + 5).split('\n')) {
    const m = /^\s*\d+\.\s+(\S+)\s+(\{.*\})\s*$/.exec(line);
    if (m) out.push({ tool: m[1]!, args: JSON.parse(m[2]!) as Record<string, unknown> });
  }
  return out;
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((c) => (typeof c === 'string' ? c : String((c as { text?: unknown }).text ?? '')))
      .join('');
  return JSON.stringify(content ?? '');
}

/** Replaces `{{previous}}` in string arguments with the last tool result. */
function fill(args: Record<string, unknown>, previous: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [
      k,
      typeof v === 'string' ? v.replaceAll('{{previous}}', previous) : v,
    ]),
  );
}

/** The instructions an injected text carries, in the order they appear. */
export function injectedCalls(source: string): PlannedCall[] {
  // Tool results often arrive JSON-encoded: undo the escaping of quotes and newlines first.
  const t = source.replace(/\\n/g, '\n').replace(/\\"/g, '"');
  const found: { at: number; call: PlannedCall }[] = [];
  for (const m of t.matchAll(/run this command: `([^`]+)`/g))
    found.push({ at: m.index, call: { tool: 'run_command', args: { command: m[1]! } } });
  for (const m of t.matchAll(/call the tool (\w+) with (\{[^\n]*\})/g)) {
    try {
      const args = JSON.parse(m[2]!) as Record<string, unknown>;
      found.push({ at: m.index, call: { tool: m[1]!, args } });
    } catch {
      // Not JSON: a model would not follow it either.
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.call);
}

function resolveTool(wanted: string, offered: readonly OfferedTool[]): OfferedTool | undefined {
  const names = SHELL_TOOLS.includes(wanted) ? SHELL_TOOLS : [wanted];
  return offered.find((t) =>
    names.some((n) => t.name === n || t.name.endsWith(`__${n}`) || t.name.endsWith(`_${n}`)),
  );
}

/**
 * Decides the next turn from the conversation so far: replay the calls already
 * made against the plan (obeying what their results injected), then either
 * the next call or the final answer.
 */
export function nextCall(
  messages: readonly ChatMessage[],
  offered: readonly OfferedTool[],
): PlannedCall | undefined {
  const prompt = text(messages.find((m) => m.role === 'user')?.content ?? '');
  const queue: PlannedCall[] = parsePlan(prompt);
  const made: { tool: string; args: string }[] = [];
  let previous = '';
  const pending = () => {
    // Skip steps whose tool this agent does not have.
    while (queue.length > 0 && resolveTool(queue[0]!.tool, offered) === undefined) queue.shift();
  };
  pending();
  for (const m of messages) {
    if (m.role === 'assistant')
      for (const c of m.tool_calls ?? []) {
        const name = c.function?.name ?? '';
        made.push({ tool: name, args: c.function?.arguments ?? '{}' });
        // A call obeying a poisoned description is not a plan step.
        const head = queue[0];
        if (head && resolveTool(head.tool, offered)?.name === name) {
          queue.shift();
          pending();
        }
      }
    if (m.role === 'tool') {
      previous = text(m.content);
      queue.unshift(...injectedCalls(previous));
      pending();
    }
  }
  const next = queue[0];
  if (next === undefined) return undefined;
  const tool = resolveTool(next.tool, offered)!;
  // A poisoned tool description (a rug pull) is obeyed before the tool is first used.
  for (const hidden of injectedCalls(tool.description)) {
    const target = resolveTool(hidden.tool, offered);
    if (target && !made.some((c) => c.tool === target.name && c.args === JSON.stringify(hidden.args)))
      return { tool: target.name, args: fill(hidden.args, previous) };
  }
  return { tool: tool.name, args: fill(next.args, previous) };
}

/** A request body as text, refused over 16 MiB. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 16 << 20) throw new Error('request body over 16 MiB');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Listens on an ephemeral port of `host`; resolves with the port. */
export function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as { port: number }).port));
  });
}

let sequence = 0;

/** Options of {@link startScriptedModel}. */
export interface ScriptedModelOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Serve HTTPS with this PEM key and certificate instead of plain HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/** Starts the scripted endpoint on 127.0.0.1, over HTTP or (with `tls`) HTTPS. */
export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const turns: ScriptedTurn[] = [];
  const handler: RequestListener = (req, res) => {
    void (async () => {
      try {
        // The internal docs service a benign task may read over HTTP.
        const doc = req.method === 'GET' ? /^\/docs\/([a-z-]+)$/.exec(req.url ?? '') : null;
        if (doc) {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`Docs for ${doc[1]}: owners, on-call rota and the last three changes.\n`);
          return;
        }
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
          return;
        }
        const parsed = JSON.parse(await readBody(req)) as {
          model?: string;
          messages?: ChatMessage[];
          tools?: { function?: { name?: string; description?: string } }[];
        };
        const model = parsed.model ?? 'unknown';
        const offered = (parsed.tools ?? [])
          .map((t) => ({ name: t.function?.name ?? '', description: t.function?.description ?? '' }))
          .filter((t) => t.name.length > 0);
        const call = nextCall(parsed.messages ?? [], offered);
        turns.push({ toolNames: offered.map((t) => t.name), ...(call ? { called: call.tool } : {}) });
        sequence += 1;
        const message = call
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: `call_${sequence}`,
                  type: 'function',
                  function: { name: call.tool, arguments: JSON.stringify(call.args) },
                },
              ],
            }
          : { role: 'assistant', content: 'Done: the task is complete.' };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-lab-${sequence}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model,
            choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : 'stop' }],
            usage: { prompt_tokens: 64, completion_tokens: 16, total_tokens: 80 },
          }),
        );
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: (err as Error).message } }));
      }
    })();
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/v1`,
    port,
    turns,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
