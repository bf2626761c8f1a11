// Public surface of this folder, re-exported by the package index. Named exports only.
export type { CallAttributorOptions } from './attributor.js';
export { CallAttributor, LOCAL_TOOL_SERVER, modelCallIdOf } from './attributor.js';
export type { CallAttributionOptions } from './enricher.js';
export { CallAttributionEnricher } from './enricher.js';
export type { AgentTimeline } from './timeline.js';
export { AGENT_TIMELINE_SCHEMA_VERSION, AgentTimelineBuilder } from './timeline.js';
