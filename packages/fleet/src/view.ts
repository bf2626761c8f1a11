import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  type AiBom,
  type AnalyseGapOptions,
  analyseGap,
  assessMaturity,
  Baseline,
  BaselineSet,
  type Finding,
  type GapResult,
  type Incident,
  type MaturityReport,
  mergeObservedUse,
  type ObservedUseDocument,
  severityRank,
  VigilError,
} from '@vigil/core';
import { mergeAiBoms } from './aibom-merge.js';
import {
  type FleetBaseline,
  FleetBaselineSchema,
  type FleetEventCount,
  FleetEventCountSchema,
  type FleetFinding,
  FleetFindingSchema,
  type FleetIncident,
  FleetIncidentSchema,
  type FleetSnapshot,
  FleetSnapshotSchema,
} from './records.js';
import { bindFleetBuckets, type FleetBucket, natsError } from './streams.js';

/**
 * The fleet at a glance: nodes and workloads heard from, findings and
 * incidents by severity, baselines learning and stable, AI components, events
 * and the maturity assessment over the fleet's documents.
 *
 * @example
 * ```ts
 * const p = await view.posture();
 * console.log(`${p.nodes} nodes, ${p.findings.total} findings, level ${p.maturity.overall.level}`);
 * ```
 */
export interface FleetPosture {
  readonly schemaVersion: 1;
  readonly kind: 'vigil.fleet-posture';
  readonly nodes: number;
  readonly workloads: number;
  readonly findings: { readonly total: number; readonly bySeverity: Readonly<Record<string, number>> };
  readonly incidents: { readonly total: number; readonly bySeverity: Readonly<Record<string, number>> };
  readonly baselines: { readonly total: number; readonly stable: number; readonly learning: number };
  readonly aiComponents: number;
  readonly events: number;
  readonly maturity: MaturityReport;
}

/**
 * Reads what the fleet hub keeps: fleet findings and incidents (each once,
 * with every node's sightings), merged baselines, the fleet's AI-BOM and
 * observed use, and the posture over all of it. What `vigil fleet …` prints.
 *
 * @example
 * ```ts
 * import { FleetView } from '@vigil/fleet';
 * import { toSarif } from '@vigil/reporters';
 *
 * const view = await FleetView.open({ servers: 'nats://127.0.0.1:4222' });
 * const sarif = toSarif(await view.findingList());
 * await view.close();
 * ```
 */
export class FleetView {
  readonly #nc: NatsConnection;
  readonly #owned: boolean;
  readonly #buckets: Record<FleetBucket, KV>;

  private constructor(nc: NatsConnection, owned: boolean, buckets: Record<FleetBucket, KV>) {
    this.#nc = nc;
    this.#owned = owned;
    this.#buckets = buckets;
  }

  /** Connects and opens the hub's buckets (fails with `IO` when no hub has made them). */
  static async open(options: {
    readonly servers?: string | readonly string[];
    readonly connection?: NatsConnection;
  }): Promise<FleetView> {
    let nc = options.connection;
    if (!nc) {
      if (options.servers === undefined)
        throw new VigilError('USAGE', 'FleetView needs servers or a connection');
      try {
        nc = await connect({
          servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
          name: 'vigil-fleet-view',
        });
      } catch (err) {
        throw natsError(`cannot connect to NATS at ${String(options.servers)}`, err);
      }
    }
    try {
      return new FleetView(nc, !options.connection, await bindFleetBuckets(nc));
    } catch (err) {
      if (!options.connection) await nc.close().catch(() => undefined);
      throw err;
    }
  }

