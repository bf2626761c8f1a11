import {
  AiBomBuilder,
  aiBomPayloadHintFacts,
  describePayloadHint,
  summaryPayloadHintFacts,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { AGENT_WL, ev } from './events.js';

const open = (path: string, pid = 100) =>
  ev({ kind: 'file.open', pid, path, flags: 0, access: 'read', result: 3 });
const connect = (port: number, pid = 100) =>
  ev({
    kind: 'net.connect',
    pid,
    family: 'inet',
    daddr: '127.0.0.1',
    dport: port,
    protocol: 'tcp',
    result: 0,
  });
const modelCall = (pid = 100, extra: Record<string, unknown> = {}) =>
  ev({
    kind: 'model.call',
    pid,
    provider: 'openai-compatible',
    model: 'gpt-4o-mini',
    operation: 'chat',
    endpoint: 'http://127.0.0.1:39231/v1/chat/completions',
    ...extra,
  });

// A Node agent that loads LangChain and the OpenAI SDK, then talks to a local model endpoint.
const agentStart = () => [
  open('/app/node_modules/@langchain/core/dist/index.js'),
  open('/app/node_modules/openai/index.mjs'),
  connect(39231),
];

describe('the flow graph names the model a call used', () => {
  it('labels the model node provider/model, with who called it, the SDKs it had loaded and the API', () => {
    const b = new AiBomBuilder();
    b.onBatch([...agentStart(), modelCall(), modelCall()]);
    const bom = b.result();
    const node = bom.flow.nodes.find((n) => n.type === 'model');
    expect(node).toMatchObject({
      label: 'openai-compatible/gpt-4o-mini',
      componentId: 'model:openai-compatible/gpt-4o-mini',
      properties: {
        provider: 'openai-compatible',
        model: 'gpt-4o-mini',
        api: 'openai-compatible endpoint 127.0.0.1:39231',
        calledBy: 'node (pid 100)',
        // The provider's own SDK first; each named once however many calls.
        sdks: 'openai, @langchain/core',
      },
    });
    // The peer first drawn from its connect takes the endpoint's name once a call named it.
    const api = bom.flow.nodes.find((n) => n.type === 'api');
    expect(api).toMatchObject({
      label: 'openai-compatible endpoint 127.0.0.1:39231',
      componentId: 'llm-api:endpoint/127.0.0.1:39231',
    });
  });

  it('names the agent that called it when the call says, and lists at most four SDKs', () => {
    const b = new AiBomBuilder();
    const sdks = [
      'openai',
      '@langchain/core',
      '@langchain/openai',
      '@langchain/langgraph',
      '@openai/agents',
      '@anthropic-ai/sdk',
    ];
    b.onBatch([
      ...sdks.map((s) => open(`/app/node_modules/${s}/package.json`)),
      modelCall(100, { agent: 'Researcher' }),
      modelCall(100),
    ]);
    const node = b.result().flow.nodes.find((n) => n.type === 'model');
    expect(node?.properties['calledBy']).toBe('agent Researcher, node (pid 100)');
    expect(node?.properties['sdks']).toMatch(/^openai, .+, and 2 more$/);
  });
});

describe('the hint towards payload capture', () => {
  it('points to vigil record --payloads when an anonymous peer and an SDK without an endpoint show', () => {
    const b = new AiBomBuilder();
    b.onBatch(agentStart());
    const facts = aiBomPayloadHintFacts(b.result());
    expect(facts).toEqual({
      payloadsCaptured: false,
      unnamedPeers: ['127.0.0.1:39231'],
      sdksWithoutEndpoint: ['@langchain/core', 'openai'],
    });
    expect(describePayloadHint(facts)).toBe(
      'hint: what 127.0.0.1:39231 serves is unknown, and @langchain/core, openai ran with no model endpoint known; record with `vigil record --payloads --out FILE -- CMD` to name the model endpoint, provider, models and tool calls, and PostgreSQL and other data services',
    );
  });

  it('gives no hint once payloads named the endpoint, or when payload capture was on, or nothing is unnamed', () => {
    const named = new AiBomBuilder();
    named.onBatch([...agentStart(), modelCall()]);
    expect(describePayloadHint(aiBomPayloadHintFacts(named.result()))).toBeUndefined();
    const on = new AiBomBuilder();
    on.onBatch(agentStart());
    expect(
      describePayloadHint(aiBomPayloadHintFacts(on.result({ drops: { 'payload-ringbuf-full': 0 } }))),
    ).toBeUndefined();
    const plain = new AiBomBuilder();
    plain.onBatch([open('/etc/hostname')]);
    expect(describePayloadHint(aiBomPayloadHintFacts(plain.result()))).toBeUndefined();
  });

  it('reads a capture summary: TCP peers, unless payload capture was on or a call was decoded', () => {
    const w = {
      workload: AGENT_WL,
      events: 3,
      byKind: { 'net.connect': 3 },
      processes: {},
      pids: 1,
      peers: {
        '127.0.0.1:39231/tcp': { count: 2, firstSeen: 0, lastSeen: 0, failed: 0 },
        '127.0.0.53:53/udp': { count: 1, firstSeen: 0, lastSeen: 0, failed: 0 },
      },
      files: {},
      dnsNames: {},
      toolCalls: { observed: 0, derived: 0 },
      firstTs: 0,
      lastTs: 0,
    };
    const summary = { events: 3, workloads: [w] };
    expect(summaryPayloadHintFacts(summary)).toEqual({
      payloadsCaptured: false,
      unnamedPeers: ['127.0.0.1:39231'],
      sdksWithoutEndpoint: [],
    });
    const header = {
      formatVersion: 1,
      host: 'h',
      kernelRelease: 'k',
      startTime: 0,
      source: 'ebpf',
      eventSchemaVersion: 1,
      layouts: [],
    };
    expect(
      summaryPayloadHintFacts(summary, [{ ...header, payloads: { mode: 'meta' } }]).payloadsCaptured,
    ).toBe(true);
    const decoded = { events: 4, workloads: [{ ...w, byKind: { ...w.byKind, 'model.call': 1 } }] };
    expect(summaryPayloadHintFacts(decoded).payloadsCaptured).toBe(true);
  });
});
