// Public surface of this folder, re-exported by the package index. Named exports only.

export type { LiveResponseOptions } from './live.js';
export { LiveResponse } from './live.js';
export type {
  ResponseAction,
  ResponseActionType,
  ResponseHandler,
  ResponsePlan,
  ResponseRecord,
  ResponseTrigger,
} from './responder.js';
export { findingPid, killProcessTree, RESPONSE_PLAN_SCHEMA_VERSION, Responder } from './responder.js';
