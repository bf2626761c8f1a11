import type { InherentRisk } from './grant.js';

const K8S_READ = new Set(['get', 'list', 'watch']);
const K8S_WRITE = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const RBAC_RESOURCES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
const WORKLOAD_RESOURCES = new Set([
  'pods',
  'deployments',
  'daemonsets',
  'statefulsets',
  'replicasets',
  'jobs',
  'cronjobs',
  'replicationcontrollers',
]);

function clamp(n: number): number {
  return Math.max(0, Math.min(10, Math.round(n * 10) / 10));
}

/**
 * Inherent risk of a Kubernetes RBAC grant: what the verb on the resource lets
 * a subject do, and how far it reaches (one named object, a namespace, the
 * whole cluster).
 *
 * @example
 * ```ts
 * kubernetesApiRisk('get', '', 'secrets', undefined, undefined).score; // 9
 * ```
 */
export function kubernetesApiRisk(
  verb: string,
  apiGroup: string,
  resource: string,
  namespace: string | undefined,
  resourceNames: readonly string[] | undefined,
  subresource?: string,
  nonResourceUrl?: string,
): InherentRisk {
  const reasons: string[] = [];
  const reach = resourceNames && resourceNames.length > 0 ? 1 : namespace !== undefined ? 2 : 4;
  if (nonResourceUrl !== undefined) {
    const s = nonResourceUrl === '*' || nonResourceUrl.endsWith('*') ? 4 : 1;
    return { score: s, reach: 4, reasons: [`non-resource URL ${nonResourceUrl}`] };
  }
  let score = 2;
  const anyVerb = verb === '*';
  const anyResource = resource === '*';
  if (anyVerb && anyResource && (apiGroup === '*' || apiGroup === '')) {
    score = 10;
    reasons.push('every verb on every resource');
  } else if (['escalate', 'bind', 'impersonate'].includes(verb)) {
    score = 10;
    reasons.push(`${verb} allows privilege escalation`);
  } else if (resource === 'secrets' || (anyResource && apiGroup !== 'apps')) {
    if (K8S_READ.has(verb) || anyVerb) {
      score = 9;
      reasons.push('reads secrets');
    } else if (K8S_WRITE.has(verb)) {
      score = 7;
      reasons.push('writes secrets');
    }
  } else if (resource === 'pods' && (subresource === 'exec' || subresource === 'attach')) {
    score = 9;
    reasons.push(`pods/${subresource} runs code in other pods`);
  } else if (resource === 'nodes' && subresource === 'proxy') {
    score = 9;
    reasons.push('nodes/proxy reaches the kubelet API');
  } else if (resource === 'serviceaccounts' && subresource === 'token') {
    score = 8;
    reasons.push('mints service account tokens');
  } else if (RBAC_RESOURCES.has(resource) && (K8S_WRITE.has(verb) || anyVerb)) {
    score = 10;
    reasons.push('changes RBAC');
  } else if (WORKLOAD_RESOURCES.has(resource) && (verb === 'create' || verb === 'patch' || anyVerb)) {
    score = 7;
    reasons.push('creates workloads (can mount secrets, run privileged)');
  } else if (K8S_WRITE.has(verb) || anyVerb) {
    score = 4;
    reasons.push(`${verb} on ${resource}`);
  } else {
    score = resource === 'configmaps' ? 3 : 2;
    reasons.push(`reads ${resource}`);
  }
  if (anyVerb && score < 10) {
    score += 1;
    reasons.push('every verb');
  }
  reasons.push(reach === 4 ? 'cluster-wide' : reach === 2 ? `namespace ${namespace}` : 'named objects only');
  return { score: clamp(score), reach, reasons };
}

const AWS_CRITICAL = [
  /^iam:(\*|Create.*|Put.*|Attach.*|PassRole|Update.*|AddUserToGroup)$/i,
  /^sts:AssumeRole.*$/i,
  /^lambda:(UpdateFunctionCode|CreateFunction)$/i,
];
const AWS_SECRET = [/^secretsmanager:GetSecretValue$/i, /^ssm:GetParameters?(ByPath)?$/i, /^kms:Decrypt$/i];

/**
 * Inherent risk of an AWS IAM action pattern on a set of resource patterns.
 *
 * @example
 * ```ts
 * awsActionRisk('s3:GetObject', ['*']).reach; // 4
 * ```
 */
