import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import { safeParseDocument } from '../readers/document-value.js';
import { parseJsonText } from '../readers/json-input.js';
import { lazySchema } from '../schemas/lazy.js';

/** The most bytes of a pod list read (a node runs at most a few hundred pods; 64 MiB is far beyond). */
export const MAX_POD_LIST_BYTES = 64 * 1024 * 1024;

/** Where the kubelet serves the pods bound to its node (read-only, authenticated with a bearer token). */
export const KUBELET_PODS_URL = 'https://127.0.0.1:10250/pods';

const ContainerStatusSchema = lazySchema(() =>
  z.looseObject({
    name: z.string(),
    containerID: z.string().optional(),
    image: z.string().optional(),
    imageID: z.string().optional(),
  }),
);

const PodSchema = lazySchema(() =>
  z.looseObject({
    metadata: z.looseObject({
      name: z.string(),
      namespace: z.string().default('default'),
      uid: z.string(),
      labels: z.record(z.string(), z.string()).optional(),
      ownerReferences: z
        .array(
          z.looseObject({
            kind: z.string(),
            name: z.string(),
            controller: z.boolean().optional(),
          }),
        )
        .optional(),
    }),
    spec: z
      .looseObject({
        serviceAccountName: z.string().optional(),
        nodeName: z.string().optional(),
        containers: z.array(z.looseObject({ name: z.string(), image: z.string().optional() })).default([]),
        initContainers: z.array(z.looseObject({ name: z.string(), image: z.string().optional() })).optional(),
      })
      .default({ containers: [] }),
    status: z
      .looseObject({
        qosClass: z.string().optional(),
        containerStatuses: z.array(ContainerStatusSchema).optional(),
        initContainerStatuses: z.array(ContainerStatusSchema).optional(),
        ephemeralContainerStatuses: z.array(ContainerStatusSchema).optional(),
      })
      .default({}),
  }),
);

/** The part of a Kubernetes `PodList` (what the kubelet's `/pods` serves) Vigil reads. */
export const PodListSchema = lazySchema(() =>
  z.looseObject({
    kind: z.literal('PodList').optional(),
    items: z.array(PodSchema).nullable().default([]),
  }),
);
/** @see {@link PodListSchema} */
export interface PodList {
  [key: string]: unknown;
  kind?: 'PodList' | undefined;
  items:
    | {
        [key: string]: unknown;
        metadata: {
          [key: string]: unknown;
          name: string;
          namespace: string;
          uid: string;
          labels?: Record<string, string> | undefined;
          ownerReferences?:
            | {
                [key: string]: unknown;
                kind: string;
                name: string;
                controller?: boolean | undefined;
              }[]
            | undefined;
        };
        spec: {
          [key: string]: unknown;
          serviceAccountName?: string | undefined;
          nodeName?: string | undefined;
          containers: {
            [key: string]: unknown;
            name: string;
            image?: string | undefined;
          }[];
          initContainers?:
            | {
                [key: string]: unknown;
                name: string;
                image?: string | undefined;
              }[]
            | undefined;
        };
        status: {
          [key: string]: unknown;
          qosClass?: string | undefined;
          containerStatuses?:
            | {
                [key: string]: unknown;
                name: string;
                containerID?: string | undefined;
                image?: string | undefined;
                imageID?: string | undefined;
              }[]
            | undefined;
          initContainerStatuses?:
            | {
                [key: string]: unknown;
                name: string;
                containerID?: string | undefined;
                image?: string | undefined;
                imageID?: string | undefined;
              }[]
            | undefined;
          ephemeralContainerStatuses?:
            | {
                [key: string]: unknown;
                name: string;
                containerID?: string | undefined;
                image?: string | undefined;
                imageID?: string | undefined;
              }[]
            | undefined;
        };
      }[]
    | null;
}

/**
 * The workload that owns a pod, as people name it: a ReplicaSet made by a
 * Deployment is named by the Deployment, a Job made by a CronJob by the
 * CronJob, a pod nobody owns by itself.
 */
export interface PodOwner {
  readonly kind: string;
  readonly name: string;
}

/** One container of a pod, with what its runtime reports. */
export interface PodContainer {
  readonly name: string;
  /** The image as the pod spec names it (`ghcr.io/acme/agent:1.4`). */
  readonly image?: string;
  /** The image's digest (`sha256:…`) from the container status, when the runtime reported one. */
  readonly imageDigest?: string;
  /** The 64-hex container id without the runtime prefix, when the container was started. */
  readonly containerId?: string;
}

