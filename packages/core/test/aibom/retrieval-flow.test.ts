import { describe, expect, it } from 'vitest';
import { AiBomBuilder } from '../../src/index.js';
import { AGENT_WL, ev } from './events.js';

describe('AI-BOM and flow graph from retrieval events', () => {
  const builder = new AiBomBuilder();
  for (const e of [
    ev({
      kind: 'retrieval',
      agent: 'RAG assistant',
      dataSource: 'chunks',
      store: 'postgresql',
      database: 'corpus',
      endpoint: '10.0.0.5:5432',
      collections: ['chunks', 'docs'],
      operation: 'query',
      distances: ['cosine'],
      documents: 3,
    }),
    ev({
      kind: 'retrieval',
      agent: 'RAG assistant',
      dataSource: 'notes',
      store: 'postgresql',
      database: 'corpus',
      collections: ['notes'],
      written: ['notes'],
      operation: 'upsert',
    }),
    ev({
      kind: 'retrieval',
      agent: 'RAG assistant',
      dataSource: 'kb',
      store: 'qdrant',
      operation: 'query',
      collections: ['kb'],
    }),
  ])
    builder.observe(e);
  const bom = builder.result();
  const byId = new Map(bom.components.map((c) => [c.id, c]));

  it('lists each table and collection as a data source with its store, database and operations', () => {
    expect(byId.get('data-source:chunks')?.properties).toMatchObject({
      store: 'postgresql',
      database: 'corpus',
      endpoint: '10.0.0.5:5432',
      operations: 'query',
      storeComponent: 'vector-store:pgvector',
    });
    expect(byId.get('data-source:docs')?.properties['operations']).toBe('query');
    expect(byId.get('data-source:notes')?.properties['operations']).toBe('upsert');
    expect(byId.get('data-source:kb')?.properties['storeComponent']).toBe('vector-store:qdrant');
    // A PostgreSQL statement without pgvector operators is a database, not a vector store.
    expect(byId.get('data-source:notes')?.properties['storeComponent']).toBeUndefined();
  });

  it('draws the Agent → Data edge naming the table or collection, reads and writes apart', () => {
    const w = AGENT_WL.id;
    const edges = bom.flow.edges.map((e) => `${e.from} -${e.relation}-> ${e.to}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        `agent:${w}:name:RAG assistant -retrieves-> data:${w}:source:chunks`,
        `agent:${w}:name:RAG assistant -retrieves-> data:${w}:source:docs`,
        `agent:${w}:name:RAG assistant -writes-> data:${w}:source:notes`,
        `agent:${w}:name:RAG assistant -retrieves-> data:${w}:source:kb`,
      ]),
    );
    const chunks = bom.flow.nodes.find((n) => n.id === `data:${w}:source:chunks`);
    expect(chunks?.label).toBe('chunks');
    expect(chunks?.properties).toMatchObject({ store: 'postgresql', database: 'corpus' });
  });
});
