import { createHash } from 'node:crypto';
import type { AiComponentType } from '../catalogue/catalogue.js';
import { complianceRefs } from '../findings/compliance.js';
import type { ComplianceRef, Evidence, Finding, Severity } from '../findings/finding.js';
import { SEVERITY_RISK } from '../findings/risk-scale.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import type { AiBom, AiBomComponent } from './document.js';

/**
 * Rule ids of the findings {@link aiBomFindings} reports.
 *
 * @example
 * ```ts
 * const shadow = aiBomFindings(bom).filter((f) => f.ruleId === AIBOM_RULES.shadowAi);
 * ```
 */
export const AIBOM_RULES = {
  /** An AI component ran that no declared input lists. */
  shadowAi: 'vigil.aibom.shadow-ai',
  /** A declared AI component never ran: attack surface with no use. */
  declaredUnused: 'vigil.aibom.declared-unused',
} as const;

const SHADOW_SEVERITY: Partial<Record<AiComponentType, Severity>> = {
  'mcp-server': 'high',
  'inference-server': 'medium',
  'vector-store': 'medium',
  framework: 'medium',
};

const SUPPLY_CHAIN: ComplianceRef[] = complianceRefs({
  tags: { owaspLlm: ['LLM03'], owaspAgentic: ['ASI04'] },
  areas: ['supply-chain'],
});

function findingId(ruleId: string, workloadId: string, subject: string): string {
  return createHash('sha256')
    .update(`${ruleId}\u0000${workloadId}\u0000${subject}`)
    .digest('hex')
    .slice(0, 24);
}

function label(c: AiBomComponent): string {
  return `${c.type} ${c.name}${c.version ? `@${c.version}` : ''}`;
}

/**
 * Findings from an AI-BOM: shadow AI (an MCP server, framework, inference
 * server or vector store that ran but no declared input lists; `high` for
 * MCP servers, `medium` otherwise) and declared components that never ran
 * (`low`, category `gap`: remove them or the capture missed a path). Ids are
 * stable across runs for the same component and workload.
 *
 * @example
 * ```ts
 * import { aiBomFindings, buildAiBom } from '@vigil/core';
 *
 * const findings = aiBomFindings(await buildAiBom({ captures: ['run.vcap'], manifests: ['package.json'] }));
 * for (const f of findings) console.log(f.severity, f.title);
 * ```
 */
export function aiBomFindings(bom: AiBom): Finding[] {
  const workloads = new Map<string, WorkloadRef>(bom.workloads.map((w) => [w.workload.id, w.workload]));
  const out: Finding[] = [];
  // Families (signatures) with a declared member: an undeclared sibling (`@openai/agents-core` beside a
  // declared `@openai/agents`) is most likely a transitive dependency, not shadow AI.
  const declaredFamilies = new Set(
    bom.components
      .filter((c) => c.declared && c.declared.length > 0 && c.signatureId)
      .map((c) => c.signatureId!),
  );
  const hasLockfile = bom.inputs.manifests.some((m) => /lock|shrinkwrap/.test(m.input));
  for (const c of bom.components) {
    if (c.status === 'undeclared-used') {
      const sibling =
        c.type === 'framework' && c.signatureId !== undefined && declaredFamilies.has(c.signatureId);
      const severity = sibling ? 'low' : SHADOW_SEVERITY[c.type];
      if (!severity) continue;
      for (const wid of c.observed?.workloads ?? []) {
        const workload = workloads.get(wid) ?? { id: wid, kind: 'cgroup', labels: {} };
        const evidence: Evidence[] = (c.observed?.evidence ?? [])
          .filter((e) => e.workloadId === wid)
          .map((e) => ({
            type: 'note' as const,
            description: `${e.method}: ${e.kind} by ${e.comm} (pid ${e.pid}) at ${new Date(Math.floor(e.ts / 1e6)).toISOString()}: ${e.detail}`,
          }));
        out.push({
          id: findingId(AIBOM_RULES.shadowAi, wid, c.id),
          ruleId: AIBOM_RULES.shadowAi,
          title: `Shadow AI: ${label(c)} ran but is not declared`,
          severity,
          category: 'supply-chain',
          workload,
          ts: c.observed?.firstSeen ?? 0,
          summary: `${label(c)} (${c.family ?? c.type}) was observed ${c.observed?.count ?? 0} times in ${workload.name ?? wid} through ${c.observed?.methods.join(', ') ?? 'runtime events'}, with confidence ${c.confidence}, but none of the declared inputs (${bom.inputs.manifests.map((m) => m.file).join(', ') || 'none'}) lists it.${sibling ? ` Another ${c.family} package is declared, so this is most likely a transitive dependency${hasLockfile ? '' : ': pass the lockfile to confirm'}.` : ''}`,
          evidence,
          tags: { owaspLlm: ['LLM03'], owaspAgentic: ['ASI04'], atlas: ['AML.T0010'], attack: [] },
          compliance: SUPPLY_CHAIN,
          risk: {
            score: Math.round(SEVERITY_RISK[severity] * Math.max(0.5, c.confidence)),
            reasons: [
              `undeclared ${c.type}`,
              `observed at run time (confidence ${c.confidence})`,
              ...(sibling ? [`same family as a declared package (${c.family})`] : []),
            ],
          },
          ...(c.observed && c.observed.count > 1
            ? { count: c.observed.count, lastSeen: c.observed.lastSeen }
            : {}),
        });
      }
    } else if (c.status === 'declared-unused') {
      const d = c.declared?.[0];
      const workload: WorkloadRef = {
        id: `declared:${d?.file ?? 'unknown'}`,
        kind: 'external',
        name: d?.file ?? 'declared inputs',
        labels: {},
      };
      out.push({
        id: findingId(AIBOM_RULES.declaredUnused, workload.id, c.id),
        ruleId: AIBOM_RULES.declaredUnused,
        title: `Declared but never used: ${label(c)}`,
        severity: 'low',
        category: 'gap',
        workload,
        ts: 0,
        summary: `${label(c)} is declared in ${(c.declared ?? []).map((x) => `${x.file}${x.line ? `:${x.line}` : ''}`).join(', ')} but was not observed in the ${bom.inputs.events} events read. Remove it to shrink the attack surface, or capture the code path that uses it.`,
        evidence: (c.declared ?? []).map((x) => ({
          type: 'artifact' as const,
          description: `declared in ${x.input}${x.specifier ? ` as ${x.specifier}` : ''}`,
          uri: x.file,
          ...(x.path ? { path: x.path } : {}),
          ...(x.line ? { line: x.line } : {}),
        })),
        tags: { owaspLlm: ['LLM03'], owaspAgentic: [], atlas: [], attack: [] },
        compliance: SUPPLY_CHAIN.slice(0, 2),
        risk: { score: 15, reasons: ['declared, never observed'] },
      });
    }
  }
  return out;
}