/** What Vigil knows about a pod on this node. */
export interface PodMetadata {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount?: string;
  readonly nodeName?: string;
  readonly qosClass?: string;
  readonly owner: PodOwner;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly PodContainer[];
}

const RUNTIME_PREFIX = /^[a-z-]+:\/\//;
const DIGEST = /sha256:[0-9a-f]{64}/;

function ownerOf(meta: z.infer<typeof PodSchema>['metadata']): PodOwner {
  const refs = meta.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  if (ref === undefined) return { kind: 'Pod', name: meta.name };
  const hash = meta.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash !== undefined && ref.name.endsWith(`-${hash}`))
    return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
  // A CronJob names each Job it starts NAME-<scheduled minute since the epoch>.
  const cron = /^(.+)-\d{8,10}$/.exec(ref.name);
  if (ref.kind === 'Job' && cron) return { kind: 'CronJob', name: cron[1]! };
  return { kind: ref.kind, name: ref.name };
}

function podMetadata(pod: z.infer<typeof PodSchema>): PodMetadata {
  const statuses = [
    ...(pod.status.containerStatuses ?? []),
    ...(pod.status.initContainerStatuses ?? []),
    ...(pod.status.ephemeralContainerStatuses ?? []),
  ];
  const specs = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const names = new Set([...specs.map((c) => c.name), ...statuses.map((s) => s.name)]);
  const containers: PodContainer[] = [];
  for (const name of names) {
    const spec = specs.find((c) => c.name === name);
    const st = statuses.find((s) => s.name === name);
    const id = st?.containerID?.replace(RUNTIME_PREFIX, '');
    const digest = st?.imageID !== undefined ? DIGEST.exec(st.imageID)?.[0] : undefined;
    const image = spec?.image ?? st?.image;
    containers.push({
      name,
      ...(image !== undefined ? { image } : {}),
      ...(digest !== undefined ? { imageDigest: digest } : {}),
      ...(id !== undefined && /^[0-9a-f]{64}$/.test(id) ? { containerId: id } : {}),
    });
  }
  return {
    uid: pod.metadata.uid,
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    ...(pod.spec.serviceAccountName !== undefined ? { serviceAccount: pod.spec.serviceAccountName } : {}),
    ...(pod.spec.nodeName !== undefined ? { nodeName: pod.spec.nodeName } : {}),
    ...(pod.status.qosClass !== undefined ? { qosClass: pod.status.qosClass } : {}),
    owner: ownerOf(pod.metadata),
    labels: { ...(pod.metadata.labels ?? {}) },
    containers,
  };
}

/**
 * Reads a Kubernetes `PodList` document (the JSON the kubelet's `/pods`
 * endpoint or `kubectl get pods -o json` writes) into {@link PodMetadata},
 * one per pod. Fields Vigil does not use are ignored; a document that is not
 * JSON or lacks what a pod needs (name, uid) is a `VigilError` naming the
 * source and the JSON path.
 *
 * @example
 * ```ts
 * import { parsePodList } from '@vigil/core';
 *
 * const pods = parsePodList(await (await fetch(url)).text(), 'kubelet /pods');
 * pods[0]?.owner; // { kind: 'Deployment', name: 'agent' }
 * ```
 */
export function parsePodList(text: string, source: string): PodMetadata[] {
  if (text.length > MAX_POD_LIST_BYTES)
    throw new VigilError('INPUT_INVALID', `pod list is larger than ${MAX_POD_LIST_BYTES} bytes`, {
      location: { file: source },
    });
  const raw = parseJsonText(text, source, 'pod list');
  const r = safeParseDocument(PodListSchema, raw);
  if (!r.success) throw fromZodError(r.error, 'pod list', { file: source });
  return (r.data.items ?? []).map(podMetadata);
}

/**
 * Pods by uid, and containers by id: what the node daemon joins cgroup paths
 * with. Immutable; build a new one from each pod list.
 *
 * @example
 * ```ts
 * const index = new PodIndex(parsePodList(text, 'pods.json'));
 * index.container(containerId)?.pod.owner.name; // 'agent'
 * ```
 */
export class PodIndex {
  readonly #byUid = new Map<string, PodMetadata>();
  readonly #byContainer = new Map<string, { pod: PodMetadata; container: PodContainer }>();

