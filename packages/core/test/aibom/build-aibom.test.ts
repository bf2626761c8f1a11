import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AiBomSchema, buildAiBom, CaptureWriter, ExecutionFlowGraphSchema } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { AGENT_WL, ev } from './events.js';

describe('buildAiBom: capture + spans + manifests', () => {
  it('replays a capture, ingests spans beside it, reads manifests and reconciles them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bom-'));
    const capture = join(dir, 'run.vcap');
    const w = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
    const NM = '/srv/agent/node_modules';
    w.writeAll([
      ev({ kind: 'process.exec', pid: 100, filename: '/usr/bin/node', argv: ['node', 'main.js'] }),
      ev({
        kind: 'file.open',
        pid: 100,
        path: `${NM}/@openai/agents/dist/index.mjs`,
        flags: 0,
        access: 'read',
        result: 3,
      }),
      ev({
        kind: 'file.open',
        pid: 100,
        path: `${NM}/openai/index.mjs`,
        flags: 0,
        access: 'read',
        result: 4,
      }),
      ev({
        kind: 'process.exec',
        pid: 101,
        ppid: 100,
        filename: '/usr/bin/node',
        argv: ['node', `${NM}/@modelcontextprotocol/server-filesystem/dist/index.js`, '/srv/data'],
      }),
      ev({ kind: 'dns.query', pid: 100, name: 'api.openai.com', qtype: 'A', answers: ['162.159.140.245'] }),
      ev({
        kind: 'net.connect',
        pid: 100,
        family: 'inet',
        protocol: 'tcp',
        daddr: '162.159.140.245',
        dport: 443,
        result: 0,
      }),
    ]);
    w.close({ exitCode: 0 });
    const spans = join(dir, 'spans.json');
    writeFileSync(
      spans,
      JSON.stringify({
        resourceSpans: [
          {
            resource: {
              attributes: [
                { key: 'service.name', value: { stringValue: 'agent' } },
                { key: 'process.pid', value: { intValue: '100' } },
              ],
            },
            scopeSpans: [
              {
                spans: [
                  {
                    spanId: 'a',
                    name: 'chat',
                    startTimeUnixNano: String(ev({ kind: 'dns.query', name: 'x', qtype: 'A' }).ts),
                    attributes: [
                      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                      { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4.1' } },
                      { key: 'server.address', value: { stringValue: 'api.openai.com' } },
                      { key: 'server.port', value: { intValue: '443' } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const pkg = join(dir, 'package.json');
    writeFileSync(
      pkg,
      JSON.stringify({ dependencies: { '@openai/agents': '0.20.0', '@langchain/core': '1.4.0' } }, null, 2),
    );
    const mcp = join(dir, '.mcp.json');
    writeFileSync(
      mcp,
      JSON.stringify({
        mcpServers: {
          fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/data'] },
        },
      }),
    );

    const bom = AiBomSchema.parse(
      await buildAiBom({ captures: [capture], otel: [spans], manifests: [pkg, mcp] }),
    );
    ExecutionFlowGraphSchema.parse(bom.flow);
    const get = (id: string) => bom.components.find((c) => c.id === id);
    expect(get('pkg:npm/@openai/agents')?.status).toBe('declared-used');
    expect(get('pkg:npm/@langchain/core')?.status).toBe('declared-unused');
    expect(get('pkg:npm/openai')?.status).toBe('undeclared-used');
    expect(get('mcp-server:npm/@modelcontextprotocol/server-filesystem')?.status).toBe('declared-used');
    // The DNS enricher named the connection; the span named the model and joined the capture's workload by pid.
    expect(get('llm-api:openai-api')?.observed?.methods).toEqual(['dns', 'net-connect', 'otel-span']);
    expect(get('model:openai/gpt-4.1')?.observed?.workloads).toEqual([AGENT_WL.id]);
    expect(bom.inputs).toMatchObject({ captures: [capture], otel: [spans], events: 7 });
    expect(bom.inputs.manifests.map((m) => [m.input, m.components])).toEqual([
      ['package.json', 2],
      ['mcp-config', 1],
    ]);
  });
});
