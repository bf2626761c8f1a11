import { formatPath } from '../../errors/vigil-error.js';
import { complianceRefs } from '../../findings/compliance.js';
import type { Finding, Severity } from '../../findings/finding.js';
import { countOf } from '../../output/count-text.js';
import type { WorkloadRef } from '../../workload/workload-ref.js';
import { type Grant, stableId } from '../grant.js';
import type { ObservedUse } from '../observed/use.js';
import type { GapReport, WorkloadGap } from './report.js';

/** Options for {@link gapFindings}. */
export interface GapFindingOptions {
  /** Lowest rank (0–100) of an unused grant that becomes a finding. Default 30. */
  readonly minRank?: number;
  /** Also report unused grants whose use Vigil cannot observe. Default false. */
  readonly includeUnobservable?: boolean;
}

function severityOfRank(rank: number): Severity {
  return rank >= 70 ? 'high' : rank >= 40 ? 'medium' : rank >= 20 ? 'low' : 'info';
}

/** A short text for a grant: `get secrets (cluster-wide)`, `s3:* on *`, `CAP_NET_ADMIN`.
 *
 * @example
 * ```ts
 * describeGrant(grant); // 'get secrets (cluster-wide)'
 * ```
 */
export function describeGrant(g: Grant): string {
  const t = g.target;
  switch (t.domain) {
    case 'kubernetes-api':
      if (t.nonResourceUrl !== undefined) return `${g.action} ${t.nonResourceUrl}`;
      return `${g.action} ${t.apiGroup ? `${t.apiGroup}/` : ''}${t.resource}${t.subresource ? `/${t.subresource}` : ''}${t.resourceNames ? ` [${t.resourceNames.join(',')}]` : ''} (${t.namespace ? `namespace ${t.namespace}` : 'cluster-wide'})`;
    case 'cloud-api':
      return `${t.notActions ? `everything but ${t.notActions.join(',')}` : g.action} on ${t.notResource ? 'all but ' : ''}${t.resources.join(', ')}`;
    case 'mcp-tool':
      return `${t.server}/${t.tool}`;
    case 'file':
      return `${g.action} ${t.path} (${t.backing}${t.sourceName ? ` ${t.sourceName}` : ''})`;
    case 'network-egress':
      return `connect to ${t.peer}${t.ports.length > 0 ? ` ports ${t.ports.map((p) => `${p.protocol}/${p.port ?? '*'}`).join(',')}` : ' any port'}`;
    case 'capability':
      return `${g.action} (${t.container})`;
    case 'host':
      return `${g.action}${t.container ? ` (${t.container})` : ''}`;
    case 'data-access':
      return `${g.action} on ${t.table} (${t.store})`;
  }
}

/** A short text for an observed use.
 *
 * @example
 * ```ts
 * describeUse(use); // 'connect 10.0.0.5:443/TCP'
 * ```
 */
export function describeUse(u: ObservedUse): string {
  const t = u.target;
  switch (t.domain) {
    case 'kubernetes-api':
      return t.nonResourceUrl !== undefined
        ? `${u.action} ${t.nonResourceUrl}`
        : `${u.action} ${t.apiGroup ? `${t.apiGroup}/` : ''}${t.resource}${t.subresource ? `/${t.subresource}` : ''}${t.name ? ` ${t.name}` : ''}${t.namespace ? ` in ${t.namespace}` : ''}`;
    case 'cloud-api':
      return `${u.action}${t.resources.length > 0 ? ` on ${t.resources.join(', ')}` : ''}`;
    case 'mcp-tool':
      return `${t.server}/${t.tool}`;
    case 'file':
      return `${u.action} ${t.path}`;
    case 'network-egress':
      return `connect ${t.dnsName ? `${t.dnsName} ` : ''}${t.address}:${t.port}/${t.protocol}`;
    case 'capability':
      return `${u.action} (${t.evidence})`;
    case 'host':
      return u.action;
    case 'data-access':
      return `${u.action} on ${t.table} (${t.store})`;
  }
}

function workloadRefOf(w: WorkloadGap): WorkloadRef {
  const seen = w.observedAs[0];
  if (seen) return seen;
  return {
    id: w.id,
    kind: w.id.startsWith('k8s:workload:') ? 'kubernetes-pod' : 'external',
    name: w.name,
    ...(w.namespace ? { namespace: w.namespace } : {}),
    labels: {},
  };
}

const TAGS = { owaspLlm: ['LLM06'], owaspAgentic: ['ASI03'], atlas: [], attack: ['T1078'] };
const COMPLIANCE: Finding['compliance'] = complianceRefs({
  tags: { owaspLlm: ['LLM06'] },
  areas: ['least-privilege'],
});

