/**
 * Payload decoding throughput on one core: captured bytes per second and
 * events per second through `PayloadDecoder`, for LLM traffic over HTTP/1.1
 * (OpenAI Chat Completions streamed as SSE in chunked frames, and not
 * streamed with gzip bodies, on keep-alive connections) and for MCP over
 * stdio (newline-delimited JSON-RPC `tools/call` with results).
 *
 *   pnpm build && npx tsx bench/payload/throughput.ts [CALLS=2000] [RUNS=7]
 *
 * The traffic is synthetic but shaped as the kernel delivers it: one chunk
 * per write (each SSE event is one chunked-encoding frame, each MCP message
 * one write), 16 connections interleaved. Rates are per second of this
 * process's CPU time (user + system) after two warm-up runs; the table gives
 * the median of RUNS runs and the spread (min–max).
 */
import { gzipSync } from 'node:zlib';
import type { PayloadChunk } from '../../packages/core/src/index.js';
import { CORE_FROM, core, fmt, median, pinToOneCore, table } from '../baseline/common.js';

pinToOneCore();
const { HOST_WORKLOAD, PayloadDecoder } = core;

const CALLS = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 7);
const CONNECTIONS = 16;

const TOOLS = Array.from({ length: 5 }, (_, i) => ({
  type: 'function',
  function: {
    name: `tool_${i}`,
    description: `Tool number ${i}`.repeat(4),
    parameters: { type: 'object', properties: { path: { type: 'string' }, limit: { type: 'integer' } } },
  },
}));

class Wire {
  readonly chunks: PayloadChunk[] = [];
  readonly #seq = new Map<string, number>();
  #ts = 1_764_000_000_000_000_000;
  add(
    connection: string,
    direction: 'egress' | 'ingress',
    transport: 'tcp' | 'pipe',
    text: string | Buffer,
  ): void {
    const key = `${connection}/${direction}`;
    const seq = this.#seq.get(key) ?? 0;
    this.#seq.set(key, seq + 1);
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    this.#ts += 20_000;
    this.chunks.push({
      ts: this.#ts,
      workload: HOST_WORKLOAD,
      pid: 4242,
      ppid: 1,
      comm: 'node',
      exe: '/usr/bin/node',
      source: 'ebpf',
      connection,
      direction,
      transport,
      seq,
      bytes,
      originalLength: bytes.length,
    });
  }
}

function request(i: number, stream: boolean): string {
  const body = JSON.stringify({
    model: 'gpt-bench',
    stream,
    messages: [
      { role: 'system', content: 'You are a careful agent. '.repeat(20) },
      { role: 'user', content: `Task ${i}: read the configuration and summarise it. `.repeat(10) },
    ],
    tools: TOOLS,
  });
  return `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:8000\r\ncontent-type: application/json\r\nauthorization: Bearer sk-bench-0123456789abcdefghij\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function sseResponse(w: Wire, conn: string, i: number): void {
  w.add(
    conn,
    'ingress',
    'tcp',
    'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  const base = { id: `c${i}`, object: 'chat.completion.chunk', model: 'gpt-bench-1' };
  const frame = (data: unknown) => {
    const ev = `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    w.add(conn, 'ingress', 'tcp', `${Buffer.byteLength(ev).toString(16)}\r\n${ev}\r\n`);
  };
  for (let k = 0; k < 60; k++)
    frame({ ...base, choices: [{ index: 0, delta: { content: `word${k} ` }, finish_reason: null }] });
  frame({
    ...base,
    choices: [
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 0, id: `call_${i}`, type: 'function', function: { name: 'tool_1', arguments: '' } },
          ],
        },
      },
    ],
  });
  const args = JSON.stringify({ path: `/srv/data/${i}.json`, limit: 100 });
  for (let k = 0; k < args.length; k += 6)
    frame({
      ...base,
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(k, k + 6) } }] } },
      ],
    });
  frame({
    ...base,
    choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
    usage: { prompt_tokens: 812, completion_tokens: 77 },
  });
  frame('[DONE]');
  w.add(conn, 'ingress', 'tcp', '0\r\n\r\n');
}

