import { EventSchema, FindingSchema, type VigilEvent } from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinPacks, MemoryBaselineView, RuleEngine } from '../src/index.js';

const path = fc.oneof(
  fc.constantFrom(
    '/etc/shadow',
    '/root/.aws/credentials',
    '/var/run/secrets/kubernetes.io/serviceaccount/token',
    '/tmp/x',
    '/dev/shm/y',
    '/memfd:z (deleted)',
    '/models/m.pkl',
    '/sys/fs/cgroup/x/release_agent',
    '/etc/ld.so.preload',
    '/var/run/docker.sock',
  ),
  fc.string({ maxLength: 300 }),
);
const addr = fc.oneof(
  fc.constantFrom('127.0.0.1', '169.254.169.254', '10.0.0.5', '::1', ''),
  fc.string({ maxLength: 50 }),
);
const workload = fc.record({
  id: fc.constantFrom('w1', 'w2', 'w3'),
  kind: fc.constant('cgroup' as const),
  labels: fc.constant({}),
});
const envelope = fc.record({
  ts: fc.integer({ min: 0, max: 2 ** 52 }),
  workload,
  pid: fc.integer({ min: 0, max: 50 }),
  ppid: fc.integer({ min: 0, max: 50 }),
  comm: fc.oneof(fc.constantFrom('bash', 'python3', 'nc', 'node'), fc.string({ maxLength: 15 })),
  exe: fc.oneof(fc.constantFrom('/bin/sh', '/usr/bin/node', ''), path),
  source: fc.constant('synthetic' as const),
});
const body = fc.oneof(
  fc.record({
    kind: fc.constant('process.exec'),
    filename: fc.oneof(
      fc.constantFrom('/bin/bash', '/usr/bin/python3', '/tmp/x', '/opt/xmrig', '/bin/nc'),
      path,
    ),
    argv: fc.array(
      fc.oneof(
        fc.constantFrom(
          '-e',
          '/bin/sh',
          'LD_PRELOAD=/tmp/x.so',
          'stratum+tcp://p:3333',
          '/dev/tcp/1.2.3.4/4444',
        ),
        fc.string(),
      ),
      { maxLength: 8 },
    ),
    env: fc.option(fc.array(fc.string(), { maxLength: 4 }), { nil: undefined }),
    stdio: fc.option(
      fc.array(fc.constantFrom('tty', 'pipe', 'socket', 'file', 'null', 'other'), { maxLength: 3 }),
      { nil: undefined },
    ),
    fileless: fc.option(fc.boolean(), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('process.fork'), childPid: fc.integer({ min: 0, max: 50 }) }),
  fc.record({
    kind: fc.constant('file.open'),
    path,
    flags: fc.nat(),
    access: fc.constantFrom('read', 'write', 'readwrite', 'exec', 'path'),
    created: fc.option(fc.boolean(), { nil: undefined }),
    result: fc.integer({ min: -200, max: 10 }),
  }),
  fc.record({
    kind: fc.constant('net.connect'),
    family: fc.constantFrom('inet', 'inet6', 'unix'),
    protocol: fc.constantFrom('tcp', 'udp', 'raw', 'other'),
    daddr: addr,
    dport: fc.integer({ min: 0, max: 65535 }),
    dnsName: fc.option(
      fc.oneof(fc.constantFrom('kubernetes.default.svc', 'pool.supportxmr.com'), fc.string()),
      { nil: undefined },
    ),
    result: fc.integer({ min: -200, max: 1 }),
  }),
  fc.record({ kind: fc.constant('dns.query'), name: fc.string(), qtype: fc.constant('A') }),
  fc.record({
    kind: fc.constant('ns.change'),
    syscall: fc.constantFrom('unshare', 'setns', 'mount', 'umount', 'pivot_root', 'clone'),
    namespaces: fc.option(fc.array(fc.string(), { maxLength: 3 }), { nil: undefined }),
    fstype: fc.option(fc.string(), { nil: undefined }),
    result: fc.integer({ min: -5, max: 0 }),
  }),
  fc.record({
    kind: fc.constant('ptrace'),
    request: fc.nat(),
    requestName: fc.constantFrom('PTRACE_ATTACH', 'PTRACE_TRACEME', 'X'),
    targetPid: fc.nat(),
    result: fc.integer({ min: -5, max: 0 }),
  }),
  fc.record({
    kind: fc.constant('tool.call'),
    server: fc.string({ maxLength: 10 }),
    tool: fc.string({ maxLength: 10 }),
  }),
  fc.record({
    kind: fc.constant('tool.list'),
    server: fc.constantFrom('a', 'b'),
    tools: fc.array(
      fc.record({ name: fc.constantFrom('x', 'y'), description: fc.string({ maxLength: 20 }) }),
      { maxLength: 3 },
    ),
  }),
  fc.record({ kind: fc.constant('retrieval'), dataSource: fc.string({ maxLength: 10 }) }),
  fc.record({
    kind: fc.constant('k8s.api'),
    verb: fc.string({ maxLength: 8 }),
    resource: fc.string({ maxLength: 8 }),
    user: fc.string({ maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('cloud.api'),
    provider: fc.constant('aws'),
    service: fc.string({ maxLength: 8 }),
    action: fc.constantFrom('GetSecretValue', 'CreateAccessKey', 'X'),
    resources: fc.constant([]),
    principal: fc.constant('p'),
  }),
  fc.record({
    kind: fc.constant('module.load'),
    name: fc.string({ maxLength: 10 }),
    result: fc.integer({ min: -5, max: 0 }),
  }),
  fc.record({
    kind: fc.constant('bpf.load'),
    command: fc.constantFrom('BPF_PROG_LOAD', 'BPF_MAP_CREATE'),
    result: fc.integer({ min: -5, max: 3 }),
  }),
);
const event = fc.tuple(envelope, body).map(([e, b]) => {
  const raw = { ...e, ...b } as Record<string, unknown>;
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  return EventSchema.parse(raw);
});

describe('RuleEngine on arbitrary valid event streams', () => {
  it('never throws, never reports a rule error, and every finding is a valid core Finding', () => {
    let total = 0;
    const rules = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.array(event, { maxLength: 30 }),
        (learning, stream) => {
          const engine = new RuleEngine({
            packs: builtinPacks(),
            baseline: MemoryBaselineView.fromEvents(learning as VigilEvent[]),
            maxSequenceKeys: 4,
            maxStateEntries: 4,
            maxProcesses: 8,
          });
          const found = engine.process(stream as VigilEvent[]);
          const s = engine.stats();
          expect(s.ruleErrors).toBe(0);
          expect(s.sequence.peakKeys).toBeLessThanOrEqual(s.sequence.maxKeys);
          expect(s.processes.entries).toBeLessThanOrEqual(8);
          for (const f of found) {
            FindingSchema.parse(f);
            rules.add(f.ruleId);
          }
          total += found.length;
        },
      ),
      { numRuns: 300 },
    );
    // The generator reaches the rules: many findings, from many different rules.
    expect(total).toBeGreaterThan(100);
    expect(rules.size).toBeGreaterThan(8);
  });
});
