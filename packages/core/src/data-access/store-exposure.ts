import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { containersOfDocument } from '../aibom/declared/containers.js';
import { VigilError } from '../errors/vigil-error.js';
import { inputLimits } from '../limits/input-limits.js';
import {
  type LabelSelector,
  readKubernetesObjects,
  selectorMatches,
  selectorText,
} from '../permissions/kubernetes/objects.js';
import { documentRecord } from '../readers/document-value.js';
import { loadDocuments } from '../readers/documents.js';
import { readBoundedFile } from '../readers/read-bounded.js';
import { lazySchema } from '../schemas/lazy.js';
import { type DataStoreConfig, DataStoreConfigSchema } from './store-config.js';
import { parseStoreConfig, storeConfigFormatOf, storeConfigOfContainer } from './store-files.js';

/** Version of the {@link DeclaredDataStoresSchema} document. */
export const DECLARED_DATA_STORES_SCHEMA_VERSION = 1;

const SelectorSchema = lazySchema(() =>
  z.object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
      .optional(),
  }),
);

/** A Kubernetes Service as declared: what it selects and how it exposes it. */
const ServiceSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    namespace: z.string(),
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']),
    selector: z.record(z.string(), z.string()),
    ports: z.array(
      z.object({
        port: z.number().int(),
        targetPort: z.union([z.number().int(), z.string()]).optional(),
        nodePort: z.number().int().optional(),
      }),
    ),
    file: z.string(),
    line: z.number().int().positive().optional(),
  }),
);

/** A NetworkPolicy's ingress side: the pods it isolates and whom it lets in. */
const IngressPolicySchema = lazySchema(() =>
  z.object({
    name: z.string(),
    namespace: z.string(),
    podSelector: SelectorSchema,
    /** Each rule: the peers (all when empty) and ports (all when empty) it admits. */
    rules: z.array(
      z.object({
        from: z.array(
          z.object({
            podSelector: SelectorSchema.optional(),
            namespaceSelector: SelectorSchema.optional(),
            ipBlock: z.object({ cidr: z.string(), except: z.array(z.string()).optional() }).optional(),
          }),
        ),
        ports: z.array(z.union([z.number().int(), z.string()])),
      }),
    ),
    file: z.string(),
    line: z.number().int().positive().optional(),
  }),
);

/** A declared workload's pods that run no data store: the clients (agents, retrievers, ingest jobs). */
const DeclaredPodsSchema = lazySchema(() =>
  z.object({
    kind: z.string(),
    name: z.string(),
    namespace: z.string(),
    labels: z.record(z.string(), z.string()),
    serviceAccount: z.string(),
    file: z.string(),
  }),
);

/**
 * The data stores declared in configuration files and manifests, with how
 * Kubernetes exposes them: the Services selecting their pods, the
 * NetworkPolicies restricting ingress to them, and the other declared pods
 * (the clients), so that {@link storeReachability} can say whether an agent's
 * pods can reach a store from the declarations alone.
 *
 * @example
 * ```ts
 * import { DeclaredDataStoresSchema, loadDataStores } from '@vigil/core';
 *
 * const doc = DeclaredDataStoresSchema.parse(await loadDataStores(['deploy/', 'qdrant/config.yaml']));
 * for (const s of doc.stores) console.log(s.store, s.name, s.auth.state, s.source.file);
 * ```
 */