  async #values<T>(
    bucket: FleetBucket,
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  ): Promise<T[]> {
    const kv = this.#buckets[bucket];
    const out: T[] = [];
    try {
      const keys: string[] = [];
      for await (const k of await kv.keys()) keys.push(k);
      keys.sort();
      for (const k of keys) {
        const e = await kv.get(k);
        if (e?.operation !== 'PUT' || e.length === 0) continue;
        const r = schema.safeParse(e.json<unknown>());
        if (!r.success)
          throw new VigilError(
            'SCHEMA_INVALID',
            `fleet bucket ${bucket}, key ${k}: not a Vigil fleet record`,
            {
              location: { file: bucket, path: [k] },
            },
          );
        out.push(r.data);
      }
    } catch (err) {
      throw err instanceof VigilError ? err : natsError(`cannot read the fleet bucket ${bucket}`, err);
    }
    return out;
  }

  /** Fleet findings, highest severity first, each with every node's sightings. */
  async findings(): Promise<FleetFinding[]> {
    const list = await this.#values('findings', FleetFindingSchema);
    return list.sort(
      (a, b) =>
        severityRank(b.finding.severity) - severityRank(a.finding.severity) ||
        b.finding.risk.score - a.finding.risk.score ||
        (a.finding.id < b.finding.id ? -1 : 1),
    );
  }

  /**
   * Fleet findings as plain findings, for the reporters: the count is the
   * sum over nodes, and an evidence note names every node and workload that
   * saw it.
   */
  async findingList(): Promise<Finding[]> {
    return (await this.findings()).map(fleetFindingAsFinding);
  }

  /** Fleet incidents, highest severity first. */
  async incidents(): Promise<FleetIncident[]> {
    const list = await this.#values('incidents', FleetIncidentSchema);
    return list.sort(
      (a, b) =>
        severityRank(b.incident.severity) - severityRank(a.incident.severity) ||
        a.incident.firstTs - b.incident.firstTs,
    );
  }

  /** The incidents as core incidents. */
  async incidentList(): Promise<Incident[]> {
    return (await this.incidents()).map((i) => i.incident);
  }

  /** The merged baselines, one per workload and version. */
  async baselineRecords(): Promise<FleetBaseline[]> {
    return this.#values('baselines', FleetBaselineSchema);
  }

  /** The merged baselines as a set (what `vigil check` reads). */
  async baselines(): Promise<BaselineSet> {
    return new BaselineSet((await this.baselineRecords()).map((r) => Baseline.fromDocument(r.baseline)));
  }

  /** The stable baselines the hub has published. */
  async stableBaselines(): Promise<BaselineSet> {
    const list = await this.#values('stableBaselines', FleetBaselineSchema);
    return new BaselineSet(list.map((r) => Baseline.fromDocument(r.baseline)));
  }

  /** Every node's latest AI-BOM of every workload. */
  async aiBomSnapshots(): Promise<FleetSnapshot[]> {
    return this.#values('aibom', FleetSnapshotSchema);
  }

  /** The fleet's AI-BOM: every node's latest, merged (see {@link mergeAiBoms}). */
  async aiBom(): Promise<AiBom> {
    return mergeAiBoms((await this.aiBomSnapshots()).map((s) => s.body as AiBom));
  }

  /** The fleet's observed use (for gap analysis against declared grants): every node's latest, merged. */
  async observedUse(): Promise<ObservedUseDocument> {
    const snaps = await this.#values('gaps', FleetSnapshotSchema);
    return mergeObservedUse(snaps.map((s) => s.body as ObservedUseDocument));
  }

  /**
   * Gap analysis across the fleet: the declared permissions against what
   * every workload was observed to use on every node (each node's latest
   * observed use, merged), through core's `analyseGap` — so the report,
   * ranking and least-privilege artifacts are those of `vigil gap`. Captures,
   * baselines and logs given in `options` are added to the fleet's use.
   *
   * @example
   * ```ts
   * import { renderReport } from '@vigil/reporters';
   *
   * const gap = await view.gap({ declared: ['deploy/'] });
   * console.log(renderReport('gap', 'text', gap));
   * ```
   */
  async gap(options: AnalyseGapOptions): Promise<GapResult> {
    const fleet = await this.observedUse();
    return analyseGap({ ...options, observedUse: [fleet, ...(options.observedUse ?? [])] });
  }

  /** Event counts per workload and node. */
  async eventCounts(): Promise<FleetEventCount[]> {
    return this.#values('events', FleetEventCountSchema);
  }

  /** The fleet's posture, maturity included. */
  async posture(): Promise<FleetPosture> {
    const [findings, incidents, baselines, snaps, events] = await Promise.all([
      this.findings(),
      this.incidents(),
      this.baselineRecords(),
      this.aiBomSnapshots(),
      this.eventCounts(),
    ]);
    const nodes = new Set<string>();
    const workloads = new Set<string>();
    for (const f of findings) for (const s of f.sightings) nodes.add(s.node);
    for (const b of baselines) {
      for (const n of b.nodes) nodes.add(n);
      workloads.add(b.subject);
    }
    for (const s of snaps) {
      nodes.add(s.node.node);
      workloads.add(s.workloadKey);
    }
    for (const e of events) {
      nodes.add(e.node);
      workloads.add(e.workloadKey);
    }
    const count = (sev: string[]) => {
      const out: Record<string, number> = {};
      for (const s of sev) out[s] = (out[s] ?? 0) + 1;
      return out;
    };
    const flat = findings.map(fleetFindingAsFinding);
    const stable = baselines.filter((b) => b.status === 'stable').length;
    return {
      schemaVersion: 1,
      kind: 'vigil.fleet-posture',
      nodes: nodes.size,
      workloads: workloads.size,
      findings: { total: findings.length, bySeverity: count(findings.map((f) => f.finding.severity)) },
      incidents: { total: incidents.length, bySeverity: count(incidents.map((i) => i.incident.severity)) },
      baselines: { total: baselines.length, stable, learning: baselines.length - stable },
      aiComponents: mergeAiBoms(snaps.map((s) => s.body as AiBom)).components.length,
      events: events.reduce((a, e) => a + Object.values(e.instances).reduce((x, y) => x + y, 0), 0),
      maturity: assessMaturity({
        aiBoms: snaps.map((s) => s.body as AiBom),
        baselines: baselines.map((b) => Baseline.fromDocument(b.baseline)),
        findings: flat,
      }),
    };
  }

  /** Closes the connection when the view opened it. Idempotent. */
  async close(): Promise<void> {
    if (this.#owned && !this.#nc.isClosed()) await this.#nc.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * A fleet finding as one finding: the representative report, its count the
 * sum over nodes, its last sight the latest, and a note naming every node.
 *
 * @example
 * ```ts
 * const findings = (await view.findings()).map(fleetFindingAsFinding);
 * ```
 */
export function fleetFindingAsFinding(f: FleetFinding): Finding {
  const count = f.sightings.reduce((a, s) => a + s.count, 0);
  const lastSeen = Math.max(f.finding.lastSeen ?? f.finding.ts, ...f.sightings.map((s) => s.lastTs));
  const where = f.sightings
    .map(
      (s) =>
        `${s.node}${s.cluster ? ` (${s.cluster})` : ''}: ${s.workload.pod ?? s.workload.name ?? s.workload.id} ×${s.count}`,
    )
    .join('; ');
  return {
    ...f.finding,
    count: Math.max(1, count),
    lastSeen,
    evidence: [
      ...f.finding.evidence,
      { type: 'note', description: `seen on ${f.sightings.length} node/workload pair(s): ${where}` },
    ],
  };
}
