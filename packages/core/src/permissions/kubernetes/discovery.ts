/**
 * What the Kubernetes API serves: API groups, their resources and
 * subresources, and the verbs each accepts. RBAC lets a rule name any group,
 * resource and verb; only those the API server serves can ever be requested,
 * so only those are grants.
 */

/** The Kubernetes release the built-in table describes (resources served by default, GA and beta-on-by-default). */
export const KUBERNETES_DISCOVERY_RELEASE = '1.31';

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
const NO_COLLECTION = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
const STATUS = ['get', 'patch', 'update'] as const;
const CONNECT = ['get', 'create'] as const;
const PROXY = ['get', 'create', 'update', 'patch', 'delete'] as const;

type Verbs = readonly string[];
/** resource → verbs, and `resource/subresource` → verbs. */
type GroupTable = Readonly<Record<string, Verbs>>;

const status = (r: string) => ({ [`${r}/status`]: STATUS });
const scale = (r: string) => ({ [`${r}/scale`]: STATUS });

// Read off `kubectl api-resources -o wide` and the API reference of Kubernetes 1.31.
const BUILTIN: Readonly<Record<string, GroupTable>> = {
  '': {
    bindings: ['create'],
    componentstatuses: ['get', 'list'],
    configmaps: ALL,
    endpoints: ALL,
    events: ALL,
    limitranges: ALL,
    namespaces: NO_COLLECTION,
    'namespaces/finalize': ['update'],
    ...status('namespaces'),
    nodes: ALL,
    ...status('nodes'),
    'nodes/proxy': PROXY,
    persistentvolumeclaims: ALL,
    ...status('persistentvolumeclaims'),
    persistentvolumes: ALL,
    ...status('persistentvolumes'),
    pods: ALL,
    'pods/attach': CONNECT,
    'pods/binding': ['create'],
    'pods/ephemeralcontainers': STATUS,
    'pods/eviction': ['create'],
    'pods/exec': CONNECT,
    'pods/log': ['get'],
    'pods/portforward': CONNECT,
    'pods/proxy': PROXY,
    ...status('pods'),
    podtemplates: ALL,
    replicationcontrollers: ALL,
    ...scale('replicationcontrollers'),
    ...status('replicationcontrollers'),
    resourcequotas: ALL,
    ...status('resourcequotas'),
    secrets: ALL,
    serviceaccounts: [...ALL, 'impersonate'],
    'serviceaccounts/token': ['create'],
    services: ALL,
    'services/proxy': PROXY,
    ...status('services'),
    // Not served as objects, but the subjects of the `impersonate` verb.
    users: ['impersonate'],
    groups: ['impersonate'],
  },
  apps: {
    controllerrevisions: ALL,
    daemonsets: ALL,
    ...status('daemonsets'),
    deployments: ALL,
    ...scale('deployments'),
    ...status('deployments'),
    replicasets: ALL,
    ...scale('replicasets'),
    ...status('replicasets'),
    statefulsets: ALL,
    ...scale('statefulsets'),
    ...status('statefulsets'),
  },
  batch: { cronjobs: ALL, ...status('cronjobs'), jobs: ALL, ...status('jobs') },
  'networking.k8s.io': {
    ingressclasses: ALL,
    ingresses: ALL,
    ...status('ingresses'),
    networkpolicies: ALL,
  },
  'rbac.authorization.k8s.io': {
    clusterrolebindings: ALL,
    clusterroles: [...ALL, 'bind', 'escalate'],
    rolebindings: ALL,
    roles: [...ALL, 'bind', 'escalate'],
  },
  policy: { poddisruptionbudgets: ALL, ...status('poddisruptionbudgets') },
  autoscaling: { horizontalpodautoscalers: ALL, ...status('horizontalpodautoscalers') },
  'storage.k8s.io': {
    csidrivers: ALL,
    csinodes: ALL,
    csistoragecapacities: ALL,
    storageclasses: ALL,
    volumeattachments: ALL,
    ...status('volumeattachments'),
  },
  'coordination.k8s.io': { leases: ALL },
  'discovery.k8s.io': { endpointslices: ALL },
  'admissionregistration.k8s.io': {
    mutatingwebhookconfigurations: ALL,
    validatingwebhookconfigurations: ALL,
    validatingadmissionpolicies: ALL,
    ...status('validatingadmissionpolicies'),
    validatingadmissionpolicybindings: ALL,
  },
  'apiextensions.k8s.io': { customresourcedefinitions: ALL, ...status('customresourcedefinitions') },
  'apiregistration.k8s.io': { apiservices: ALL, ...status('apiservices') },
  'certificates.k8s.io': {
    certificatesigningrequests: ALL,
    'certificatesigningrequests/approval': STATUS,
    ...status('certificatesigningrequests'),
    // The signer a CSR names: the subject of `approve` and `sign`.
    signers: ['approve', 'sign'],
  },
  'events.k8s.io': { events: ALL },
  'scheduling.k8s.io': { priorityclasses: ALL },
  'node.k8s.io': { runtimeclasses: ALL },
  'flowcontrol.apiserver.k8s.io': {
    flowschemas: ALL,
    ...status('flowschemas'),
    prioritylevelconfigurations: ALL,
    ...status('prioritylevelconfigurations'),
  },
  'authentication.k8s.io': {
    tokenreviews: ['create'],
    selfsubjectreviews: ['create'],
    // Impersonation of extra user attributes and UIDs.
    'userextras/*': ['impersonate'],
    uids: ['impersonate'],
  },
  'authorization.k8s.io': {
    localsubjectaccessreviews: ['create'],
    selfsubjectaccessreviews: ['create'],
    selfsubjectrulesreviews: ['create'],
    subjectaccessreviews: ['create'],
  },
};

