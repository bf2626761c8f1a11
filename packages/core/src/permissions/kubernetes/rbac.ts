import { locate } from '../../readers/documents.js';
import type { DeclaredSubject, DeclaredWarning } from '../declared.js';
import { type Grant, makeGrant, subjectId } from '../grant.js';
import { kubernetesApiRisk } from '../inherent-risk.js';
import { KUBERNETES_DISCOVERY_RELEASE, KubernetesDiscovery } from './discovery.js';
import { type K8sObject, type LabelSelector, selectorMatches } from './objects.js';

/** A rule of a Role or ClusterRole. */
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A rule with the role it is written in (aggregated rules keep their origin). */
interface SourcedRule {
  rule: PolicyRule;
  index: number;
  role: K8sObject;
  via: string[];
}

const ref = (o: K8sObject) => `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

function ownRules(role: K8sObject): SourcedRule[] {
  const rules = (role.body['rules'] ?? []) as PolicyRule[];
  return rules.map((rule, index) => ({ rule, index, role, via: [] }));
}

/** Effective rules of a ClusterRole, following `aggregationRule` (transitively, cycles cut). */
function clusterRoleRules(
  role: K8sObject,
  all: readonly K8sObject[],
  seen: Set<K8sObject> = new Set(),
): SourcedRule[] {
  seen.add(role);
  const out = ownRules(role);
  const agg = role.body['aggregationRule'] as { clusterRoleSelectors?: LabelSelector[] } | undefined;
  for (const sel of agg?.clusterRoleSelectors ?? []) {
    for (const other of all) {
      if (seen.has(other) || !selectorMatches(sel, other.labels)) continue;
      for (const r of clusterRoleRules(other, all, seen))
        out.push({ ...r, via: [`${ref(role)} (aggregates ${ref(other)})`, ...r.via] });
    }
  }
  return out;
}

const GROUP_ALL_SA = 'system:serviceaccounts';

/** Subjects named in a binding, as subject ids; service-account groups expand to the known service accounts in them. */
function bindingSubjects(
  binding: K8sObject,
  knownServiceAccounts: readonly DeclaredSubject[],
): { id: string; via: string[]; subject: DeclaredSubject }[] {
  const subjects = (binding.body['subjects'] ?? []) as { kind: string; name: string; namespace?: string }[];
  const out: { id: string; via: string[]; subject: DeclaredSubject }[] = [];
  for (const s of subjects) {
    if (s.kind === 'ServiceAccount') {
      const ns = s.namespace ?? binding.namespace ?? 'default';
      const id = subjectId('k8s-serviceaccount', s.name, ns);
      out.push({ id, via: [], subject: { id, kind: 'k8s-serviceaccount', name: s.name, namespace: ns } });
    } else if (s.kind === 'User') {
      const id = subjectId('k8s-user', s.name);
      out.push({ id, via: [], subject: { id, kind: 'k8s-user', name: s.name } });
    } else if (s.kind === 'Group') {
      const id = subjectId('k8s-group', s.name);
      out.push({ id, via: [], subject: { id, kind: 'k8s-group', name: s.name } });
      for (const sa of knownServiceAccounts) {
        const member =
          s.name === GROUP_ALL_SA ||
          s.name === `${GROUP_ALL_SA}:${sa.namespace}` ||
          s.name === 'system:authenticated';
        if (member) out.push({ id: sa.id, via: [`Group/${s.name}`], subject: sa });
      }
    }
  }
  return out;
}

function splitResource(r: string): { resource: string; subresource?: string } {
  const i = r.indexOf('/');
  return i < 0 ? { resource: r } : { resource: r.slice(0, i), subresource: r.slice(i + 1) };
}

/**
 * Resolves Roles, ClusterRoles (with aggregation) and their bindings into
 * grants per subject: one grant per verb × API group × resource (or
 * non-resource URL) of every rule that reaches the subject — for the
 * combinations the API serves (`discovery`): `get apps/secrets` from a rule
 * over several groups is no grant. Groups and resources discovery does not
 * know are kept, flagged `unknown`, with a warning.
 */
export function resolveRbac(
  objects: readonly K8sObject[],
  knownServiceAccounts: readonly DeclaredSubject[],
  warnings: DeclaredWarning[],
  discovery: KubernetesDiscovery = new KubernetesDiscovery(),
): { grants: Grant[]; subjects: DeclaredSubject[] } {
  const roles = new Map<string, K8sObject>();
  const clusterRoles = new Map<string, K8sObject>();
  const allClusterRoles: K8sObject[] = [];
  for (const o of objects) {
    if (o.kind === 'Role') roles.set(`${o.namespace ?? 'default'}/${o.name}`, o);
    if (o.kind === 'ClusterRole') {
      clusterRoles.set(o.name, o);
      allClusterRoles.push(o);
    }
  }
  const grants: Grant[] = [];
  const subjects = new Map<string, DeclaredSubject>();
  // Many grants share a risk: compute each (verb, group, resource, scope) once.
  const risks = new Map<string, ReturnType<typeof kubernetesApiRisk>>();
  const riskOf = (...a: Parameters<typeof kubernetesApiRisk>) => {
    const k = JSON.stringify(a);
    let r = risks.get(k);
    if (!r) {
      r = kubernetesApiRisk(...a);
      risks.set(k, r);
    }
    return r;
  };
  const warn = (o: K8sObject, path: (string | number)[], message: string) => {
    const loc = locate(o.origin, path);
    warnings.push({ file: loc.file, path: loc.path, ...(loc.line ? { line: loc.line } : {}), message });
  };
  // One warning per rule and group/resource that discovery does not know.
  const flagged = new Set<string>();
  const flagUnknown = (sr: SourcedRule, apiGroup: string, r: string) => {
    const k = `${ref(sr.role)}\u0000${sr.index}\u0000${apiGroup}\u0000${r}`;
    if (flagged.has(k)) return;
    flagged.add(k);
    warn(
      sr.role,
      ['rules', sr.index, 'resources'],
      `${ref(sr.role)} rule ${sr.index} grants ${apiGroup === '' ? 'core' : apiGroup}/${r}, which Kubernetes ${KUBERNETES_DISCOVERY_RELEASE} does not serve and no CustomResourceDefinition in the input declares; kept as unknown`,
    );
  };
  for (const b of objects) {
    if (b.kind !== 'RoleBinding' && b.kind !== 'ClusterRoleBinding') continue;
    const roleRef = b.body['roleRef'] as { kind: string; name: string };
    const bindingNs = b.kind === 'RoleBinding' ? (b.namespace ?? 'default') : undefined;
    if (b.kind === 'RoleBinding' && b.namespace === undefined)
      warn(b, ['metadata'], `RoleBinding ${b.name} has no namespace; assuming "default"`);
    let rules: SourcedRule[];
    let role: K8sObject | undefined;
    if (roleRef.kind === 'Role') {
      if (b.kind === 'ClusterRoleBinding') {
        warn(b, ['roleRef', 'kind'], `ClusterRoleBinding ${b.name} cannot reference a Role`);
        continue;
      }
      role = roles.get(`${bindingNs}/${roleRef.name}`);
      rules = role ? ownRules(role) : [];
    } else {
      role = clusterRoles.get(roleRef.name);
      rules = role ? clusterRoleRules(role, allClusterRoles) : [];
    }
    if (!role) {
      warn(
        b,
        ['roleRef', 'name'],
        `${b.kind} ${b.name} references ${roleRef.kind} ${roleRef.name}, which is not in the input`,
      );
      continue;
    }
    for (const subj of bindingSubjects(b, knownServiceAccounts)) {
      subjects.set(subj.id, subj.subject);
      for (const sr of rules) {
        const via = [ref(b), ...subj.via, ref(role), ...sr.via];
        const { rule } = sr;
        for (const [vi, verb] of rule.verbs.entries()) {
          const source = {
            ...locate(sr.role.origin, ['rules', sr.index, 'verbs', vi]),
            via,
          };
          if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) {
            if (bindingNs !== undefined) continue; // non-resource URLs only take effect cluster-wide
            for (const url of rule.nonResourceURLs)
              grants.push(
                makeGrant({
                  subject: subj.id,
                  domain: 'kubernetes-api',
                  effect: 'allow',
                  action: verb,
                  target: { domain: 'kubernetes-api', apiGroup: '', resource: '', nonResourceUrl: url },
                  source,
                  inherentRisk: riskOf(verb, '', '', undefined, undefined, undefined, url),
                }),
              );
          }
          for (const apiGroup of rule.apiGroups ?? [])
            for (const r of rule.resources ?? []) {
              const { resource, subresource } = splitResource(r);
              const served = discovery.exists(apiGroup, resource, subresource, verb);
              if (served === 'no') continue;
              if (served === 'unknown') flagUnknown(sr, apiGroup, r);
              const names =
                rule.resourceNames && rule.resourceNames.length > 0 ? rule.resourceNames : undefined;
              grants.push(
                makeGrant({
                  subject: subj.id,
                  domain: 'kubernetes-api',
                  effect: 'allow',
                  action: verb,
                  target: {
                    domain: 'kubernetes-api',
                    apiGroup,
                    resource,
                    ...(subresource !== undefined ? { subresource } : {}),
                    ...(bindingNs !== undefined ? { namespace: bindingNs } : {}),
                    ...(names ? { resourceNames: names } : {}),
                    ...(served === 'unknown' ? { unknown: true } : {}),
                  },
                  source,
                  inherentRisk: riskOf(verb, apiGroup, resource, bindingNs, names, subresource),
                }),
              );
            }
        }
      }
    }
  }
  return { grants, subjects: [...subjects.values()] };
}