export const DeclaredDataStoresSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(DECLARED_DATA_STORES_SCHEMA_VERSION),
    kind: z.literal('DeclaredDataStores'),
    stores: z.array(DataStoreConfigSchema),
    services: z.array(ServiceSchema),
    ingressPolicies: z.array(IngressPolicySchema),
    pods: z.array(DeclaredPodsSchema),
    /** Namespace labels, from the `Namespace` objects in the input. */
    namespaces: z.record(z.string(), z.record(z.string(), z.string())),
  }),
);
/** @see {@link DeclaredDataStoresSchema} */
export interface DeclaredDataStores {
  schemaVersion: 1;
  kind: 'DeclaredDataStores';
  stores: DataStoreConfig[];
  services: {
    name: string;
    namespace: string;
    type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    selector: Record<string, string>;
    ports: {
      port: number;
      targetPort?: string | number | undefined;
      nodePort?: number | undefined;
    }[];
    file: string;
    line?: number | undefined;
  }[];
  ingressPolicies: {
    name: string;
    namespace: string;
    podSelector: {
      matchLabels?: Record<string, string> | undefined;
      matchExpressions?:
        | {
            key: string;
            operator: string;
            values?: string[] | undefined;
          }[]
        | undefined;
    };
    /** Each rule: the peers (all when empty) and ports (all when empty) it admits. */
    rules: {
      from: {
        podSelector?:
          | {
              matchLabels?: Record<string, string> | undefined;
              matchExpressions?:
                | {
                    key: string;
                    operator: string;
                    values?: string[] | undefined;
                  }[]
                | undefined;
            }
          | undefined;
        namespaceSelector?:
          | {
              matchLabels?: Record<string, string> | undefined;
              matchExpressions?:
                | {
                    key: string;
                    operator: string;
                    values?: string[] | undefined;
                  }[]
                | undefined;
            }
          | undefined;
        ipBlock?:
          | {
              cidr: string;
              except?: string[] | undefined;
            }
          | undefined;
      }[];
      ports: (string | number)[];
    }[];
    file: string;
    line?: number | undefined;
  }[];
  pods: {
    kind: string;
    name: string;
    namespace: string;
    labels: Record<string, string>;
    serviceAccount: string;
    file: string;
  }[];
  /** Namespace labels, from the `Namespace` objects in the input. */
  namespaces: Record<string, Record<string, string>>;
}

