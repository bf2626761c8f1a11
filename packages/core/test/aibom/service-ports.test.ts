import { describe, expect, it } from 'vitest';
import {
  assessStoreSettings,
  DATA_STORE_KINDS,
  peerServiceOfPort,
  SERVICE_PORTS,
  SignatureCatalogue,
  WELL_KNOWN_SERVICE_PORTS,
} from '../../src/index.js';

// One table of well-known ports: the signature catalogue, peer classes and store settings read it,
// and what each of them answers is what it answered when each kept its own list.
describe('the well-known port table', () => {
  const catalogue = SignatureCatalogue.builtin();

  it('gives the signatures their ports', () => {
    const ported = Object.fromEntries(
      catalogue.signatures.filter((s) => s.match.ports !== undefined).map((s) => [s.id, s.match.ports]),
    );
    expect(ported).toEqual({
      ollama: [11434],
      triton: [8001, 8002],
      'lm-studio': [1234],
      qdrant: [6333, 6334],
      weaviate: [8080, 50051],
      milvus: [19530],
      chroma: [8000],
      pgvector: [5432],
    });
    for (const [id, ports] of Object.entries(ported))
      expect(ports).toEqual(id === 'pgvector' ? SERVICE_PORTS.postgresql : SERVICE_PORTS[id as 'qdrant']);
    expect(catalogue.matchPort(6334)?.signature.id).toBe('qdrant');
    expect(catalogue.matchPort(11434)?.signature.id).toBe('ollama');
    expect(catalogue.matchPort(6380)).toBeUndefined();
  });

  it('gives peer classes their ports', () => {
    expect(WELL_KNOWN_SERVICE_PORTS.map((s) => [s.id, s.port])).toEqual([
      ['postgresql', 5432],
      ['mysql', 3306],
      ['redis', 6379],
      ['mongodb', 27017],
      ['nats', 4222],
      ['kafka', 9092],
    ]);
    expect(peerServiceOfPort(catalogue, 5432)?.evidence).toBe('well-known port 5432 (PostgreSQL)');
    expect(peerServiceOfPort(catalogue, 6333)?.kind).toBe('vector-store');
    expect(peerServiceOfPort(catalogue, 8000)).toBeUndefined();
    expect(peerServiceOfPort(catalogue, 4222)?.kind).toBe('message-bus');
  });

  it('gives every data store its default ports when its settings name none', () => {
    const defaults = Object.fromEntries(
      DATA_STORE_KINDS.map((k) => [k, assessStoreSettings(k, () => undefined, '0.0.0.0').ports]),
    );
    expect(defaults).toEqual({
      qdrant: [6333, 6334],
      chroma: [8000],
      // Weaviate's settings are read for one port, its HTTP port.
      weaviate: [8080],
      milvus: [19530],
      elasticsearch: [9200],
      opensearch: [9200],
      postgresql: [5432],
    });
    // Each assessment has its own copy: changing one changes no table.
    const a = assessStoreSettings('qdrant', () => undefined, '0.0.0.0');
    a.ports.push(1);
    expect(SERVICE_PORTS.qdrant).toEqual([6333, 6334]);
  });
});
