// Public surface of this folder, re-exported by the package index. Named exports only.

export type { AiBomBuilderOptions, AiBomResultOptions } from './builder.js';
export { AiBomBuilder } from './builder.js';
export type { ManifestContainer } from './declared/containers.js';
export { containersOfDocument, splitCommandLine } from './declared/containers.js';
export type {
  DeclaredComponent,
  DeclaredImage,
  DeclaredMcpServer,
  DeclaredPackage,
} from './declared/declared-component.js';
export type { LockGraph } from './declared/lock-graph.js';
export {
  declaredTransitive,
  findLockfile,
  readPackageLockGraph,
  readPnpmLockGraph,
  readYarnLockGraph,
  transitiveDependencies,
} from './declared/lock-graph.js';
export type { DeclaredReadOptions } from './declared/npm.js';
export type { DeclaredInputKind, DeclaredInputOptions } from './declared/read.js';
export { detectDeclaredInput, readDeclaredInput, streamDeclaredInput } from './declared/read.js';
export type {
  AiBom,
  AiBomComponent,
  AiBomInputs,
  AiBomWorkload,
  ComponentEvidence,
  ComponentStatus,
  Declaration,
  DiscoveryMethod,
  Observation,
} from './document.js';
export { AIBOM_SCHEMA_VERSION } from './document.js';
export { AIBOM_RULES, aiBomFindings } from './findings.js';
export type { ExecutionFlowGraph, FlowEdge, FlowNode, FlowNodeType, FlowRelation } from './flow-graph.js';
export { FLOW_GRAPH_SCHEMA_VERSION } from './flow-graph.js';
export type { PayloadHintFacts } from './payload-hint.js';
export {
  aiBomPayloadHintFacts,
  CALL_EVENT_KINDS,
  checkPayloadHintFacts,
  describePayloadHint,
  summaryPayloadHintFacts,
} from './payload-hint.js';