function gzipResponse(w: Wire, conn: string, i: number): void {
  const body = gzipSync(
    JSON.stringify({
      id: `c${i}`,
      model: 'gpt-bench-1',
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: {
            role: 'assistant',
            content: 'The configuration sets the limit to 100 and enables caching. '.repeat(12),
          },
        },
      ],
      usage: { prompt_tokens: 812, completion_tokens: 150 },
    }),
  );
  w.add(
    conn,
    'ingress',
    'tcp',
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: ${body.length}\r\n\r\n`,
      ),
      body,
    ]),
  );
}

function llmTraffic(stream: boolean): PayloadChunk[] {
  const w = new Wire();
  for (let i = 0; i < CALLS; i++) {
    const conn = `tcp:${i % CONNECTIONS}`;
    w.add(conn, 'egress', 'tcp', request(i, stream));
    if (stream) sseResponse(w, conn, i);
    else gzipResponse(w, conn, i);
  }
  return w.chunks;
}

function mcpTraffic(): PayloadChunk[] {
  const w = new Wire();
  for (let s = 0; s < CONNECTIONS; s++) {
    const conn = `stdio:${s}`;
    w.add(
      conn,
      'egress',
      'pipe',
      `${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`,
    );
    w.add(
      conn,
      'ingress',
      'pipe',
      `${JSON.stringify({ jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'bench-fs', version: '1.0.0' } } })}\n`,
    );
  }
  for (let i = 1; i <= CALLS * 4; i++) {
    const conn = `stdio:${i % CONNECTIONS}`;
    w.add(
      conn,
      'egress',
      'pipe',
      `${JSON.stringify({ method: 'tools/call', params: { name: 'read_text_file', arguments: { path: `/srv/data/${i}.txt`, head: 40 } }, jsonrpc: '2.0', id: i })}\n`,
    );
    w.add(
      conn,
      'ingress',
      'pipe',
      `${JSON.stringify({ result: { content: [{ type: 'text', text: `line of file ${i}\n`.repeat(60) }] }, jsonrpc: '2.0', id: i })}\n`,
    );
  }
  return w.chunks;
}

function run(chunks: readonly PayloadChunk[]): { cpuSeconds: number; events: number } {
  const decoder = new PayloadDecoder();
  const before = process.cpuUsage();
  let events = 0;
  for (const c of chunks) events += decoder.push(c).length;
  events += decoder.end().length;
  const used = process.cpuUsage(before);
  return { cpuSeconds: (used.user + used.system) / 1e6, events };
}

console.log(
  `payload decoding throughput: ${fmt(CALLS)} LLM calls per row (MCP: ${fmt(CALLS * 4)} tool calls), ${CONNECTIONS} connections, ${RUNS} runs after two warm-ups, pinned to CPU 0, ${CORE_FROM}`,
);
const rows: (string | number)[][] = [];
for (const [name, chunks] of [
  ['HTTP + SSE, chat completions streamed (chunked)', llmTraffic(true)],
  ['HTTP, chat completions, gzip JSON bodies', llmTraffic(false)],
  ['MCP stdio, tools/call + results', mcpTraffic()],
] as const) {
  const bytes = chunks.reduce((n, c) => n + c.bytes.length, 0);
  run(chunks);
  run(chunks);
  const mbs: number[] = [];
  const eps: number[] = [];
  let events = 0;
  for (let r = 0; r < RUNS; r++) {
    const { cpuSeconds, events: n } = run(chunks);
    events = n;
    mbs.push(bytes / 1e6 / cpuSeconds);
    eps.push(n / cpuSeconds);
  }
  rows.push([
    name,
    fmt(chunks.length),
    (bytes / 1e6).toFixed(1),
    fmt(events),
    fmt(median(mbs)),
    `${fmt(Math.min(...mbs))}–${fmt(Math.max(...mbs))}`,
    fmt(Math.round(median(eps))),
  ]);
}
console.log(
  table(['traffic', 'chunks', 'MB', 'events', 'MB/s (median)', 'MB/s (min–max)', 'events/s (median)'], rows),
);
