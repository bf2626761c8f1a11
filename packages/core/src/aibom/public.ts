// Public surface of this folder, re-exported by the package index. Named exports only.

export type { BuildAiBomOptions } from './build-aibom.js';
export { buildAiBom } from './build-aibom.js';
export type { AiBomBuilderOptions, AiBomResultOptions } from './builder.js';
export { AiBomBuilder } from './builder.js';
export type {
  AiComponentType,
  MatchMethod,
  Signature,
  SignatureCatalogueDocument,
  SignatureInput,
  SignatureMatch,
} from './catalogue.js';
export {
  BUILTIN_CATALOGUE_VERSION,
  imageRepository,
  normalizePythonName,
  SIGNATURE_CATALOGUE_SCHEMA_VERSION,
  SignatureCatalogue,
} from './catalogue.js';
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
export type { RuntimePackage } from './package-paths.js';
export {
  imageInCommandLine,
  npmPackageFromPath,
  packagesInCommandLine,
  pythonPackageFromPath,
} from './package-paths.js';
export {
  installedPythonModules,
  PYTHON_IMPORT_NAMES,
  pythonDistributionsOf,
} from './python-distributions.js';
