import type { PodIndex } from './kubelet-pods.js';
import type { WorkloadRef } from './workload-ref.js';

/** Label on a {@link WorkloadRef} naming the kind of the workload that owns a pod (`Deployment`). */
export const OWNER_KIND_LABEL = 'vigil.dev/owner-kind';
/** Label on a {@link WorkloadRef} naming the workload that owns a pod (`agent`). */
export const OWNER_NAME_LABEL = 'vigil.dev/owner-name';
/** Label on a {@link WorkloadRef} holding the image digest the runtime reported (`sha256:…`). */
export const IMAGE_DIGEST_LABEL = 'vigil.dev/image-digest';
/** Label on a {@link WorkloadRef} naming the node it ran on. */
export const NODE_LABEL = 'vigil.dev/node';

/**
 * Adds what the kubelet knows to a workload read from a cgroup path: the
 * namespace, pod, container name, image (and digest), service account, the
 * owning workload (as {@link OWNER_KIND_LABEL} and {@link OWNER_NAME_LABEL})
 * and the pod's labels. The id stays the container's; the baseline key
 * (`defaultBaselineKey`) groups the replicas of one owner. A workload
 * the index does not know (not a pod, or a pod the kubelet has not listed
 * yet) is returned unchanged.
 *
 * @example
 * ```ts
 * import { kubernetesWorkload, PodIndex, workloadFromCgroupPath } from '@vigil/core';
 *
 * const w = kubernetesWorkload(workloadFromCgroupPath(path), new PodIndex(pods));
 * w.namespace; // 'ai'
 * w.labels['vigil.dev/owner-name']; // 'agent'
 * ```
 */
export function kubernetesWorkload(ref: WorkloadRef, index: PodIndex, node?: string): WorkloadRef {
  if (ref.kind !== 'kubernetes-pod' && ref.containerId === undefined) return ref;
  const byContainer = ref.containerId !== undefined ? index.container(ref.containerId) : undefined;
  const pod = byContainer?.pod ?? (ref.podUid !== undefined ? index.pod(ref.podUid) : undefined);
  if (pod === undefined) return ref;
  const container = byContainer?.container;
  const labels: Record<string, string> = {
    ...pod.labels,
    ...ref.labels,
    [OWNER_KIND_LABEL]: pod.owner.kind,
    [OWNER_NAME_LABEL]: pod.owner.name,
  };
  if (container?.imageDigest !== undefined) labels[IMAGE_DIGEST_LABEL] = container.imageDigest;
  const nodeName = node ?? pod.nodeName;
  if (nodeName !== undefined) labels[NODE_LABEL] = nodeName;
  const qos = pod.qosClass?.toLowerCase();
  return {
    ...ref,
    kind: 'kubernetes-pod',
    name: container ? `${pod.namespace}/${pod.name}/${container.name}` : `${pod.namespace}/${pod.name}`,
    namespace: pod.namespace,
    pod: pod.name,
    podUid: pod.uid,
    ...(container ? { container: container.name } : {}),
    ...(container?.image !== undefined ? { image: container.image } : {}),
    ...(pod.serviceAccount !== undefined ? { serviceAccount: pod.serviceAccount } : {}),
    ...(ref.qosClass === undefined && (qos === 'guaranteed' || qos === 'burstable' || qos === 'besteffort')
      ? { qosClass: qos }
      : {}),
    labels,
  };
}

/**
 * The identity replicas of one workload share, as people read it:
 * `k8s:NAMESPACE/OWNER/CONTAINER` for pods (the owner from
 * {@link OWNER_NAME_LABEL}, or the pod name without its replica suffix), the
 * workload id otherwise. The subject of the workload's baseline.
 *
 * @example
 * ```ts
 * workloadIdentity(w); // 'k8s:ai/agent/agent'
 * ```
 */
export function workloadIdentity(ref: WorkloadRef): string {
  if (ref.kind === 'kubernetes-pod' && ref.namespace !== undefined && ref.pod !== undefined) {
    const owner = ref.labels?.[OWNER_NAME_LABEL] ?? replicaName(ref.pod);
    return `k8s:${ref.namespace}/${owner}/${ref.container ?? ref.name ?? '-'}`;
  }
  return ref.id;
}

// ReplicaSet pod names end in -<hash>-<5 chars>, StatefulSet pods in -<ordinal>, Job pods in -<5 chars>.
const REPLICASET_POD = /-[a-z0-9]{6,10}-[a-z0-9]{5}$/;
const SHORT_SUFFIX = /-[a-z0-9]{5}$/;
const ORDINAL = /-\d+$/;

/**
 * The workload name replicas share: a pod name without its ReplicaSet hash
 * and random suffix (`agent-7d9f8c6b5-x2kq9` → `agent`).
 *
 * @example
 * ```ts
 * replicaName('agent-7d9f8c6b5-x2kq9'); // 'agent'
 * replicaName('db-0'); // 'db'
 * ```
 */
export function replicaName(pod: string): string {
  if (REPLICASET_POD.test(pod)) return pod.replace(REPLICASET_POD, '');
  if (ORDINAL.test(pod)) return pod.replace(ORDINAL, '');
  if (SHORT_SUFFIX.test(pod)) return pod.replace(SHORT_SUFFIX, '');
  return pod;
}
