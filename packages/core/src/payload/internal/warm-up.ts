import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { HOST_WORKLOAD } from '../../workload/workload-ref.js';
import type { PayloadChunk, PayloadDirection, PayloadTransport } from '../chunk.js';

const TOOL = {
  type: 'function',
  function: {
    name: 'read_file',
    description: 'Read a text file.',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
};

function http(head: string, body: string | Uint8Array, headers: Record<string, string> = {}): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const lines = Object.entries({ ...headers, 'content-length': String(bytes.length) }).map(
    ([k, v]) => `${k}: ${v}\r\n`,
  );
  return Buffer.concat([Buffer.from(`${head}\r\n${lines.join('')}\r\n`), bytes]);
}

function chunked(head: string, parts: readonly string[], headers: Record<string, string>): Buffer[] {
  const lines = Object.entries({ ...headers, 'transfer-encoding': 'chunked' }).map(
    ([k, v]) => `${k}: ${v}\r\n`,
  );
  return [
    Buffer.from(`${head}\r\n${lines.join('')}\r\n`),
    ...parts.map((p) => Buffer.from(`${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`)),
    Buffer.from('0\r\n\r\n'),
  ];
}

/**
 * A few small exchanges of every kind the decoder reads most (OpenAI chat
 * completions plain, gzip and streamed as SSE over keep-alive HTTP/1.1 with a
 * tool offered and called; MCP JSON-RPC over stdio), so that decoding them once
 * compiles the code paths and loads the native parts (zlib, brotli, SHA-256)
 * before a capture starts rather than on its first model call.
 */
export function warmUpChunks(): PayloadChunk[] {
  const chunks: PayloadChunk[] = [];
  const seqs = new Map<string, number>();
  let ts = 1;
  const add = (
    connection: string,
    transport: PayloadTransport,
    direction: PayloadDirection,
    bytes: Uint8Array,
    end = false,
  ): void => {
    const key = `${connection}/${direction}`;
    const seq = seqs.get(key) ?? 0;
    seqs.set(key, seq + 1);
    chunks.push({
      ts: ts++,
      workload: HOST_WORKLOAD,
      pid: 1,
      ppid: 0,
      comm: 'vigil-warm-up',
      exe: '',
      source: 'ebpf',
      connection,
      direction,
      transport,
      seq,
      bytes,
      originalLength: bytes.length,
      ...(transport === 'tcp' ? { peer: { addr: '127.0.0.1', port: 8000 } } : {}),
      ...(end ? { end } : {}),
    });
  };
  const request = (stream: boolean) =>
    http(
      'POST /v1/chat/completions HTTP/1.1',
      JSON.stringify({
        model: 'warm-up',
        stream,
        messages: [{ role: 'user', content: 'Read /etc/hostname.' }],
        tools: [TOOL],
      }),
      { host: '127.0.0.1:8000', 'content-type': 'application/json', authorization: 'Bearer sk-warm-up' },
    );
  const answer = JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'warm-up',
    choices: [
      {
        index: 0,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'read_file', arguments: '{"path":"/etc/hostname"}' },
            },
          ],
        },
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7 },
  });
  const json = { 'content-type': 'application/json' };
  for (const transport of ['tcp', 'tls'] as const) {
    const c = `warm-up-${transport}`;
    add(c, transport, 'egress', request(false));
    add(c, transport, 'ingress', http('HTTP/1.1 200 OK', answer, json));
    add(c, transport, 'egress', request(false));
    // gzip on one, brotli on the other: both decompressors get loaded.
    const [encoding, packed] =
      transport === 'tcp'
        ? ['gzip', gzipSync(answer, { level: 1 })]
        : // The fastest settings: brotli's default (quality 11) costs more than all the decoding here.
          [
            'br',
            brotliCompressSync(answer, {
              params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_LGWIN]: 10 },
            }),
          ];
    add(c, transport, 'ingress', http('HTTP/1.1 200 OK', packed, { ...json, 'content-encoding': encoding }));
    add(c, transport, 'egress', request(true));
    const delta = (d: object) =>
      `data: ${JSON.stringify({ model: 'warm-up', choices: [{ index: 0, ...d }] })}\n\n`;
    const parts = chunked(
      'HTTP/1.1 200 OK',
      [
        delta({ delta: { role: 'assistant', content: 'It is ' } }),
        delta({ delta: { content: 'warm.' }, finish_reason: 'stop' }),
        'data: [DONE]\n\n',
      ],
      { 'content-type': 'text/event-stream' },
    );
    for (const [i, p] of parts.entries()) add(c, transport, 'ingress', p, i === parts.length - 1);
  }
  const rpc = (o: object) => Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', ...o })}\n`);
  add(
    'warm-up-stdio',
    'pipe',
    'egress',
    rpc({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18' } }),
  );
  add(
    'warm-up-stdio',
    'pipe',
    'ingress',
    rpc({ id: 1, result: { protocolVersion: '2025-06-18', serverInfo: { name: 'warm-up', version: '1' } } }),
  );
  add('warm-up-stdio', 'pipe', 'egress', rpc({ id: 2, method: 'tools/list' }));
  add(
    'warm-up-stdio',
    'pipe',
    'ingress',
    rpc({
      id: 2,
      result: {
        tools: [{ name: 'read_file', description: 'Read a file.', inputSchema: TOOL.function.parameters }],
      },
    }),
  );
  add(
    'warm-up-stdio',
    'pipe',
    'egress',
    rpc({ id: 3, method: 'tools/call', params: { name: 'read_file', arguments: { path: '/etc/hostname' } } }),
  );
  add(
    'warm-up-stdio',
    'pipe',
    'ingress',
    rpc({ id: 3, result: { content: [{ type: 'text', text: 'warm' }] } }),
    true,
  );
  return chunks;
}
