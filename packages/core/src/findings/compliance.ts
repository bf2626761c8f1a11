import type { ComplianceRef } from './finding.js';

/**
 * Areas of control a finding bears on. {@link AREA_CONTROLS} turns them into
 * controls of NIST AI RMF, the EU AI Act, HIPAA, SOC 2, PCI DSS, GDPR and MAS TRM.
 *
 * @example
 * ```ts
 * const areas: ControlArea[] = ['credential-access', 'exfiltration'];
 * ```
 */
export type ControlArea =
  | 'credential-access'
  | 'execution'
  | 'privilege-escalation'
  | 'container-escape'
  | 'exfiltration'
  | 'network-egress'
  | 'persistence'
  | 'defense-evasion'
  | 'supply-chain'
  | 'resource-hijacking'
  | 'agent-tool-misuse'
  | 'kubernetes-api'
  | 'behaviour-drift'
  | 'least-privilege';

/**
 * Every {@link ControlArea}, in a stable order.
 *
 * @example
 * ```ts
 * for (const area of CONTROL_AREAS) console.log(area, AREA_CONTROLS[area].length);
 * ```
 */
export const CONTROL_AREAS: readonly ControlArea[] = [
  'credential-access',
  'execution',
  'privilege-escalation',
  'container-escape',
  'exfiltration',
  'network-egress',
  'persistence',
  'defense-evasion',
  'supply-chain',
  'resource-hijacking',
  'agent-tool-misuse',
  'kubernetes-api',
  'behaviour-drift',
  'least-privilege',
];

/**
 * Version of the compliance mapping data; bumped when a mapping changes.
 *
 * @example
 * ```ts
 * console.log(`compliance mappings ${COMPLIANCE_MAPPINGS_VERSION}`);
 * ```
 */
export const COMPLIANCE_MAPPINGS_VERSION = '2026.4';

/**
 * OWASP Top 10 for LLM Applications 2025.
 *
 * @example
 * ```ts
 * OWASP_LLM_2025['LLM06']; // 'Excessive Agency'
 * ```
 */
export const OWASP_LLM_2025: Readonly<Record<string, string>> = {
  LLM01: 'Prompt Injection',
  LLM02: 'Sensitive Information Disclosure',
  LLM03: 'Supply Chain',
  LLM04: 'Data and Model Poisoning',
  LLM05: 'Improper Output Handling',
  LLM06: 'Excessive Agency',
  LLM07: 'System Prompt Leakage',
  LLM08: 'Vector and Embedding Weaknesses',
  LLM09: 'Misinformation',
  LLM10: 'Unbounded Consumption',
};

/**
 * OWASP Top 10 for Agentic Applications 2026.
 *
 * @example
 * ```ts
 * OWASP_AGENTIC_2026['ASI02']; // 'Tool Misuse and Exploitation'
 * ```
 */
export const OWASP_AGENTIC_2026: Readonly<Record<string, string>> = {
  ASI01: 'Agent Goal Hijack',
  ASI02: 'Tool Misuse and Exploitation',
  ASI03: 'Identity and Privilege Abuse',
  ASI04: 'Agentic Supply Chain Vulnerabilities',
  ASI05: 'Unexpected Code Execution',
  ASI06: 'Memory and Context Poisoning',
  ASI07: 'Insecure Inter-Agent Communication',
  ASI08: 'Cascading Failures',
  ASI09: 'Human-Agent Trust Exploitation',
  ASI10: 'Rogue Agents',
};

/**
 * MITRE ATLAS techniques the built-in packs use.
 *
 * @example
 * ```ts
 * MITRE_ATLAS['AML.T0051.001']; // 'LLM Prompt Injection: Indirect'
 * ```
 */
export const MITRE_ATLAS: Readonly<Record<string, string>> = {
  'AML.T0010': 'AI Supply Chain Compromise',
  'AML.T0010.003': 'AI Supply Chain Compromise: Model',
  'AML.T0011': 'User Execution',
  'AML.T0011.000': 'User Execution: Unsafe AI Artifacts',
  'AML.T0012': 'Valid Accounts',
  'AML.T0018': 'Manipulate AI Model',
  'AML.T0025': 'Exfiltration via Cyber Means',
  'AML.T0034': 'Cost Harvesting',
  'AML.T0040': 'AI Model Inference API Access',
  'AML.T0050': 'Command and Scripting Interpreter',
  'AML.T0051': 'LLM Prompt Injection',
  'AML.T0051.001': 'LLM Prompt Injection: Indirect',
  'AML.T0053': 'LLM Plugin Compromise',
  'AML.T0055': 'Unsecured Credentials',
  'AML.T0057': 'LLM Data Leakage',
};

