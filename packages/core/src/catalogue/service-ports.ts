/**
 * The default ports of the services Vigil recognises by port: databases, message buses, vector
 * stores, search engines and inference servers, by the lower-case id their signature, peer class or
 * store kind uses (IANA's registration, or the project's own default where it has none registered).
 * The one table behind the signature catalogue's port matches, {@link WELL_KNOWN_SERVICE_PORTS}
 * and the default ports of data-store settings.
 *
 * @example
 * ```ts
 * import { SERVICE_PORTS } from '@vigil/core';
 *
 * SERVICE_PORTS.qdrant; // [6333, 6334]: HTTP, then gRPC
 * ```
 */
export const SERVICE_PORTS = {
  postgresql: [5432],
  mysql: [3306],
  redis: [6379],
  mongodb: [27017],
  nats: [4222],
  kafka: [9092],
  qdrant: [6333, 6334],
  weaviate: [8080, 50051],
  milvus: [19530],
  chroma: [8000],
  elasticsearch: [9200],
  opensearch: [9200],
  ollama: [11434],
  triton: [8001, 8002],
  'lm-studio': [1234],
} as const satisfies Readonly<Record<string, readonly number[]>>;
