import {
  type EventSource,
  fetchPodList,
  kubernetesWorkload,
  NODE_LABEL,
  PodIndex,
  type PodListFetchOptions,
  type SourceStats,
  type VigilError,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';

/**
 * Options for {@link WorkloadResolver}.
 *
 * @example
 * ```ts
 * const options: WorkloadResolverOptions = { node: 'node-a', pods: { url: 'http://127.0.0.1:8080/pods' } };
 * ```
 */
export interface WorkloadResolverOptions {
  /** The node name every workload is labelled with ({@link NODE_LABEL}). */
  readonly node: string;
  /** Where the pod list comes from; `false` reads identity from cgroup paths only. */
  readonly pods?: PodListFetchOptions | false;
  /** Fewest milliseconds between two pod list fetches. Default 2,000. */
  readonly minRefreshMs?: number;
  /** Called when a pod list fetch fails (identity falls back to the cgroup path). */
  readonly onError?: (error: VigilError) => void;
}

/**
 * Maps what the sensor attributes an event to (a workload read from its
 * cgroup path) to the workload with its Kubernetes metadata and node: one
 * {@link WorkloadRef} object per cgroup, so consumers can compare by identity.
 * When a pod appears that the last pod list does not hold, the list is
 * fetched again before its events go on (at most every `minRefreshMs`), so a
 * new replica's first events already carry its owner and learn into the
 * shared baseline.
 *
 * @example
 * ```ts
 * const resolver = new WorkloadResolver({ node: 'node-a', pods: { url: KUBELET_PODS_URL, tokenFile } });
 * await resolver.refresh();
 * resolver.resolve(event.workload).namespace;
 * ```
 */
export class WorkloadResolver {
  readonly node: string;
  readonly #pods: PodListFetchOptions | false;
  readonly #minRefreshMs: number;
  readonly #onError: ((e: VigilError) => void) | undefined;
  #index = new PodIndex();
  readonly #cache = new Map<string, WorkloadRef>();
  #lastFetch = 0;
  #fetching: Promise<void> | undefined;
  #fetches = 0;
  #failures = 0;

  constructor(options: WorkloadResolverOptions) {
    this.node = options.node;
    this.#pods = options.pods ?? false;
    this.#minRefreshMs = options.minRefreshMs ?? 2000;
    this.#onError = options.onError;
  }

  /** The pods of the last successful fetch. */
  get index(): PodIndex {
    return this.#index;
  }

  /** Pod list fetches, and how many failed. */
  stats(): { readonly fetches: number; readonly failures: number; readonly pods: number } {
    return { fetches: this.#fetches, failures: this.#failures, pods: this.#index.size };
  }

  /** Fetches the pod list now (one fetch at a time; a failure keeps the last list). */
  refresh(): Promise<void> {
    if (this.#pods === false) return Promise.resolve();
    const pods = this.#pods;
    this.#fetching ??= (async () => {
      this.#lastFetch = Date.now();
      this.#fetches++;
      try {
        this.#index = new PodIndex(await fetchPodList(pods));
        this.#cache.clear();
      } catch (e) {
        this.#failures++;
        this.#onError?.(e as VigilError);
      } finally {
        this.#fetching = undefined;
      }
    })();
    return this.#fetching;
  }

  /** Whether a workload is a pod the last list did not hold. */
  #unknownPod(w: WorkloadRef): boolean {
    if (w.kind !== 'kubernetes-pod' || w.podUid === undefined) return false;
    return this.#index.pod(w.podUid) === undefined;
  }

  /** Fetches the pod list again when `batch` holds a pod the last list did not (rate-limited). */
  async prepare(batch: readonly VigilEvent[]): Promise<void> {
    if (this.#pods === false) return;
    let last: WorkloadRef | undefined;
    for (const ev of batch) {
      if (ev.workload === last) continue;
      last = ev.workload;
      const cached = this.#cache.get(this.#key(ev.workload));
      if (cached !== undefined && cached.namespace !== undefined) continue;
      if (this.#unknownPod(ev.workload)) {
        if (Date.now() - this.#lastFetch >= this.#minRefreshMs) await this.refresh();
        else if (this.#fetching) await this.#fetching;
        return;
      }
    }
  }

  #key(w: WorkloadRef): string {
    return w.cgroupPath ?? w.id;
  }

  /** The workload with its metadata (the same object for every event of one cgroup). */
  resolve(w: WorkloadRef): WorkloadRef {
    const key = this.#key(w);
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit;
    const k8s = kubernetesWorkload(w, this.#index);
    const out: WorkloadRef = { ...k8s, labels: { ...k8s.labels, [NODE_LABEL]: this.node } };
    // A pod not listed yet is not cached: the next fetch may name it.
    if (!this.#unknownPod(w)) this.#cache.set(key, out);
    if (this.#cache.size > 100_000) this.#cache.clear();
    return out;
  }

  /** Rewrites each event's workload in place. */
  apply(batch: VigilEvent[]): void {
    let lastIn: WorkloadRef | undefined;
    let lastOut: WorkloadRef | undefined;
    for (const ev of batch) {
      if (ev.workload !== lastIn) {
        lastIn = ev.workload;
        lastOut = this.resolve(ev.workload);
      }
      (ev as { workload: WorkloadRef }).workload = lastOut!;
    }
  }

  /** Forgets a cgroup's workload (it vanished). */
  forget(cgroupPath: string): void {
    this.#cache.delete(cgroupPath);
  }
}

/**
 * An {@link EventSource} that hands on another source's batches with each
 * event's workload resolved by a {@link WorkloadResolver} (waiting for a pod
 * list fetch when a batch holds a pod not listed yet).
 *
 * @example
 * ```ts
 * const source = new ResolvedSource(sensor, resolver);
 * await new Vigil({ source, consumers: [learner] }).run();
 * ```
 */
export class ResolvedSource implements EventSource {
  readonly name: string;
  readonly #inner: EventSource;
  readonly #resolver: WorkloadResolver;

  constructor(inner: EventSource, resolver: WorkloadResolver) {
    this.#inner = inner;
    this.#resolver = resolver;
    this.name = inner.name;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    for await (const batch of this.#inner) {
      await this.#resolver.prepare(batch);
      this.#resolver.apply(batch);
      yield batch;
    }
  }

  stats(): SourceStats {
    return this.#inner.stats();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