/** A resource a CustomResourceDefinition serves. */
export interface CustomResource {
  readonly group: string;
  /** The plural name (`spec.names.plural`). */
  readonly plural: string;
  /** Subresources any served version enables: `status`, `scale`. */
  readonly subresources: readonly string[];
}

/** Whether a group/resource/verb exists: `yes`, `no` (a known group or resource, but not this one), or `unknown`. */
export type DiscoveryAnswer = 'yes' | 'no' | 'unknown';

/**
 * The resources an API server serves: the built-in table of Kubernetes
 * {@link KUBERNETES_DISCOVERY_RELEASE} plus custom resources from
 * CustomResourceDefinitions. Answers whether an RBAC rule's group, resource
 * and verb name something that can be requested.
 *
 * @example
 * ```ts
 * import { KubernetesDiscovery } from '@vigil/core';
 *
 * const d = new KubernetesDiscovery([{ group: 'example.com', plural: 'widgets', subresources: ['status'] }]);
 * d.exists('apps', 'secrets'); // 'no': secrets live in the core group
 * d.exists('', 'secrets', undefined, 'get'); // 'yes'
 * d.exists('example.com', 'widgets', 'status', 'patch'); // 'yes'
 * d.exists('acme.io', 'gadgets'); // 'unknown'
 * ```
 */
export class KubernetesDiscovery {
  readonly #groups = new Map<string, Map<string, ReadonlySet<string>>>();
  readonly #resourceNames = new Set<string>();

  constructor(customResources: readonly CustomResource[] = []) {
    for (const [group, table] of Object.entries(BUILTIN))
      for (const [key, verbs] of Object.entries(table)) this.#add(group, key, verbs);
    for (const cr of customResources) {
      this.#add(cr.group, cr.plural, ALL);
      for (const sub of cr.subresources)
        if (sub === 'status' || sub === 'scale') this.#add(cr.group, `${cr.plural}/${sub}`, STATUS);
    }
  }

  #add(group: string, key: string, verbs: Verbs): void {
    let g = this.#groups.get(group);
    if (!g) {
      g = new Map();
      this.#groups.set(group, g);
    }
    g.set(key, new Set(verbs));
    this.#resourceNames.add(key.split('/')[0]!);
  }

  /** The API groups served, `''` being the core group. */
  groups(): string[] {
    return [...this.#groups.keys()].sort();
  }

  /** Every `resource` and `resource/subresource` of a group with its verbs. */
  resources(group: string): [string, string[]][] {
    return [...(this.#groups.get(group) ?? new Map<string, ReadonlySet<string>>()).entries()]
      .map(([k, v]) => [k, [...v].sort()] as [string, string[]])
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /**
   * Whether the group serves the resource (and subresource) and, when given,
   * accepts the verb. `*` matches anything (a wildcard grant is real); a
   * group or resource name the table does not know at all is `unknown` (it
   * may come from a newer release, an aggregated API or a CRD not in the
   * input), as is an unlisted subresource of a known resource; a resource the
   * table knows, but in other groups only, is `no`, as is a verb the resource
   * does not accept.
   */
  exists(group: string, resource: string, subresource?: string, verb?: string): DiscoveryAnswer {
    if (group === '*' || resource === '*') return 'yes';
    const g = this.#groups.get(group);
    if (!g) return 'unknown';
    const key = subresource !== undefined ? `${resource}/${subresource}` : resource;
    let verbs = g.get(key);
    if (verbs === undefined && subresource !== undefined) verbs = g.get(`${resource}/*`);
    if (verbs === undefined) {
      if (subresource === '*' && g.has(resource)) return 'yes';
      // A subresource the table does not list may come from a newer release.
      if (subresource !== undefined && g.has(resource)) return 'unknown';
      // A resource the table knows in other groups only (secrets under apps) is not served here.
      return this.#resourceNames.has(resource) ? 'no' : 'unknown';
    }
    if (verb === undefined || verb === '*' || verbs.has('*')) return 'yes';
    return verbs.has(verb) ? 'yes' : 'no';
  }
}
