import type { EventOf, VigilEvent, WorkloadRef } from '@vigil/core';

/** Builders of synthetic events for rule tests. */
export const AGENT: WorkloadRef = {
  id: 'k8s:pod:agent-1/container:agent',
  kind: 'kubernetes-pod',
  name: 'agent',
  namespace: 'ml',
  labels: {},
};
export const OTHER: WorkloadRef = {
  id: 'systemd:web.service',
  kind: 'systemd-service',
  name: 'web',
  labels: {},
};

let clock = 1_800_000_000_000_000_000;
/** Advances the synthetic clock by `ms` and returns it. */
export function tick(ms = 1): number {
  clock += ms * 1e6;
  return clock;
}

type Base = { ts?: number; workload?: WorkloadRef; pid?: number; ppid?: number; comm?: string; exe?: string };

function env(b: Base, comm: string, exe: string) {
  return {
    ts: b.ts ?? tick(),
    workload: b.workload ?? AGENT,
    pid: b.pid ?? 100,
    ppid: b.ppid ?? 1,
    comm: b.comm ?? comm,
    exe: b.exe ?? exe,
    source: 'synthetic' as const,
  };
}

export function exec(
  filename: string,
  argv: string[] = [filename],
  b: Base & Partial<EventOf<'process.exec'>> = {},
): VigilEvent {
  const name = filename.slice(filename.lastIndexOf('/') + 1).slice(0, 15);
  const { ts: _t, workload: _w, pid: _p, ppid: _pp, comm: _c, exe: _e, ...rest } = b;
  return { ...env(b, name, filename), kind: 'process.exec', filename, argv, ...rest };
}
export function fork(childPid: number, b: Base = {}): VigilEvent {
  return { ...env(b, 'node', '/usr/bin/node'), kind: 'process.fork', childPid };
}
export function open(
  path: string,
  access: 'read' | 'write' | 'readwrite' | 'exec' | 'path' = 'read',
  b: Base & { result?: number; created?: boolean } = {},
): VigilEvent {
  return {
    ...env(b, 'node', '/usr/bin/node'),
    kind: 'file.open',
    path,
    flags: access === 'write' ? 0o1101 : 0,
    access,
    result: b.result ?? 3,
    ...(b.created !== undefined ? { created: b.created } : {}),
  };
}
export function connect(
  daddr: string,
  dport: number,
  b: Base & { dnsName?: string; result?: number; family?: 'inet' | 'inet6' | 'unix' } = {},
): VigilEvent {
  return {
    ...env(b, 'node', '/usr/bin/node'),
    kind: 'net.connect',
    family: b.family ?? 'inet',
    protocol: 'tcp',
    daddr,
    dport,
    result: b.result ?? 0,
    ...(b.dnsName !== undefined ? { dnsName: b.dnsName } : {}),
  };
}
export function dns(name: string, b: Base = {}): VigilEvent {
  return { ...env(b, 'node', '/usr/bin/node'), kind: 'dns.query', name, qtype: 'A' };
}
export function toolCall(
  server: string,
  tool: string,
  b: Base & { status?: 'ok' | 'error' } = {},
): VigilEvent {
  return { ...env(b, 'agent', ''), kind: 'tool.call', server, tool, status: b.status ?? 'ok' };
}
export function toolList(
  server: string,
  tools: { name: string; description?: string }[],
  b: Base = {},
): VigilEvent {
  return { ...env(b, 'agent', ''), kind: 'tool.list', server, tools };
}
export function retrieval(dataSource: string, b: Base = {}): VigilEvent {
  return { ...env(b, 'agent', ''), kind: 'retrieval', dataSource, documents: 4 };
}
export function k8s(verb: string, resource: string, b: Base = {}): VigilEvent {
  return {
    ...env({ pid: 0, ppid: 0, ...b }, 'kube-apiserver', ''),
    kind: 'k8s.api',
    verb,
    resource,
    user: 'system:serviceaccount:ml:agent',
    source: 'k8s-audit' as const,
  };
}
export function cloud(service: string, action: string, b: Base = {}): VigilEvent {
  return {
    ...env({ pid: 0, ppid: 0, ...b }, 'cloudtrail', ''),
    kind: 'cloud.api',
    provider: 'aws',
    service,
    action,
    resources: [],
    principal: 'arn:aws:iam::1:role/agent',
  };
}
export function ns(
  syscall: EventOf<'ns.change'>['syscall'],
  extra: Partial<EventOf<'ns.change'>> = {},
  b: Base = {},
): VigilEvent {
  return { ...env(b, 'sh', '/bin/sh'), kind: 'ns.change', syscall, result: 0, ...extra };
}
export function ptrace(requestName: string, b: Base & { result?: number } = {}): VigilEvent {
  return {
    ...env(b, 'gdb', '/usr/bin/gdb'),
    kind: 'ptrace',
    request: 16,
    requestName,
    targetPid: 1,
    result: b.result ?? 0,
  };
}
export function moduleLoad(name: string, b: Base = {}): VigilEvent {
  return { ...env(b, 'insmod', '/usr/sbin/insmod'), kind: 'module.load', name, result: 0 };
}
export function bpfLoad(command: string, b: Base = {}): VigilEvent {
  return {
    ...env(b, 'loader', '/tmp/loader'),
    kind: 'bpf.load',
    command,
    programType: 'kprobe',
    programName: 'x',
    result: 3,
  };
}
export function modelCall(b: Base = {}): VigilEvent {
  return { ...env(b, 'agent', ''), kind: 'model.call', provider: 'openai', model: 'gpt-4o' };
}