export function awsActionRisk(action: string, resources: readonly string[], notAction = false): InherentRisk {
  const reasons: string[] = [];
  const anyResource = resources.some((r) => r === '*');
  const wildResource = resources.some((r) => r.includes('*') || r.includes('?'));
  const reach = anyResource ? 4 : wildResource ? 3 : 2;
  let score: number;
  if (notAction) {
    score = 9;
    reasons.push('NotAction grants everything not listed');
  } else if (action === '*' || action === '*:*') {
    score = 10;
    reasons.push('every action');
  } else if (AWS_CRITICAL.some((r) => r.test(action))) {
    score = 9;
    reasons.push('identity or code changes (privilege escalation)');
  } else if (AWS_SECRET.some((r) => r.test(action))) {
    score = 8;
    reasons.push('reads secrets or decrypts');
  } else if (action.endsWith(':*')) {
    score = 7;
    reasons.push(`every ${action.slice(0, -2)} action`);
  } else {
    const verb = action.split(':')[1] ?? action;
    if (/^(Get|List|Describe|Head)/.test(verb)) {
      score = action.startsWith('s3:GetObject') ? 5 : 2;
      reasons.push(score === 5 ? 'reads object data' : 'reads metadata');
    } else if (/^(Delete|Terminate|Remove)/.test(verb)) {
      score = 6;
      reasons.push('deletes');
    } else if (/^(Put|Create|Update|Modify|Run|Start|Invoke)/.test(verb)) {
      score = 5;
      reasons.push('writes or runs');
    } else {
      score = 4;
      reasons.push(action);
    }
    if (action.includes('*')) {
      score += 1;
      reasons.push('wildcard action');
    }
  }
  reasons.push(anyResource ? 'all resources' : wildResource ? 'wildcard resources' : 'named resources');
  return { score: clamp(score), reach, reasons };
}

const CAP_RISK: Record<string, number> = {
  CAP_SYS_ADMIN: 10,
  CAP_SYS_MODULE: 10,
  CAP_BPF: 9,
  CAP_SYS_PTRACE: 8,
  CAP_SYS_RAWIO: 8,
  CAP_NET_ADMIN: 7,
  CAP_DAC_READ_SEARCH: 7,
  CAP_PERFMON: 6,
  CAP_NET_RAW: 5,
  CAP_DAC_OVERRIDE: 5,
  CAP_SETUID: 5,
  CAP_SETGID: 5,
  CAP_SETFCAP: 5,
  CAP_SETPCAP: 4,
  CAP_FOWNER: 4,
  CAP_MKNOD: 4,
  CAP_CHOWN: 3,
  CAP_FSETID: 3,
  CAP_KILL: 3,
  CAP_SYS_CHROOT: 3,
  CAP_NET_BIND_SERVICE: 2,
  CAP_AUDIT_WRITE: 2,
};

/**
 * Inherent risk of a Linux capability held by a container.
 *
 * @example
 * ```ts
 * capabilityRisk('CAP_SYS_ADMIN').score; // 10
 * ```
 */
export function capabilityRisk(cap: string): InherentRisk {
  const score = CAP_RISK[cap] ?? 5;
  return { score, reach: 2, reasons: [`${cap} in the container's bounding set`] };
}

const HOST_RISK: Record<string, [number, number, string]> = {
  privileged: [10, 4, 'privileged container: every capability and every device of the node'],
  hostPID: [8, 4, "sees and signals the node's processes"],
  hostNetwork: [7, 4, "uses the node's network namespace"],
  hostIPC: [6, 4, "shares the node's IPC namespace"],
  runAsRoot: [5, 2, 'runs as uid 0'],
  allowPrivilegeEscalation: [4, 2, 'setuid binaries can raise privileges'],
};

/**
 * Inherent risk of a host-level privilege of a pod or container.
 *
 * @example
 * ```ts
 * hostPrivilegeRisk('hostPID').reach; // 4
 * ```
 */
export function hostPrivilegeRisk(privilege: string): InherentRisk {
  const [score, reach, reason] = HOST_RISK[privilege] ?? [5, 2, privilege];
  return { score, reach, reasons: [reason] };
}

const SENSITIVE_HOST_PATHS = [
  /^\/$/,
  /docker\.sock$/,
  /containerd\.sock$/,
  /^\/proc/,
  /^\/etc/,
  /^\/var\/lib\/kubelet/,
  /^\/root/,
  /^\/sys/,
];

/**
 * Inherent risk of a file grant (a mount, a secret, the root filesystem).
 *
 * @example
 * ```ts
 * fileRisk('hostPath', '/var/run/docker.sock', 'write').score; // 10
 * ```
 */
