/**
 * The HTTP APIs of common vector stores (Qdrant, Chroma, Weaviate, Milvus,
 * Elasticsearch/OpenSearch kNN, Pinecone-compatible): which store, collection
 * and operation a request is, and what its JSON bodies say about top-k,
 * filters, results and document text.
 */

export type VectorOperation = 'query' | 'upsert' | 'delete' | 'admin';

/** A request recognised as a vector-store call. */
export interface VectorRequest {
  readonly store: string;
  /** The collection, class, index or namespace; filled from the body when the path does not name it. */
  collection: string | undefined;
  readonly operation: VectorOperation;
  /** The API operation, e.g. `points/search`, `query`, `entities/insert`, `graphql`. */
  readonly command: string;
}

const Q = (op: string): VectorOperation | undefined => {
  if (
    /^(search|query|recommend|discover|scroll|count|get|search\/batch|query\/batch|query\/groups|search\/groups|fetch|hybrid_search)$/.test(
      op,
    )
  )
    return 'query';
  if (/^(upsert|add|update|insert|payload|vectors|batch)$/.test(op)) return 'upsert';
  if (/^(delete|payload\/delete|payload\/clear|vectors\/delete)$/.test(op)) return 'delete';
  return undefined;
};

/** Classifies a request by method and path (and, for Elasticsearch, leaves the kNN check to the body). */
export function classifyVectorRequest(method: string, target: string): VectorRequest | undefined {
  const path = (target.split('?')[0] ?? target).replace(/\/+$/, '');
  // Qdrant
  const m1 = /^\/collections\/([^/]+)\/points(?:\/(.+))?$/.exec(path);
  if (m1) {
    const sub = m1[2] ?? '';
    const op = sub === '' ? (method === 'PUT' ? 'upsert' : method === 'POST' ? 'query' : undefined) : Q(sub);
    if (!op) return undefined;
    return {
      store: 'qdrant',
      collection: decode(m1[1]!),
      operation: op,
      command: `points${sub ? `/${sub}` : ''}`,
    };
  }
  const m2 = /^\/collections\/([^/]+)$/.exec(path);
  if (m2 && method !== 'GET')
    return {
      store: 'qdrant',
      collection: decode(m2[1]!),
      operation: 'admin',
      command: `collections ${method}`,
    };
  // Chroma v1 and v2
  const mc =
    /^\/api\/v[12]\/(?:tenants\/[^/]+\/databases\/[^/]+\/)?collections\/([^/]+)\/(query|get|add|upsert|update|delete|count)$/.exec(
      path,
    );
  if (mc) {
    const op = mc[2] === 'count' ? 'query' : Q(mc[2]!)!;
    return { store: 'chroma', collection: decode(mc[1]!), operation: op, command: mc[2]! };
  }
  // Weaviate
  if (path === '/v1/graphql' && method === 'POST')
    return { store: 'weaviate', collection: undefined, operation: 'query', command: 'graphql' };
  if (path === '/v1/batch/objects')
    return {
      store: 'weaviate',
      collection: undefined,
      operation: method === 'DELETE' ? 'delete' : 'upsert',
      command: 'batch/objects',
    };
  const m3 = /^\/v1\/objects(?:\/([A-Z][^/]*))?(?:\/[^/]+)?$/.exec(path);
  if (m3) {
    const op: VectorOperation =
      method === 'GET' || method === 'HEAD' ? 'query' : method === 'DELETE' ? 'delete' : 'upsert';
    return {
      store: 'weaviate',
      collection: m3[1] ? decode(m3[1]) : undefined,
      operation: op,
      command: 'objects',
    };
  }
  // Milvus RESTful v2
  const m4 = /^\/v2\/vectordb\/entities\/([a-z_]+)$/.exec(path);
  if (m4) {
    const op = Q(m4[1]!);
    if (!op) return undefined;
    return { store: 'milvus', collection: undefined, operation: op, command: `entities/${m4[1]}` };
  }
  // Elasticsearch / OpenSearch: `_search` counts only when its body asks for kNN (checked on the body).
  const m5 = /^\/([^/_][^/]*)\/_search$/.exec(path);
  if (m5 && (method === 'POST' || method === 'GET'))
    return { store: 'elasticsearch', collection: decode(m5[1]!), operation: 'query', command: '_search' };
  // Pinecone-compatible data plane
  if (method === 'POST' && path === '/query')
    return { store: 'pinecone', collection: undefined, operation: 'query', command: 'query' };
  const m6 = /^\/vectors\/(upsert|delete|update|fetch)$/.exec(path);
  if (m6) {
    const op: VectorOperation = m6[1] === 'delete' ? 'delete' : m6[1] === 'fetch' ? 'query' : 'upsert';
    return { store: 'pinecone', collection: undefined, operation: op, command: `vectors/${m6[1]}` };
  }
  return undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** What a request body adds. */
export interface VectorRequestFacts {
  topK?: number | undefined;
  filterKeys: string[];
  texts: string[];
  /** Elasticsearch `_search` without `knn`: not a vector search, not reported. */
  notVector?: boolean;
}

const STRUCTURAL = new Set([
  'must',
  'should',
  'must_not',
  'min_should',
  'key',
  'match',
  'range',
  'value',
  'any',
  'except',
  'text',
  'gt',
  'gte',
  'lt',
  'lte',
  'bool',
  'filter',
  'term',
  'terms',
  'conditions',
  'is_empty',
  'is_null',
  'has_id',
  'nested',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Field names a filter document compares, without operators (`$eq`, `must`, `range`). */
function filterKeysOf(v: unknown, out: string[], depth = 0): void {
  if (depth > 16) return;
  if (Array.isArray(v)) {
    for (const x of v) filterKeysOf(x, out, depth + 1);
    return;
  }
  if (typeof v === 'string') {
    // Milvus filter expressions: `color == "red" and year > 2000`.
    for (const m of v.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:==|!=|>=|<=|>|<|\bin\b|\blike\b)/gi))
      if (!out.includes(m[1]!)) out.push(m[1]!);
    return;
  }
  if (!isObject(v)) return;
  if (typeof v['key'] === 'string' && !out.includes(v['key'])) out.push(v['key']);
  for (const [k, x] of Object.entries(v)) {
    if (!k.startsWith('$') && !STRUCTURAL.has(k) && k !== 'path' && !out.includes(k)) {
      // Elasticsearch term/match leaves: `{ term: { field: value } }` name the field.
      out.push(k);
    }
    if (isObject(x) || Array.isArray(x)) filterKeysOf(x, out, depth + 1);
  }
}

const MAX_TEXTS = 64;
const MAX_TEXT_BYTES = 64 * 1024;

/** Prose-like strings under `v` (document text, payload fields), bounded. */
export function proseOf(v: unknown, out: string[] = [], state = { bytes: 0 }, depth = 0): string[] {
  if (depth > 32 || out.length >= MAX_TEXTS || state.bytes >= MAX_TEXT_BYTES) return out;
  if (typeof v === 'string') {
    if (v.length >= 16 && /[A-Za-z]{3}/.test(v)) {
      const kept = v.slice(0, MAX_TEXT_BYTES - state.bytes);
      out.push(kept);
      state.bytes += kept.length;
    }
  } else if (Array.isArray(v)) for (const x of v) proseOf(x, out, state, depth + 1);
  else if (isObject(v)) for (const x of Object.values(v)) proseOf(x, out, state, depth + 1);
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Reads the request body of a recognised call; fills `req.collection` when the body names it. */
export function readVectorRequest(req: VectorRequest, body: unknown): VectorRequestFacts {
  const facts: VectorRequestFacts = { filterKeys: [], texts: [] };
  if (!isObject(body)) {
    if (req.store === 'elasticsearch') facts.notVector = true;
    return facts;
  }
  switch (req.store) {
    case 'qdrant': {
      facts.topK = num(body['limit']) ?? num(body['top']);
      filterKeysOf(body['filter'], facts.filterKeys);
      if (req.operation === 'upsert')
        facts.texts = proseOf(body['points'] ?? body['batch'] ?? body['payload']);
      break;
    }
    case 'chroma': {
      facts.topK = num(body['n_results']) ?? num(body['limit']);
      filterKeysOf(body['where'], facts.filterKeys);
      if (req.operation === 'upsert') facts.texts = proseOf([body['documents'], body['metadatas']]);
      break;
    }
    case 'weaviate': {
      if (req.command === 'graphql' && typeof body['query'] === 'string') {
        const g = /\bGet\s*\{\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(body['query']);
        if (g) req.collection = g[1]!;
        const l = /\blimit\s*:\s*(\d+)/.exec(body['query']);
        if (l) facts.topK = Number(l[1]);
        for (const p of body['query'].matchAll(/path\s*:\s*\[\s*"([^"]+)"/g))
          if (!facts.filterKeys.includes(p[1]!)) facts.filterKeys.push(p[1]!);
      } else {
        const objects = Array.isArray(body['objects']) ? body['objects'] : [body];
        const cls = objects.find(
          (o): o is Record<string, unknown> => isObject(o) && typeof o['class'] === 'string',
        );
        if (cls && req.collection === undefined) req.collection = cls['class'] as string;
        if (req.operation === 'upsert')
          facts.texts = proseOf(objects.map((o) => (isObject(o) ? o['properties'] : undefined)));
      }
      break;
    }
    case 'milvus': {
      if (typeof body['collectionName'] === 'string') req.collection = body['collectionName'];
      facts.topK = num(body['limit']) ?? num(body['topK']);
      filterKeysOf(body['filter'], facts.filterKeys);
      if (req.operation === 'upsert') facts.texts = proseOf(body['data']);
      break;
    }
    case 'elasticsearch': {
      const knn = body['knn'] ?? (isObject(body['query']) ? body['query']['knn'] : undefined);
      if (knn === undefined) {
        facts.notVector = true;
        break;
      }
      const first = Array.isArray(knn) ? knn[0] : knn;
      if (isObject(first)) {
        facts.topK = num(first['k']);
        filterKeysOf(first['filter'], facts.filterKeys);
        // OpenSearch: `{ knn: { field: { vector, k } } }`.
        if (facts.topK === undefined)
          for (const v of Object.values(first))
            if (isObject(v) && num(v['k']) !== undefined) facts.topK = num(v['k']);
      }
      facts.topK ??= num(body['size']);
      break;
    }
    case 'pinecone': {
      if (typeof body['namespace'] === 'string' && body['namespace'] !== '')
        req.collection = body['namespace'];
      facts.topK = num(body['topK']) ?? num(body['top_k']);
      filterKeysOf(body['filter'], facts.filterKeys);
      if (req.operation === 'upsert')
        facts.texts = proseOf(
          (body['vectors'] as unknown[] | undefined)?.map((v) => (isObject(v) ? v['metadata'] : undefined)),
        );
      break;
    }
    default:
      break;
  }
  return facts;
}

/** What a response body says: how many results, and (for queries) their text. */
export function readVectorResponse(req: VectorRequest, body: unknown): { results?: number; texts: string[] } {
  if (!isObject(body)) return { texts: [] };
  let hits: unknown;
  switch (req.store) {
    case 'qdrant': {
      const r = body['result'];
      hits = Array.isArray(r) ? r : isObject(r) ? r['points'] : undefined;
      break;
    }
    case 'chroma': {
      const ids = body['ids'];
      hits = Array.isArray(ids) && Array.isArray(ids[0]) ? ids[0] : ids;
      if (req.operation === 'query')
        return { ...count(hits), texts: proseOf([body['documents'], body['metadatas']]) };
      break;
    }
    case 'weaviate': {
      const get = isObject(body['data']) ? body['data']['Get'] : undefined;
      hits = isObject(get) ? Object.values(get)[0] : undefined;
      break;
    }
    case 'milvus':
      hits = body['data'];
      break;
    case 'elasticsearch':
      hits = isObject(body['hits']) ? body['hits']['hits'] : undefined;
      break;
    case 'pinecone':
      hits = body['matches'] ?? (isObject(body['vectors']) ? Object.values(body['vectors']) : undefined);
      break;
    default:
      break;
  }
  return { ...count(hits), texts: req.operation === 'query' ? proseOf(hits) : [] };
}

function count(hits: unknown): { results?: number } {
  return Array.isArray(hits) ? { results: hits.length } : {};
}

/** The API key or token a request carried, from the headers each store uses. */
export function credentialOf(headers: ReadonlyMap<string, string>): string | undefined {
  for (const h of ['api-key', 'x-api-key', 'x-chroma-token', 'authorization']) {
    const v = headers.get(h);
    if (v) return v.replace(/^(bearer|basic|apikey)\s+/i, '').trim();
  }
  return undefined;
}
