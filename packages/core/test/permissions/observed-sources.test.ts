import { describe, expect, it } from 'vitest';
import {
  analyzeGaps,
  BaselineLearner,
  DeclaredPermissionsBuilder,
  FindingSchema,
  gapFindings,
  generateLeastPrivilege,
  McpToolAllowlistSchema,
  ObservedUseAccumulator,
  ObservedUseDocumentSchema,
  observedUseFromBaseline,
  type VigilEvent,
  type WorkloadRef,
} from '../../src/index.js';
import { connect, DEPLOYMENT, fileOpen, NETPOL, POD_REF, T0 } from './fixtures.js';

const AGENT: WorkloadRef = {
  id: 'systemd:/system.slice/agent.service',
  kind: 'systemd-service',
  name: 'agent',
  labels: {},
};
const ev = (i: number, body: Record<string, unknown>): VigilEvent =>
  ({
    ts: T0 + i * 1e9,
    workload: AGENT,
    pid: 10,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'synthetic',
    ...body,
  }) as VigilEvent;

describe('observed use from other inputs', () => {
  it('a baseline learned from a capture gives the same gap as the capture itself', () => {
    const events: VigilEvent[] = [
      fileOpen('/data/a.csv', 'read'),
      fileOpen('/data/out.json', 'write'),
      fileOpen('/tmp/cache/x', 'write'),
      connect('10.0.0.5', 443),
      connect('10.0.0.5', 443),
    ];
    const learner = new BaselineLearner({ origin: 'test' });
    for (const e of events) learner.observe(e);
    const fromBaseline = observedUseFromBaseline(learner.set.toDocument());
    const direct = new ObservedUseAccumulator();
    for (const e of events) direct.add(e);
    const declared = new DeclaredPermissionsBuilder().add(DEPLOYMENT, 'd.yaml').add(NETPOL, 'n.yaml').build();
    const counts = (o: typeof fromBaseline) =>
      analyzeGaps(declared, o).workloads.map((w) =>
        w.domains.filter((d) => d.domain !== 'host').map((d) => `${d.domain} ${d.used}/${d.granted}`),
      );
    expect(fromBaseline.workloads.map((w) => w.id)).toEqual([POD_REF.id]);
    expect(counts(fromBaseline)).toEqual(counts(direct.result()));
    expect(counts(fromBaseline)).toEqual([['file 3/5', 'network-egress 1/2', 'capability 0/15']]);
  });

  it('MCP: tool calls against a client configuration give a tool allowlist; announced tool lists count as granted', () => {
    const events: VigilEvent[] = [
      ev(0, {
        kind: 'tool.list',
        server: 'fs',
        tools: [
          { name: 'read_file' },
          { name: 'write_file' },
          { name: 'list_directory' },
          { name: 'move_file' },
        ],
      }),
      ev(1, { kind: 'tool.call', server: 'fs', tool: 'read_file', status: 'ok' }),
      ev(2, { kind: 'tool.call', server: 'fs', tool: 'read_file', status: 'ok' }),
      ev(3, { kind: 'tool.call', server: 'fs', tool: 'list_directory', status: 'ok' }),
      ev(4, { kind: 'tool.call', server: 'ghost', tool: 'exfiltrate', status: 'ok' }),
      // The agent's own function tools are part of the agent: no MCP grant covers them or misses them.
      ev(5, {
        kind: 'tool.call',
        server: 'function',
        tool: 'run_command',
        transport: 'in-process',
        status: 'ok',
      }),
      ev(6, {
        kind: 'tool.call',
        server: 'function',
        tool: 'search_docs',
        transport: 'in-process',
        status: 'ok',
      }),
    ];
    const acc = new ObservedUseAccumulator();
    for (const e of events) acc.add(e);
    const observed = acc.result();
    expect(observed.toolLists).toEqual({ fs: ['list_directory', 'move_file', 'read_file', 'write_file'] });
    const declared = new DeclaredPermissionsBuilder({ toolLists: observed.toolLists, mcpClient: 'desktop' })
      .add(
        JSON.stringify({
          mcpServers: {
            fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv'] },
            shell: { command: 'uvx', args: ['mcp-server-shell'] },
          },
        }),
        'claude_desktop_config.json',
      )
      .build();
    const report = analyzeGaps(declared, observed);
    const w = report.workloads.find((x) => x.id === 'mcp:desktop')!;
    const mcp = w.domains.find((d) => d.domain === 'mcp-tool')!;
    expect([mcp.granted, mcp.used, mcp.observed]).toEqual([5, 2, true]);
    expect(mcp.unused.map((u) => (u.grant.target as { tool: string }).tool).sort()).toEqual([
      '*',
      'move_file',
      'write_file',
    ]);
    // shell offers every tool (its list is unknown): it outranks the fs tools.
    expect((mcp.unused[0]!.grant.target as { server: string }).server).toBe('shell');
    // A call to a server the client does not configure is not explained by it.
    expect(report.unmatched).toEqual([{ subject: `workload:${AGENT.id}`, uses: 1 }]);
    const lp = generateLeastPrivilege(declared, report, observed);
    const allow = McpToolAllowlistSchema.parse(lp.artifacts.find((a) => a.kind === 'mcp-allowlist')!.content);
    expect(allow).toEqual({
      schemaVersion: 1,
      kind: 'McpToolAllowlist',
      client: 'desktop',
      servers: { fs: { allowedTools: ['list_directory', 'read_file'] } },
      unusedServers: ['shell'],
    });
  });

  it('capabilities are inferred from privileged syscalls and a token read keeps the token mounted', () => {
    const base = { ...POD_REF };
    const mk = (i: number, body: Record<string, unknown>) =>
      ({
        ts: T0 + i * 1e9,
        workload: base,
        pid: 5,
        ppid: 1,
        comm: 'agent',
        exe: '/app/agent',
        source: 'synthetic',
        uid: 0,
        ...body,
      }) as VigilEvent;
    const acc = new ObservedUseAccumulator();
    for (const e of [
      mk(0, { kind: 'net.bind', family: 'inet', protocol: 'tcp', addr: '0.0.0.0', port: 80, result: 0 }),
      mk(1, { kind: 'ptrace', request: 16, requestName: 'PTRACE_ATTACH', targetPid: 9, result: 0 }),
      mk(2, {
        kind: 'file.open',
        path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        flags: 0,
        access: 'read',
        result: 3,
      }),
      mk(3, { kind: 'file.open', path: '/etc/shadow', flags: 0, access: 'read', result: -13 }),
    ])
      acc.add(e);
    const observed = acc.result();
    const caps = observed.uses
      .filter((u) => u.domain === 'capability')
      .map((u) => u.action)
      .sort();
    expect(caps).toEqual(['CAP_NET_BIND_SERVICE', 'CAP_SYS_PTRACE']);
    expect(observed.uses.find((u) => u.action === 'runAsRoot')?.count).toBe(2);
    const declared = new DeclaredPermissionsBuilder().add(DEPLOYMENT, 'd.yaml').build();
    const report = analyzeGaps(declared, observed);
    const cap = report.workloads[0]!.domains.find((d) => d.domain === 'capability')!;
    expect(cap.used).toBe(1);
    expect(cap.ungranted.map((u) => u.action)).toEqual(['CAP_SYS_PTRACE']);
    // Running as root, CAP_CHOWN and friends cannot be told apart from unused.
    expect(cap.unused.find((u) => u.grant.action === 'CAP_CHOWN')?.observable).toBe(false);
    const sec = generateLeastPrivilege(declared, report, observed).artifacts.find(
      (a) => a.kind === 'workload-security',
    )!;
    expect(sec.issues).toEqual([]);
    const c = (
      sec.content as {
        spec: {
          template: { spec: { containers: { securityContext: { capabilities: { add: string[] } } }[] } };
        };
      }[]
    )[0]!.spec.template.spec.containers[0]!.securityContext.capabilities;
    expect(c.add).toContain('NET_BIND_SERVICE');
    expect(c.add).toContain('CHOWN');
    // NET_ADMIN's use leaves no event Vigil records: kept, and said so.
    expect(c.add).toContain('NET_ADMIN');
    expect(sec.notes.join('\n')).toMatch(
      /kept .*CAP_NET_ADMIN.*cannot be observed while processes run as root/,
    );
    // Observable and unused (or used without being granted): dropped.
    expect(c.add).not.toContain('SYS_PTRACE');
    expect(c.add).not.toContain('NET_RAW');
    expect(sec.notes.join('\n')).toMatch(/service account token kept: it was read/);
  });

  it('each domain is judged by the window of the inputs that can show it', () => {
    const acc = new ObservedUseAccumulator();
    const api = (ts: number): VigilEvent =>
      ({
        kind: 'k8s.api',
        ts,
        workload: { id: 'k8s:serviceaccount:ai/agent', kind: 'external', labels: {} },
        pid: 0,
        ppid: 0,
        comm: 'kube-apiserver',
        exe: '',
        source: 'k8s-audit',
        verb: 'list',
        resource: 'pods',
        apiGroup: '',
        namespace: 'ai',
        user: 'system:serviceaccount:ai:agent',
        responseCode: 200,
      }) as VigilEvent;
    acc.add(api(T0 - 30 * 86_400e9));
    acc.add(api(T0));
    acc.add(fileOpen('/data/x', 'read', T0 + 60e9));
    acc.add(fileOpen('/data/y', 'read', T0 + 600e9));
    const observed = ObservedUseDocumentSchema.parse(acc.result());
    expect(observed.windows?.['kubernetes-api']).toEqual({ start: T0 - 30 * 86_400e9, end: T0, events: 2 });
    const rbac = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: r, namespace: ai }
rules: [{ apiGroups: [""], resources: [pods, secrets], verbs: [list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: r, namespace: ai }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r }
subjects: [{ kind: ServiceAccount, name: agent }]
`;
    const both = new DeclaredPermissionsBuilder().add(DEPLOYMENT, 'd.yaml').add(rbac, 'r.yaml').build();
    const report = analyzeGaps(both, observed);
    const d = Object.fromEntries(report.workloads[0]!.domains.map((x) => [x.domain, x.coverage.confidence]));
    expect(d['kubernetes-api']).toBe('high');
    expect(d['file']).toBe('low');
    expect(report.coverage.confidence).toBe('high');
  });
});

describe('gap findings', () => {
  it('report unused grants, refused attempts, and dangerous host privileges that cannot be verified', () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: { name: p, namespace: n, labels: { app: p } }
spec:
  hostPID: true
  containers: [{ name: c, image: x, securityContext: { privileged: true } }]
`;
    const declared = new DeclaredPermissionsBuilder().add(pod, 'pod.yaml').build();
    const acc = new ObservedUseAccumulator();
    const ref = { ...POD_REF, namespace: 'n', pod: 'p', name: 'p' };
    acc.add({ ...(fileOpen('/etc/shadow', 'read', T0, -13) as object), workload: ref } as VigilEvent);
    acc.add({ ...(connect('10.1.1.1', 443, T0 + 1e9) as object), workload: ref } as VigilEvent);
    const report = analyzeGaps(declared, acc.result());
    const findings = gapFindings(report);
    const rules = findings.map((f) => `${f.ruleId} ${f.title}`);
    expect(rules).toContain('vigil.gap.unverified-grant Unverifiable host grant: privileged (c)');
    expect(rules).toContain('vigil.gap.unverified-grant Unverifiable host grant: hostPID');
    expect(rules.filter((r) => r.startsWith('vigil.gap.unused-grant')).length).toBeGreaterThan(0);
    for (const f of findings) expect(FindingSchema.parse(f)).toEqual(f);
  });
});
