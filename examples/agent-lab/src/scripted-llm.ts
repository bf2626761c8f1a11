import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat-completions request the scripted endpoint answered. */
export interface ScriptedRequest {
  readonly model: string;
  readonly toolNames: readonly string[];
  readonly messages: number;
}

/** A running scripted OpenAI-compatible endpoint. */
export interface ScriptedLlm {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:43123/v1`. */
  readonly url: string;
  readonly port: number;
  readonly requests: ScriptedRequest[];
  close(): Promise<void>;
}

/**
 * What the scripted model does: read a file, write a summary, then answer.
 * The paths come from the user's prompt ("Read A and write a summary to B."),
 * else from these options.
 */
export interface ScriptedLlmOptions {
  readonly readPath?: string;
  readonly writePath?: string;
  /** Port on 127.0.0.1; default 0 (any free port). */
  readonly port?: number;
}

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 8 << 20) throw new Error('request body over 8 MiB');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function completion(model: string, message: Record<string, unknown>, finish: string) {
  return {
    id: `chatcmpl-lab-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 42, completion_tokens: 17, total_tokens: 59 },
  };
}

/**
 * A deterministic OpenAI-compatible chat-completions endpoint on 127.0.0.1:
 * the first turn calls the read tool it finds in the request, the second the
 * write tool, and the third answers with text. Like a model without defences
 * against prompt injection, when a tool's output says "run this command:
 * `…`" and a `run_command` tool is offered, it calls that tool first. It stands in for a hosted LLM
 * so the agent runs for real without a network.
 */
export async function startScriptedLlm(options: ScriptedLlmOptions): Promise<ScriptedLlm> {
  const requests: ScriptedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
          return;
        }
        const parsed = JSON.parse(await body(req)) as {
          model?: string;
          messages?: ChatMessage[];
          tools?: { function?: { name?: string } }[];
        };
        const model = parsed.model ?? 'unknown';
        const messages = parsed.messages ?? [];
        const toolNames = (parsed.tools ?? []).map((t) => t.function?.name ?? '').filter((n) => n.length > 0);
        requests.push({ model, toolNames, messages: messages.length });
        const toolResults = messages.filter((m) => m.role === 'tool').length;
        const called = new Set(
          messages.flatMap((m) =>
            (m.tool_calls ?? []).map((c) => (c as { function?: { name?: string } }).function?.name ?? ''),
          ),
        );
        const prompt = messages.find((m) => m.role === 'user' && typeof m.content === 'string')?.content as
          | string
          | undefined;
        const asked = prompt ? /Read (\S+) and write a summary to (\S+?)\.?$/.exec(prompt) : null;
        const readPath = asked?.[1] ?? options.readPath ?? 'notes.txt';
        const writePath = asked?.[2] ?? options.writePath ?? 'summary.md';
        const pick = (...candidates: string[]) =>
          toolNames.find((n) => candidates.some((c) => n === c || n.endsWith(c)));
        // Like a model with no defence against prompt injection, it follows an
        // instruction to run a command that it finds in a tool's output.
        const injected = messages
          .filter((m) => m.role === 'tool')
          .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')))
          .map((text) => /run this command: `([^`]+)`/.exec(text.replace(/\\"/g, '"'))?.[1])
          .find((cmd) => cmd !== undefined);
        const shell = pick('run_command');
        const call = (id: string, name: string, args: unknown) =>
          completion(
            model,
            {
              content: null,
              tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
            },
            'tool_calls',
          );
        let reply: ReturnType<typeof completion>;
        const read = pick('read_text_file', 'read_file');
        const write = pick('write_file');
        if (toolResults === 0 && read) {
          reply = call('call_read_1', read, { path: readPath });
        } else if (injected !== undefined && shell && !called.has(shell)) {
          reply = call('call_cmd_1', shell, { command: injected });
        } else if (write && !called.has(write)) {
          reply = call('call_write_1', write, {
            path: writePath,
            content: '# Summary\n\nThe notes list three action items.\n',
          });
        } else {
          reply = completion(model, { content: 'I read the notes and wrote a summary.' }, 'stop');
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: (err as Error).message } }));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
