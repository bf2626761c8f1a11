import { documentRecord } from '../../readers/document-value.js';
import { locate } from '../../readers/documents.js';
import type { DeclaredContainer, DeclaredSubject, DeclaredWarning, DeclaredWorkload } from '../declared.js';
import { type Grant, makeGrant, subjectId } from '../grant.js';
import { capabilityRisk, egressRisk, fileRisk, hostPrivilegeRisk } from '../inherent-risk.js';
import { type K8sObject, type LabelSelector, selectorMatches, selectorText } from './objects.js';

/** Capabilities a container runtime (containerd, CRI-O, Docker) grants by default. */
export const DEFAULT_CONTAINER_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every Linux capability (0–40), in number order. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Where the service account token is mounted in every container. */
export const SERVICE_ACCOUNT_TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Normalises a capability name: `net_admin` → `CAP_NET_ADMIN`.
 *
 * @example
 * ```ts
 * normaliseCapability('net_admin'); // 'CAP_NET_ADMIN'
 * ```
 */
export function normaliseCapability(name: string): string {
  const up = name.trim().toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The pod template of a workload object and its path. */
function podTemplate(
  o: K8sObject,
): { spec: Obj; labels: Record<string, string>; path: string[] } | undefined {
  if (o.kind === 'Pod') return { spec: obj(o.body['spec']), labels: o.labels, path: ['spec'] };
  const spec = obj(o.body['spec']);
  const template =
    o.kind === 'CronJob' ? obj(obj(obj(spec['jobTemplate'])['spec'])['template']) : obj(spec['template']);
  const basePath = o.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
  const labels = documentRecord<string>();
  for (const [k, v] of Object.entries(obj(obj(template['metadata'])['labels'])))
    if (typeof v === 'string') labels[k] = v;
  return { spec: obj(template['spec']), labels, path: [...basePath, 'spec'] };
}

function volumeBacking(v: Obj): { backing: string; sourceName?: string } {
  if (v['hostPath']) return { backing: 'hostPath', sourceName: String(obj(v['hostPath'])['path'] ?? '') };
  if (v['secret']) return { backing: 'secret', sourceName: String(obj(v['secret'])['secretName'] ?? '') };
  if (v['configMap']) return { backing: 'configMap', sourceName: String(obj(v['configMap'])['name'] ?? '') };
  if (v['emptyDir']) return { backing: 'emptyDir' };
  if (v['persistentVolumeClaim'])
    return {
      backing: 'persistentVolumeClaim',
      sourceName: String(obj(v['persistentVolumeClaim'])['claimName'] ?? ''),
    };
  if (v['projected']) {
    const sources = arr(obj(v['projected'])['sources']).map(obj);
    if (sources.some((s) => s['serviceAccountToken'])) return { backing: 'serviceAccountToken' };
    const secret = sources.map((s) => obj(s['secret'])['name']).find((n) => typeof n === 'string');
    if (typeof secret === 'string') return { backing: 'secret', sourceName: secret };
    return { backing: 'projected' };
  }
  return { backing: 'other' };
}

const READ_ONLY_BACKINGS = new Set(['secret', 'configMap', 'projected', 'serviceAccountToken']);

/** Reads a workload's pod spec into a {@link DeclaredWorkload} and its grants (all domains but egress). */
export function readWorkload(
  o: K8sObject,
  serviceAccounts: ReadonlyMap<string, K8sObject>,
): { workload: DeclaredWorkload; grants: Grant[] } | undefined {
  const tpl = podTemplate(o);
  if (!tpl) return undefined;
  const ns = o.namespace ?? 'default';
  const subject = subjectId('k8s-workload', `${o.kind}/${o.name}`, ns);
  const spec = tpl.spec;
  const p = tpl.path;
  const saName = String(spec['serviceAccountName'] ?? spec['serviceAccount'] ?? 'default');
  const saSubject = subjectId('k8s-serviceaccount', saName, ns);
  const sa = serviceAccounts.get(`${ns}/${saName}`);
  const automount =
    typeof spec['automountServiceAccountToken'] === 'boolean'
      ? (spec['automountServiceAccountToken'] as boolean)
      : typeof sa?.body['automountServiceAccountToken'] === 'boolean'
        ? (sa.body['automountServiceAccountToken'] as boolean)
        : true;
  const roleArn = sa?.annotations['eks.amazonaws.com/role-arn'];
  const podSc = obj(spec['securityContext']);
  const volumes = new Map<string, Obj>();
  for (const v of arr(spec['volumes']).map(obj)) if (typeof v['name'] === 'string') volumes.set(v['name'], v);
  const grants: Grant[] = [];
  const at = (...path: (string | number)[]) => locate(o.origin, [...p, ...path]);
  const hostFlag = (flag: 'hostNetwork' | 'hostPID' | 'hostIPC') => {
    if (spec[flag] === true)
      grants.push(
        makeGrant({
          subject,
          domain: 'host',
          effect: 'allow',
          action: flag,
          target: { domain: 'host' },
          source: at(flag),
          inherentRisk: hostPrivilegeRisk(flag),
        }),
      );
    return spec[flag] === true;
  };
  const hostNetwork = hostFlag('hostNetwork');
  const hostPID = hostFlag('hostPID');
  const hostIPC = hostFlag('hostIPC');
  const containers: DeclaredContainer[] = [];
  const lists: ['containers' | 'initContainers', Obj[]][] = [
    ['containers', arr(spec['containers']).map(obj)],
    ['initContainers', arr(spec['initContainers']).map(obj)],
  ];
  for (const [listName, list] of lists) {
    for (const [ci, c] of list.entries()) {
      const name = String(c['name'] ?? `#${ci}`);
      const sc = obj(c['securityContext']);
      const cp = [listName, ci] as const;
      const privileged = sc['privileged'] === true;
      const caps = obj(sc['capabilities']);
      const drop = arr(caps['drop']).map((x) => normaliseCapability(String(x)));
      const add = arr(caps['add']).map((x) => normaliseCapability(String(x)));
      let bounding: string[];
      if (privileged) bounding = [...ALL_CAPABILITIES];
      else {
        const base = drop.includes('CAP_ALL')
          ? []
          : DEFAULT_CONTAINER_CAPABILITIES.filter((x) => !drop.includes(x));
        bounding = [...new Set([...base, ...add.filter((x) => x !== 'CAP_ALL')])];
        if (add.includes('CAP_ALL')) bounding = [...ALL_CAPABILITIES];
      }
      for (const cap of bounding) {
        const addIndex = add.indexOf(cap);
        grants.push(
          makeGrant({
            subject,
            domain: 'capability',
            effect: 'allow',
            action: cap,
            target: { domain: 'capability', container: name },
            source: privileged
              ? at(...cp, 'securityContext', 'privileged')
              : addIndex >= 0
                ? at(...cp, 'securityContext', 'capabilities', 'add', addIndex)
                : { ...at(...cp), via: ['container runtime default capabilities'] },
            inherentRisk: capabilityRisk(cap),
          }),
        );
      }
      if (privileged)
        grants.push(
          makeGrant({
            subject,
            domain: 'host',
            effect: 'allow',
            action: 'privileged',
            target: { domain: 'host', container: name },
            source: at(...cp, 'securityContext', 'privileged'),
            inherentRisk: hostPrivilegeRisk('privileged'),
          }),
        );
      const runAsUser = sc['runAsUser'] ?? podSc['runAsUser'];
      const runAsNonRoot = sc['runAsNonRoot'] ?? podSc['runAsNonRoot'];
      const runAsRoot: boolean | 'possible' =
        runAsUser === 0
          ? true
          : typeof runAsUser === 'number'
            ? false
            : runAsNonRoot === true
              ? false
              : 'possible';
      if (runAsRoot !== false)
        grants.push(
          makeGrant({
            subject,
            domain: 'host',
            effect: 'allow',
            action: 'runAsRoot',
            target: { domain: 'host', container: name },
            source: at(...cp, ...(sc['runAsUser'] !== undefined ? ['securityContext', 'runAsUser'] : [])),
            inherentRisk: hostPrivilegeRisk('runAsRoot'),
          }),
        );
      const allowPrivilegeEscalation = privileged || sc['allowPrivilegeEscalation'] !== false;
      if (allowPrivilegeEscalation)
        grants.push(
          makeGrant({
            subject,
            domain: 'host',
            effect: 'allow',
            action: 'allowPrivilegeEscalation',
            target: { domain: 'host', container: name },
            source: at(...cp),
            inherentRisk: hostPrivilegeRisk('allowPrivilegeEscalation'),
          }),
        );
      const readOnlyRootFilesystem = sc['readOnlyRootFilesystem'] === true;
      if (!readOnlyRootFilesystem)
        grants.push(
          makeGrant({
            subject,
            domain: 'file',
            effect: 'allow',
            action: 'write',
            target: { domain: 'file', path: '/', backing: 'rootfs', container: name },
            source: at(...cp),
            inherentRisk: fileRisk('rootfs', undefined, 'write'),
          }),
        );
      const mounts: DeclaredContainer['mounts'] = [];
      for (const [mi, m] of arr(c['volumeMounts']).map(obj).entries()) {
        const vname = String(m['name'] ?? '');
        const mountPath = String(m['mountPath'] ?? '');
        const vol = volumes.get(vname);
        const { backing, sourceName } = vol ? volumeBacking(vol) : { backing: 'other' as const };
        const readOnly = m['readOnly'] === true || READ_ONLY_BACKINGS.has(backing);
        mounts.push({ mountPath, volume: vname, readOnly, backing });
        for (const access of readOnly ? (['read'] as const) : (['read', 'write'] as const))
          grants.push(
            makeGrant({
              subject,
              domain: 'file',
              effect: 'allow',
              action: access,
              target: {
                domain: 'file',
                path: mountPath,
                backing: backing as 'other',
                ...(sourceName ? { sourceName } : {}),
                container: name,
              },
              source: at(...cp, 'volumeMounts', mi),
              inherentRisk: fileRisk(backing, sourceName, access),
            }),
          );
      }
      if (automount && !mounts.some((m) => m.mountPath === SERVICE_ACCOUNT_TOKEN_DIR)) {
        mounts.push({
          mountPath: SERVICE_ACCOUNT_TOKEN_DIR,
          volume: '(automount)',
          readOnly: true,
          backing: 'serviceAccountToken',
        });
        grants.push(
          makeGrant({
            subject,
            domain: 'file',
            effect: 'allow',
            action: 'read',
            target: {
              domain: 'file',
              path: SERVICE_ACCOUNT_TOKEN_DIR,
              backing: 'serviceAccountToken',
              container: name,
            },
            source: {
              ...at(
                ...(spec['automountServiceAccountToken'] !== undefined
                  ? ['automountServiceAccountToken']
                  : []),
              ),
              via: [`ServiceAccount/${ns}/${saName} token automount`],
            },
            inherentRisk: fileRisk('serviceAccountToken', undefined, 'read'),
          }),
        );
      }
      containers.push({
        name,
        ...(typeof c['image'] === 'string' ? { image: c['image'] } : {}),
        capabilities: bounding,
        privileged,
        runAsRoot,
        readOnlyRootFilesystem,
        allowPrivilegeEscalation,
        mounts,
      });
    }
  }
  const workload: DeclaredWorkload = {
    subject,
    kind: o.kind,
    name: o.name,
    namespace: ns,
    serviceAccount: saSubject,
    labels: tpl.labels,
    automountToken: automount,
    hostNetwork,
    hostPID,
    hostIPC,
    containers,
    egressPolicies: [],
    ...(roleArn ? { awsRole: subjectId('aws-principal', roleArn) } : {}),
    source: { ...locate(o.origin, []), via: [] },
    manifest: o.body,
  };
  return { workload, grants };
}

interface NetworkPolicyPeer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}
interface NetworkPolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number | string;
  endPort?: number;
}