function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** What one manifest file declares about data stores. */
function readManifest(text: string, file: string): Omit<DeclaredDataStores, 'schemaVersion' | 'kind'> {
  const out: Omit<DeclaredDataStores, 'schemaVersion' | 'kind'> = {
    stores: [],
    services: [],
    ingressPolicies: [],
    pods: [],
    namespaces: documentRecord(),
  };
  const docs = loadDocuments(text, file);
  const multi = docs.length > 1;
  const k8sDocs = docs.filter((d) => typeof rec(d.value)['kind'] === 'string');
  const { objects, skipped } = readKubernetesObjects(k8sDocs);
  for (const d of docs) {
    for (const c of containersOfDocument(d.value)) {
      const path = [...d.basePath, ...c.path];
      const config = storeConfigOfContainer(
        c,
        file,
        pointer(multi ? [d.documentIndex, ...path] : path),
        d.line(c.path),
      );
      if (config) out.stores.push(config);
      else if (c.owner && c.format === 'kubernetes') {
        const ns = c.owner.namespace ?? 'default';
        if (!out.pods.some((p) => p.kind === c.owner!.kind && p.name === c.owner!.name && p.namespace === ns))
          out.pods.push({
            kind: c.owner.kind,
            name: c.owner.name,
            namespace: ns,
            labels: c.owner.podLabels,
            serviceAccount: c.owner.serviceAccount ?? 'default',
            file,
          });
      }
    }
  }
  // A pod that runs a store in one container and something else in another is the store's.
  out.pods = out.pods.filter(
    (p) => !out.stores.some((s) => s.workload?.name === p.name && s.workload.namespace === p.namespace),
  );
  for (const o of objects) {
    if (o.kind !== 'NetworkPolicy') continue;
    const spec = rec(o.body['spec']);
    const types = Array.isArray(spec['policyTypes']) ? (spec['policyTypes'] as string[]) : undefined;
    if (types ? !types.includes('Ingress') : false) continue;
    const rules = (Array.isArray(spec['ingress']) ? spec['ingress'] : []).map((r) => {
      const rule = rec(r);
      return {
        from: (Array.isArray(rule['from']) ? rule['from'] : []).map((p) => {
          const peer = rec(p);
          return {
            ...(peer['podSelector'] !== undefined
              ? { podSelector: rec(peer['podSelector']) as LabelSelector }
              : {}),
            ...(peer['namespaceSelector'] !== undefined
              ? { namespaceSelector: rec(peer['namespaceSelector']) as LabelSelector }
              : {}),
            ...(peer['ipBlock'] !== undefined ? { ipBlock: rec(peer['ipBlock']) as { cidr: string } } : {}),
          };
        }),
        ports: (Array.isArray(rule['ports']) ? rule['ports'] : []).flatMap((p) => {
          const port = rec(p)['port'];
          return typeof port === 'number' || typeof port === 'string' ? [port] : [];
        }),
      };
    });
    const line = o.origin.line([]);
    out.ingressPolicies.push({
      name: o.name,
      namespace: o.namespace ?? 'default',
      podSelector: rec(spec['podSelector']) as LabelSelector,
      rules,
      file,
      ...(line !== undefined ? { line } : {}),
    });
  }
  for (const s of skipped) {
    const body = rec(s.origin.value);
    const meta = rec(body['metadata']);
    const name = typeof meta['name'] === 'string' ? meta['name'] : '';
    if (s.kind === 'Namespace' && name !== '') {
      const labels = documentRecord<string>();
      for (const [k, v] of Object.entries(rec(meta['labels']))) if (typeof v === 'string') labels[k] = v;
      out.namespaces[name] = labels;
      continue;
    }
    if (s.kind !== 'Service' || name === '') continue;
    const spec = rec(body['spec']);
    const type = spec['type'];
    const selector = documentRecord<string>();
    for (const [k, v] of Object.entries(rec(spec['selector']))) if (typeof v === 'string') selector[k] = v;
    const line = s.origin.line([]);
    out.services.push({
      name,
      namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default',
      type: type === 'NodePort' || type === 'LoadBalancer' || type === 'ExternalName' ? type : 'ClusterIP',
      selector,
      ports: (Array.isArray(spec['ports']) ? spec['ports'] : []).flatMap((p) => {
        const r = rec(p);
        if (typeof r['port'] !== 'number') return [];
        const target = r['targetPort'];
        return [
          {
            port: r['port'],
            ...(typeof target === 'number' || typeof target === 'string' ? { targetPort: target } : {}),
            ...(typeof r['nodePort'] === 'number' ? { nodePort: r['nodePort'] } : {}),
          },
        ];
      }),
      file,
      ...(line !== undefined ? { line } : {}),
    });
  }
  return out;
}

/**
 * How Kubernetes exposes a declared store: the Services selecting its pods and the NetworkPolicies
 * that restrict ingress to them (none means any pod in the cluster can connect).
 *
 * @example
 * ```ts
 * import { storeExposure } from '@vigil/core';
 *
 * const e = storeExposure(doc, doc.stores[0]!);
 * console.log(e.services.map((s) => `${s.type} ${s.name}`), e.ingressPolicies.length === 0 ? 'open to every pod' : 'restricted');
 * ```
 */
export function storeExposure(
  doc: Pick<DeclaredDataStores, 'services' | 'ingressPolicies'>,
  store: DataStoreConfig,
): { services: DeclaredDataStores['services']; ingressPolicies: DeclaredDataStores['ingressPolicies'] } {
  const w = store.workload;
  if (!w) return { services: [], ingressPolicies: [] };
  return {
    services: doc.services.filter(
      (s) =>
        s.namespace === w.namespace &&
        Object.keys(s.selector).length > 0 &&
        Object.entries(s.selector).every(([k, v]) => w.podLabels[k] === v),
    ),
    ingressPolicies: doc.ingressPolicies.filter(
      (p) => p.namespace === w.namespace && selectorMatches(p.podSelector as LabelSelector, w.podLabels),
    ),
  };
}

