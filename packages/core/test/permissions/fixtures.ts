import type { VigilEvent, WorkloadRef } from '../../src/index.js';

/** A service account bound cluster-wide to a broad, aggregated role; a Deployment running as it. */
export const BROAD_RBAC = `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: agent
  namespace: ai
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/agent
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: agent-broad
aggregationRule:
  clusterRoleSelectors:
    - matchLabels:
        vigil.test/aggregate-to-agent: "true"
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: agent-read
  labels:
    vigil.test/aggregate-to-agent: "true"
rules:
  - apiGroups: [""]
    resources: ["pods", "configmaps", "secrets"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: agent-exec
  labels:
    vigil.test/aggregate-to-agent: "true"
rules:
  - apiGroups: [""]
    resources: ["pods/exec"]
    verbs: ["create"]
  - nonResourceURLs: ["/metrics"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: agent-broad
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: agent-broad
subjects:
  - kind: ServiceAccount
    name: agent
    namespace: ai
`;

export const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: ai
spec:
  replicas: 1
  selector:
    matchLabels: { app: agent }
  template:
    metadata:
      labels: { app: agent }
    spec:
      serviceAccountName: agent
      volumes:
        - name: data
          hostPath: { path: /srv/agent-data }
        - name: creds
          secret: { secretName: agent-creds }
      containers:
        - name: agent
          image: ghcr.io/example/agent:1.2.3
          securityContext:
            capabilities:
              add: ["NET_ADMIN"]
          volumeMounts:
            - { name: data, mountPath: /data }
            - { name: creds, mountPath: /etc/creds, readOnly: true }
`;

export const NETPOL = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: agent-egress
  namespace: ai
spec:
  podSelector:
    matchLabels: { app: agent }
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock: { cidr: 10.0.0.0/8 }
      ports:
        - { protocol: TCP, port: 443 }
        - { protocol: UDP, port: 53 }
    - to:
        - ipBlock: { cidr: 0.0.0.0/0, except: [169.254.169.254/32] }
`;

/** A captured pod of the Deployment above. */
export const POD_REF: WorkloadRef = {
  id: 'k8s:pod:6f1d/agent',
  kind: 'kubernetes-pod',
  name: 'agent',
  namespace: 'ai',
  pod: 'agent-5d8f7c9b4-x2x7q',
  serviceAccount: 'agent',
  labels: { app: 'agent' },
};

export const T0 = 1_764_000_000_000_000_000;

let seq = 0;
function env(ts: number, extra: Partial<VigilEvent> = {}) {
  return {
    ts,
    workload: POD_REF,
    pid: 4242,
    ppid: 1,
    comm: 'python3',
    exe: '/usr/bin/python3',
    source: 'synthetic' as const,
    uid: 1000,
    ...extra,
  };
}

export function fileOpen(
  path: string,
  access: 'read' | 'write' | 'readwrite',
  ts = T0 + ++seq * 1e9,
  result = 3,
): VigilEvent {
  return {
    ...env(ts),
    kind: 'file.open',
    path,
    flags: access === 'read' ? 0 : 0o101,
    access,
    result,
  } as VigilEvent;
}

export function connect(
  daddr: string,
  dport: number,
  ts = T0 + ++seq * 1e9,
  protocol: 'tcp' | 'udp' = 'tcp',
): VigilEvent {
  return { ...env(ts), kind: 'net.connect', family: 'inet', protocol, daddr, dport, result: 0 } as VigilEvent;
}

/** One audit.k8s.io/v1 Event line. */
export function auditLine(
  verb: string,
  resource: string,
  opts: {
    ns?: string;
    name?: string;
    group?: string;
    code?: number;
    user?: string;
    sub?: string;
    stage?: string;
    ts?: string;
  } = {},
): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${Math.random().toString(16).slice(2)}`,
    stage: opts.stage ?? 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${opts.ns ?? 'ai'}/${resource}${opts.name ? `/${opts.name}` : ''}`,
    verb,
    user: { username: opts.user ?? 'system:serviceaccount:ai:agent', groups: ['system:serviceaccounts'] },
    sourceIPs: ['10.0.3.4'],
    userAgent: 'agent/1.0',
    objectRef: {
      resource,
      ...(opts.ns !== undefined ? { namespace: opts.ns } : { namespace: 'ai' }),
      ...(opts.name ? { name: opts.name } : {}),
      apiGroup: opts.group ?? '',
      apiVersion: 'v1',
      ...(opts.sub ? { subresource: opts.sub } : {}),
    },
    responseStatus: { metadata: {}, code: opts.code ?? 200 },
    requestReceivedTimestamp: opts.ts ?? '2025-11-24T16:00:00.000000Z',
    stageTimestamp: opts.ts ?? '2025-11-24T16:00:00.001234Z',
  });
}
