import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BaselineLearner,
  CaptureWriter,
  DeclaredPermissionsBuilder,
  EventSchema,
  IamPolicyDocumentSchema,
  type VigilEventInput,
  writeBaselineFile,
} from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-gap-'));
const POD = {
  id: 'k8s:pod:1234/agent',
  kind: 'kubernetes-pod' as const,
  name: 'agent',
  namespace: 'ai',
  pod: 'agent-6c9d-abcde',
  serviceAccount: 'agent',
  labels: { app: 'agent' },
};
let ts = 1_764_000_000e9;
const e = (p: Record<string, unknown>) => {
  ts += 60e9;
  return EventSchema.parse({
    ts,
    workload: POD,
    pid: 7,
    ppid: 1,
    comm: 'python3',
    exe: '/usr/bin/python3',
    source: 'replay',
    uid: 1000,
    ...p,
  } as unknown as VigilEventInput);
};

writeFileSync(
  join(dir, 'k8s.yaml'),
  `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ServiceAccount
    metadata: { name: agent, namespace: ai, annotations: { eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/agent" } }
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: { name: agent, namespace: ai }
    rules:
      - apiGroups: [""]
        resources: ["*"]
        verbs: ["*"]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: { name: agent, namespace: ai }
    roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: agent }
    subjects: [{ kind: ServiceAccount, name: agent }]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: agent, namespace: ai }
    spec:
      selector: { matchLabels: { app: agent } }
      template:
        metadata: { labels: { app: agent } }
        spec:
          serviceAccountName: agent
          containers:
            - name: agent
              image: agent:1
`,
);
writeFileSync(
  join(dir, 'role-policy.json'),
  JSON.stringify({
    Arn: 'arn:aws:iam::123456789012:role/agent',
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:*', 'secretsmanager:GetSecretValue'], Resource: '*' },
        { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
      ],
    },
  }),
);
const audit = join(dir, 'audit.log');
writeFileSync(
  audit,
  ['get', 'list']
    .map((verb) =>
      JSON.stringify({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Event',
        stage: 'ResponseComplete',
        requestURI: '/api/v1/namespaces/ai/configmaps',
        verb,
        user: { username: 'system:serviceaccount:ai:agent' },
        objectRef: {
          resource: 'configmaps',
          namespace: 'ai',
          apiVersion: 'v1',
          ...(verb === 'get' ? { name: 'cfg' } : {}),
        },
        responseStatus: { code: 200 },
        stageTimestamp: '2025-11-24T16:00:00Z',
      }),
    )
    .join('\n'),
);
const trail = join(dir, 'trail.json.gz');
writeFileSync(
  trail,
  gzipSync(
    JSON.stringify({
      Records: [
        {
          eventVersion: '1.09',
          eventTime: '2025-11-24T17:00:00Z',
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          awsRegion: 'us-east-1',
          userIdentity: {
            type: 'AssumedRole',
            arn: 'arn:aws:sts::123456789012:assumed-role/agent/botocore-session-1',
            sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/agent' } },
          },
          requestParameters: { bucketName: 'rag-docs', key: 'handbook.pdf' },
        },
      ],
    }),
  ),
);
const capture = join(dir, 'run.vcap');
const w = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
w.writeAll([
  e({ kind: 'file.open', path: '/app/main.py', flags: 0, access: 'read', result: 3 }),
  e({ kind: 'net.connect', family: 'inet', protocol: 'tcp', daddr: '52.216.0.10', dport: 443, result: 0 }),
  e({
    kind: 'file.open',
    path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    flags: 0,
    access: 'read',
    result: 3,
  }),
]);
w.close({ exitCode: 0 });