/**
 * A kind of behaviour, observed or done during a period, that can support a
 * control: the vocabulary with which each row of {@link AREA_CONTROLS} says
 * what evidence speaks for it (`vigil posture --framework`).
 *
 * - `monitoring`: captures of the watched workloads (the window, events, workloads);
 * - `process-behaviour`: programs, shells, syscalls and capabilities learned or observed;
 * - `file-access`: files read and written;
 * - `network-egress`: peers connected to and names resolved;
 * - `ai-activity`: model calls, MCP and local tool calls, retrievals;
 * - `permission-use`: the use of declared permissions (Kubernetes API, cloud API,
 *   capabilities, host access, data access) recorded against the declared grants;
 * - `enforcement`: in-kernel policy in monitor or enforce mode;
 * - `supply-chain-scans`: scans of MCP definitions, model files, inference servers, dependencies;
 * - `drift-detection`: drift and detection rules run over the period.
 *
 * @example
 * ```ts
 * const wanted: EvidenceFacet[] = ['network-egress', 'enforcement'];
 * ```
 */
export type EvidenceFacet =
  | 'monitoring'
  | 'process-behaviour'
  | 'file-access'
  | 'network-egress'
  | 'ai-activity'
  | 'permission-use'
  | 'enforcement'
  | 'supply-chain-scans'
  | 'drift-detection';

/**
 * Every {@link EvidenceFacet}, in a stable order.
 *
 * @example
 * ```ts
 * for (const f of EVIDENCE_FACETS) console.log(f);
 * ```
 */
export const EVIDENCE_FACETS: readonly EvidenceFacet[] = [
  'monitoring',
  'process-behaviour',
  'file-access',
  'network-egress',
  'ai-activity',
  'permission-use',
  'enforcement',
  'supply-chain-scans',
  'drift-detection',
];

/**
 * A row of the mapping table: a control, and the evidence that supports it
 * when observed during a period (what an auditor is shown for the control).
 * Findings carry only the {@link ComplianceRef} part.
 *
 * @example
 * ```ts
 * const row = AREA_CONTROLS['network-egress'].find((r) => r.framework === 'pci-dss-4')!;
 * console.log(row.control, row.evidence, row.supports);
 * ```
 */
export interface ControlMapping extends ComplianceRef {
  /** The kinds of evidence that speak for the control. */
  readonly evidence: readonly EvidenceFacet[];
  /** How that evidence supports the control, in a sentence. */
  readonly supports: string;
}

/**
 * Controls per area of control, for the frameworks that are not AI-specific
 * taxonomies. Every area maps to NIST AI RMF and the EU AI Act (post-deployment
 * monitoring and cybersecurity of AI systems) and to the general frameworks
 * where the control applies.
 *
 * @example
 * ```ts
 * AREA_CONTROLS['exfiltration'].filter((r) => r.framework === 'gdpr');
 * ```
 */
