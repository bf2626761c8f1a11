import type { WorkloadRef } from '../workload/workload-ref.js';

/** Which baseline a workload's behaviour belongs to. */
export interface BaselineKey {
  /** What the baseline describes, the same for every replica of a workload. */
  readonly subject: string;
  /** The image and model version; a new version starts a new baseline. */
  readonly versionKey: string;
}

/** Maps a workload to its baseline key. Replace it to group workloads your own way. */
export type BaselineKeyFn = (workload: WorkloadRef) => BaselineKey;

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

/** Labels that name a model version, read into the version key when present. */
export const MODEL_VERSION_LABELS: readonly string[] = ['vigil.dev/model-version', 'ai.vigil.dev/model'];
/** Labels that name an application version, used when the workload has no image. */
export const APP_VERSION_LABELS: readonly string[] = ['app.kubernetes.io/version', 'vigil.dev/version'];

/**
 * The default {@link BaselineKeyFn}: Kubernetes pods key on namespace,
 * replica name and container, so every replica of a Deployment shares one
 * baseline; other workloads key on their id. The version key is the image
 * (or an app-version label) plus a model-version label when one is set.
 *
 * @example
 * ```ts
 * import { defaultBaselineKey } from '@vigil/core';
 *
 * defaultBaselineKey({ id: 'k8s:…', kind: 'kubernetes-pod', namespace: 'ai', pod: 'agent-7d9f8c6b5-x2kq9',
 *   container: 'agent', image: 'ghcr.io/acme/agent:1.4', labels: {} });
 * // { subject: 'k8s:ai/agent/agent', versionKey: 'ghcr.io/acme/agent:1.4' }
 * ```
 */
export function defaultBaselineKey(workload: WorkloadRef): BaselineKey {
  let subject: string;
  if (workload.kind === 'kubernetes-pod' && workload.namespace !== undefined && workload.pod !== undefined) {
    subject = `k8s:${workload.namespace}/${replicaName(workload.pod)}/${workload.container ?? workload.name ?? '-'}`;
  } else {
    subject = workload.id;
  }
  const labels = workload.labels ?? {};
  let version = workload.image;
  if (version === undefined) {
    for (const l of APP_VERSION_LABELS) {
      if (labels[l] !== undefined) {
        version = labels[l];
        break;
      }
    }
  }
  let model: string | undefined;
  for (const l of MODEL_VERSION_LABELS) {
    if (labels[l] !== undefined) {
      model = labels[l];
      break;
    }
  }
  const versionKey = `${version ?? 'unversioned'}${model !== undefined ? ` model=${model}` : ''}`;
  return { subject, versionKey };
}

/**
 * The string a baseline key is indexed by.
 *
 * @example
 * ```ts
 * const index = new Map([[baselineKeyString(b), b]]);
 * ```
 */
export function baselineKeyString(key: BaselineKey): string {
  return `${key.subject}\u0000${key.versionKey}`;
}
