import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  analyzeGaps,
  DeclaredPermissionsBuilder,
  GapReportSchema,
  generateLeastPrivilege,
  grantCovers,
  KubernetesAuditSource,
  LeastPrivilegeSchema,
  mergeObservedUse,
  ObservedUseAccumulator,
  Vigil,
} from '../../src/index.js';
import { auditLine, BROAD_RBAC, connect, DEPLOYMENT, fileOpen, NETPOL, T0 } from './fixtures.js';

async function auditFile(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-gap-'));
  const path = join(dir, 'audit.log');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('declared vs observed, end to end', () => {
  it('reports exact counts and generates a Role granting exactly what was used', async () => {
    const declared = new DeclaredPermissionsBuilder()
      .add(BROAD_RBAC, 'rbac.yaml')
      .add(DEPLOYMENT, 'deploy.yaml')
      .add(NETPOL, 'netpol.yaml')
      .build();

    const audit = await auditFile([
      auditLine('get', 'configmaps', { name: 'app-config' }),
      auditLine('get', 'configmaps', { name: 'app-config', stage: 'ResponseStarted' }),
      auditLine('list', 'pods'),
      auditLine('watch', 'pods'),
      auditLine('list', 'pods'),
      auditLine('delete', 'pods', { name: 'victim', code: 403 }),
      JSON.stringify({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Event',
        stage: 'ResponseComplete',
        requestURI: '/apis',
        verb: 'get',
        user: { username: 'system:serviceaccount:ai:agent' },
        responseStatus: { code: 200 },
        stageTimestamp: '2025-11-24T16:00:00Z',
      }),
      auditLine('get', 'secrets', { user: 'system:serviceaccount:other:unknown', name: 's' }),
    ]);
    const fromAudit = new ObservedUseAccumulator();
    const source = new KubernetesAuditSource(audit);
    await new Vigil({ source, consumers: [fromAudit] }).run();
    expect(source.skippedStages).toBe(1);

    const fromCapture = new ObservedUseAccumulator();
    for (const ev of [
      fileOpen('/data/input.csv', 'read'),
      fileOpen('/data/out.json', 'write'),
      fileOpen('/etc/creds/token', 'read'),
      fileOpen('/tmp/scratch/a', 'write'),
      fileOpen('/usr/lib/python3/site.py', 'read'),
      fileOpen('/proc/self/status', 'read'),
      connect('10.0.0.5', 443),
      connect('10.0.0.5', 443, T0 + 3600e9),
    ])
      fromCapture.add(ev);

    const observed = mergeObservedUse([fromAudit.result(), fromCapture.result()]);
    const report = GapReportSchema.parse(analyzeGaps(declared, observed));

    expect(report.workloads.map((w) => w.id)).toEqual(['k8s:workload:ai/Deployment/agent']);
    const w = report.workloads[0]!;
    expect(w.subjects).toContain('k8s:serviceaccount:ai/agent');
    expect(w.observedAs.map((r) => r.pod)).toEqual(['agent-5d8f7c9b4-x2x7q']);
    const d = Object.fromEntries(w.domains.map((x) => [x.domain, x]));

    // 3 × 3 (pods/configmaps/secrets × get/list/watch) + 7 deployment verbs + pods/exec + /metrics
    expect(d['kubernetes-api']!.granted).toBe(18);
    expect(d['kubernetes-api']!.used).toBe(3);
    expect(
      d['kubernetes-api']!.denied.map(
        (u) => `${u.action} ${u.target.domain === 'kubernetes-api' ? u.target.resource : ''}`,
      ),
    ).toEqual(['delete pods']);
    expect(d['kubernetes-api']!.ungranted).toEqual([]);
    // API discovery is allowed to every authenticated user by default: implicit, not unexplained.
    expect(d['kubernetes-api']!.implicit).toBe(1);
    // Highest-ranked unused grant: cluster-wide secrets read (or pods/exec), never a namespaced read.
    const top = d['kubernetes-api']!.unused[0]!.grant;
    expect(top.target.domain === 'kubernetes-api' && ['secrets', 'pods'].includes(top.target.resource)).toBe(
      true,
    );
    expect(d['kubernetes-api']!.unused[0]!.rank).toBe(90);

    // rootfs write, /data read+write, /etc/creds read, token read
    expect(d['file']!.granted).toBe(5);
    expect(d['file']!.used).toBe(4);
    expect(d['file']!.unused.map((u) => u.grant.target.domain === 'file' && u.grant.target.backing)).toEqual([
      'serviceAccountToken',
    ]);

    expect(d['network-egress']!.granted).toBe(2);
    expect(d['network-egress']!.used).toBe(1);
    expect(d['network-egress']!.distinctUses).toBe(1);

    expect(d['capability']!.granted).toBe(15);
    expect(d['capability']!.used).toBe(0);
    // Every process ran as uid 1000: no capability could have been used.
    expect(d['capability']!.unused.every((u) => u.observable)).toBe(true);
    expect(d['host']!.unused.find((u) => u.grant.action === 'runAsRoot')?.observable).toBe(true);

    expect(report.unmatched).toEqual([{ subject: 'k8s:serviceaccount:other/unknown', uses: 1 }]);
    expect(report.coverage.confidence).toBe('low');
    expect(Math.round(report.coverage.durationSeconds)).toBe(3600);

    const lp = LeastPrivilegeSchema.parse(generateLeastPrivilege(declared, report, observed));
    const rbac = lp.artifacts.find((a) => a.kind === 'kubernetes-rbac')!;
    expect(rbac.issues).toEqual([]);
    expect(rbac.content).toEqual([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: expect.objectContaining({ name: 'agent-least-privilege', namespace: 'ai' }),
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['app-config'] },
          { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        ],
      },
      expect.objectContaining({
        kind: 'RoleBinding',
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'agent-least-privilege' },
        subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'ai' }],
      }),
    ]);

    // Parse the generated Role back: it covers every used call and nothing else.
    const { stringify } = await import('yaml');
    const back = new DeclaredPermissionsBuilder()
      .add((rbac.content as object[]).map((o) => stringify(o)).join('---\n'), 'generated.yaml')
      .build();
    const used = d['kubernetes-api']!.uses;
    for (const u of used) expect(back.grants.some((g) => grantCovers(g, u))).toBe(true);
    expect(
      back.grants
        .map((g) => `${g.action} ${g.target.domain === 'kubernetes-api' ? g.target.resource : ''}`)
        .sort(),
    ).toEqual(['get configmaps', 'list pods', 'watch pods']);

    const netpol = lp.artifacts.find((a) => a.kind === 'network-policy')!;
    expect(netpol.issues).toEqual([]);
    expect((netpol.content as { spec: { egress: unknown[] } }[])[0]!.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.5/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);

    const sec = lp.artifacts.find((a) => a.kind === 'workload-security')!;
    expect(sec.issues).toEqual([]);
    const container = (
      sec.content as {
        spec: {
          template: {
            spec: {
              containers: { securityContext: Record<string, unknown> }[];
              automountServiceAccountToken?: boolean;
            };
          };
        };
      }[]
    )[0]!.spec.template.spec;
    expect(container.containers[0]!.securityContext).toMatchObject({
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
    });
    // The SA made API calls, so the token stays.
    expect(container.automountServiceAccountToken).toBeUndefined();
  });
});
