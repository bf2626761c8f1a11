import { replicaName, workloadIdentity } from '../workload/kubernetes-workload.js';
import type { WorkloadRef } from '../workload/workload-ref.js';

export { replicaName };

/** Which baseline a workload's behaviour belongs to. */
export interface BaselineKey {
  /** What the baseline describes, the same for every replica of a workload. */
  readonly subject: string;
  /** The image and model version; a new version starts a new baseline. */
  readonly versionKey: string;
}

/** Maps a workload to its baseline key. Replace it to group workloads your own way. */
export type BaselineKeyFn = (workload: WorkloadRef) => BaselineKey;

/** Labels that name a model version, read into the version key when present. */
export const MODEL_VERSION_LABELS: readonly string[] = ['vigil.dev/model-version', 'ai.vigil.dev/model'];
/** Labels that name an application version, used when the workload has no image. */
export const APP_VERSION_LABELS: readonly string[] = ['app.kubernetes.io/version', 'vigil.dev/version'];

/**
 * The default {@link BaselineKeyFn}: Kubernetes pods key on namespace,
 * owning workload (or the replica name) and container ({@link workloadIdentity}), so every replica of a Deployment shares one
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
  const subject = workloadIdentity(workload);
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
