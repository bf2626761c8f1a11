import { AiBomBuilder, peerServiceOfPort, peerServiceOfProtocol, SignatureCatalogue } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { AGENT_WL, ev } from './events.js';

const NM = '/srv/agent/node_modules/.pnpm';
const catalogue = SignatureCatalogue.builtin();

// An agent process (it loads the OpenAI SDK), so its connects become flow edges.
function agent() {
  return [
    ev({ kind: 'process.exec', pid: 100, ppid: 1, filename: '/usr/bin/node', argv: ['node', 'agent.js'] }),
    ev({
      kind: 'file.open',
      pid: 100,
      path: `${NM}/openai@7.57.0_ws@8.23.0_zod@4.6.7/node_modules/openai/index.mjs`,
      flags: 0,
      access: 'read',
      result: 22,
    }),
  ];
}
const connect = (daddr: string, dport: number) =>
  ev({ kind: 'net.connect', pid: 100, family: 'inet', protocol: 'tcp', daddr, dport, result: 0 });

function flowOf(events: ReturnType<typeof ev>[]) {
  const b = new AiBomBuilder();
  for (const e of events) b.observe(e);
  return b.result().flow;
}
const node = (flow: ReturnType<typeof flowOf>, endpoint: string) =>
  flow.nodes.find((n) => n.properties['endpoint'] === endpoint);

describe('what a peer is, by its port and by the protocol its payloads spoke', () => {
  it.each([
    [5432, 'database', 'postgresql'],
    [3306, 'database', 'mysql'],
    [6379, 'database', 'redis'],
    [27017, 'database', 'mongodb'],
    [4222, 'message-bus', 'nats'],
    [9092, 'message-bus', 'kafka'],
    [6333, 'vector-store', 'qdrant'],
    [19530, 'vector-store', 'milvus'],
  ] as const)('port %i is a %s (%s), and says it is by port', (port, kind, id) => {
    expect(peerServiceOfPort(catalogue, port)).toMatchObject({ kind, id, by: 'port' });
    expect(peerServiceOfPort(catalogue, port)?.evidence).toMatch(new RegExp(`^well-known port ${port} \\(`));
  });

  it.each([8000, 8080, 443, 11434, 43211])(
    'port %i alone says nothing (Chroma and Weaviate need evidence)',
    (port) => {
      expect(peerServiceOfPort(catalogue, port)).toBeUndefined();
    },
  );

  it('takes the protocol from payloads: PostgreSQL is a database, a vector store with pgvector distances', () => {
    expect(peerServiceOfProtocol(catalogue, 'postgresql')).toMatchObject({
      kind: 'database',
      by: 'payload',
      evidence: 'PostgreSQL protocol seen in payloads',
    });
    expect(peerServiceOfProtocol(catalogue, 'postgresql', true)).toMatchObject({
      kind: 'vector-store',
      id: 'pgvector',
    });
    expect(peerServiceOfProtocol(catalogue, 'chroma')).toMatchObject({ kind: 'vector-store', id: 'chroma' });
    expect(peerServiceOfProtocol(catalogue, 'gopher')).toBeUndefined();
  });
});

describe('the flow graph draws databases, vector stores and message buses as data, with the evidence', () => {
  it('a PostgreSQL on a random port (the lab) is an api until its payloads show the protocol, then a database', () => {
    const before = flowOf([...agent(), connect('127.0.0.1', 43211)]);
    expect(node(before, '127.0.0.1:43211')?.type).toBe('api');

    const flow = flowOf([
      ...agent(),
      connect('127.0.0.1', 43211),
      ev({
        kind: 'retrieval',
        pid: 100,
        dataSource: 'docs',
        store: 'postgresql',
        endpoint: '127.0.0.1:43211',
        operation: 'query',
        collections: ['docs'],
      }),
    ]);
    const pg = node(flow, '127.0.0.1:43211')!;
    expect(pg).toMatchObject({
      type: 'data',
      label: 'PostgreSQL 127.0.0.1:43211',
      properties: {
        kind: 'database',
        service: 'postgresql',
        evidence: 'PostgreSQL protocol seen in payloads',
      },
    });
    expect(flow.nodes.filter((n) => n.type === 'api')).toEqual([]);
    // The edge moved with the node.
    const edge = flow.edges.find((e) => e.to === pg.id);
    expect(edge).toMatchObject({ relation: 'calls', count: 1, evidence: ['net.connect'] });
    expect(flow.edges.some((e) => e.to.startsWith('api:'))).toBe(false);
  });

  it('a connect after the payloads were seen is drawn as the database at once', () => {
    const flow = flowOf([
      ...agent(),
      ev({ kind: 'retrieval', pid: 100, dataSource: 'docs', store: 'postgresql', endpoint: '10.0.0.9:6000' }),
      connect('10.0.0.9', 6000),
    ]);
    expect(node(flow, '10.0.0.9:6000')?.properties['kind']).toBe('database');
  });

  it('well-known ports give database, vector-store and message-bus nodes, and an unknown port stays an api', () => {
    const flow = flowOf([
      ...agent(),
      connect('10.0.0.5', 5432),
      connect('10.0.0.6', 6333),
      connect('10.0.0.7', 4222),
      connect('10.0.0.8', 8000),
    ]);
    expect(node(flow, '10.0.0.5:5432')).toMatchObject({
      type: 'data',
      properties: { kind: 'database', evidence: 'well-known port 5432 (PostgreSQL)' },
    });
    expect(node(flow, '10.0.0.6:6333')?.properties).toMatchObject({
      kind: 'vector-store',
      service: 'qdrant',
    });
    expect(node(flow, '10.0.0.7:4222')?.properties).toMatchObject({ kind: 'message-bus', service: 'nats' });
    expect(node(flow, '10.0.0.8:8000')?.type).toBe('api');
    expect(node(flow, '10.0.0.8:8000')?.properties['kind']).toBeUndefined();
    expect(AGENT_WL.id).toBe(node(flow, '10.0.0.5:5432')?.workloadId);
  });
});
