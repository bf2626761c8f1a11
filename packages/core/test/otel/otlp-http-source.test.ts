import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { AiBomBuilder, OtlpHttpSpanSource, type VigilEvent } from '@vigil/core';
import { describe, expect, it } from 'vitest';

const EMITTER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'emit-genai-spans.cjs');

function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function collect(source: OtlpHttpSpanSource): Promise<VigilEvent[]> {
  const out: VigilEvent[] = [];
  for await (const batch of source) out.push(...batch);
  return out;
}

describe('OtlpHttpSpanSource', () => {
  it('receives GenAI spans from the real OpenTelemetry OTLP/HTTP exporter and turns them into events', async () => {
    const source = await OtlpHttpSpanSource.listen({ port: 0 });
    const received = collect(source);
    // A separate process with the real OpenTelemetry SDK and OTLP/HTTP exporter, as an instrumented agent.
    const pid = await new Promise<number>((resolve, reject) => {
      execFile(process.execPath, [EMITTER, source.url], { cwd: dirname(EMITTER) }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout).pid);
      });
    });
    await source.close();
    const events = await received;
    const kinds = events.map((e) => e.kind).sort();
    expect(kinds).toEqual(['model.call', 'tool.call']);
    const model = events.find((e) => e.kind === 'model.call');
    expect(model).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      endpoint: 'https://api.anthropic.com:443',
      inputTokens: 12,
      pid,
      workload: { id: 'otel:support-agent' },
    });
    // The batch processor exports parent and children together, so the agent name is found.
    expect(model).toMatchObject({ agent: 'Support' });
    expect(source.receiverStats().requests).toBeGreaterThanOrEqual(1);
    expect(source.receiverStats().rejected).toBe(0);

    const builder = new AiBomBuilder();
    builder.onBatch(events);
    const ids = builder.result().components.map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'model:anthropic/claude-sonnet-4',
        'llm-api:anthropic-api',
        'tool:tickets/search_tickets',
      ]),
    );
  });

  it('refuses protobuf, bad JSON, wrong paths and oversize bodies with the right status, and accepts gzip', async () => {
    const source = await OtlpHttpSpanSource.listen({ port: 0, maxBodyBytes: 4096 });
    const received = collect(source);
    const json = { 'content-type': 'application/json' };
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  name: 'chat',
                  startTimeUnixNano: '1',
                  attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    expect((await post(source.url, 'x', { 'content-type': 'application/x-protobuf' })).status).toBe(415);
    const bad = await post(source.url, '{"resourceSpans": [', json);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/not valid JSON/);
    expect((await post(source.url, '{"hello": 1}', json)).status).toBe(400);
    expect((await post(source.url.replace('/v1/traces', '/v1/logs'), '{}', json)).status).toBe(404);
    expect((await post(source.url, 'x'.repeat(5000), json)).status).toBe(413);
    expect(
      (await post(source.url, gzipSync(JSON.stringify(doc)), { ...json, 'content-encoding': 'gzip' })).status,
    ).toBe(200);
    expect((await post(source.url, JSON.stringify(doc), json)).status).toBe(200);
    await source.close();
    expect((await received).length).toBe(2);
    expect(source.receiverStats()).toMatchObject({ requests: 7, rejected: 5, converted: 2 });
  });

  it('answers 503 and counts the spans as dropped when the consumer falls behind', async () => {
    const source = await OtlpHttpSpanSource.listen({ port: 0, maxPendingEvents: 1 });
    const doc = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  name: 'chat',
                  startTimeUnixNano: '1',
                  attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const headers = { 'content-type': 'application/json' };
    expect((await post(source.url, doc, headers)).status).toBe(200);
    const refused = await post(source.url, doc, headers);
    expect(refused.status).toBe(503);
    expect(source.stats().drops).toEqual({ 'queue-full': 1 });
    await source.close();
    expect((await collect(source)).length).toBe(1);
  });
});

describe('OtlpHttpSpanSource: abort', () => {
  it('ends the iteration with ABORTED when its signal aborts, and frees the port', async () => {
    const controller = new AbortController();
    const source = await OtlpHttpSpanSource.listen({ port: 0, signal: controller.signal });
    const url = source.url;
    const done = collect(source).then(
      () => 'ended',
      (e: Error & { code?: string }) => e.code,
    );
    controller.abort();
    expect(await done).toBe('ABORTED');
    await expect(post(url, '{}', { 'content-type': 'application/json' })).rejects.toThrow();
  });
});