export const AREA_CONTROLS: Readonly<Record<ControlArea, readonly ControlMapping[]>> = (() => {
  // Each group of controls is one kind of requirement; its rows share the evidence that supports it.
  const rows = (
    evidence: readonly EvidenceFacet[],
    supports: string,
    refs: readonly ComplianceRef[],
  ): ControlMapping[] => refs.map((r) => ({ ...r, evidence, supports }));
  const aiMonitoring = rows(
    ['monitoring', 'ai-activity', 'process-behaviour', 'drift-detection'],
    'The AI workloads were watched in production: their model and tool calls and the processes, files and peers they caused were recorded, learned as baselines and checked for drift.',
    [
      {
        framework: 'nist-ai-rmf',
        control: 'MEASURE 2.7',
        title: 'AI system security and resilience are evaluated and documented',
      },
      {
        framework: 'nist-ai-rmf',
        control: 'MANAGE 4.1',
        title: 'Post-deployment monitoring plans are implemented',
      },
      { framework: 'eu-ai-act', control: 'Art. 15', title: 'Accuracy, robustness and cybersecurity' },
      { framework: 'eu-ai-act', control: 'Art. 72', title: 'Post-market monitoring by providers' },
    ],
  );
  const monitoring = rows(
    ['monitoring', 'process-behaviour', 'file-access', 'network-egress', 'drift-detection'],
    'An activity record of the workloads: process starts, file access and network connections captured from the kernel for the period, with anomalies reported.',
    [
      { framework: 'soc2', control: 'CC7.2', title: 'Monitoring of system components for anomalies' },
      { framework: 'pci-dss-4', control: '10.2.1', title: 'Audit logs capture user and system activity' },
      { framework: 'hipaa', control: '164.312(b)', title: 'Audit controls' },
      { framework: 'mas-trm', control: '12.2', title: 'Cyber event monitoring and detection' },
    ],
  );
  const access = rows(
    ['permission-use', 'file-access', 'enforcement'],
    'The access each workload was granted set against the access it was seen to use, with the unused grants named, and policy that limits it in the kernel.',
    [
      {
        framework: 'soc2',
        control: 'CC6.1',
        title: 'Logical access security over protected information assets',
      },
      { framework: 'pci-dss-4', control: '7.2.1', title: 'Access is assigned on least privilege' },
      { framework: 'hipaa', control: '164.312(a)(1)', title: 'Access control' },
      { framework: 'gdpr', control: 'Art. 32', title: 'Security of processing' },
      { framework: 'mas-trm', control: '9.2', title: 'Privileged access management' },
    ],
  );
  const malware = rows(
    ['process-behaviour', 'supply-chain-scans', 'drift-detection', 'enforcement'],
    'The programs each workload runs were learned, new programs and downloaded code reported, model files and dependencies scanned, and execution limited by policy.',
    [
      {
        framework: 'soc2',
        control: 'CC6.8',
        title: 'Prevention and detection of unauthorised or malicious software',
      },
      { framework: 'pci-dss-4', control: '5.2.1', title: 'Anti-malware deployed' },
      { framework: 'mas-trm', control: '11.3', title: 'System security' },
    ],
  );
  const network = rows(
    ['network-egress', 'enforcement'],
    'The peers each workload connected to were recorded and learned, and egress was limited to them by in-kernel policy where enforced.',
    [
      {
        framework: 'soc2',
        control: 'CC6.6',
        title: 'Logical access security against threats outside system boundaries',
      },
      {
        framework: 'pci-dss-4',
        control: '1.3.2',
        title: 'Outbound traffic from the cardholder data environment is restricted to what is necessary',
      },
      { framework: 'mas-trm', control: '11.2', title: 'Network security' },
    ],
  );
  const dataLoss = rows(
    ['network-egress', 'file-access', 'ai-activity', 'drift-detection'],
    'Reads of sensitive files and data and the transfers that followed them were recorded, and a read followed by egress to a new peer reported.',
    [
      { framework: 'gdpr', control: 'Art. 32', title: 'Security of processing' },
      { framework: 'gdpr', control: 'Art. 33', title: 'Notification of a personal data breach' },
      { framework: 'hipaa', control: '164.312(e)(1)', title: 'Transmission security' },
      { framework: 'mas-trm', control: '11.1', title: 'Data security' },
    ],
  );
  const integrity = rows(
    ['file-access', 'drift-detection', 'supply-chain-scans'],
    'Writes to files were recorded and new writes to critical locations reported; MCP definitions were pinned and their changes reported.',
    [
      { framework: 'pci-dss-4', control: '11.5.2', title: 'Change-detection for critical files' },
      { framework: 'hipaa', control: '164.312(c)(1)', title: 'Integrity' },
      { framework: 'soc2', control: 'CC8.1', title: 'Changes are authorised, tested and approved' },
    ],
  );
  const supply = rows(
    ['supply-chain-scans', 'monitoring', 'ai-activity'],
    'Third-party AI components (MCP servers, model files, inference servers, packages) were scanned, and the captures show which of them actually loaded and ran.',
    [
      {
        framework: 'nist-ai-rmf',
        control: 'GOVERN 6.1',
        title: 'Policies address AI risks of third-party entities',
      },
      {
        framework: 'nist-ai-rmf',
        control: 'MAP 4.1',
        title: 'Mapping risks of AI components, including third-party',
      },
      { framework: 'nist-ai-rmf', control: 'MANAGE 3.1', title: 'Third-party AI risks are monitored' },
      { framework: 'soc2', control: 'CC9.2', title: 'Vendor and business-partner risk is managed' },
      {
        framework: 'pci-dss-4',
        control: '6.3.2',
        title: 'Inventory of bespoke and third-party software components',
      },
    ],
  );
  const isolation = rows(
    ['process-behaviour', 'permission-use', 'enforcement'],
    'The capabilities, host access and privileged syscalls the workloads used were recorded against what their configuration grants.',
    [
      { framework: 'mas-trm', control: '11.4', title: 'Virtualisation security' },
      { framework: 'pci-dss-4', control: '2.2.1', title: 'System configuration standards' },
    ],
  );
  const oversight = rows(
    ['ai-activity', 'enforcement'],
    'Each tool call the agents made was attributed to the model response that asked for it and to what it caused, and in-kernel policy can stop a workload that acts outside its baseline.',
    [
      {
        framework: 'nist-ai-rmf',
        control: 'MANAGE 2.4',
        title: 'Mechanisms to supersede, disengage or deactivate AI systems',
      },
      { framework: 'eu-ai-act', control: 'Art. 14', title: 'Human oversight' },
    ],
  );
  const leastPrivilege = rows(
    ['permission-use', 'enforcement'],
    'Declared grants (RBAC, IAM, MCP tools, capabilities, database roles) set against their observed use, with least-privilege policies generated from what was used.',
    [
      { framework: 'soc2', control: 'CC6.3', title: 'Role-based access and least privilege' },
      { framework: 'pci-dss-4', control: '7.2.2', title: 'Access assigned on least privilege' },
    ],
  );
  const behaviour = rows(
    ['monitoring', 'process-behaviour', 'ai-activity', 'drift-detection'],
    'The behaviour of each workload was learned as a baseline and every deviation from it in production reported.',
    [
      {
        framework: 'nist-ai-rmf',
        control: 'MEASURE 2.4',
        title: 'Functionality and behaviour are monitored in production',
      },
    ],
  );
  return {
    'credential-access': [...aiMonitoring, ...monitoring, ...access],
    execution: [...aiMonitoring, ...monitoring, ...malware],
    'privilege-escalation': [...aiMonitoring, ...monitoring, ...access],
    'container-escape': [...aiMonitoring, ...monitoring, ...access, ...isolation],
    exfiltration: [...aiMonitoring, ...monitoring, ...dataLoss, ...network],
    'network-egress': [...aiMonitoring, ...monitoring, ...network],
    persistence: [...aiMonitoring, ...monitoring, ...integrity],
    'defense-evasion': [...aiMonitoring, ...monitoring, ...malware, ...integrity],
    'supply-chain': [...aiMonitoring, ...monitoring, ...supply, ...integrity],
    'resource-hijacking': [...aiMonitoring, ...monitoring, ...malware],
    'agent-tool-misuse': [...aiMonitoring, ...monitoring, ...oversight, ...access],
    'kubernetes-api': [...aiMonitoring, ...monitoring, ...access],
    'least-privilege': [...leastPrivilege, oversight[0]!, ...access],
    'behaviour-drift': [...aiMonitoring, ...monitoring, ...behaviour],
  };
})();

