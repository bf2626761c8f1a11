import { HOST_WORKLOAD, isTruncated, PayloadChunkSchema, PayloadDecoder } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { RecordDecoder } from '../src/decode/decoder.js';
import { LAYOUT } from '../src/decode/layout.js';
import { payloadRecord } from '../src/internal/record-builder.js';

const decoder = () =>
  new RecordDecoder({ workloadFor: () => HOST_WORKLOAD, wallOffsetNs: 1e18, readExe: () => '/usr/bin/node' });

const BODY = JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
const REQUEST = `POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
const RESPONSE_BODY = JSON.stringify({
  model: 'gpt-test-2026',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1 },
});
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${RESPONSE_BODY.length}\r\n\r\n${RESPONSE_BODY}`;

describe('payload records', () => {
  it('become schema-valid chunks with the connection ids of docs/payloads.md, not events', () => {
    const batch = Buffer.concat([
      payloadRecord(REQUEST, { conn: 0x7f00aa10n, transport: 2 }, { tgid: 42 }),
      payloadRecord(RESPONSE, { conn: 0x7f00aa10n, transport: 2, direction: 1 }, { tgid: 42 }),
      payloadRecord('GET / HTTP/1.1\r\n\r\n', { conn: 991n, transport: 1, fd: 7 }, { tgid: 43 }),
      payloadRecord('', { conn: 0x7f00aa10n, transport: 2, direction: 1, seq: 1, end: true }, { tgid: 42 }),
    ]);
    const { events, chunks, errors, records, skipped } = decoder().decode(batch);
    expect(errors).toEqual([]);
    expect({ events: events.length, records, skipped }).toEqual({ events: 0, records: 4, skipped: 0 });
    for (const c of chunks) expect(PayloadChunkSchema.safeParse(c).success).toBe(true);
    expect(
      chunks.map((c) => [c.connection, c.direction, c.transport, c.seq, c.bytes.length, c.end ?? false]),
    ).toEqual([
      ['tls:42:7f00aa10', 'egress', 'tls', 0, REQUEST.length, false],
      ['tls:42:7f00aa10', 'ingress', 'tls', 0, RESPONSE.length, false],
      ['tcp:43:7:991', 'egress', 'tcp', 0, 18, false],
      ['tls:42:7f00aa10', 'ingress', 'tls', 1, 0, true],
    ]);
    expect(chunks[0]).not.toHaveProperty('fd');
    expect(chunks[2]).toMatchObject({
      fd: 7,
      local: { addr: '127.0.0.1', port: 40000 },
      peer: { addr: '127.0.0.1', port: 8080 },
    });
    // The bytes are a copy: the batch buffer can go.
    batch.fill(0);
    expect(Buffer.from(chunks[0]!.bytes).toString('latin1')).toBe(REQUEST);

    const payloads = new PayloadDecoder();
    const out = chunks.flatMap((c) => payloads.push(c));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      kind: 'model.call',
      provider: 'openai',
      model: 'gpt-test',
      responseModel: 'gpt-test-2026',
      endpoint: 'https://api.openai.com:443',
      pid: 42,
    });
  });

  it('keep what the call really moved beside what was captured (the cap)', () => {
    const { chunks } = decoder().decode(
      payloadRecord(REQUEST.slice(0, 64), { conn: 5n, transport: 1, len: 9000 }),
    );
    expect(chunks[0]!.originalLength).toBe(9000);
    expect(isTruncated(chunks[0]!)).toBe(true);
  });

  it('reject a record with an unknown transport or data outside the record, with its offset', () => {
    const bad = payloadRecord('x', { conn: 1n, transport: 9 });
    const r = decoder().decode(Buffer.concat([payloadRecord('ok', { conn: 1n, transport: 1 }), bad]));
    expect(r.chunks).toHaveLength(1);
    expect(r.errors.map((e) => [e.message, e.location?.offset])).toEqual([
      [
        '<ring buffer>, byte offset 213: payload record with unknown transport 9',
        136 + LAYOUT.payload.fields.transport,
      ],
    ]);
    const outside = payloadRecord('abc', { conn: 1n, transport: 1 });
    outside.writeUInt16LE(4000, LAYOUT.payload.fields.data + 2);
    expect(decoder().decode(outside).errors[0]?.message).toMatch(
      /string 'data' .* lies outside the string area/,
    );
  });

  it('join the stdin pipe and the stdout pipe of a stdio server into one session, attributed to the server', () => {
    const init = '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}\n';
    const initOk =
      '{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","serverInfo":{"name":"notes","version":"1.2.0"}}}\n';
    const call =
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"/x"}}}\n';
    const result = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}\n';
    const server = { tgid: 77, comm: 'mcp-server' };
    // stdin (pipe inode 500) is read on fd 0, stdout (pipe inode 501) written on fd 1; a unix
    // socket pair (what Node.js gives a child) on another fd stays its own stream.
    const batch = Buffer.concat([
      payloadRecord(init, { conn: 500n, transport: 3, direction: 1, fd: 0, stdio: true }, server),
      payloadRecord(initOk, { conn: 501n, transport: 3, direction: 0, fd: 1, stdio: true }, server),
      payloadRecord(
        call.slice(0, 40),
        { conn: 500n, transport: 3, direction: 1, seq: 1, fd: 0, stdio: true },
        server,
      ),
      payloadRecord(
        call.slice(40),
        { conn: 500n, transport: 3, direction: 1, seq: 2, fd: 0, stdio: true },
        server,
      ),
      payloadRecord(result, { conn: 501n, transport: 3, direction: 0, seq: 1, fd: 1, stdio: true }, server),
      payloadRecord('{"a":1}\n', { conn: 9n, transport: 4, fd: 12 }, { tgid: 78 }),
    ]);
    const { chunks, errors } = decoder().decode(batch);
    expect(errors).toEqual([]);
    expect(chunks.map((c) => [c.connection, c.transport, c.direction, c.seq])).toEqual([
      ['stdio:77', 'pipe', 'ingress', 0],
      ['stdio:77', 'pipe', 'egress', 0],
      ['stdio:77', 'pipe', 'ingress', 1],
      ['stdio:77', 'pipe', 'ingress', 2],
      ['stdio:77', 'pipe', 'egress', 1],
      ['unix:78:12:9', 'unix', 'egress', 0],
    ]);
    expect(chunks[5]).not.toHaveProperty('peer');
    const payloads = new PayloadDecoder();
    const events = chunks.flatMap((c) => payloads.push(c));
    expect(events.map((e) => e.kind)).toEqual(['tool.call']);
    expect(events[0]).toMatchObject({
      kind: 'tool.call',
      tool: 'read_file',
      server: 'notes',
      pid: 77,
      comm: 'mcp-server',
    });
  });
});
