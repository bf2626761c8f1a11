import { z } from 'zod';
import type { EventOf } from '../../events/schema.js';
import { isoToNs } from '../../readers/stream-text.js';
import { lazySchema } from '../../schemas/lazy.js';
import type { WorkloadRef } from '../../workload/workload-ref.js';

/** The fields of an `audit.k8s.io/v1` Event that Vigil reads. */
export const KubernetesAuditEventSchema = lazySchema(() =>
  z.object({
    apiVersion: z.literal('audit.k8s.io/v1'),
    kind: z.literal('Event'),
    level: z.string().optional(),
    auditID: z.string().optional(),
    stage: z.enum(['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic']),
    requestURI: z.string(),
    verb: z.string().min(1),
    user: z.object({ username: z.string().optional(), groups: z.array(z.string()).optional() }).passthrough(),
    impersonatedUser: z.object({ username: z.string().optional() }).passthrough().optional(),
    sourceIPs: z.array(z.string()).optional(),
    userAgent: z.string().optional(),
    objectRef: z
      .object({
        resource: z.string().optional(),
        namespace: z.string().optional(),
        name: z.string().optional(),
        apiGroup: z.string().optional(),
        apiVersion: z.string().optional(),
        subresource: z.string().optional(),
      })
      .passthrough()
      .optional(),
    responseStatus: z.object({ code: z.number().int().optional() }).passthrough().optional(),
    requestReceivedTimestamp: z.string().optional(),
    stageTimestamp: z.string().optional(),
  }),
);
/** @see {@link KubernetesAuditEventSchema} */
export interface KubernetesAuditEvent {
  apiVersion: 'audit.k8s.io/v1';
  kind: 'Event';
  level?: string | undefined;
  auditID?: string | undefined;
  stage: 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
  requestURI: string;
  verb: string;
  user: {
    [key: string]: unknown;
    username?: string | undefined;
    groups?: string[] | undefined;
  };
  impersonatedUser?:
    | {
        [key: string]: unknown;
        username?: string | undefined;
      }
    | undefined;
  sourceIPs?: string[] | undefined;
  userAgent?: string | undefined;
  objectRef?:
    | {
        [key: string]: unknown;
        resource?: string | undefined;
        namespace?: string | undefined;
        name?: string | undefined;
        apiGroup?: string | undefined;
        apiVersion?: string | undefined;
        subresource?: string | undefined;
      }
    | undefined;
  responseStatus?:
    | {
        [key: string]: unknown;
        code?: number | undefined;
      }
    | undefined;
  requestReceivedTimestamp?: string | undefined;
  stageTimestamp?: string | undefined;
}

function auditWorkload(user: string): WorkloadRef {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return sa
    ? {
        id: `k8s:serviceaccount:${sa[1]}/${sa[2]}`,
        kind: 'external',
        name: sa[2]!,
        namespace: sa[1]!,
        serviceAccount: sa[2]!,
        labels: {},
      }
    : { id: `k8s:user:${user}`, kind: 'external', name: user, labels: {} };
}

/**
 * Converts one audit event into a `k8s.api` event, or `undefined` for stages
 * other than `ResponseComplete` and `Panic` (each request is counted once).
 *
 * @example
 * ```ts
 * import { auditEventToVigil, KubernetesAuditEventSchema } from '@vigil/core';
 *
 * const ev = auditEventToVigil(KubernetesAuditEventSchema.parse(JSON.parse(line)));
 * ```
 */
export function auditEventToVigil(a: KubernetesAuditEvent): EventOf<'k8s.api'> | undefined {
  if (a.stage !== 'ResponseComplete' && a.stage !== 'Panic') return undefined;
  const user = a.impersonatedUser?.username ?? a.user.username ?? 'system:anonymous';
  const ts = isoToNs(a.stageTimestamp ?? a.requestReceivedTimestamp ?? '') ?? 0;
  const o = a.objectRef;
  const code = a.responseStatus?.code ?? (a.stage === 'Panic' ? 500 : undefined);
  const base = {
    kind: 'k8s.api' as const,
    ts,
    workload: auditWorkload(user),
    pid: 0,
    ppid: 0,
    comm: 'kube-apiserver',
    exe: '',
    source: 'k8s-audit' as const,
    verb: a.verb,
    user,
    ...(code !== undefined ? { responseCode: code } : {}),
  };
  if (!o?.resource) {
    const url = a.requestURI.split('?')[0] ?? a.requestURI;
    return { ...base, resource: '', nonResourceUrl: url };
  }
  return {
    ...base,
    resource: o.resource,
    apiGroup: o.apiGroup ?? '',
    ...(o.subresource ? { subresource: o.subresource } : {}),
    ...(o.namespace ? { namespace: o.namespace } : {}),
    ...(o.name ? { name: o.name } : {}),
  };
}
