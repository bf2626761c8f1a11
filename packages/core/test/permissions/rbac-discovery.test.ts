import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeclaredPermissionsBuilder,
  type Grant,
  KUBERNETES_DISCOVERY_RELEASE,
  KubernetesDiscovery,
} from '../../src/index.js';

type K8sTarget = Extract<Grant['target'], { domain: 'kubernetes-api' }>;

const build = (yaml: string) => new DeclaredPermissionsBuilder().add(yaml, 'rbac.yaml').build();
const k8sGrants = (grants: readonly Grant[]) =>
  grants.filter((g) => g.target.domain === 'kubernetes-api').map((g) => ({ g, t: g.target as K8sTarget }));
const pair = ({ g, t }: { g: Grant; t: K8sTarget }) =>
  `${g.action} ${t.apiGroup}/${t.resource}${t.subresource ? `/${t.subresource}` : ''}`;

const bound = (rules: string) => `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: ops }
rules:
${rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: ops }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops }
subjects: [{ kind: ServiceAccount, name: agent, namespace: ai }]
`;

describe(`RBAC grants exist only where Kubernetes ${KUBERNETES_DISCOVERY_RELEASE} serves them`, () => {
  it('a rule over three groups and six resources grants the 47 real verb × resource pairs', () => {
    // Written naively this is 3 groups × 6 resources × 8 verbs = 144 grants; each resource lives in
    // one group, and namespaces take no deletecollection: 5 × 8 + 7 = 47.
    const doc = build(
      bound(
        '  - apiGroups: ["", apps, batch]\n' +
          '    resources: [pods, secrets, configmaps, namespaces, deployments, jobs]\n' +
          '    verbs: [get, list, watch, create, update, patch, delete, deletecollection]',
      ),
    );
    const pairs = k8sGrants(doc.grants).map(pair);
    expect(pairs).toHaveLength(47);
    expect(new Set(pairs).size).toBe(47);
    expect(pairs).toContain('get /secrets');
    expect(pairs).toContain('list batch/jobs');
    expect(pairs).not.toContain('get apps/secrets');
    expect(pairs).not.toContain('list batch/secrets');
    expect(pairs).not.toContain('get /deployments');
    expect(pairs).not.toContain('deletecollection /namespaces');
    expect(k8sGrants(doc.grants).every(({ t }) => t.unknown === undefined)).toBe(true);
  });

  it('keeps and flags groups and resources it does not know; CRDs in the input are known', () => {
    const doc = build(
      `${bound(
        '  - { apiGroups: [acme.io], resources: [gadgets], verbs: [get] }\n' +
          '  - { apiGroups: [example.com], resources: [widgets, widgets/status], verbs: [get, patch] }\n' +
          '  - { apiGroups: [apps], resources: [frobnicators, deployments/resize], verbs: [get] }\n' +
          '  - { apiGroups: [""], resources: [pods/log, pods/exec], verbs: [get, create, delete] }',
      )}---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  names: { plural: widgets, kind: Widget }
  scope: Namespaced
  versions: [{ name: v1, served: true, storage: true, subresources: { status: {} } }]
`,
    );
    const got = k8sGrants(doc.grants).map((x) => `${pair(x)}${x.t.unknown ? ' (unknown)' : ''}`);
    expect(got.sort()).toEqual(
      [
        'get acme.io/gadgets (unknown)',
        'get example.com/widgets',
        'patch example.com/widgets',
        'get example.com/widgets/status',
        'patch example.com/widgets/status',
        'get apps/frobnicators (unknown)',
        'get apps/deployments/resize (unknown)',
        'get /pods/log',
        'get /pods/exec',
        'create /pods/exec',
      ].sort(),
    );
    const messages = doc.warnings.map((w) => w.message);
    expect(messages).toContainEqual(
      expect.stringMatching(/acme\.io\/gadgets, which Kubernetes 1\.31 does not serve .* kept as unknown/),
    );
    expect(messages).toContainEqual(expect.stringMatching(/apps\/frobnicators/));
    expect(messages.some((m) => m.includes('example.com/widgets'))).toBe(false);
    expect(messages.some((m) => /CustomResourceDefinition .*skipped/.test(m))).toBe(false);
  });

  it('answers discovery questions', () => {
    const d = new KubernetesDiscovery();
    const rows: [string, string, string | undefined, string | undefined, string][] = [
      ['', 'secrets', undefined, 'get', 'yes'],
      ['apps', 'secrets', undefined, 'get', 'no'],
      ['', 'namespaces', undefined, 'deletecollection', 'no'],
      ['', 'pods', 'log', 'get', 'yes'],
      ['', 'pods', 'log', 'delete', 'no'],
      ['rbac.authorization.k8s.io', 'clusterroles', undefined, 'escalate', 'yes'],
      ['', 'serviceaccounts', undefined, 'impersonate', 'yes'],
      ['authentication.k8s.io', 'userextras', 'scopes', 'impersonate', 'yes'],
      ['authorization.k8s.io', 'selfsubjectaccessreviews', undefined, 'create', 'yes'],
      ['authorization.k8s.io', 'selfsubjectaccessreviews', undefined, 'get', 'no'],
      ['*', 'secrets', undefined, 'get', 'yes'],
      ['apps', '*', undefined, 'get', 'yes'],
      ['', 'pods', undefined, '*', 'yes'],
      ['acme.io', 'gadgets', undefined, 'get', 'unknown'],
    ];
    for (const [g, r, s, v, want] of rows)
      expect([g, r, s, v, d.exists(g, r, s, v)]).toEqual([g, r, s, v, want]);
    for (const g of [
      '',
      'apps',
      'batch',
      'networking.k8s.io',
      'rbac.authorization.k8s.io',
      'policy',
      'autoscaling',
      'storage.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
      'certificates.k8s.io',
      'events.k8s.io',
      'scheduling.k8s.io',
      'node.k8s.io',
      'flowcontrol.apiserver.k8s.io',
      'authentication.k8s.io',
      'authorization.k8s.io',
    ])
      expect(d.resources(g).length, g).toBeGreaterThan(0);
  });

  it('never grants a pair discovery does not serve, unless the role had it as unknown (property)', () => {
    const d = new KubernetesDiscovery();
    const known = d.groups().flatMap((g) => d.resources(g).map(([r]) => [g, r] as const));
    const groups = [...d.groups(), 'acme.io'];
    const resources = [...new Set(known.map(([, r]) => r)), 'gadgets', 'pods/resize'];
    const verbs = [
      'get',
      'list',
      'watch',
      'create',
      'update',
      'patch',
      'delete',
      'deletecollection',
      'escalate',
      'bind',
      'impersonate',
      'use',
      'frob',
    ];
    const rule = fc.record({
      apiGroups: fc.uniqueArray(fc.constantFrom(...groups), { minLength: 1, maxLength: 4 }),
      resources: fc.uniqueArray(fc.constantFrom(...resources), { minLength: 1, maxLength: 5 }),
      verbs: fc.uniqueArray(fc.constantFrom(...verbs), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 3 }), (rules) => {
        const yaml = bound(rules.map((r) => `  - ${JSON.stringify(r)}`).join('\n'));
        const doc = build(yaml);
        const declared = new Set(
          rules.flatMap((r) =>
            r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${g}/${res}`))),
          ),
        );
        for (const x of k8sGrants(doc.grants)) {
          const p = pair(x);
          expect(declared.has(p)).toBe(true);
          const answer = d.exists(x.t.apiGroup, x.t.resource, x.t.subresource, x.g.action);
          if (x.t.unknown) expect(answer).toBe('unknown');
          else expect(answer).toBe('yes');
        }
        // And nothing served was lost.
        let served = 0;
        for (const p of declared) {
          const [v, gr] = p.split(' ') as [string, string];
          const slash = gr.indexOf('/');
          const [res, sub] = gr.slice(slash + 1).split('/') as [string, string | undefined];
          if (d.exists(gr.slice(0, slash), res, sub, v) !== 'no') served++;
        }
        expect(new Set(k8sGrants(doc.grants).map(pair)).size).toBe(served);
      }),
      { numRuns: 60 },
    );
  });
});
