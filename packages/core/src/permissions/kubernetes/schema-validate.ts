import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { ValidationIssue } from '../../errors/vigil-error.js';

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: never) => Validatable;

/** The object kinds Vigil reads and writes, by `apiVersion/kind`, with their OpenAPI-schema validators. */
const MODELS: Record<string, ModelCtor> = {
  'rbac.authorization.k8s.io/v1/Role': Role as unknown as ModelCtor,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as ModelCtor,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as unknown as ModelCtor,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as ModelCtor,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelCtor,
  'v1/Pod': Pod as unknown as ModelCtor,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelCtor,
  'apps/v1/Deployment': Deployment as unknown as ModelCtor,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelCtor,
  'apps/v1/DaemonSet': DaemonSet as unknown as ModelCtor,
  'apps/v1/ReplicaSet': ReplicaSet as unknown as ModelCtor,
  'batch/v1/Job': Job as unknown as ModelCtor,
  'batch/v1/CronJob': CronJob as unknown as ModelCtor,
};

/** `apiVersion/kind` pairs {@link validateKubernetesObject} knows the schema of. */
export const VALIDATED_KUBERNETES_KINDS: readonly string[] = Object.keys(MODELS);

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function pathOf(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Validates a Kubernetes object against the OpenAPI schema of its
 * `apiVersion` and `kind` (the schemas the API server publishes, bundled by
 * `kubernetes-models`). Returns the issues with their paths; an empty array
 * means valid. Kinds Vigil does not know return one issue saying so.
 *
 * @example
 * ```ts
 * import { validateKubernetesObject } from '@vigil/core';
 *
 * validateKubernetesObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role',
 *   metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'] }] });
 * // [{ path: ['rules', 0], message: 'must have required property verbs' }]
 * ```
 */
export function validateKubernetesObject(obj: unknown): ValidationIssue[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    return [{ path: [], message: 'expected a Kubernetes object (a mapping)' }];
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return [{ path: [], message: 'expected string fields apiVersion and kind' }];
  const Model = MODELS[`${apiVersion}/${kind}`];
  if (!Model) return [{ path: ['kind'], message: `no schema known for ${apiVersion} ${kind}` }];
  try {
    new Model(obj as never).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvIssue[] }).errors;
    if (!Array.isArray(errors)) return [{ path: [], message: (err as Error).message }];
    return errors.map((e) => ({
      path: pathOf(e.instancePath ?? ''),
      message: `${e.message ?? 'invalid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params['allowedValues'])})` : ''}`,
    }));
  }
}
