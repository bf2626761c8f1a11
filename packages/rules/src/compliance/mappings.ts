import { type ComplianceRef, complianceRefs } from '@vigil/core';
import type { RuleMeta } from '../api/rule.js';

// The tables live in core (one compliance table for every producer); the rules package re-exports them.
export {
  AREA_CONTROLS,
  COMPLIANCE_MAPPINGS_VERSION,
  MITRE_ATLAS,
  OWASP_AGENTIC_2026,
  OWASP_LLM_2025,
} from '@vigil/core';

/**
 * The compliance references of a rule: its OWASP LLM, OWASP Agentic and
 * MITRE ATLAS tags, the controls of its areas, and any the rule lists itself,
 * without duplicates. The engine attaches them to every finding the rule
 * reports.
 *
 * @example
 * ```ts
 * import { complianceFor } from '@vigil/rules';
 *
 * complianceFor({ id: 'a.b', title: 't', description: 'd', severity: 'high', version: '1.0.0',
 *   tags: { owaspAgentic: ['ASI02'] }, areas: ['exfiltration'] });
 * ```
 */
export function complianceFor(meta: RuleMeta): ComplianceRef[] {
  return complianceRefs({
    ...(meta.tags ? { tags: meta.tags } : {}),
    ...(meta.areas ? { areas: meta.areas } : {}),
    ...(meta.compliance ? { extra: meta.compliance } : {}),
  });
}
