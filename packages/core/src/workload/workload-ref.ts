import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';

/** What kind of thing a workload is, as far as Vigil could tell. */
export const WorkloadKindSchema = lazySchema(() =>
  z.enum([
    'kubernetes-pod',
    'container',
    'systemd-service',
    'systemd-scope',
    'user-session',
    'cgroup',
    'host',
    'external',
  ]),
);
/** @see {@link WorkloadKindSchema} */
export type WorkloadKind =
  | 'kubernetes-pod'
  | 'container'
  | 'systemd-service'
  | 'systemd-scope'
  | 'user-session'
  | 'cgroup'
  | 'host'
  | 'external';

/** The container runtime that created a container's cgroup. */
export const ContainerRuntimeSchema = lazySchema(() =>
  z.enum(['containerd', 'cri-o', 'docker', 'podman', 'unknown']),
);
/** @see {@link ContainerRuntimeSchema} */
export type ContainerRuntime = 'containerd' | 'cri-o' | 'docker' | 'podman' | 'unknown';

/** Kubernetes QoS class, read from the kubepods cgroup path. */
export const QosClassSchema = lazySchema(() => z.enum(['guaranteed', 'burstable', 'besteffort']));
/** @see {@link QosClassSchema} */
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

/**
 * A reference to the workload an event belongs to. `id` is stable for the life
 * of the workload and is what baselines, findings and reports key on.
 */
export const WorkloadRefSchema = lazySchema(() =>
  z.object({
    /** Stable identifier, e.g. `k8s:pod:1f2e…/container:abc…` or `systemd:nginx.service`. */
    id: z.string().min(1),
    kind: WorkloadKindSchema,
    /** A short human-readable name. */
    name: z.string().optional(),
    namespace: z.string().optional(),
    pod: z.string().optional(),
    podUid: z.string().optional(),
    qosClass: QosClassSchema.optional(),
    container: z.string().optional(),
    containerId: z.string().optional(),
    runtime: ContainerRuntimeSchema.optional(),
    serviceAccount: z.string().optional(),
    image: z.string().optional(),
    /** systemd unit name when the workload is a service or scope. */
    unit: z.string().optional(),
    uid: z.number().int().optional(),
    cgroupPath: z.string().optional(),
    /** The cgroup v2 inode id (what `bpf_get_current_cgroup_id()` returns), as a decimal string. */
    cgroupId: z.string().regex(/^\d+$/).optional(),
    labels: z.record(z.string(), z.string()).default({}),
  }),
);
/** @see {@link WorkloadRefSchema} */
export interface WorkloadRef {
  /** Stable identifier, e.g. `k8s:pod:1f2e…/container:abc…` or `systemd:nginx.service`. */
  id: string;
  kind: WorkloadKind;
  /** A short human-readable name. */
  name?: string | undefined;
  namespace?: string | undefined;
  pod?: string | undefined;
  podUid?: string | undefined;
  qosClass?: QosClass | undefined;
  container?: string | undefined;
  containerId?: string | undefined;
  runtime?: ContainerRuntime | undefined;
  serviceAccount?: string | undefined;
  image?: string | undefined;
  /** systemd unit name when the workload is a service or scope. */
  unit?: string | undefined;
  uid?: number | undefined;
  cgroupPath?: string | undefined;
  /** The cgroup v2 inode id (what `bpf_get_current_cgroup_id()` returns), as a decimal string. */
  cgroupId?: string | undefined;
  labels: Record<string, string>;
}
/** The input form of a {@link WorkloadRef} (labels may be omitted). */
export interface WorkloadRefInput {
  /** Stable identifier, e.g. `k8s:pod:1f2e…/container:abc…` or `systemd:nginx.service`. */
  id: string;
  kind: WorkloadKind;
  /** A short human-readable name. */
  name?: string | undefined;
  namespace?: string | undefined;
  pod?: string | undefined;
  podUid?: string | undefined;
  qosClass?: QosClass | undefined;
  container?: string | undefined;
  containerId?: string | undefined;
  runtime?: ContainerRuntime | undefined;
  serviceAccount?: string | undefined;
  image?: string | undefined;
  /** systemd unit name when the workload is a service or scope. */
  unit?: string | undefined;
  uid?: number | undefined;
  cgroupPath?: string | undefined;
  /** The cgroup v2 inode id (what `bpf_get_current_cgroup_id()` returns), as a decimal string. */
  cgroupId?: string | undefined;
  labels?: Record<string, string> | undefined;
}

/** The workload Vigil uses for events it could not attribute to anything narrower. */
export const HOST_WORKLOAD: WorkloadRef = Object.freeze({
  id: 'host',
  kind: 'host',
  name: 'host',
  labels: {},
});
