export type { PayloadChunk, PayloadDirection, PayloadMode, PayloadTransport } from './chunk.js';
export { isTruncated } from './chunk.js';
export type { PayloadDecoderEvents, PayloadDecoderOptions, PayloadDecoderStats } from './decoder.js';
export { decodePayloads, PayloadDecoder } from './decoder.js';
export type { SecretPattern } from './redact.js';
export { redactSecrets, SECRET_PATTERNS } from './redact.js';
export type { UndecodedKind, UndecodedPayloads, UndecodedStream } from './undecoded.js';
export {
  classifyStreamStart,
  describeUndecodedPayloads,
  MAX_UNDECODED_GROUPS,
  mergeUndecodedPayloads,
  UndecodedStreams,
} from './undecoded.js';
