import { BaselineLearner, DriftDetector, type VigilEvent, type VigilEventInput } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { agentWorkload } from '../../../core/test/baseline/helpers/agent-sim.js';
import { builtinPacks, RuleEngine } from '../../src/index.js';

const w = agentWorkload();
const T0 = 1_764_000_000_000_000_000;
const env = (ts: number) => ({
  ts,
  workload: w,
  pid: 10,
  ppid: 1,
  comm: 'agent',
  exe: '/usr/bin/python3',
  source: 'synthetic' as const,
});
type Envelope = 'ts' | 'workload' | 'pid' | 'ppid' | 'comm' | 'exe' | 'source';
type Body = VigilEventInput extends infer E ? (E extends unknown ? Omit<E, Envelope> : never) : never;
const ev = (ts: number, body: Body): VigilEvent => ({ ...env(ts), ...body }) as VigilEvent;

const k8s = (verb: string, resource: string, namespace?: string): Body => ({
  kind: 'k8s.api',
  verb,
  resource,
  ...(namespace ? { namespace } : {}),
  user: 'system:serviceaccount:ai:agent',
});
const cloud = (service: string, action: string, resources: string[]): Body => ({
  kind: 'cloud.api',
  provider: 'aws',
  service,
  action,
  resources,
  principal: 'arn:aws:sts::123456789012:assumed-role/agent/i-1',
});

const LEARNING: Body[] = [
  k8s('get', 'configmaps', 'ai'),
  k8s('list', 'pods', 'ai'),
  cloud('s3', 'GetObject', ['arn:aws:s3:::acme-docs/2026/11/report-20261126.pdf']),
  cloud('s3', 'GetObject', ['arn:aws:s3:::acme-docs/2026/11/report-20261127.pdf']),
  { kind: 'net.connect', family: 'inet6', protocol: 'tcp', daddr: '2001:db8::10', dport: 443, result: 0 },
  {
    kind: 'net.accept',
    family: 'inet',
    protocol: 'tcp',
    laddr: '0.0.0.0',
    lport: 8080,
    raddr: '10.1.2.3',
    rport: 50000,
    result: 0,
  },
  { kind: 'net.listen', family: 'inet', protocol: 'tcp', addr: '0.0.0.0', port: 8080, result: 0 },
  { kind: 'priv.change', syscall: 'capset', capEffective: ['CAP_NET_BIND_SERVICE'], result: 0 },
  { kind: 'retrieval', dataSource: 'docs', store: 'qdrant' },
];

function learnAndCheck(after: Body[]) {
  const learner = new BaselineLearner({ origin: 'n', critical: [] });
  for (const [i, b] of LEARNING.entries()) learner.observe(ev(T0 + i, b));
  const baseline = learner.set.baselines()[0]!;
  baseline.markStable(T0 + 100);
  const detector = new DriftDetector({
    baselines: [baseline],
    assessor: new RuleEngine({ packs: builtinPacks() }),
  });
  for (const [i, b] of after.entries()) detector.observe(ev(T0 + 1000 + i, b));
  return { baseline, findings: detector.findings() };
}

