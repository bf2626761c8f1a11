// Public surface of this folder, re-exported by the package index. Named exports only.
export type { ComplianceEvidenceInputs, ComplianceEvidenceReport } from './compliance-evidence.js';
export {
  buildComplianceEvidence,
  COMPLIANCE_EVIDENCE_SCHEMA_VERSION,
  COMPLIANCE_FRAMEWORK_TITLES,
  renderComplianceMarkdown,
} from './compliance-evidence.js';
export type {
  MaturityInputs,
  MaturityReport,
  WorkloadMaturity,
  WorkloadPostureFacts,
} from './maturity.js';
export {
  assessMaturity,
  MATURITY_LEVELS,
  MATURITY_SCHEMA_VERSION,
  renderMaturityText,
  workloadMaturity,
} from './maturity.js';
