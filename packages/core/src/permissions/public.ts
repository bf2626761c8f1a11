// Public surface of this folder, re-exported by the package index. Named exports only.
export type { IamPolicyDocument, IamPolicyOptions, IamPrincipal, IamStatement } from './aws/iam-policy.js';
export { iamPolicyGrants } from './aws/iam-policy.js';
export type {
  DeclaredContainer,
  DeclaredPermissions,
  DeclaredSubject,
  DeclaredWarning,
  DeclaredWorkload,
} from './declared.js';
export type { GapAnalysisOptions } from './gap/analyze.js';
export { analyzeGaps, coverageOf, OBSERVABLE_CAPABILITIES, workloadMatches } from './gap/analyze.js';
export type { GapFindingOptions } from './gap/findings.js';
export { describeGrant, describeUse, gapFindings } from './gap/findings.js';
export type {
  Coverage,
  DomainGap,
  GapReport,
  SkippedRecords,
  UnusedGrant,
  WorkloadGap,
} from './gap/report.js';
export { GAP_REPORT_SCHEMA_VERSION } from './gap/report.js';
export type { GapUseSource } from './gap/use-sources.js';
export { gapUseSources } from './gap/use-sources.js';
export type {
  Grant,
  GrantInput,
  GrantSource,
  GrantTarget,
  GrantTargetOf,
  InherentRisk,
  PermissionDomain,
  SubjectKind,
} from './grant.js';
export {
  describeSubject,
  GRANT_SCHEMA_VERSION,
  makeGrant,
  PERMISSION_DOMAINS,
  subjectId,
  subjectOfAwsPrincipal,
  subjectOfK8sUser,
} from './grant.js';
export {
  awsActionRisk,
  capabilityRisk,
  egressRisk,
  fileRisk,
  hostPrivilegeRisk,
  kubernetesApiRisk,
  mcpToolRisk,
  tablePrivilegeRisk,
} from './inherent-risk.js';
export { DEFAULT_AUTHENTICATED_GRANTS } from './kubernetes/default-roles.js';
export type { CustomResource, DiscoveryAnswer } from './kubernetes/discovery.js';
export { KUBERNETES_DISCOVERY_RELEASE, KubernetesDiscovery } from './kubernetes/discovery.js';
export { VALIDATED_KUBERNETES_KINDS, validateKubernetesObject } from './kubernetes/schema-validate.js';
export {
  ALL_CAPABILITIES,
  DEFAULT_CONTAINER_CAPABILITIES,
  normaliseCapability,
  SERVICE_ACCOUNT_TOKEN_DIR,
} from './kubernetes/workloads.js';
export type { ArtifactKind, LeastPrivilege, LeastPrivilegeArtifact } from './least-privilege/artifact.js';
export { LEAST_PRIVILEGE_SCHEMA_VERSION } from './least-privilege/artifact.js';
export { prepareArtifactFolder } from './least-privilege/artifact-folder.js';
export type { LeastPrivilegeOptions, McpToolAllowlist } from './least-privilege/generate.js';
export { generateLeastPrivilege } from './least-privilege/generate.js';
export type { IamGenerationOptions } from './least-privilege/iam.js';
export { leastPrivilegeIam } from './least-privilege/iam.js';
export { leastPrivilegeRbac } from './least-privilege/rbac.js';
export { renderLeastPrivilegeArtifact } from './least-privilege/render.js';
export { leastPrivilegeNetworkPolicy, leastPrivilegeWorkload } from './least-privilege/workload.js';
export type { DeclaredPermissionsOptions } from './load-declared.js';
export { DeclaredPermissionsBuilder, loadDeclaredPermissions } from './load-declared.js';
export {
  cidrContains,
  deniedBy,
  globMatch,
  grantCovers,
  grantsCovering,
  isPrivateAddress,
  pathUnder,
} from './match.js';
export type { McpConfigOptions, McpToolList } from './mcp/mcp-config.js';
export { mcpConfigGrants, readMcpToolList } from './mcp/mcp-config.js';
export type { CloudTrailRecord } from './observed/cloudtrail.js';
export { CloudTrailScanner, cloudTrailToVigil } from './observed/cloudtrail.js';
export { observedUseFromBaseline } from './observed/from-baseline.js';
export type { KubernetesAuditEvent } from './observed/k8s-audit.js';
export { auditEventToVigil } from './observed/k8s-audit.js';
export { nameMcpServersAsDeclared } from './observed/mcp-servers.js';
export type {
  ObservedTarget,
  ObservedUse,
  ObservedUseDocument,
  ObservedUseOptions,
} from './observed/use.js';
export {
  awsServicePrefix,
  mergeObservedUse,
  OBSERVED_USE_SCHEMA_VERSION,
  ObservedUseAccumulator,
  workloadSubject,
} from './observed/use.js';
export { grantStatements, PG_TABLE_PRIVILEGES } from './table-privileges.js';