/**
 * Adds egress grants to a workload from the NetworkPolicies in its namespace
 * that select its pods. No policy with egress selecting the pods means egress
 * is unrestricted: one grant to `*` on every port.
 */
export function egressGrants(
  w: DeclaredWorkload,
  policies: readonly K8sObject[],
  warnings: DeclaredWarning[],
): Grant[] {
  const grants: Grant[] = [];
  for (const np of policies) {
    if ((np.namespace ?? 'default') !== w.namespace) continue;
    const spec = obj(np.body['spec']);
    const types = arr(spec['policyTypes']).map(String);
    const hasEgress = types.length > 0 ? types.includes('Egress') : spec['egress'] !== undefined;
    if (!hasEgress) continue;
    const sel = (spec['podSelector'] ?? {}) as LabelSelector;
    if (!selectorMatches(sel, w.labels)) continue;
    w.egressPolicies.push(`${w.namespace}/${np.name}`);
    for (const [ri, rule] of arr(spec['egress']).map(obj).entries()) {
      const peers = arr(rule['to']) as NetworkPolicyPeer[];
      const ports: { protocol: 'TCP' | 'UDP' | 'SCTP'; port?: number; endPort?: number }[] = [];
      for (const [pi, port] of (arr(rule['ports']) as NetworkPolicyPort[]).entries()) {
        if (typeof port.port === 'string') {
          const loc = locate(np.origin, ['spec', 'egress', ri, 'ports', pi, 'port']);
          warnings.push({
            file: loc.file,
            path: loc.path,
            ...(loc.line ? { line: loc.line } : {}),
            message: `named port ${port.port} cannot be resolved without the destination pods; treated as any port`,
          });
        }
        ports.push({
          protocol: port.protocol ?? 'TCP',
          ...(typeof port.port === 'number' ? { port: port.port } : {}),
          ...(typeof port.endPort === 'number' ? { endPort: port.endPort } : {}),
        });
      }
      const targets: { peer: string; except: string[]; path: (string | number)[] }[] =
        peers.length === 0
          ? [{ peer: '*', except: [], path: ['spec', 'egress', ri] }]
          : peers.map((peer, pi) => ({
              peer: peer.ipBlock
                ? peer.ipBlock.cidr
                : `selector:${peer.namespaceSelector ? `ns[${selectorText(peer.namespaceSelector)}]` : ''}${peer.podSelector ? `pod[${selectorText(peer.podSelector)}]` : ''}`,
              except: peer.ipBlock?.except ?? [],
              path: ['spec', 'egress', ri, 'to', pi],
            }));
      for (const t of targets)
        grants.push(
          makeGrant({
            subject: w.subject,
            domain: 'network-egress',
            effect: 'allow',
            action: 'connect',
            target: { domain: 'network-egress', peer: t.peer, except: t.except, ports },
            source: { ...locate(np.origin, t.path), via: [`NetworkPolicy/${w.namespace}/${np.name}`] },
            inherentRisk: egressRisk(t.peer, ports),
          }),
        );
    }
  }
  if (w.egressPolicies.length === 0)
    grants.push(
      makeGrant({
        subject: w.subject,
        domain: 'network-egress',
        effect: 'allow',
        action: 'connect',
        target: { domain: 'network-egress', peer: '*', except: [], ports: [] },
        source: { ...w.source, via: ['no NetworkPolicy selects these pods for egress'] },
        inherentRisk: egressRisk('*', []),
      }),
    );
  return grants;
}

/** Service accounts declared or referenced by workloads, as subjects (with their IRSA role). */
export function serviceAccountSubjects(
  serviceAccounts: ReadonlyMap<string, K8sObject>,
  workloads: readonly DeclaredWorkload[],
): DeclaredSubject[] {
  const out = new Map<string, DeclaredSubject>();
  for (const [key, sa] of serviceAccounts) {
    const [ns, name] = key.split('/') as [string, string];
    const id = subjectId('k8s-serviceaccount', name, ns);
    const role = sa.annotations['eks.amazonaws.com/role-arn'];
    out.set(id, {
      id,
      kind: 'k8s-serviceaccount',
      name,
      namespace: ns,
      ...(role ? { awsRole: subjectId('aws-principal', role) } : {}),
    });
  }
  for (const w of workloads)
    if (!out.has(w.serviceAccount)) {
      const m = /^k8s:serviceaccount:([^/]+)\/(.+)$/.exec(w.serviceAccount)!;
      out.set(w.serviceAccount, {
        id: w.serviceAccount,
        kind: 'k8s-serviceaccount',
        name: m[2]!,
        namespace: m[1]!,
      });
    }
  return [...out.values()];
}