/**
 * Turns a gap report into findings (category `gap`): unused grants at or
 * above a rank (`vigil.gap.unused-grant`), dangerous host privileges whose
 * use cannot be observed (`vigil.gap.unverified-grant`: privileged, hostPID), refused attempts
 * (`vigil.gap.denied-attempt`) and uses no declared grant explains
 * (`vigil.gap.ungranted-use`). Each finding's risk starts from the grant's
 * rank, weighted by how long the window was; the risk engine refines it.
 *
 * @example
 * ```ts
 * import { analyzeGaps, gapFindings } from '@vigil/core';
 *
 * const findings = gapFindings(analyzeGaps(declared, observed), { minRank: 40 });
 * ```
 */
export function gapFindings(report: GapReport, options: GapFindingOptions = {}): Finding[] {
  const minRank = options.minRank ?? 30;
  const out: Finding[] = [];
  for (const w of report.workloads) {
    const workload = workloadRefOf(w);
    for (const d of w.domains) {
      const conf = d.coverage;
      const ts = conf.end || conf.start || report.coverage.end;
      for (const u of d.unused) {
        // Host privileges whose use no event shows (privileged, hostPID, …) still matter when they are
        // dangerous: reported as unverified rather than unused.
        const unverified = !u.observable && u.grant.domain === 'host' && u.grant.inherentRisk.score >= 8;
        if (u.rank < minRank || (!u.observable && !options.includeUnobservable && !unverified)) continue;
        const g = u.grant;
        const what = describeGrant(g);
        out.push({
          id: stableId('finding', 'vigil.gap.unused-grant', w.id, g.id),
          ruleId: u.observable ? 'vigil.gap.unused-grant' : 'vigil.gap.unverified-grant',
          title: u.observable
            ? `Unused ${d.domain} grant: ${what}`
            : `Unverifiable ${d.domain} grant: ${what}`,
          severity: severityOfRank(u.rank),
          category: 'gap',
          workload,
          ts,
          summary: u.observable
            ? `${w.name} is granted ${what} but never used it: ${conf.note}. ${g.inherentRisk.reasons.join('; ')}.`
            : `${w.name} is granted ${what}; whether it is used leaves no event Vigil records, so remove it unless the workload needs it. ${g.inherentRisk.reasons.join('; ')}.`,
          evidence: [
            {
              type: 'artifact',
              description: `declared${g.source.via.length > 0 ? ` via ${g.source.via.join(' → ')}` : ''}`,
              uri: g.source.file,
              path: formatPath(g.source.path),
              ...(g.source.line ? { line: g.source.line } : {}),
            },
            { type: 'note', description: `${d.used} of ${d.granted} ${d.domain} grants used; ${conf.note}` },
          ],
          tags: { ...TAGS, atlas: [...TAGS.atlas] },
          compliance: COMPLIANCE,
          risk: {
            score: Math.round(u.rank * (u.observable ? 0.5 + 0.5 * conf.score : 0.5)),
            reasons: [
              `rank ${u.rank} (inherent ${g.inherentRisk.score}/10 × reach ${g.inherentRisk.reach}/4)`,
              u.observable ? `window ${conf.confidence}` : 'use not observable',
            ],
          },
        });
      }
      for (const u of d.denied) {
        out.push({
          id: stableId('finding', 'vigil.gap.denied-attempt', w.id, u.subject, u.action, u.target),
          ruleId: 'vigil.gap.denied-attempt',
          title: `Refused ${d.domain} attempt: ${describeUse(u)}`,
          severity: 'medium',
          category: 'gap',
          workload,
          ts: u.firstTs,
          summary: `${u.subject} tried ${describeUse(u)} ${countOf(u.denied, 'time')} and was refused: probing, a misconfiguration, or a prompt-injected agent reaching beyond its grants.`,
          evidence: [
            {
              type: 'note',
              description: `denied ${u.denied}, succeeded ${u.count}; sources ${u.origins.join(', ')}`,
            },
          ],
          tags: { owaspLlm: ['LLM06'], owaspAgentic: ['ASI03'], atlas: [], attack: [] },
          compliance: [],
          risk: { score: 50, reasons: ['attempt beyond declared grants'] },
          count: u.denied,
          lastSeen: u.lastTs,
        });
      }
      for (const u of d.ungranted) {
        out.push({
          id: stableId('finding', 'vigil.gap.ungranted-use', w.id, u.subject, u.action, u.target),
          ruleId: 'vigil.gap.ungranted-use',
          title: `Use no declared grant explains: ${describeUse(u)}`,
          severity: 'low',
          category: 'gap',
          workload,
          ts: u.firstTs,
          summary: `${u.subject} did ${describeUse(u)} ${countOf(u.count, 'time')}, but none of the declared inputs grants it: the inputs are incomplete, or a policy is not enforced.`,
          evidence: [{ type: 'note', description: `sources ${u.origins.join(', ')}` }],
          tags: { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] },
          compliance: [],
          risk: { score: 30, reasons: ['declared inputs do not explain an observed use'] },
          count: u.count,
          lastSeen: u.lastTs,
        });
      }
    }
  }
  return out;
}
