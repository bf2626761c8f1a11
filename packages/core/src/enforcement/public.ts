// Public surface of this folder, re-exported by the package index. Named exports only.

export type { PolicyFromGapOptions } from './from-gap.js';
export { leastPrivilegeOf, policyFromLeastPrivilege } from './from-gap.js';
export type {
  EgressRule,
  EnforcementPolicy,
  ExecRule,
  PolicyDiff,
  SynthesizePolicyOptions,
} from './policy.js';
export {
  diffPolicies,
  ENFORCEMENT_POLICY_SCHEMA_VERSION,
  MAX_POLICY_RULES,
  parseCidr,
  parseEnforcementPolicy,
  policyVerdict,
  synthesizePolicy,
} from './policy.js';
export type {
  EnforcementLedger,
  EnforcementRun,
  ModeDecision,
  PromotionPolicy,
  WorkloadEnforcement,
} from './promotion.js';
export {
  DEFAULT_PROMOTION,
  ENFORCEMENT_LEDGER_SCHEMA_VERSION,
  emptyLedger,
  modeFor,
  pinMode,
  recordEnforcementRun,
} from './promotion.js';
