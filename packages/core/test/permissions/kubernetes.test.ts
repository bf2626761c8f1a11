import { describe, expect, it } from 'vitest';
import {
  DeclaredPermissionsBuilder,
  type Grant,
  isVigilError,
  type VigilError,
  validateKubernetesObject,
} from '../../src/index.js';
import { BROAD_RBAC, DEPLOYMENT, NETPOL } from './fixtures.js';

const build = (...docs: [string, string][]) => {
  const b = new DeclaredPermissionsBuilder();
  for (const [text, file] of docs) b.add(text, file);
  return b.build();
};

const k8s = (grants: readonly Grant[], subject: string) =>
  grants
    .filter((g) => g.subject === subject && g.target.domain === 'kubernetes-api')
    .map((g) => {
      const t = g.target as Extract<Grant['target'], { domain: 'kubernetes-api' }>;
      return `${g.action} ${t.nonResourceUrl ?? `${t.apiGroup}/${t.resource}${t.subresource ? `/${t.subresource}` : ''}`}${t.namespace ? ` @${t.namespace}` : ''}${t.resourceNames ? ` [${t.resourceNames.join(',')}]` : ''}`;
    })
    .sort();

function thrown(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (isVigilError(err)) return err;
    throw new Error(`expected a VigilError, got ${String(err)}`);
  }
  throw new Error('expected an error');
}

describe('Kubernetes RBAC', () => {
  it('resolves aggregated ClusterRoles bound cluster-wide to a service account', () => {
    const d = build([BROAD_RBAC, 'rbac.yaml']);
    const grants = k8s(d.grants, 'k8s:serviceaccount:ai/agent');
    expect(grants).toHaveLength(18);
    expect(grants).toContain('get /secrets');
    expect(grants).toContain('create /pods/exec');
    expect(grants).toContain('get /metrics');
    const exec = d.grants.find(
      (g) => g.target.domain === 'kubernetes-api' && g.target.subresource === 'exec',
    )!;
    expect(exec.source.via).toEqual([
      'ClusterRoleBinding/agent-broad',
      'ClusterRole/agent-broad',
      'ClusterRole/agent-broad (aggregates ClusterRole/agent-exec)',
    ]);
    expect(exec.source.file).toBe('rbac.yaml');
    expect(exec.source.line).toBeGreaterThan(1);
    expect(exec.inherentRisk.score).toBe(9);
  });

  const cases: { name: string; yaml: string; subject: string; expected: string[]; warnings?: RegExp }[] = [
    {
      name: 'RoleBinding to a ClusterRole scopes it to the binding namespace',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: view-cm }
rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get, list], resourceNames: [app] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: b, namespace: team }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-cm }
subjects: [{ kind: ServiceAccount, name: bot }]
`,
      subject: 'k8s:serviceaccount:team/bot',
      expected: ['get /configmaps @team [app]', 'list /configmaps @team [app]'],
    },
    {
      name: 'wildcards stay wildcards; non-resource URLs are ignored in a RoleBinding',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: all }
rules:
  - { apiGroups: ["*"], resources: ["*"], verbs: ["*"] }
  - { nonResourceURLs: ["/healthz", "/api/*"], verbs: [get] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: b, namespace: ns1 }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: all }
subjects: [{ kind: User, name: alice }]
`,
      subject: 'k8s:user:alice',
      expected: ['* */* @ns1'],
    },
    {
      name: 'groups of service accounts reach the known service accounts in them',
      yaml: `
apiVersion: v1
kind: ServiceAccount
metadata: { name: a, namespace: x }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: b, namespace: y }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: r, namespace: x }
rules: [{ apiGroups: [""], resources: [pods/log], verbs: [get] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: b, namespace: x }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r }
subjects: [{ kind: Group, name: "system:serviceaccounts:x" }]
`,
      subject: 'k8s:serviceaccount:x/a',
      expected: ['get /pods/log @x'],
    },
    {
      name: 'a binding to a missing role is a warning, not a grant',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: dangling }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nowhere }
subjects: [{ kind: ServiceAccount, name: s, namespace: n }]
`,
      subject: 'k8s:serviceaccount:n/s',
      expected: [],
      warnings: /references ClusterRole nowhere, which is not in the input/,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = build([c.yaml, 'case.yaml']);
      expect(k8s(d.grants, c.subject)).toEqual(c.expected.sort());
      if (c.warnings) expect(d.warnings.map((w) => w.message).join('\n')).toMatch(c.warnings);
    });

  it('reads List objects as kubectl get -o yaml prints them, with item paths in sources', () => {
    const list = `apiVersion: v1
kind: List
metadata: { resourceVersion: "" }
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: { name: r, namespace: n }
    rules: [{ apiGroups: [""], resources: [secrets], verbs: [get] }]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: { name: r, namespace: n }
    roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r }
    subjects: [{ kind: ServiceAccount, name: s, namespace: n }]
