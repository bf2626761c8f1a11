import { DEFAULT_CONFIDENCE, type SignatureCatalogue } from './catalogue.js';
import { SERVICE_PORTS } from './service-ports.js';

/** What a network peer is, when Vigil can tell: a database, a vector store or a message bus. */
export type PeerServiceKind = 'database' | 'vector-store' | 'message-bus';

/**
 * A service on a well-known port that is not an AI component (the AI ones, vector stores and
 * inference servers, are signatures of the {@link SignatureCatalogue}).
 *
 * @example
 * ```ts
 * import { WELL_KNOWN_SERVICE_PORTS } from '@vigil/core';
 *
 * WELL_KNOWN_SERVICE_PORTS.find((s) => s.port === 6379)?.name; // 'Redis'
 * ```
 */
export interface WellKnownServicePort {
  readonly port: number;
  /** Lower-case id, as payload parsers name the protocol (`postgresql`). */
  readonly id: string;
  readonly name: string;
  readonly kind: PeerServiceKind;
}

/**
 * Databases and message buses by their registered default port (IANA, or the project's own
 * default where it has none registered), from {@link SERVICE_PORTS}.
 *
 * @example
 * ```ts
 * import { WELL_KNOWN_SERVICE_PORTS } from '@vigil/core';
 *
 * for (const s of WELL_KNOWN_SERVICE_PORTS) console.log(s.port, s.name, s.kind);
 * ```
 */
export const WELL_KNOWN_SERVICE_PORTS: readonly WellKnownServicePort[] = [
  { port: SERVICE_PORTS.postgresql[0], id: 'postgresql', name: 'PostgreSQL', kind: 'database' },
  { port: SERVICE_PORTS.mysql[0], id: 'mysql', name: 'MySQL', kind: 'database' },
  { port: SERVICE_PORTS.redis[0], id: 'redis', name: 'Redis', kind: 'database' },
  { port: SERVICE_PORTS.mongodb[0], id: 'mongodb', name: 'MongoDB', kind: 'database' },
  { port: SERVICE_PORTS.nats[0], id: 'nats', name: 'NATS', kind: 'message-bus' },
  { port: SERVICE_PORTS.kafka[0], id: 'kafka', name: 'Kafka', kind: 'message-bus' },
];

/**
 * What a peer was classified as, and on what evidence: the protocol seen in its payloads (strong),
 * or a well-known port (weak: any service can listen on any port).
 *
 * @example
 * ```ts
 * const c: PeerService = { kind: 'database', id: 'postgresql', name: 'PostgreSQL', by: 'port', evidence: 'well-known port 5432 (PostgreSQL)' };
 * ```
 */
export interface PeerService {
  readonly kind: PeerServiceKind;
  readonly id: string;
  readonly name: string;
  readonly by: 'payload' | 'port';
  /** One line a reader can check: `PostgreSQL wire protocol seen in payloads`, `well-known port 6333 (Qdrant)`. */
  readonly evidence: string;
}

/**
 * What a peer is from the protocol its payloads spoke (the `store` a payload parser gave a
 * `retrieval` event: `postgresql`, `qdrant`, `chroma`…): a vector store when the catalogue has it as
 * one (PostgreSQL only when pgvector's distance operators were used), a database or a message bus
 * when it is a known service, else `undefined`.
 *
 * @example
 * ```ts
 * import { SignatureCatalogue, peerServiceOfProtocol } from '@vigil/core';
 *
 * peerServiceOfProtocol(SignatureCatalogue.builtin(), 'postgresql')?.kind; // 'database'
 * peerServiceOfProtocol(SignatureCatalogue.builtin(), 'postgresql', true)?.kind; // 'vector-store'
 * ```
 */
export function peerServiceOfProtocol(
  catalogue: SignatureCatalogue,
  protocol: string,
  vectorSearch = false,
): PeerService | undefined {
  const p = protocol.toLowerCase();
  const service = WELL_KNOWN_SERVICE_PORTS.find((s) => s.id === p);
  const sigId = p === 'postgresql' ? (vectorSearch ? 'pgvector' : undefined) : p;
  const sig = sigId
    ? catalogue.signatures.find(
        (s) => s.type === 'vector-store' && (s.id === sigId || s.name.toLowerCase() === sigId),
      )
    : undefined;
  const seen = `${service?.name ?? sig?.name ?? protocol} protocol seen in payloads`;
  if (sig)
    return {
      kind: 'vector-store',
      id: sig.id,
      name: sig.name,
      by: 'payload',
      evidence: vectorSearch ? `${seen} (vector distance operators)` : seen,
    };
  if (service)
    return { kind: service.kind, id: service.id, name: service.name, by: 'payload', evidence: seen };
  return undefined;
}

/**
 * What a peer is from its port alone: a vector store when the catalogue's signature for that port
 * trusts a port match at least as much as its default (Qdrant 6333, Milvus 19530; not Chroma's
 * 8000 or Weaviate's 8080, which many other servers use, nor pgvector's 5432, which only says
 * PostgreSQL), else a database or message bus from {@link WELL_KNOWN_SERVICE_PORTS}, else
 * `undefined`.
 *
 * @example
 * ```ts
 * import { SignatureCatalogue, peerServiceOfPort } from '@vigil/core';
 *
 * const catalogue = SignatureCatalogue.builtin();
 * peerServiceOfPort(catalogue, 5432)?.evidence; // 'well-known port 5432 (PostgreSQL)'
 * peerServiceOfPort(catalogue, 6333)?.kind; // 'vector-store'
 * peerServiceOfPort(catalogue, 8000); // undefined: Chroma only with evidence
 * ```
 */
export function peerServiceOfPort(catalogue: SignatureCatalogue, port: number): PeerService | undefined {
  const m = catalogue.matchPort(port);
  if (m && m.signature.type === 'vector-store' && m.confidence >= DEFAULT_CONFIDENCE.port)
    return {
      kind: 'vector-store',
      id: m.signature.id,
      name: m.signature.name,
      by: 'port',
      evidence: `well-known port ${port} (${m.signature.name})`,
    };
  const s = WELL_KNOWN_SERVICE_PORTS.find((x) => x.port === port);
  return s
    ? { kind: s.kind, id: s.id, name: s.name, by: 'port', evidence: `well-known port ${port} (${s.name})` }
    : undefined;
}
