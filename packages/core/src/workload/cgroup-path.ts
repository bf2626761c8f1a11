import type { ContainerRuntime, QosClass, WorkloadRef } from './workload-ref.js';

const HEX64 = /^[0-9a-f]{64}$/;
// Pod UIDs appear with '-' under the cgroupfs driver and with '_' under the systemd driver.
const POD_UID = /^[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}$/;

/** What a cgroup v2 path says about the workload inside it. */
export interface CgroupIdentity {
  readonly kind: WorkloadRef['kind'];
  readonly podUid?: string;
  readonly qosClass?: QosClass;
  readonly containerId?: string;
  readonly runtime?: ContainerRuntime;
  readonly unit?: string;
  readonly uid?: number;
}

interface ContainerMatch {
  runtime: ContainerRuntime;
  id: string;
}

// A leaf segment that names a container, in the forms runtimes and drivers write.
function matchContainerSegment(seg: string): ContainerMatch | undefined {
  if (HEX64.test(seg)) return { runtime: 'unknown', id: seg };
  const scope = /^(cri-containerd|crio|docker|libpod)-([0-9a-f]{64})\.scope$/.exec(seg);
  if (scope) {
    const prefix = scope[1]!;
    const runtime: ContainerRuntime =
      prefix === 'cri-containerd'
        ? 'containerd'
        : prefix === 'crio'
          ? 'cri-o'
          : prefix === 'docker'
            ? 'docker'
            : 'podman';
    return { runtime, id: scope[2]! };
  }
  return undefined;
}

function normalisePodUid(raw: string): string {
  return raw.replace(/_/g, '-');
}

/**
 * Reads workload identity from a cgroup v2 path (as in `/proc/PID/cgroup`,
 * without the `0::` prefix): Kubernetes pods under either cgroup driver and
 * every QoS class, containerd, CRI-O, Docker and Podman scopes, systemd
 * services and scopes, and user sessions. Runtime helpers such as
 * `crio-conmon-*.scope` and the runtimes' own services are not containers.
 *
 * @example
 * ```ts
 * parseCgroupPath('/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/cri-containerd-' + 'a'.repeat(64) + '.scope');
 * // { kind: 'kubernetes-pod', podUid: '0a1b2c3d-4e5f-6789-abcd-ef0123456789', qosClass: 'besteffort', containerId: 'aaa…', runtime: 'containerd' }
 * ```
 */
export function parseCgroupPath(path: string): CgroupIdentity {
  const segs = path.split('/').filter((s) => s.length > 0);
  if (segs.length === 0) return { kind: 'host' };

  // Kubernetes: cgroupfs driver (/kubepods/[qos/]pod<uid>/<id>) or systemd driver
  // (/kubepods.slice/[kubepods-<qos>.slice/]kubepods-[<qos>-]pod<uid>.slice/<runtime>-<id>.scope).
  const kubeIdx = segs.findIndex((s) => s === 'kubepods' || s === 'kubepods.slice');
  if (kubeIdx >= 0) {
    let podUid: string | undefined;
    let qosClass: QosClass = 'guaranteed';
    let podIdx = -1;
    for (let i = kubeIdx + 1; i < segs.length; i++) {
      const seg = segs[i]!;
      if (seg === 'burstable' || seg === 'besteffort') qosClass = seg;
      const qosSlice = /^kubepods-(burstable|besteffort)\.slice$/.exec(seg);
      if (qosSlice) qosClass = qosSlice[1] as QosClass;
      const fsPod = /^pod(.+)$/.exec(seg);
      const sdPod = /^kubepods-(?:(burstable|besteffort)-)?pod(.+)\.slice$/.exec(seg);
      const candidate = sdPod ? sdPod[2] : fsPod ? fsPod[1] : undefined;
      if (candidate !== undefined && POD_UID.test(candidate)) {
        podUid = normalisePodUid(candidate);
        if (sdPod?.[1]) qosClass = sdPod[1] as QosClass;
        podIdx = i;
        break;
      }
    }
    if (podUid === undefined) return { kind: 'cgroup' };
    const next = segs[podIdx + 1];
    const container = next !== undefined ? matchContainerSegment(next) : undefined;
    if (container) {
      return {
        kind: 'kubernetes-pod',
        podUid,
        qosClass,
        containerId: container.id,
        runtime: container.runtime,
      };
    }
    return { kind: 'kubernetes-pod', podUid, qosClass };
  }

  // Plain containers outside Kubernetes: the deepest segment that names one.
  for (let i = segs.length - 1; i >= 0; i--) {
    const seg = segs[i]!;
    const m = matchContainerSegment(seg);
    if (!m) continue;
    // A bare 64-hex segment is a container only under a runtime's parent (cgroupfs driver).
    if (m.runtime === 'unknown') {
      const parent = segs[i - 1];
      if (parent === 'docker') return { kind: 'container', containerId: m.id, runtime: 'docker' };
      if (parent === 'libpod_parent' || parent?.startsWith('libpod-')) {
        return { kind: 'container', containerId: m.id, runtime: 'podman' };
      }
      continue;
    }
    return { kind: 'container', containerId: m.id, runtime: m.runtime };
  }

  const last = segs[segs.length - 1]!;
  const userSlice = segs.map((s) => /^user-(\d+)\.slice$/.exec(s)).find((m) => m !== null);
  const uid = userSlice ? Number(userSlice[1]) : undefined;
  const withUid = <T extends object>(o: T): T & { uid?: number } => (uid === undefined ? o : { ...o, uid });

  if (last.endsWith('.service')) return withUid({ kind: 'systemd-service' as const, unit: last });
  if (/^session-[^/]+\.scope$/.test(last)) return withUid({ kind: 'user-session' as const, unit: last });
  if (last.endsWith('.scope')) return withUid({ kind: 'systemd-scope' as const, unit: last });
  // A process inside a service's sub-cgroup (e.g. `user@1000.service/app.slice/x`) belongs to the nearest unit.
  for (let i = segs.length - 1; i >= 0; i--) {
    const seg = segs[i]!;
    if (seg.endsWith('.service')) return withUid({ kind: 'systemd-service' as const, unit: seg });
    if (seg.endsWith('.scope')) return withUid({ kind: 'systemd-scope' as const, unit: seg });
  }
  return withUid({ kind: 'cgroup' as const });
}