describe('domains from other sources', () => {
  it('records Kubernetes and cloud calls, peers, capabilities and retrievals', () => {
    const { baseline: b } = learnAndCheck([]);
    expect(b.k8sCalls().map((e) => e.display)).toEqual(['get core/configmaps in ai', 'list core/pods in ai']);
    expect(b.cloudCalls().map((e) => e.display)).toEqual([
      'aws s3:GetObject arn:aws:s3:::acme-docs/<num>/11/report-<num>.pdf',
    ]);
    expect(
      b
        .peers()
        .map((e) => e.display)
        .sort(),
    ).toEqual([
      'egress tcp [2001:0db8:0000:0000:0000:0000:0000:0010]:443',
      'ingress tcp :8080 from 10.1.2.3',
      'listen tcp 0.0.0.0:8080',
    ]);
    expect(b.capabilities().map((e) => e.display)).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(b.syscalls().map((e) => e.display)).toEqual(['capset']);
    expect(b.retrievals().map((e) => e.display)).toEqual(['qdrant/docs query as -']);
  });

  it('rates Kubernetes, cloud, peer and capability drift', () => {
    const { findings } = learnAndCheck([
      k8s('delete', 'pods', 'ai'),
      k8s('get', 'secrets', 'ai'),
      k8s('list', 'deployments', 'ai'),
      cloud('s3', 'PutObject', ['arn:aws:s3:::acme-docs/x']),
      cloud('iam', 'CreateAccessKey', []),
      cloud('dynamodb', 'Scan', ['arn:aws:dynamodb:eu-west-1:123456789012:table/users']),
      cloud('s3', 'GetObject', ['arn:aws:s3:::acme-docs/2026/11/report-20261130.pdf']),
      {
        kind: 'net.accept',
        family: 'inet',
        protocol: 'tcp',
        laddr: '0.0.0.0',
        lport: 8080,
        raddr: '10.9.9.9',
        rport: 1,
        result: 0,
      },
      {
        kind: 'net.accept',
        family: 'inet',
        protocol: 'tcp',
        laddr: '0.0.0.0',
        lport: 2222,
        raddr: '10.1.2.3',
        rport: 1,
        result: 0,
      },
      { kind: 'net.listen', family: 'inet', protocol: 'tcp', addr: '0.0.0.0', port: 4444, result: 0 },
      { kind: 'priv.change', syscall: 'capset', capEffective: ['CAP_SYS_ADMIN'], result: 0 },
      { kind: 'module.load', name: 'evil', result: 0 },
      { kind: 'retrieval', dataSource: 'hr-records', store: 'qdrant' },
      { kind: 'retrieval', dataSource: 'docs', store: 'qdrant', operation: 'delete' },
      { kind: 'retrieval', dataSource: 'docs', store: 'qdrant', principal: 'admin' },
      { kind: 'retrieval', dataSource: 'docs', store: 'qdrant' },
    ]);
    const got = Object.fromEntries(findings.map((f) => [`${f.ruleId} ${f.drift.display}`, f.severity]));
    expect(got).toMatchObject({
      'vigil.drift.k8s.new-verb delete core/pods in ai': 'medium',
      'vigil.drift.k8s.sensitive-call get core/secrets in ai': 'critical',
      'vigil.drift.k8s.new-resource list core/deployments in ai': 'high',
      'vigil.drift.cloud.new-action aws s3:PutObject arn:aws:s3:::acme-docs/x': 'medium',
      'vigil.drift.cloud.sensitive-call aws iam:CreateAccessKey -': 'critical',
      'vigil.drift.cloud.new-service aws dynamodb:Scan arn:aws:dynamodb:eu-west-1:<num>:table/users': 'high',
      'vigil.drift.peer.new-client ingress tcp :8080 from 10.9.9.9': 'low',
      'vigil.drift.peer.new-ingress-port ingress tcp :2222 from 10.1.2.3': 'high',
      'vigil.drift.peer.new-listener listen tcp 0.0.0.0:4444': 'high',
      'vigil.drift.capability.new CAP_SYS_ADMIN': 'critical',
      'vigil.drift.syscall.new module.load evil': 'critical',
      'vigil.drift.retrieval.new-source qdrant/hr-records query as -': 'medium',
      'vigil.drift.retrieval.new-access qdrant/docs delete as -': 'high',
      'vigil.drift.retrieval.new-access qdrant/docs query as admin': 'medium',
    });
    // The same read as while learning is no drift.
    expect(findings.filter((f) => f.ruleId.startsWith('vigil.drift.retrieval.'))).toHaveLength(3);
    // Another day's report under the same prefix is covered (digit runs generalised).
    expect(findings.some((f) => f.summary.includes('report-20261130'))).toBe(false);
  });
});
