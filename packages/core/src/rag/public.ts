export type { RagAgent, RagCollection, RagConfig, RagIngest, RagSubject } from './config.js';
export {
  parseRagConfig,
  RAG_CONFIG_SCHEMA_VERSION,
  RagAgentSchema,
  RagCollectionSchema,
  RagConfigSchema,
  RagIngestSchema,
  RagLabelSchema,
  RagSubjectSchema,
  readRagConfig,
} from './config.js';