describe('vigil gap', () => {
  it('compares a capture, an audit log and CloudTrail with manifests and an IAM policy, and writes valid policies', async () => {
    const out = join(dir, 'policies');
    const r = await runCli([
      'gap',
      '--declared',
      join(dir, 'k8s.yaml'),
      '--declared',
      join(dir, 'role-policy.json'),
      capture,
      '--audit-log',
      audit,
      '--cloudtrail',
      trail,
      '--emit-policy',
      out,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const wl = doc.report.workloads[0];
    expect(wl.id).toBe('k8s:workload:ai/Deployment/agent');
    const k8s = wl.domains.find((d: { domain: string }) => d.domain === 'kubernetes-api');
    expect([k8s.granted, k8s.used]).toEqual([1, 1]);
    const cloud = wl.domains.find((d: { domain: string }) => d.domain === 'cloud-api');
    expect([cloud.granted, cloud.used]).toEqual([2, 1]);
    expect(doc.risk.total).toBeGreaterThan(0);

    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'iam-arn_aws_iam_123456789012_role_agent.json',
      'netpol-ai-agent.yaml',
      'rbac-ai-agent.yaml',
      'workload-ai-Deployment-agent.yaml',
    ]);
    const iam = IamPolicyDocumentSchema.parse(JSON.parse(readFileSync(join(out, files[0]!), 'utf8')));
    expect(iam.Statement).toEqual([
      {
        Sid: 'VigilObserved1',
        Effect: 'Allow',
        Resource: ['arn:aws:s3:::rag-docs/handbook.pdf'],
        Action: ['s3:GetObject'],
      },
    ]);
    for (const f of files.filter((x) => x.endsWith('.yaml'))) {
      const text = readFileSync(join(out, f), 'utf8');
      // Reading the files back validates every object against its Kubernetes schema.
      const back = new DeclaredPermissionsBuilder().add(text, f).build();
      expect(back.warnings).toEqual([]);
    }
    const rbac = readFileSync(join(out, 'rbac-ai-agent.yaml'), 'utf8');
    expect(rbac).toContain('resourceNames');
    expect(rbac).toContain('- list');
    const workload = readFileSync(join(out, 'workload-ai-Deployment-agent.yaml'), 'utf8');
    expect(workload).toContain('readOnlyRootFilesystem: true');
    expect(workload).not.toContain('automountServiceAccountToken: false');
  });

  it('its least-privilege output becomes an enforcement policy (vigil policy --from-gap)', async () => {
    const out = join(dir, 'policies-for-enforcement');
    const r = await runCli([
      'gap',
      '--declared',
      join(dir, 'k8s.yaml'),
      capture,
      '--emit-policy',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const gapFile = join(dir, 'gap-with-lp.json');
    writeFileSync(gapFile, r.stdout);
    const policyFile = join(dir, 'policy-from-gap.json');
    const p = await runCli(['policy', '--from-gap', gapFile, '--out', policyFile]);
    expect(p.code, p.stderr).toBe(0);
    const policy = JSON.parse(readFileSync(policyFile, 'utf8'));
    expect(policy).toMatchObject({ id: 'k8s:workload:ai/Deployment/agent', source: { kind: 'gap' } });
    expect(policy.egress.rules.map((x: { cidr: string; port: number }) => `${x.cidr}:${x.port}`)).toEqual([
      '52.216.0.10/32:443',
    ]);
    // What the policy cannot enforce is said, not dropped.
    expect(p.stderr).toMatch(/note: exec is not restricted/);
    expect(p.stderr).toMatch(/note: file rules are not enforced: they need BPF-LSM/);
    // A gap document without the artifacts, and a choice of both sources, are refused with one line.
    const plain = join(dir, 'gap-plain.json');
    writeFileSync(
      plain,
      (await runCli(['gap', '--declared', join(dir, 'k8s.yaml'), capture, '--json'])).stdout,
    );
    const missing = await runCli(['policy', '--from-gap', plain, '--out', join(dir, 'never.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has no least-privilege artifacts: run vigil gap with --emit-policy/);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
    const both = await runCli([
      'policy',
      '--from-gap',
      gapFile,
      '--baseline',
      gapFile,
      '--out',
      join(dir, 'never.json'),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --baseline FILE and --from-gap/);
  });

  it('says how to bind a recorded workload that matches no declared subject (vigil record, then gap)', async () => {
    const recorded = join(dir, 'recorded.vcap');
    const rw = CaptureWriter.create(recorded, { header: { source: 'synthetic' } });
    const cg = { id: 'cgroup:/vigil-python3-c321ebf7', kind: 'cgroup' as const, name: 'python3-c321ebf7' };
    rw.writeAll([
      EventSchema.parse({
        ...e({ kind: 'file.open', path: '/app/main.py', flags: 0, access: 'read', result: 3 }),
        workload: cg,
      }),
    ]);
    rw.close({ exitCode: 0 });
    const r = await runCli(['gap', '--declared', join(dir, 'k8s.yaml'), recorded]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(not observed: no captured workload is bound to this one; see --bind below)');
    expect(r.stdout).toContain(
      "--bind 'cgroup:/vigil-python3-c321ebf7=k8s:workload:ai/Deployment/agent' (declared subjects with no captured workload: k8s:workload:ai/Deployment/agent)",
    );
    // Following the hint joins them.
    const bound = await runCli([
      'gap',
      '--declared',
      join(dir, 'k8s.yaml'),
      recorded,
      '--bind',
      'cgroup:/vigil-python3-c321ebf7=k8s:workload:ai/Deployment/agent',
    ]);
    expect(bound.code, bound.stderr).toBe(0);
    expect(bound.stdout).toContain('observed as python3-c321ebf7');
    expect(bound.stdout).not.toContain('--bind');
    // A capture that matches by itself gets no hint.
    expect((await runCli(['gap', '--declared', join(dir, 'k8s.yaml'), capture])).stdout).not.toContain(
      '--bind',
    );
  });

  it('prints a text report and fails on --fail-on', async () => {
    const r = await runCli([
      'gap',
      '--declared',
      join(dir, 'k8s.yaml'),
      capture,
      '--audit-log',
      audit,
      '--min-rank',
      '10',
      '--fail-on',
      'low',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Declared vs observed: \d+ of \d+ grants used/);
    expect(r.stdout).toContain('kubernetes-api');
  });

  it('ranks findings from other producers with the gap findings', async () => {
    const advisory = {
      id: 'adv-1',
      ruleId: 'scanner.advisory',
      title: 'GHSA-xxxx in pkg:npm/never-loaded@1.0.0',
      severity: 'critical',
      category: 'supply-chain',
      workload: POD,
      ts: 1,
      summary: '',
      evidence: [{ type: 'artifact', description: 'lockfile', uri: 'pkg:npm/never-loaded@1.0.0' }],
      tags: {},
      compliance: [],
      risk: { score: 0, reasons: [] },
    };
    const f = join(dir, 'findings.json');
    writeFileSync(f, JSON.stringify({ findings: [advisory] }));
    const r = await runCli(['gap', '--declared', join(dir, 'k8s.yaml'), capture, '--findings', f, '--json']);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    const ranked = doc.findings.find((x: { id: string }) => x.id === 'adv-1');
    expect(ranked.risk.reasons.join(' ')).toMatch(/never-loaded was never loaded/);
    expect(doc.risk.byAdjustment['never-loaded']).toBe(1);
    writeFileSync(f, JSON.stringify([{ ...advisory, severity: 'urgent' }]));
    const bad = await runCli(['gap', '--declared', join(dir, 'k8s.yaml'), capture, '--findings', f]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/findings\.json.*invalid finding: \[0\]\.severity/);
  });

  it('exits 2 with one line for bad usage and bad input', async () => {
    const a = await runCli(['gap', capture]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--declared/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: x}\nrules:\n  - apiGroups: [""]\n    resources: pods\n    verbs: [get]\n',
    );
    const b = await runCli(['gap', '--declared', bad, capture]);
    expect(b.code).toBe(2);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toContain('bad.yaml');
    expect(b.stderr).toContain('rules[0].resources');
  });
});

describe('vigil gap with a baseline', () => {
  it('reads a baseline written by the learner as observed use', async () => {
    const learner = new BaselineLearner({ origin: 'test' });
    for (const ev of [
      e({ kind: 'file.open', path: '/app/main.py', flags: 0, access: 'read', result: 3 }),
      e({
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '52.216.0.10',
        dport: 443,
        result: 0,
      }),
    ])
      learner.observe(ev);
    const baseline = join(dir, 'agent.baseline.json');
    await writeBaselineFile(baseline, learner.set);
    const r = await runCli(['gap', '--declared', join(dir, 'k8s.yaml'), baseline, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const w = JSON.parse(r.stdout).report.workloads[0];
    expect(w.observedAs.map((x: { id: string }) => x.id)).toEqual([POD.id]);
    const egress = w.domains.find((d: { domain: string }) => d.domain === 'network-egress');
    expect([egress.granted, egress.used]).toEqual([1, 1]);
  });
});

describe('vigil gap with MCP', () => {
  it('compares an MCP client configuration with the tool calls in OpenTelemetry spans', async () => {
    const config = join(dir, 'claude_desktop_config.json');
    writeFileSync(
      config,
      JSON.stringify({
        mcpServers: {
          filesystem: {
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv'],
            tools: ['read_file', 'write_file', 'move_file', 'list_directory'],
          },
          shell: { command: 'uvx', args: ['mcp-server-shell'] },
        },
      }),
    );
    const span = (id: string, tool: string) => ({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: id,
      name: `tools/call ${tool}`,
      kind: 3,
      startTimeUnixNano: '1764000000000000000',
      endTimeUnixNano: '1764000000100000000',
      attributes: [
        { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
        { key: 'gen_ai.tool.name', value: { stringValue: tool } },
        { key: 'mcp.server.name', value: { stringValue: 'filesystem' } },
        { key: 'gen_ai.agent.name', value: { stringValue: 'research-agent' } },
      ],
    });
    const spans = join(dir, 'spans.json');
    writeFileSync(
      spans,
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'research-agent' } }] },
            scopeSpans: [
              { spans: [span('b7ad6b7169203331', 'read_file'), span('b7ad6b7169203332', 'list_directory')] },
            ],
          },
        ],
      }),
    );
    const out = join(dir, 'mcp-policies');
    const r = await runCli(['gap', '--declared', config, '--otel', spans, '--emit-policy', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const w = doc.report.workloads.find((x: { id: string }) => x.id === 'mcp:claude_desktop_config');
    const mcp = w.domains.find((d: { domain: string }) => d.domain === 'mcp-tool');
    expect([mcp.granted, mcp.used]).toEqual([5, 2]);
    const allow = JSON.parse(readFileSync(join(out, 'mcp-allowlist-claude_desktop_config.json'), 'utf8'));
    expect(allow.servers).toEqual({ filesystem: { allowedTools: ['list_directory', 'read_file'] } });
    expect(allow.unusedServers).toEqual(['shell']);
    // The text report says where the configuration's uses came from: no captured workload is bound
    // to it, the calls were matched to it by server name.
    const text = await runCli(['gap', '--declared', config, '--otel', spans]);
    expect(text.stdout).toMatch(
      /\nmcp:claude_desktop_config: 2\/5 grants used\n(?: {2}.*\n)*? {2}uses from (workload:\S+): its calls to the MCP servers filesystem, matched by server name; it is not bound to mcp:claude_desktop_config \(--bind '(\S+)=mcp:claude_desktop_config' binds it\)\n {2}mcp-tool {8}granted {4}5 {2}used {4}2/,
    );
  });
});

const canRecord =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const whyNot = canRecord ? undefined : 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)';
if (whyNot) console.warn(`skipping the live vigil gap test: ${whyNot}`);

describe.skipIf(whyNot !== undefined)('vigil gap on a live capture', () => {
  it('records a real process with eBPF and compares it with its pod spec and NetworkPolicy', async () => {
    const ip =
      Object.values(networkInterfaces())
        .flat()
        .find((a) => a?.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as { port: number }).port;
    const live = join(dir, 'live');
    mkdirSync(live);
    writeFileSync(
      join(live, 'pod.yaml'),
      `apiVersion: v1
kind: Pod
metadata: { name: agent, namespace: ai, labels: { app: agent } }
spec:
  automountServiceAccountToken: false
  containers:
    - name: agent
      image: agent:1
      securityContext: { capabilities: { add: [NET_ADMIN, SYS_PTRACE] } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: agent, namespace: ai }
spec:
  podSelector: { matchLabels: { app: agent } }
  policyTypes: [Egress]
  egress:
    - to: [{ ipBlock: { cidr: ${ip}/32 } }]
      ports: [{ protocol: TCP, port: ${port} }]
    - to: [{ ipBlock: { cidr: 0.0.0.0/0 } }]
`,
    );
    const capture = join(live, 'run.vcap');
    try {
      const rec = await runCli([
        'record',
        '--out',
        capture,
        '--',
        'bash',
        '-c',
        `cat /etc/hostname >/dev/null; mkdir -p ${live}/w; echo hi > ${live}/w/out.txt; exec 3<>/dev/tcp/${ip}/${port}; cat <&3 >/dev/null`,
      ]);
      expect(rec.code).toBe(0);
    } finally {
      server.close();
    }
    const out = join(live, 'policies');
    const r = await runCli([
      'gap',
      '--declared',
      join(live, 'pod.yaml'),
      capture,
      '--bind',
      '*=k8s:workload:ai/Pod/agent',
      '--emit-policy',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const w = doc.report.workloads[0];
    expect(w.id).toBe('k8s:workload:ai/Pod/agent');
    const d = Object.fromEntries(w.domains.map((x: { domain: string }) => [x.domain, x]));
    expect([d['network-egress'].granted, d['network-egress'].used]).toEqual([2, 1]);
    expect(d['network-egress'].uses[0].target).toMatchObject({ address: ip, port, protocol: 'TCP' });
    expect(d['file'].used).toBe(1); // the root filesystem write
    expect(
      d['file'].uses.some((u: { target: { path: string } }) => u.target.path === `${live}/w/out.txt`),
    ).toBe(true);
    const netpol = readFileSync(join(out, 'netpol-ai-agent.yaml'), 'utf8');
    if (ip !== '127.0.0.1') expect(netpol).toContain(`cidr: ${ip}/32`);
    expect(netpol).not.toContain('0.0.0.0/0');
    const pod = readFileSync(join(out, 'workload-ai-Pod-agent.yaml'), 'utf8');
    expect(pod).toContain('readOnlyRootFilesystem: true');
    // The only directory written becomes an emptyDir; the rest of the root filesystem is read-only.
    expect(pod).toContain(`mountPath: ${dir}`);
    // SYS_PTRACE can be observed and was not used: dropped. NET_ADMIN cannot be: kept, with a note.
    expect(pod).not.toMatch(/^ +- SYS_PTRACE$/m);
    expect(pod).toMatch(/^ +- NET_ADMIN$/m);
    expect(pod).toMatch(/dropped .*CAP_SYS_PTRACE/);
  });
});