`;
    const d = build([list, 'list.yaml']);
    const g = d.grants.find((x) => x.subject === 'k8s:serviceaccount:n/s')!;
    expect(g.source.path).toEqual(['items', 0, 'rules', 0, 'verbs', 0]);
    expect(g.source.line).toBe(8);
  });
});

describe('pod spec and NetworkPolicy', () => {
  it('reads mounts, token automount, capabilities, root and egress into grants', () => {
    const d = build([BROAD_RBAC, 'rbac.yaml'], [DEPLOYMENT, 'deploy.yaml'], [NETPOL, 'np.yaml']);
    const w = d.workloads[0]!;
    expect(w.subject).toBe('k8s:workload:ai/Deployment/agent');
    expect(w.serviceAccount).toBe('k8s:serviceaccount:ai/agent');
    expect(w.awsRole).toBe('aws:arn:aws:iam::123456789012:role/agent');
    expect(w.egressPolicies).toEqual(['ai/agent-egress']);
    const c = w.containers[0]!;
    expect(c.capabilities).toContain('CAP_NET_ADMIN');
    expect(c.capabilities).toHaveLength(15);
    expect(c.runAsRoot).toBe('possible');
    const mine = d.grants.filter((g) => g.subject === w.subject);
    const files = mine
      .filter((g) => g.target.domain === 'file')
      .map(
        (g) =>
          `${g.action} ${(g.target as { path: string }).path} ${(g.target as { backing: string }).backing}`,
      )
      .sort();
    expect(files).toEqual([
      'read /data hostPath',
      'read /etc/creds secret',
      'read /var/run/secrets/kubernetes.io/serviceaccount serviceAccountToken',
      'write / rootfs',
      'write /data hostPath',
    ]);
    const egress = mine
      .filter((g) => g.domain === 'network-egress')
      .map((g) => (g.target as { peer: string }).peer);
    expect(egress.sort()).toEqual(['0.0.0.0/0', '10.0.0.0/8']);
    const netAdmin = mine.find((g) => g.action === 'CAP_NET_ADMIN')!;
    expect(netAdmin.source.path).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'securityContext',
      'capabilities',
      'add',
      0,
    ]);
  });

  const podCases: { name: string; spec: string; expect: (g: Grant[]) => void }[] = [
    {
      name: 'privileged, hostNetwork and hostPID grant every capability and host access',
      spec: `hostNetwork: true
  hostPID: true
  containers:
    - name: c
      image: x
      securityContext: { privileged: true }`,
      expect: (g) => {
        expect(g.filter((x) => x.domain === 'capability')).toHaveLength(41);
        expect(
          g
            .filter((x) => x.domain === 'host')
            .map((x) => x.action)
            .sort(),
        ).toEqual(['allowPrivilegeEscalation', 'hostNetwork', 'hostPID', 'privileged', 'runAsRoot']);
      },
    },
    {
      name: 'drop ALL, non-root, read-only root filesystem and no automount leave almost nothing',
      spec: `automountServiceAccountToken: false
  securityContext: { runAsNonRoot: true, runAsUser: 1000 }
  containers:
    - name: c
      image: x
      securityContext:
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }`,
      expect: (g) => {
        expect(g.map((x) => x.action)).toEqual(['CAP_NET_BIND_SERVICE', 'connect']);
      },
    },
    {
      name: 'runAsUser 0 declares root; a projected token volume is a token grant',
      spec: `automountServiceAccountToken: false
  volumes:
    - name: tok
      projected: { sources: [{ serviceAccountToken: { path: token } }] }
  containers:
    - name: c
      image: x
      securityContext: { runAsUser: 0, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
      volumeMounts: [{ name: tok, mountPath: /var/run/secrets/tokens }]`,
      expect: (g) => {
        expect(g.find((x) => x.action === 'runAsRoot')).toBeDefined();
        const tok = g.find((x) => x.target.domain === 'file')!;
        expect(tok.target).toMatchObject({ backing: 'serviceAccountToken', path: '/var/run/secrets/tokens' });
        expect(tok.action).toBe('read');
      },
    },
  ];
  for (const c of podCases)
    it(c.name, () => {
      const d = build([
        `apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: n }\nspec:\n  ${c.spec}\n`,
        'pod.yaml',
      ]);
      c.expect(d.grants.filter((g) => g.subject === 'k8s:workload:n/Pod/p'));
    });

  it('a policy with an empty egress list denies all egress; no policy means unrestricted', () => {
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: n, labels: { a: b } }\nspec:\n  containers: [{ name: c, image: x }]\n';
    const deny = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny, namespace: n }\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n`;
    expect(
      build([pod, 'p.yaml'], [deny, 'd.yaml']).grants.filter((g) => g.domain === 'network-egress'),
    ).toEqual([]);
    const open = build([pod, 'p.yaml']).grants.filter((g) => g.domain === 'network-egress');
    expect(open.map((g) => g.target)).toEqual([
      { domain: 'network-egress', peer: '*', except: [], ports: [] },
    ]);
  });
});

