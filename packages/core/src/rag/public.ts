export type { RagAgent, RagCollection, RagConfig, RagIngest, RagLabel, RagSubject } from './config.js';
export { parseRagConfig, RAG_CONFIG_SCHEMA_VERSION, readRagConfig } from './config.js';
