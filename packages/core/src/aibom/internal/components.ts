import type { AiComponentType, SignatureMatch } from '../../catalogue/catalogue.js';
import type { RuntimePackage } from '../../catalogue/package-paths.js';
import type { VigilEvent } from '../../events/schema.js';
import type { ComponentEvidence, Declaration, DiscoveryMethod } from '../document.js';
import { admitSample, evidenceDetail } from './evidence.js';
import { purlFor } from './identity.js';

/** A component while the AI-BOM is being built: what was declared and what was seen of it. */
export interface WorkingComponent {
  id: string;
  type: AiComponentType;
  name: string;
  version?: string;
  purl?: string;
  signatureId?: string;
  family?: string;
  vendor?: string;
  properties: Record<string, string>;
  // Observation.
  workloads: Set<string>;
  firstSeen: number;
  lastSeen: number;
  count: number;
  methodConfidence: Map<DiscoveryMethod, number>;
  evidence: ComponentEvidence[];
  declared: Declaration[];
  declaredConfidence: number;
}

/**
 * The components found so far, by id, with a bound on how many are kept,
 * and which components each workload used.
 */
export class ComponentRegistry {
  readonly #byId = new Map<string, WorkingComponent>();
  readonly #byWorkload = new Map<string, Set<string>>();
  readonly #max: number;
  readonly #maxEvidence: number;
  /** Components not kept because the bound was reached. */
  dropped = 0;

  constructor(maxComponents: number, maxEvidence: number) {
    this.#max = maxComponents;
    this.#maxEvidence = maxEvidence;
  }

  get(id: string): WorkingComponent | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  values(): IterableIterator<WorkingComponent> {
    return this.#byId.values();
  }

  /** The ids of the components each workload used. */
  byWorkload(): IterableIterator<[string, Set<string>]> {
    return this.#byWorkload.entries();
  }

  /** The component with this id, made when new; `undefined` (and counted) past the bound. */
  ensure(
    id: string,
    type: AiComponentType,
    name: string,
    match?: SignatureMatch,
    ref?: RuntimePackage,
  ): WorkingComponent | undefined {
    let w = this.#byId.get(id);
    if (w) return w;
    if (this.#byId.size >= this.#max) {
      this.dropped++;
      return undefined;
    }
    w = {
      id,
      type,
      name,
      properties: {},
      workloads: new Set(),
      firstSeen: Number.POSITIVE_INFINITY,
      lastSeen: 0,
      count: 0,
      methodConfidence: new Map(),
      evidence: [],
      declared: [],
      declaredConfidence: 0,
    };
    if (match) {
      w.signatureId = match.signature.id;
      w.family = match.signature.name;
      if (match.signature.vendor) w.vendor = match.signature.vendor;
    }
    if (ref) {
      w.purl = purlFor(ref, ref.version);
      if (ref.version) w.version = ref.version;
      w.properties['ecosystem'] = ref.ecosystem;
    }
    this.#byId.set(id, w);
    return w;
  }

  /** Records that `ev` showed component `w` (found by `method`, with `confidence`). */
  see(
    w: WorkingComponent | undefined,
    ev: VigilEvent,
    method: DiscoveryMethod,
    confidence: number,
    detail: string,
  ): void {
    if (!w) return;
    w.workloads.add(ev.workload.id);
    let set = this.#byWorkload.get(ev.workload.id);
    if (!set) {
      set = new Set();
      this.#byWorkload.set(ev.workload.id, set);
    }
    set.add(w.id);
    if (ev.ts < w.firstSeen) w.firstSeen = ev.ts;
    if (ev.ts > w.lastSeen) w.lastSeen = ev.ts;
    w.count++;
    const had = w.methodConfidence.get(method);
    if (had === undefined || confidence > had) w.methodConfidence.set(method, confidence);
    if (admitSample(w.evidence, method, ev.workload.id, this.#maxEvidence)) {
      w.evidence.push({
        method,
        kind: ev.kind,
        ts: ev.ts,
        workloadId: ev.workload.id,
        pid: ev.pid,
        comm: ev.comm,
        detail: evidenceDetail(detail),
        source: ev.source ?? 'unknown',
      });
    }
  }
}