describe('hostile and malformed manifests', () => {
  const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
kind: Role
`;
  const table: {
    name: string;
    text: string;
    code: string;
    message: RegExp;
    line?: number;
    path?: (string | number)[];
  }[] = [
    {
      name: 'YAML bomb (billion laughs)',
      text: bomb,
      code: 'INPUT_INVALID',
      message: /document 1: .*alias.*YAML bombs/i,
    },
    {
      name: 'not a Kubernetes object',
      text: '- just\n- a list\n',
      code: 'SCHEMA_INVALID',
      message: /document 1: expected a Kubernetes object \(a mapping\), got a sequence/,
    },
    {
      name: 'no kind',
      text: 'apiVersion: v1\nmetadata: {name: x}\n',
      code: 'SCHEMA_INVALID',
      message: /"kind" is missing/,
    },
    {
      name: 'unsupported apiVersion for a kind Vigil reads',
      text: 'apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata: {name: x}\n',
      code: 'SCHEMA_INVALID',
      message:
        /Role apiVersion rbac.authorization.k8s.io\/v1beta1 is not supported \(expected rbac.authorization.k8s.io\/v1\)/,
      path: ['apiVersion'],
      line: 1,
    },
    {
      name: 'wrong type deep inside a Role',
      text: '---\nkind: Service\napiVersion: v1\nmetadata: {name: s}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: x}\nrules:\n  - apiGroups: [""]\n    resources: pods\n    verbs: [get]\n',
      code: 'SCHEMA_INVALID',
      message:
        /document 2: Role does not match the rbac.authorization.k8s.io\/v1 schema: rules\[0\]\.resources must be array/,
      path: ['rules', 0, 'resources'],
      line: 11,
    },
    {
      name: 'missing required field in a NetworkPolicy',
      text: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  egress: [{ to: [{ ipBlock: { except: [] } }] }]\n',
      code: 'SCHEMA_INVALID',
      message: /must have required property 'cidr'|must have required property cidr/,
    },
    {
      name: 'truncated YAML',
      text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "unterminated\n',
      code: 'PARSE',
      message: /YAML document 1/,
    },
    {
      name: 'duplicate keys',
      text: 'apiVersion: v1\nkind: Pod\nkind: Pod\n',
      code: 'PARSE',
      message: /YAML document 1:.*(unique|duplicate)/i,
      line: 3,
    },
    {
      name: 'a document nested deeper than the limit',
      text: `apiVersion: v1\nkind: ConfigMap\ndata: ${'['.repeat(100)}${']'.repeat(100)}\n`,
      code: 'INPUT_INVALID',
      message: /nests deeper than 64 levels/,
    },
  ];
  for (const c of table)
    it(`${c.name}: a clear error`, () => {
      const err = thrown(() => new DeclaredPermissionsBuilder().add(c.text, 'bad.yaml'));
      expect(err.code).toBe(c.code);
      expect(err.message).toMatch(/^bad\.yaml/);
      expect(err.message).toMatch(c.message);
      if (c.line !== undefined) expect(err.location?.line).toBe(c.line);
      if (c.path !== undefined) expect(err.location?.path).toEqual(c.path);
    });

  it('huge input is refused before parsing', () => {
    const err = thrown(() =>
      new DeclaredPermissionsBuilder({ maxBytes: 1024 }).add('x: '.padEnd(4096, 'y'), 'big.yaml'),
    );
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toMatch(/big\.yaml: input is 4096 bytes, over the 1024-byte limit/);
  });

  it('too many documents are refused', () => {
    const err = thrown(() =>
      new DeclaredPermissionsBuilder({ maxDocuments: 10 }).add('---\na: 1\n'.repeat(11), 'many.yaml'),
    );
    expect(err.message).toMatch(/more than 10 documents/);
  });

  it('kinds that carry no permissions are skipped with a warning', () => {
    const d = build(['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n', 'cm.yaml']);
    expect(d.grants).toEqual([]);
    expect(d.warnings).toEqual([
      {
        file: 'cm.yaml',
        path: ['kind'],
        line: 2,
        message: 'ConfigMap carries no permissions Vigil models; skipped',
      },
    ]);
  });

  it('validateKubernetesObject reports unknown kinds and bad values with paths', () => {
    expect(validateKubernetesObject({ apiVersion: 'v9', kind: 'Nope' })).toEqual([
      { path: ['kind'], message: 'no schema known for v9 Nope' },
    ]);
    expect(
      validateKubernetesObject({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', securityContext: { readOnlyRootFilesystem: 'yes' } }] },
      }),
    ).toEqual([
      {
        path: ['spec', 'containers', 0, 'securityContext', 'readOnlyRootFilesystem'],
        message: 'must be boolean',
      },
    ]);
  });
});
