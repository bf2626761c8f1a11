import { createRequire } from 'node:module';
import type { ValidationIssue } from '../../errors/vigil-error.js';

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: never) => Validatable;

/**
 * The object kinds Vigil reads and writes, by `apiVersion/kind`: the
 * `kubernetes-models` module and export holding its OpenAPI-schema validator.
 * The models are loaded on first use: together they take longer to load than
 * the rest of core, and most programs never validate a manifest.
 */
const MODELS: Readonly<Record<string, readonly [module: string, name: string]>> = {
  'rbac.authorization.k8s.io/v1/Role': ['rbac.authorization.k8s.io/v1/Role', 'Role'],
  'rbac.authorization.k8s.io/v1/ClusterRole': ['rbac.authorization.k8s.io/v1/ClusterRole', 'ClusterRole'],
  'rbac.authorization.k8s.io/v1/RoleBinding': ['rbac.authorization.k8s.io/v1/RoleBinding', 'RoleBinding'],
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': [
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    'ClusterRoleBinding',
  ],
  'networking.k8s.io/v1/NetworkPolicy': ['networking.k8s.io/v1/NetworkPolicy', 'NetworkPolicy'],
  'v1/Pod': ['v1/Pod', 'Pod'],
  'v1/ServiceAccount': ['v1/ServiceAccount', 'ServiceAccount'],
  'apps/v1/Deployment': ['apps/v1/Deployment', 'Deployment'],
  'apps/v1/StatefulSet': ['apps/v1/StatefulSet', 'StatefulSet'],
  'apps/v1/DaemonSet': ['apps/v1/DaemonSet', 'DaemonSet'],
  'apps/v1/ReplicaSet': ['apps/v1/ReplicaSet', 'ReplicaSet'],
  'batch/v1/Job': ['batch/v1/Job', 'Job'],
  'batch/v1/CronJob': ['batch/v1/CronJob', 'CronJob'],
};

const loaded = new Map<string, ModelCtor>();

function model(key: string): ModelCtor | undefined {
  const where = MODELS[key];
  if (!where) return undefined;
  let ctor = loaded.get(key);
  if (!ctor) {
    const mod = createRequire(import.meta.url)(`kubernetes-models/${where[0]}`) as Record<string, unknown>;
    ctor = mod[where[1]] as ModelCtor;
    loaded.set(key, ctor);
  }
  return ctor;
}

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
  const Model = model(`${apiVersion}/${kind}`);
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
