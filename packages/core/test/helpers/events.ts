import type { VigilEvent, WorkloadRef } from '../../src/index.js';

export const agentWorkload: WorkloadRef = {
  id: 'k8s:0a1b2c3d-4e5f-6789-abcd-ef0123456789/a3f1c0dea3f1',
  kind: 'kubernetes-pod',
  name: 'agent',
  namespace: 'ai',
  pod: 'agent-7d9f',
  podUid: '0a1b2c3d-4e5f-6789-abcd-ef0123456789',
  serviceAccount: 'agent',
  labels: { app: 'agent' },
};
export const otherWorkload: WorkloadRef = {
  id: 'systemd:/system.slice/mcp.service',
  kind: 'systemd-service',
  labels: {},
};

const base = (i: number, workload: WorkloadRef = agentWorkload) => ({
  ts: 1_764_000_000_000_000_000 + i * 1000,
  workload,
  pid: 1000 + (i % 7),
  ppid: 1,
  comm: 'python3',
  exe: '/usr/bin/python3',
  source: 'synthetic' as const,
});

/** A deterministic mix of event kinds, i-th event. */
export function sampleEvent(i: number, workload?: WorkloadRef): VigilEvent {
  switch (i % 6) {
    case 0:
      return {
        ...base(i, workload),
        kind: 'process.exec',
        filename: '/usr/bin/curl',
        argv: ['curl', `https://x/${i}`],
      };
    case 1:
      return {
        ...base(i, workload),
        kind: 'file.open',
        path: `/tmp/f${i}`,
        flags: 0o101,
        access: 'write',
        result: 3,
      };
    case 2:
      return {
        ...base(i, workload),
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '10.0.0.7',
        dport: 443,
        result: 0,
      };
    case 3:
      return {
        ...base(i, workload),
        kind: 'dns.query',
        name: 'api.openai.com',
        qtype: 'A',
        answers: ['10.0.0.7'],
      };
    case 4:
      return {
        ...base(i, workload),
        kind: 'tool.call',
        server: 'filesystem',
        tool: 'read_file',
        status: 'ok',
      };
    default:
      return { ...base(i, workload), kind: 'process.exit', exitCode: 0 };
  }
}

export function sampleEvents(n: number, workload?: WorkloadRef): VigilEvent[] {
  return Array.from({ length: n }, (_, i) => sampleEvent(i, workload));
}
