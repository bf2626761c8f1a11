import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type EventOf, EventSchema, PayloadDecoder, type VigilEvent } from '../../src/index.js';
import { importSdk } from './helpers/real-deps.js';
import { ChunkLog, canonical, resplit, sha256, startTee } from './helpers/recorder.js';

interface SdkClient {
  connect(t: unknown): Promise<void>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<{ isError?: boolean }>;
  close(): Promise<void>;
}
interface SdkServer {
  registerTool(name: string, config: unknown, cb: (args: Record<string, unknown>) => Promise<unknown>): void;
  connect(t: unknown): Promise<void>;
  close(): Promise<void>;
}
interface ServerTransport {
  handleRequest(req: unknown, res: unknown): Promise<void>;
}

/** What the client asked and got, per tools/call, in order. */
type Seen = { tool: string; args: Record<string, unknown>; isError: boolean };

/** Runs a real SDK server over streamable HTTP (JSON or SSE responses) behind a recording tee, driven by the SDK client. */
async function session(json: boolean): Promise<{ log: ChunkLog; seen: Seen[]; tools: string[] }> {
  const { McpServer } = await importSdk<{ McpServer: new (i: unknown) => SdkServer }>('server/mcp.js');
  const { StreamableHTTPServerTransport } = await importSdk<{
    StreamableHTTPServerTransport: new (o: unknown) => ServerTransport;
  }>('server/streamableHttp.js');
  const { Client } = await importSdk<{ Client: new (i: unknown) => SdkClient }>('client/index.js');
  const { StreamableHTTPClientTransport } = await importSdk<{
    StreamableHTTPClientTransport: new (u: URL) => unknown;
  }>('client/streamableHttp.js');

  const server = new McpServer({ name: 'vigil-http-test', version: '0.3.0' });
  server.registerTool(
    'echo',
    { description: 'Echo text back', inputSchema: { text: z.string() } },
    async (a) => ({ content: [{ type: 'text', text: String(a['text']) }] }),
  );
  server.registerTool(
    'fail',
    { description: 'Always fails', inputSchema: { why: z.string(), n: z.number() } },
    async () => ({ content: [{ type: 'text', text: 'no' }], isError: true }),
  );
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: json,
  });
  await server.connect(transport);
  const http = createServer((req, res) => void transport.handleRequest(req, res));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const log = new ChunkLog();
  const tee = await startTee(port, log);

  const client = new Client({ name: 'vigil-test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${tee.port}/mcp`)));
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const seen: Seen[] = [];
  for (const [tool, args] of [
    ['echo', { text: 'hello' }],
    ['fail', { why: 'test', n: 3 }],
    ['echo', { text: 'again' }],
  ] as const) {
    const r = await client.callTool({ name: tool, arguments: args });
    seen.push({ tool, args, isError: r.isError === true });
  }
  await client.close();
  await server.close();
  await tee.close();
  http.closeAllConnections();
  await new Promise<void>((r) => http.close(() => r()));
  return { log, seen, tools };
}

function decodeAll(log: ChunkLog['chunks'], decoder = new PayloadDecoder()): VigilEvent[] {
  const out: VigilEvent[] = [];
  for (const c of log) out.push(...decoder.push(c));
  out.push(...decoder.end());
  return out;
}

const runs: Record<string, Awaited<ReturnType<typeof session>>> = {};
beforeAll(async () => {
  runs['json'] = await session(true);
  runs['sse'] = await session(false);
}, 120_000);

describe('MCP over streamable HTTP, from the real SDK server and client', () => {
  for (const mode of ['json', 'sse'] as const) {
    it(`matches every tools/call and tools/list (${mode} responses)`, () => {
      const { log, seen, tools } = runs[mode]!;
      const events = decodeAll(log.chunks);
      for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
      const calls = events.filter((e): e is EventOf<'tool.call'> => e.kind === 'tool.call');
      expect(calls.length).toBe(seen.length);
      calls.forEach((ev, i) => {
        const s = seen[i]!;
        expect(ev.server).toBe('vigil-http-test');
        expect(ev.serverVersion).toBe('vigil-http-test@0.3.0');
        expect(ev.tool).toBe(s.tool);
        expect(ev.transport).toBe(mode === 'json' ? 'http' : 'sse');
        expect(ev.argumentNames).toEqual(Object.keys(s.args).sort());
        expect(ev.argumentsHash).toBe(sha256(canonical(s.args)));
        expect(ev.status).toBe(s.isError ? 'error' : 'ok');
        expect(ev.partial).toBeUndefined();
      });
      const lists = events.filter((e): e is EventOf<'tool.list'> => e.kind === 'tool.list');
      expect(lists.length).toBe(1);
      expect(lists[0]!.tools.map((t) => t.name)).toEqual(tools);
      expect(lists[0]!.server).toBe('vigil-http-test');
      // Random split points change nothing.
      const split = resplit(log.chunks, (i, len) => [
        (i * 31) % Math.max(len, 1),
        (i * 97 + 5) % Math.max(len, 1),
      ]);
      expect(decodeAll(split)).toEqual(events);
    });
  }
});