export function fileRisk(
  backing: string,
  sourceName: string | undefined,
  access: 'read' | 'write',
): InherentRisk {
  switch (backing) {
    case 'hostPath': {
      const sensitive = SENSITIVE_HOST_PATHS.some((r) => r.test(sourceName ?? ''));
      const score = sensitive ? (access === 'write' ? 10 : 8) : access === 'write' ? 6 : 4;
      return { score, reach: 4, reasons: [`host path ${sourceName ?? '?'} (${access})`] };
    }
    case 'secret':
      return { score: 6, reach: 1, reasons: [`secret ${sourceName ?? '?'} mounted`] };
    case 'serviceAccountToken':
      return { score: 6, reach: 2, reasons: ['service account token mounted (API credentials)'] };
    case 'rootfs':
      return { score: 3, reach: 2, reasons: ['writable root filesystem (persistence, tampering)'] };
    case 'persistentVolumeClaim':
      return { score: access === 'write' ? 4 : 3, reach: 2, reasons: [`volume claim ${sourceName ?? '?'}`] };
    case 'configMap':
    case 'projected':
      return { score: 2, reach: 1, reasons: [`${backing} ${sourceName ?? ''}`.trim()] };
    default:
      return { score: 1, reach: 1, reasons: [`${backing} volume`] };
  }
}

/**
 * Inherent risk of an egress grant.
 *
 * @example
 * ```ts
 * egressRisk('*', []).score; // 6
 * ```
 */
export function egressRisk(peer: string, ports: readonly unknown[]): InherentRisk {
  const anywhere = peer === '*' || peer === '0.0.0.0/0' || peer === '::/0';
  if (anywhere)
    return {
      score: ports.length === 0 ? 6 : 5,
      reach: 4,
      reasons: ['egress to any address (exfiltration, C2)', ports.length === 0 ? 'any port' : 'some ports'],
    };
  if (peer.startsWith('selector:'))
    return { score: 2, reach: 2, reasons: [`egress to pods ${peer.slice(9)}`] };
  const prefix = Number(peer.split('/')[1] ?? 32);
  return prefix < 16
    ? { score: 4, reach: 3, reasons: [`egress to a large range ${peer}`] }
    : { score: 2, reach: 1, reasons: [`egress to ${peer}`] };
}

/**
 * Inherent risk of an MCP tool, from its name: shell and code execution
 * outrank writes, which outrank reads.
 *
 * @example
 * ```ts
 * mcpToolRisk('run_command').score; // 9
 * ```
 */
export function mcpToolRisk(tool: string): InherentRisk {
  const t = tool.toLowerCase();
  if (t === '*') return { score: 7, reach: 2, reasons: ['every tool the server offers'] };
  if (/(exec|shell|command|bash|eval|run_|script|terminal|python)/.test(t))
    return { score: 9, reach: 2, reasons: ['runs code or commands'] };
  if (/(write|delete|remove|edit|move|create|update|insert|drop|push|send|post)/.test(t))
    return { score: 6, reach: 2, reasons: ['changes data or sends messages'] };
  if (/(fetch|http|browse|navigate|url|request)/.test(t))
    return { score: 5, reach: 2, reasons: ['reaches the network'] };
  if (/(sql|query)/.test(t)) return { score: 5, reach: 2, reasons: ['queries a database'] };
  return { score: 3, reach: 2, reasons: ['reads data'] };
}

const TABLE_PRIVILEGE_RISK: Record<string, [number, string]> = {
  SELECT: [4, 'reads every row of the table'],
  INSERT: [6, 'writes rows: what an agent retrieves can be planted'],
  UPDATE: [6, 'rewrites rows: what an agent retrieves can be altered'],
  DELETE: [5, 'removes rows'],
  TRUNCATE: [6, 'empties the table at once'],
  TRIGGER: [5, 'attaches code that runs on every write'],
  REFERENCES: [1, 'declares foreign keys to the table'],
};

/**
 * Inherent risk of a privilege on one database table: writes to a retrieval corpus (a poisoning
 * path) outrank reads; reach 2, since any statement of the role can use it.
 *
 * @example
 * ```ts
 * import { tablePrivilegeRisk } from '@vigil/core';
 *
 * tablePrivilegeRisk('INSERT').score; // 6
 * ```
 */
export function tablePrivilegeRisk(privilege: string): InherentRisk {
  const [score, reason] = TABLE_PRIVILEGE_RISK[privilege] ?? [5, privilege];
  return { score, reach: 2, reasons: [`${privilege}: ${reason}`] };
}
