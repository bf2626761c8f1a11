import { formatPath, VigilError } from '../../errors/vigil-error.js';
import { documentRecord } from '../../readers/document-value.js';
import { documentError, type LoadedObject } from '../../readers/documents.js';
import { validateKubernetesObject } from './schema-validate.js';

/** A Kubernetes object with its origin. */
export interface K8sObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  /** Namespace from metadata; `undefined` for cluster-scoped objects or when not set. */
  readonly namespace: string | undefined;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly body: Record<string, unknown>;
  readonly origin: LoadedObject;
}

/** Kinds the permission model reads, by kind, with the apiVersions accepted. */
const HANDLED: Record<string, readonly string[]> = {
  Role: ['rbac.authorization.k8s.io/v1'],
  ClusterRole: ['rbac.authorization.k8s.io/v1'],
  RoleBinding: ['rbac.authorization.k8s.io/v1'],
  ClusterRoleBinding: ['rbac.authorization.k8s.io/v1'],
  NetworkPolicy: ['networking.k8s.io/v1'],
  ServiceAccount: ['v1'],
  Pod: ['v1'],
  Deployment: ['apps/v1'],
  StatefulSet: ['apps/v1'],
  DaemonSet: ['apps/v1'],
  ReplicaSet: ['apps/v1'],
  Job: ['batch/v1'],
  CronJob: ['batch/v1'],
};

function stringRecord(v: unknown): Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  const out = documentRecord<string>();
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/**
 * Reads Kubernetes objects from loaded documents. Objects of the kinds the
 * permission model uses are validated against their OpenAPI schema; a
 * document that is not a Kubernetes object is an error; other kinds are
 * returned in `skipped`.
 */
export function readKubernetesObjects(docs: readonly LoadedObject[]): {
  objects: K8sObject[];
  skipped: { origin: LoadedObject; kind: string }[];
} {
  const objects: K8sObject[] = [];
  const skipped: { origin: LoadedObject; kind: string }[] = [];
  for (const doc of docs) {
    const v = doc.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw documentError(
        doc,
        [],
        `expected a Kubernetes object (a mapping), got ${Array.isArray(v) ? 'a sequence' : typeof v}`,
      );
    const body = v as Record<string, unknown>;
    const { kind, apiVersion } = body;
    if (typeof kind !== 'string' || kind.length === 0)
      throw documentError(doc, ['kind'], 'expected a Kubernetes object: string field "kind" is missing');
    if (typeof apiVersion !== 'string' || apiVersion.length === 0)
      throw documentError(doc, ['apiVersion'], `expected string field "apiVersion" on ${kind}`);
    const accepted = HANDLED[kind];
    if (!accepted) {
      skipped.push({ origin: doc, kind });
      continue;
    }
    if (!accepted.includes(apiVersion))
      throw documentError(
        doc,
        ['apiVersion'],
        `${kind} apiVersion ${apiVersion} is not supported (expected ${accepted.join(' or ')})`,
      );
    const issues = validateKubernetesObject(body);
    if (issues.length > 0) {
      const first = issues[0]!;
      const shown = issues
        .slice(0, 3)
        .map((i) => `${i.path.length > 0 ? formatPath(i.path) : '(root)'} ${i.message}`)
        .join('; ');
      const line = doc.line(first.path);
      throw new VigilError(
        'SCHEMA_INVALID',
        `document ${doc.documentIndex + 1}: ${kind} does not match the ${apiVersion} schema: ${shown}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}`,
        {
          location: { file: doc.file, path: [...doc.basePath, ...first.path], ...(line ? { line } : {}) },
          issues: issues.map((i) => ({ path: [...doc.basePath, ...i.path], message: i.message })),
        },
      );
    }
    const metadata = (body['metadata'] ?? {}) as Record<string, unknown>;
    const name = metadata['name'];
    if (typeof name !== 'string' || name.length === 0)
      throw documentError(doc, ['metadata', 'name'], `${kind} has no metadata.name`);
    const ns = metadata['namespace'];
    objects.push({
      kind,
      apiVersion,
      name,
      namespace: typeof ns === 'string' && ns.length > 0 ? ns : undefined,
      labels: stringRecord(metadata['labels']),
      annotations: stringRecord(metadata['annotations']),
      body,
      origin: doc,
    });
  }
  return { objects, skipped };
}

/** A label selector (`matchLabels` and `matchExpressions`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether labels match a selector. An empty selector matches everything;
 * `undefined` matches nothing (as for RBAC aggregation rules).
 */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (selector === undefined || selector === null) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(val!)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(val!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Renders a selector as text, e.g. `app=db,tier in (a,b)`. */
export function selectorText(selector: LabelSelector | undefined): string {
  if (!selector) return '(none)';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? [])
    parts.push(
      e.operator === 'Exists'
        ? e.key
        : e.operator === 'DoesNotExist'
          ? `!${e.key}`
          : `${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`,
    );
  return parts.length === 0 ? '(all)' : parts.join(',');
}