/**
 * Builds a {@link WorkloadRef} from a cgroup v2 path. The id is stable for the
 * life of the cgroup: a container id, a pod UID, a systemd unit or the path.
 * The runs `vigil record` makes (`/vigil-NAME/run-…`) all get the id
 * `cgroup:/vigil-NAME`: one workload, many runs.
 *
 * @example
 * ```ts
 * workloadFromCgroupPath('/system.slice/nginx.service').id; // 'systemd:/system.slice/nginx.service'
 * ```
 */
export function workloadFromCgroupPath(path: string, cgroupId?: string): WorkloadRef {
  const ident = parseCgroupPath(path);
  const base = { cgroupPath: path, labels: {} as Record<string, string>, ...(cgroupId ? { cgroupId } : {}) };
  const short = (id: string) => id.slice(0, 12);
  switch (ident.kind) {
    case 'host':
      return { ...base, id: 'host', kind: 'host', name: 'host' };
    case 'kubernetes-pod':
      return {
        ...base,
        id: ident.containerId ? `k8s:${ident.podUid}/${short(ident.containerId)}` : `k8s:${ident.podUid}`,
        kind: 'kubernetes-pod',
        name: ident.containerId
          ? `pod ${ident.podUid} container ${short(ident.containerId)}`
          : `pod ${ident.podUid}`,
        ...(ident.podUid ? { podUid: ident.podUid } : {}),
        ...(ident.qosClass ? { qosClass: ident.qosClass } : {}),
        ...(ident.containerId ? { containerId: ident.containerId } : {}),
        ...(ident.runtime ? { runtime: ident.runtime } : {}),
      };
    case 'container':
      return {
        ...base,
        id: `container:${short(ident.containerId!)}`,
        kind: 'container',
        name: `${ident.runtime} ${short(ident.containerId!)}`,
        containerId: ident.containerId!,
        runtime: ident.runtime ?? 'unknown',
      };
    default: {
      // A `vigil record` run: the parent names the workload, the leaf names one run of it.
      const run = ident.kind === 'cgroup' ? RECORDING_RUN.exec(path) : null;
      if (run) return { ...base, id: `cgroup:/vigil-${run[1]!}`, kind: 'cgroup', name: run[1]! };
      return {
        ...base,
        id: ident.unit ? `systemd:${path}` : `cgroup:${path}`,
        kind: ident.kind,
        name: ident.unit ?? path,
        ...(ident.unit ? { unit: ident.unit } : {}),
        ...(ident.uid !== undefined ? { uid: ident.uid } : {}),
      };
    }
  }
}

// `vigil record` puts each run of workload NAME in /vigil-NAME/run-….
const RECORDING_RUN = /^\/vigil-([A-Za-z0-9_.-]{1,64})\/run-[A-Za-z0-9_.-]+$/;