/**
 * Whether pods with the given namespace and labels may connect to a store, from the declared
 * NetworkPolicies alone: `yes` (no policy isolates the store's pods, or a rule admits the pods),
 * `no` (the store's pods are isolated and no rule admits them), or `unknown` (a rule admits an
 * `ipBlock`, or a namespace selector on labels the input does not declare). The reason names the
 * policy or says that there is none.
 *
 * @example
 * ```ts
 * import { storeReachability } from '@vigil/core';
 *
 * const r = storeReachability(doc, store, { namespace: 'agents', labels: { app: 'agent' } });
 * if (r.reachable === 'yes') console.log(r.reason);
 * ```
 */
export function storeReachability(
  doc: Pick<DeclaredDataStores, 'services' | 'ingressPolicies' | 'namespaces'>,
  store: DataStoreConfig,
  from: { namespace: string; labels: Readonly<Record<string, string>> },
): { reachable: 'yes' | 'no' | 'unknown'; reason: string } {
  if (!store.workload)
    return { reachable: 'unknown', reason: 'the store is not declared as a Kubernetes workload' };
  const policies = storeExposure(doc, store).ingressPolicies;
  if (policies.length === 0)
    return {
      reachable: 'yes',
      reason: `no NetworkPolicy restricts ingress to ${store.workload.kind}/${store.workload.name} in ${store.workload.namespace}`,
    };
  const nsKnown = Object.hasOwn(doc.namespaces, from.namespace);
  const nsLabels = (nsKnown ? doc.namespaces[from.namespace] : undefined) ?? {
    'kubernetes.io/metadata.name': from.namespace,
  };
  let unknown: string | undefined;
  for (const p of policies)
    for (const rule of p.rules) {
      const portOk =
        rule.ports.length === 0 || rule.ports.some((x) => typeof x === 'string' || store.ports.includes(x));
      if (!portOk) continue;
      if (rule.from.length === 0)
        return { reachable: 'yes', reason: `NetworkPolicy ${p.namespace}/${p.name} admits every peer` };
      for (const peer of rule.from) {
        if (peer.ipBlock) {
          unknown ??= `NetworkPolicy ${p.namespace}/${p.name} admits ${peer.ipBlock.cidr}; pod addresses are not declared`;
          continue;
        }
        let nsOk: boolean | undefined;
        if (peer.namespaceSelector === undefined) nsOk = from.namespace === p.namespace;
        else {
          const sel = peer.namespaceSelector as LabelSelector;
          const onlyName =
            Object.keys(sel.matchLabels ?? {}).every((k) => k === 'kubernetes.io/metadata.name') &&
            !sel.matchExpressions?.length;
          nsOk =
            nsKnown || onlyName
              ? selectorMatches(sel, { ...nsLabels, 'kubernetes.io/metadata.name': from.namespace })
              : undefined;
        }
        const podOk =
          peer.podSelector === undefined
            ? true
            : selectorMatches(peer.podSelector as LabelSelector, { ...from.labels });
        if (nsOk === true && podOk)
          return {
            reachable: 'yes',
            reason: `NetworkPolicy ${p.namespace}/${p.name} admits pods ${selectorText(peer.podSelector as LabelSelector | undefined)} from namespaces ${peer.namespaceSelector ? selectorText(peer.namespaceSelector as LabelSelector) : p.namespace}`,
          };
        if (nsOk === undefined && podOk)
          unknown ??= `NetworkPolicy ${p.namespace}/${p.name} admits namespaces ${selectorText(peer.namespaceSelector as LabelSelector)}, whose labels for ${from.namespace} are not declared`;
      }
    }
  if (unknown) return { reachable: 'unknown', reason: unknown };
  return {
    reachable: 'no',
    reason: `NetworkPolicy ${policies.map((p) => `${p.namespace}/${p.name}`).join(', ')} admits no pod of ${from.namespace} with these labels`,
  };
}

