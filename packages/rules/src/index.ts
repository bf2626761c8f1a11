/**
 * Vigil rules: the typed rule API, the rule engine (stateless and sequence
 * rules, exceptions, deduplication, rate limiting, isolation of failing
 * rules), the built-in runtime and AI attack-chain packs, compliance mappings,
 * the user-pack loader and the documentation generator.
 *
 * @packageDocumentation
 */

export type { BaselineView } from './api/baseline-view.js';
export { MemoryBaselineView, toolFingerprint } from './api/baseline-view.js';
export type { CoreBaselineViewOptions } from './api/core-baseline.js';
export { coreBaselineView } from './api/core-baseline.js';
export type { CriticalBehavioursOptions } from './api/critical.js';
export { criticalBehaviour, criticalBehaviours, resolveOverrides } from './api/critical.js';
export type { DriftRuleResult, DriftRuleSpec } from './api/drift-rule.js';
export { defineDriftRule } from './api/drift-rule.js';
export type { CompiledException, ExceptionsDocument, RuleException } from './api/exceptions.js';
export { compileExceptions, EXCEPTIONS_SCHEMA_VERSION, parseExceptionsDocument } from './api/exceptions.js';
export type { EventFact, EventFacts, RuleFacts } from './api/facts.js';
export { EVENT_FACTS } from './api/facts.js';
export type { RulePack } from './api/pack.js';
export { definePack, RULE_ENGINE_VERSION, validateRulePack } from './api/pack.js';
export type {
  ControlArea,
  Detection,
  DriftReport,
  DriftView,
  EventRule,
  EventRuleSpec,
  ProcessFacts,
  ProcessLookup,
  Rule,
  RuleClock,
  RuleContext,
  RuleDeclarations,
  RuleInitContext,
  RuleLogger,
  RuleMeta,
  RuleRole,
  RuleState,
  RuleTags,
  SequenceRule,
  SequenceRuleSpec,
  SequenceStep,
} from './api/rule.js';
export { CONTROL_AREAS, defineRule, defineSequenceRule, step } from './api/rule.js';
export type { RuleOverrideEntry, RuleOverridesDocument } from './api/rule-overrides.js';
export { parseRuleOverridesDocument, RULE_OVERRIDES_SCHEMA_VERSION } from './api/rule-overrides.js';
export {
  AREA_CONTROLS,
  COMPLIANCE_MAPPINGS_VERSION,
  complianceFor,
  MITRE_ATLAS,
  OWASP_AGENTIC_2026,
  OWASP_LLM_2025,
} from './compliance/mappings.js';
export {
  renderComplianceDoc,
  renderRuleDoc,
  renderRuleDocs,
  renderRulesIndex,
  ruleDocFileName,
} from './docs/render.js';
export type { RulesCheckDetector, RulesCheckDetectorOptions } from './engine/check-detector.js';
export { rulesCheckDetector } from './engine/check-detector.js';
export type {
  RateLimit,
  RuleEngineOptions,
  RuleEngineStats,
  RuleOverride,
  RuleStatus,
} from './engine/engine.js';
export { RuleEngine } from './engine/engine.js';
export type { RuleSettings, RuleSettingsSources } from './engine/override-spec.js';
export { parseRuleSettings } from './engine/override-spec.js';
export { loadExceptions } from './loader/load-exceptions.js';
export type { LoadRulePackOptions } from './loader/load-pack.js';
export { loadRulePack, loadRulePacks } from './loader/load-pack.js';
export { loadRuleOverrides } from './loader/load-rule-overrides.js';
export { aiChainsPack } from './packs/ai-chains/index.js';
export { builtinPacks } from './packs/builtin.js';
export { chainsStartingFromCalls } from './packs/call-chains.js';
export { driftPack } from './packs/drift/index.js';
export { createRagPack, ragPack } from './packs/rag/index.js';
export { runtimePack } from './packs/runtime/index.js';
export type {
  AdvisoryDocument,
  AdvisorySetBuild,
  BuildAdvisorySetOptions,
} from './scanners/advisories/build.js';
export { AI_FRAMEWORK_PACKAGES, buildAdvisorySet } from './scanners/advisories/build.js';
export { cvss3BaseScore, severityOfCvss } from './scanners/advisories/cvss.js';
export type { AdvisoryEcosystem, AdvisoryMatch } from './scanners/advisories/match.js';
export { AdvisoryIndex, advisoryKey, advisorySeverity, inOsvRange } from './scanners/advisories/match.js';
export type { Pep440Version } from './scanners/advisories/pep440.js';
export { comparePep440, parsePep440 } from './scanners/advisories/pep440.js';
export type { AdvisoryScannerOptions } from './scanners/advisories/scanner.js';
export {
  createAdvisoryScanner,
  DEPENDENCY_ADVISORY,
  packageReachability,
} from './scanners/advisories/scanner.js';
export type {
  AdvisorySet,
  AdvisorySourceFile,
  OsvAdvisory,
  OsvRangeEvent,
} from './scanners/advisories/schema.js';
export { ADVISORY_SET_SCHEMA_VERSION } from './scanners/advisories/schema.js';
export { shippedAdvisories } from './scanners/advisories/shipped.js';
export type { FetchExecMatch } from './scanners/agent-rules/fetch-exec.js';
export { findFetchExec } from './scanners/agent-rules/fetch-exec.js';
export {
  AGENT_RULES_HIDDEN_INSTRUCTIONS,
  AGENT_RULES_INVISIBLE_UNICODE,
  agentRulesScanner,
  SKILL_FETCH_EXEC,
} from './scanners/agent-rules/scanner.js';
export type { BuiltinScannerOptions } from './scanners/builtin.js';
export { builtinScanners } from './scanners/builtin.js';
export type { ScanCaptureData } from './scanners/captures.js';
export { readScanCaptures } from './scanners/captures.js';
export type {
  ConfigPlace,
  ConfiguredLaunch,
  InferenceConfigFormat,
} from './scanners/inference/config-files.js';
export {
  launchesInEnvFile,
  launchesInHelmValues,
  launchesInLocalAiModel,
  launchesInModelfile,
  launchesInVllmConfig,
  looksLikeHelmValues,
  looksLikeLocalAiModel,
  looksLikeVllmConfig,
} from './scanners/inference/config-files.js';
export type {
  InferenceIssue,
  InferenceIssueKind,
  InferenceServerKind,
  InferenceServerLaunch,
} from './scanners/inference/launch.js';
export { assessInferenceLaunch, inferenceServerOf, unwrapShell } from './scanners/inference/launch.js';
export type { CapturedInferenceLaunch, InferenceServerScannerOptions } from './scanners/inference/scanner.js';
export {
  createInferenceServerScanner,
  INFERENCE_ADMIN_ENDPOINT,
  INFERENCE_EXPOSED,
  INFERENCE_REMOTE_CODE,
  INFERENCE_UNPINNED_MODEL,
} from './scanners/inference/scanner.js';
export type { DeclaredLaunch } from './scanners/inference/sources.js';
export { launchesInSystemdUnit, launchesInYaml, splitCommandLine } from './scanners/inference/sources.js';
export type {
  DefinitionText,
  McpDefinitionOrigin,
  McpPrompt,
  McpResource,
  McpServerDefinitions,
  McpTool,
} from './scanners/mcp/definitions.js';
export {
  canonicalJson,
  definitionTexts,
  isMcpDefinitionDocument,
  readMcpDefinitions,
  sha256Json,
} from './scanners/mcp/definitions.js';
export { WELL_KNOWN_TOOL_NAMES } from './scanners/mcp/detectors.js';
export type { McpPinChange, McpPinDocument, McpServerPin } from './scanners/mcp/pins.js';
export {
  diffPins,
  emptyPins,
  MCP_PINS_SCHEMA_VERSION,
  parseMcpPins,
  pinServer,
  readMcpPins,
  renderPinDiff,
} from './scanners/mcp/pins.js';
export {
  MCP_CREDENTIAL_PARAMETER,
  MCP_CROSS_SERVER_SHADOWING,
  MCP_HIDDEN_INSTRUCTIONS,
  MCP_INVISIBLE_UNICODE,
  MCP_LOOKALIKE_TOOL_NAME,
  MCP_RUG_PULL,
  MCP_SCANNER_RULES,
  MCP_SERVER_NOT_LISTED,
  MCP_TOXIC_FLOW,
} from './scanners/mcp/rules.js';
export type { CapturedToolList, McpScanner, McpScannerOptions } from './scanners/mcp/scanner.js';
export { createMcpScanner } from './scanners/mcp/scanner.js';
export type { StdioListOptions } from './scanners/mcp/stdio-client.js';
export { listStdioServer } from './scanners/mcp/stdio-client.js';
export type { ToolClass } from './scanners/mcp/tool-classes.js';
export { classifyTool, TOOL_CLASS_TABLE } from './scanners/mcp/tool-classes.js';
export type { ChatTemplateProblem } from './scanners/model/chat-template.js';
export { inspectChatTemplate } from './scanners/model/chat-template.js';
export type { GgufInspection, GgufOptions, GgufProblem, GgufTensor } from './scanners/model/gguf.js';
export { inspectGguf } from './scanners/model/gguf.js';
export type { KerasConfigProblem } from './scanners/model/keras.js';
export { inspectKerasConfig } from './scanners/model/keras.js';
export type { ModelFileUse } from './scanners/model/loaded.js';
export { modelFilesOpened, weighByModelUse } from './scanners/model/loaded.js';
export type { ModelFormat } from './scanners/model/model-scanner.js';
export { detectModelFormat, modelFileScanner } from './scanners/model/model-scanner.js';
export type { NpyHeader } from './scanners/model/numpy.js';
export { parseNpyHeader } from './scanners/model/numpy.js';
export type {
  PickleCall,
  PickleDisassembly,
  PickleDisassemblyOptions,
  PickleGlobal,
  PickleIssue,
  PickleOp,
} from './scanners/model/pickle.js';
export { disassemblePickle, isPickleOpcode, PickleStreamDisassembler } from './scanners/model/pickle.js';
export type { PickleImportRating } from './scanners/model/pickle-imports.js';
export { python3ImportOf, rateDottedTarget, ratePickleImport } from './scanners/model/pickle-imports.js';
export { MODEL_RULE, MODEL_RULES } from './scanners/model/rules.js';
export type {
  SafetensorsInspection,
  SafetensorsProblem,
  SafetensorsTensor,
} from './scanners/model/safetensors.js';
export { inspectSafetensorsHeader } from './scanners/model/safetensors.js';
export type { ScanConnection, ScanResult } from './scanners/result.js';
export { SCAN_RESULT_SCHEMA_VERSION } from './scanners/result.js';
export type { ScanOptions, ScanProgress } from './scanners/scan.js';
export { detectionToFinding, scanPaths } from './scanners/scan.js';
export type {
  ArtifactDetection,
  ArtifactLocation,
  ArtifactObservable,
  ArtifactRef,
  ArtifactScanner,
  ScanContext,
  ScanLimits,
} from './scanners/scanner.js';
export { DEFAULT_SCAN_LIMITS } from './scanners/scanner.js';
export { foreignLetters, nameSkeleton } from './scanners/text/confusables.js';
export type { InstructionKind, InstructionMatch } from './scanners/text/hidden-instructions.js';
export {
  findHiddenInstructions,
  instructionSeverity,
  sensitivePathClass,
} from './scanners/text/hidden-instructions.js';
export type { InvisibleClass, InvisibleRun } from './scanners/text/invisible-unicode.js';
export { findInvisible, INVISIBLE_SEVERITY, revealInvisible } from './scanners/text/invisible-unicode.js';
// The schemas, typed by the structural VigilSchema (zod-typed: the `/schemas` subpath).
export * from './schemas/public.js';
