import { HOST_WORKLOAD, isTruncated, PayloadChunkSchema, PayloadDecoder } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { RecordDecoder } from '../src/decode/decoder.js';
import { LAYOUT } from '../src/decode/layout.js';
import { payloadRecord } from './record-builder.js';

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
});