const INPUT_EXT = /\.(ya?ml|json|conf|env)$|^\.env$/i;

async function expand(path: string, out: string[]): Promise<void> {
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(path);
  } catch (cause) {
    throw new VigilError('IO', `cannot read store configuration: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  if (!s.isDirectory()) {
    out.push(path);
    return;
  }
  for (const e of (await readdir(path)).sort()) {
    const p = join(path, e);
    if ((await stat(p)).isDirectory()) await expand(p, out);
    else if (INPUT_EXT.test(e)) out.push(p);
  }
}

/**
 * Reads data-store declarations from files and folders: store configuration files (see
 * {@link parseStoreConfig}) and Kubernetes manifests and Compose files (the stores their
 * containers run, configured by environment and flags; Services, NetworkPolicies, Namespaces
 * and the other pods). A `postgresql.conf` and a `pg_hba.conf` in one folder describe one
 * server. Folders are walked for `.yaml`, `.yml`, `.json`, `.conf` and `.env` files.
 *
 * @example
 * ```ts
 * import { loadDataStores, storeReachability } from '@vigil/core';
 *
 * const doc = await loadDataStores(['deploy/', '/etc/postgresql/15/main/pg_hba.conf']);
 * for (const s of doc.stores.filter((s) => s.auth.state === 'off')) console.log(s.name, s.auth.reason);
 * ```
 */
export async function loadDataStores(
  paths: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<DeclaredDataStores> {
  const files: string[] = [];
  for (const p of paths) await expand(p, files);
  const doc: DeclaredDataStores = {
    schemaVersion: DECLARED_DATA_STORES_SCHEMA_VERSION,
    kind: 'DeclaredDataStores',
    stores: [],
    services: [],
    ingressPolicies: [],
    pods: [],
    namespaces: {},
  };
  const { maxBytes } = inputLimits('declared');
  for (const f of files) {
    const text = (
      await readBoundedFile(f, { what: 'store configuration', maxBytes, signal: options.signal })
    ).toString('utf8');
    if (storeConfigFormatOf(f) !== undefined) {
      doc.stores.push(...parseStoreConfig(text, f));
      continue;
    }
    const m = readManifest(text, f);
    doc.stores.push(...m.stores);
    doc.services.push(...m.services);
    doc.ingressPolicies.push(...m.ingressPolicies);
    doc.pods.push(...m.pods);
    Object.assign(doc.namespaces, m.namespaces);
  }
  // postgresql.conf + pg_hba.conf of one folder: one server.
  const merged: DataStoreConfig[] = [];
  for (const s of doc.stores) {
    const partner =
      s.format === 'pg-hba' || s.format === 'postgresql-conf'
        ? merged.find(
            (m) =>
              (m.format === 'pg-hba' || m.format === 'postgresql-conf') &&
              m.format !== s.format &&
              dirname(m.source.file) === dirname(s.source.file),
          )
        : undefined;
    if (!partner) {
      merged.push(s);
      continue;
    }
    const [conf, hba] = s.format === 'postgresql-conf' ? [s, partner] : [partner, s];
    merged[merged.indexOf(partner)] = {
      ...conf,
      auth: hba.auth,
      trust: hba.trust,
      name: dirname(conf.source.file),
    };
  }
  doc.stores = merged;
  return doc;
}

/**
 * Reads the data stores one manifest or Compose text declares (see {@link loadDataStores}).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { readStoreManifest } from '@vigil/core';
 *
 * const m = readStoreManifest(readFileSync('deploy/qdrant.yaml', 'utf8'), 'deploy/qdrant.yaml');
 * console.log(m.stores.length, m.services.length);
 * ```
 */
export function readStoreManifest(
  text: string,
  file: string,
): Omit<DeclaredDataStores, 'schemaVersion' | 'kind'> {
  return readManifest(text, file);
}
