import type { Grant } from '../grant.js';
import { KubernetesDiscovery } from '../kubernetes/discovery.js';
import { grantCovers } from '../match.js';
import type { ObservedUse } from '../observed/use.js';

/** Verbs RBAC can restrict with `resourceNames` (list, watch and create cannot be). */
const NAMEABLE = new Set(['get', 'update', 'patch', 'delete']);

interface RuleKey {
  /** Namespace for a Role; `undefined` for the ClusterRole. */
  namespace: string | undefined;
  apiGroup: string;
  resource: string;
  names: string[] | undefined;
}

type PolicyRule = {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
};

function safeName(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 200) || 'subject'
  );
}

/**
 * The smallest RBAC that allows exactly the observed, granted calls of one
 * service account: a Role + RoleBinding per namespace used, and a ClusterRole
 * + ClusterRoleBinding for cluster-scoped resources, cross-namespace lists
 * and non-resource URLs. `resourceNames` restrict get/update/patch/delete to
 * the objects touched, and anything the declared grants restricted by name.
 * Every rule is inside a declared grant: the result never grants more.
 *
 * @returns the objects (empty when nothing was used) and notes.
 *
 * @example
 * ```ts
 * const { objects } = leastPrivilegeRbac({ name: 'agent', namespace: 'ai' }, apiUses, saGrants);
 * // [Role ai/agent-least-privilege, RoleBinding ai/agent-least-privilege]
 * ```
 */
export function leastPrivilegeRbac(
  serviceAccount: { name: string; namespace: string },
  uses: readonly ObservedUse[],
  declared: readonly Grant[],
  discovery: KubernetesDiscovery = new KubernetesDiscovery(),
): { objects: Record<string, unknown>[]; notes: string[] } {
  const allow = declared.filter((g) => g.domain === 'kubernetes-api' && g.effect === 'allow');
  const rules = new Map<string, { key: RuleKey; verbs: Set<string> }>();
  const nonResource = new Map<string, Set<string>>();
  // (namespace, group, resource, verb) → uses, to decide on resourceNames.
  const buckets = new Map<
    string,
    { ns: string | undefined; group: string; resource: string; verb: string; uses: ObservedUse[] }
  >();
  for (const u of uses) {
    if (u.target.domain !== 'kubernetes-api' || u.count === 0) continue;
    if (!allow.some((g) => grantCovers(g, u))) continue;
    // A call no API server serves (a resource in the wrong group) gets no rule.
    if (
      u.target.nonResourceUrl === undefined &&
      discovery.exists(u.target.apiGroup, u.target.resource, u.target.subresource, u.action) === 'no'
    )
      continue;
    if (u.target.nonResourceUrl !== undefined) {
      const s = nonResource.get(u.target.nonResourceUrl) ?? new Set();
      s.add(u.action);
      nonResource.set(u.target.nonResourceUrl, s);
      continue;
    }
    const resource = u.target.subresource
      ? `${u.target.resource}/${u.target.subresource}`
      : u.target.resource;
    const k = JSON.stringify([u.target.namespace, u.target.apiGroup, resource, u.action]);
    const b = buckets.get(k) ?? {
      ns: u.target.namespace,
      group: u.target.apiGroup,
      resource,
      verb: u.action,
      uses: [],
    };
    b.uses.push(u);
    buckets.set(k, b);
  }
  for (const b of buckets.values()) {
    const allNamed = b.uses.every((u) => u.target.domain === 'kubernetes-api' && u.target.name !== undefined);
    const someNameFree = b.uses.some((u) =>
      allow.some(
        (g) =>
          grantCovers(g, u) && g.target.domain === 'kubernetes-api' && g.target.resourceNames === undefined,
      ),
    );
    const restrict = allNamed && (NAMEABLE.has(b.verb) || !someNameFree);
    const names = restrict
      ? [...new Set(b.uses.map((u) => (u.target.domain === 'kubernetes-api' ? u.target.name! : '')))].sort()
      : undefined;
    const key: RuleKey = { namespace: b.ns, apiGroup: b.group, resource: b.resource, names };
    const k = JSON.stringify(key);
    const r = rules.get(k) ?? { key, verbs: new Set<string>() };
    r.verbs.add(b.verb);
    rules.set(k, r);
  }
  const byScope = new Map<string, PolicyRule[]>();
  for (const { key, verbs } of [...rules.values()].sort((a, b) =>
    JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)),
  )) {
    const scope = key.namespace ?? '';
    const list = byScope.get(scope) ?? [];
    list.push({
      apiGroups: [key.apiGroup],
      resources: [key.resource],
      verbs: [...verbs].sort(),
      ...(key.names ? { resourceNames: key.names } : {}),
    });
    byScope.set(scope, list);
  }
  if (nonResource.size > 0) {
    const list = byScope.get('') ?? [];
    for (const [url, verbs] of [...nonResource].sort())
      list.push({ nonResourceURLs: [url], verbs: [...verbs].sort() });
    byScope.set('', list);
  }
  const name = `${safeName(serviceAccount.name)}-least-privilege`;
  const subject = { kind: 'ServiceAccount', name: serviceAccount.name, namespace: serviceAccount.namespace };
  const objects: Record<string, unknown>[] = [];
  const notes: string[] = [];
  for (const [scope, ruleList] of [...byScope].sort()) {
    const labels = { 'app.kubernetes.io/managed-by': 'vigil', 'vigil.dev/generated-from': 'observed-use' };
    if (scope === '') {
      objects.push(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name, labels },
          rules: ruleList,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
          subjects: [subject],
        },
      );
      notes.push(`ClusterRole ${name}: ${ruleList.length} rules for cluster-scoped or cross-namespace calls`);
    } else {
      objects.push(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name, namespace: scope, labels },
          rules: ruleList,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name, namespace: scope, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
          subjects: [subject],
        },
      );
      notes.push(`Role ${scope}/${name}: ${ruleList.length} rules`);
    }
  }
  if (objects.length > 0)
    notes.push(
      'replace the bindings that grant the broader roles to this service account with these; the generated roles cover only what was observed',
    );
  return { objects, notes };
}