/**
 * What {@link complianceRefs} maps: taxonomy tags, areas of control and any further controls.
 *
 * @example
 * ```ts
 * const input: ComplianceInput = { tags: { owaspLlm: ['LLM03'] }, areas: ['supply-chain'] };
 * ```
 */
export interface ComplianceInput {
  readonly tags?: {
    readonly owaspLlm?: readonly string[];
    readonly owaspAgentic?: readonly string[];
    readonly atlas?: readonly string[];
  };
  readonly areas?: readonly ControlArea[];
  readonly extra?: readonly ComplianceRef[];
}

/**
 * The compliance references of a finding, from the one table: its OWASP LLM,
 * OWASP Agentic and MITRE ATLAS tags (titled), the controls of its areas, and
 * any extra ones, without duplicates, in that order.
 *
 * @example
 * ```ts
 * import { complianceRefs } from '@vigil/core';
 *
 * complianceRefs({ tags: { owaspAgentic: ['ASI02'] }, areas: ['exfiltration'] });
 * ```
 */
export function complianceRefs(input: ComplianceInput): ComplianceRef[] {
  const out: ComplianceRef[] = [];
  const seen = new Set<string>();
  const add = (ref: ComplianceRef) => {
    const k = `${ref.framework}\u0000${ref.control}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(
      ref.title === undefined
        ? { framework: ref.framework, control: ref.control }
        : { framework: ref.framework, control: ref.control, title: ref.title },
    );
  };
  const titled = (framework: ComplianceRef['framework'], id: string, title: string | undefined) =>
    add(title ? { framework, control: id, title } : { framework, control: id });
  for (const id of input.tags?.owaspLlm ?? []) titled('owasp-llm-2025', id, OWASP_LLM_2025[id]);
  for (const id of input.tags?.owaspAgentic ?? []) titled('owasp-agentic-2026', id, OWASP_AGENTIC_2026[id]);
  for (const id of input.tags?.atlas ?? []) titled('mitre-atlas', id, MITRE_ATLAS[id]);
  for (const area of input.areas ?? []) for (const ref of AREA_CONTROLS[area]) add(ref);
  for (const ref of input.extra ?? []) add(ref);
  return out;
}