  constructor(pods: Iterable<PodMetadata> = []) {
    for (const p of pods) {
      this.#byUid.set(p.uid, p);
      for (const c of p.containers)
        if (c.containerId !== undefined) this.#byContainer.set(c.containerId, { pod: p, container: c });
    }
  }

  /** The pod with this uid (dashed form, as the API writes it). */
  pod(uid: string): PodMetadata | undefined {
    return this.#byUid.get(uid);
  }

  /** The pod and container a container id belongs to. */
  container(id: string): { readonly pod: PodMetadata; readonly container: PodContainer } | undefined {
    return this.#byContainer.get(id);
  }

  /** Every pod, in no particular order. */
  pods(): PodMetadata[] {
    return [...this.#byUid.values()];
  }

  get size(): number {
    return this.#byUid.size;
  }
}

/**
 * Options for {@link fetchPodList}.
 *
 * @example
 * ```ts
 * const options: PodListFetchOptions = { url: KUBELET_PODS_URL, tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' };
 * ```
 */
export interface PodListFetchOptions {
  /**
   * Where the pod list is: an `http(s)://` URL (default {@link KUBELET_PODS_URL})
   * or a file path (a `kubectl get pods -o json` dump, for tests and air-gapped nodes).
   */
  readonly url?: string;
  /** A bearer token for the request. */
  readonly token?: string;
  /** A file holding the bearer token (read on every fetch: projected tokens rotate). */
  readonly tokenFile?: string;
  /** PEM CA bundle to verify the server with; when absent and `insecure` is false, the system CAs. */
  readonly ca?: string | Buffer;
  /**
   * Accept a server certificate no CA vouches for. The kubelet's serving
   * certificate is self-signed on most clusters unless serving-certificate
   * rotation is on; the connection is to the node's own loopback.
   */
  readonly insecure?: boolean;
  /** Milliseconds before the request is abandoned. Default 5,000. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Fetches and parses the pods bound to this node: from the kubelet's
 * `/pods` (authenticated with the service-account token; the kubelet checks
 * it with a SubjectAccessReview for `nodes/proxy`), another URL, or a file.
 * Failures are `VigilError`s naming the source (`IO`) or the document (`PARSE`,
 * `SCHEMA_INVALID`).
 *
 * @example
 * ```ts
 * import { fetchPodList, PodIndex } from '@vigil/core';
 *
 * const pods = await fetchPodList({ tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', insecure: true });
 * const index = new PodIndex(pods);
 * ```
 */
export async function fetchPodList(options: PodListFetchOptions = {}): Promise<PodMetadata[]> {
  const url = options.url ?? KUBELET_PODS_URL;
  if (!/^https?:\/\//.test(url)) {
    let text: string;
    try {
      text = await readFile(url, 'utf8');
    } catch (cause) {
      throw new VigilError('IO', `cannot read pod list ${url}: ${(cause as Error).message}`, { cause });
    }
    return parsePodList(text, url);
  }
  let token = options.token;
  if (token === undefined && options.tokenFile !== undefined) {
    try {
      token = (await readFile(options.tokenFile, 'utf8')).trim();
    } catch (cause) {
      throw new VigilError('IO', `cannot read token ${options.tokenFile}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  const text = await httpGet(url, token, options);
  return parsePodList(text, url);
}

function httpGet(url: string, token: string | undefined, options: PodListFetchOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined && token.length > 0) headers['authorization'] = `Bearer ${token}`;
    const https = url.startsWith('https:');
    const req = (https ? httpsRequest : httpRequest)(url, {
      headers,
      timeout: timeoutMs,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(https
        ? { rejectUnauthorized: options.insecure !== true, ...(options.ca ? { ca: options.ca } : {}) }
        : {}),
    });
    const fail = (msg: string, cause?: unknown) =>
      reject(new VigilError('IO', `cannot fetch pod list ${url}: ${msg}`, { cause }));
    req.on('timeout', () => {
      req.destroy();
      fail(`no answer within ${timeoutMs} ms`);
    });
    req.on('error', (e) => fail(e.message, e));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_POD_LIST_BYTES) {
          req.destroy();
          fail(`the answer is larger than ${MAX_POD_LIST_BYTES} bytes`);
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) => fail(e.message, e));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          fail(
            `HTTP ${res.statusCode}${res.statusCode === 401 || res.statusCode === 403 ? ' (the service account needs get on nodes/proxy)' : ''}: ${body.slice(0, 200)}`,
          );
          return;
        }
        resolve(body);
      });
    });
    req.end();
  });
}
