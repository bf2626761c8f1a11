import { type Baseline, BaselineLearner, type Finding, type VigilEvent, type WorkloadRef } from '@vigil/core';

/** A replica of the lab agent's Deployment on one node: replicas share one baseline subject. */
export function replica(node: string, i: number, app = 'agent'): WorkloadRef {
  const suffix = `${node
    .replace(/[^a-z0-9]/g, '')
    .slice(-3)
    .padStart(3, 'x')}${i}`
    .slice(-5)
    .padStart(5, 'z');
  return {
    id: `k8s:pod-${app}-${node}-${i}/${app}`,
    kind: 'kubernetes-pod',
    name: app,
    namespace: 'ai',
    pod: `${app}-7d9f8c6b5-${suffix}`,
    container: app,
    image: `ghcr.io/acme/${app}:1.4`,
    labels: { app },
  };
}

const T0 = 1_764_000_000_000_000_000;

/** The i-th event of an agent replica: the lab agent's mix of exec, files, DNS, connections and tool calls. */
export function agentEvent(workload: WorkloadRef, i: number, variant = 0): VigilEvent {
  const base = {
    ts: T0 + i * 1_000_000,
    workload,
    pid: 100 + (i % 5),
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'synthetic' as const,
  };
  switch (i % 5) {
    case 0:
      return { ...base, kind: 'process.exec', filename: '/usr/bin/git', argv: ['git', 'status'] };
    case 1:
      return {
        ...base,
        kind: 'file.open',
        path: `/app/data/doc-${(i + variant) % 7}.md`,
        flags: 0,
        access: 'read',
        result: 3,
      };
    case 2:
      return {
        ...base,
        kind: 'dns.query',
        name: variant % 2 === 0 ? 'api.openai.com' : 'api.anthropic.com',
        qtype: 'A',
        answers: ['127.0.0.9'],
      };
    case 3:
      return {
        ...base,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '127.0.0.9',
        dport: 443 + (variant % 3),
        result: 0,
      };
    default:
      return {
        ...base,
        kind: 'tool.call',
        server: 'filesystem',
        tool: variant % 2 === 0 ? 'read_file' : 'list_directory',
        status: 'ok',
      };
  }
}

/** A baseline learned on one node (origin = node) from `n` events of a replica. */
export function learnReplica(node: string, workload: WorkloadRef, n: number, variant: number): Baseline {
  const learner = new BaselineLearner({ origin: node });
  const events = Array.from({ length: n }, (_, i) => agentEvent(workload, i, variant));
  learner.onBatch(events, { report: () => undefined });
  learner.finish();
  const [b] = learner.set.baselines();
  if (!b) throw new Error('no baseline learned');
  return b;
}

/** A detection finding on a replica. */
export function finding(id: string, workload: WorkloadRef, extra: Partial<Finding> = {}): Finding {
  return {
    id,
    ruleId: 'vigil.runtime.credential-read',
    title: 'Credential file read by the agent',
    severity: 'high',
    category: 'detection',
    workload,
    ts: T0 + 5_000_000,
    summary: 'node read /root/.aws/credentials',
    evidence: [{ type: 'note', description: 'read of /root/.aws/credentials' }],
    tags: { owaspLlm: ['LLM06'], owaspAgentic: [], atlas: [], attack: ['T1552.001'] },
    compliance: [],
    risk: { score: 80, reasons: ['high severity'] },
    ...extra,
  };
}
