import {
  AIBOM_SCHEMA_VERSION,
  type AiBom,
  type AiBomComponent,
  type ComponentStatus,
  type FlowEdge,
  type FlowNode,
} from '@vigil/core';

const MAX_EVIDENCE = 10;
// When nodes disagree, the status that says more about use wins.
const STATUS_ORDER: readonly ComponentStatus[] = [
  'declared-unused',
  'observed',
  'declared-used',
  'undeclared-used',
];

function mergeComponent(a: AiBomComponent, b: AiBomComponent): AiBomComponent {
  const out: AiBomComponent = {
    ...a,
    status: STATUS_ORDER.indexOf(b.status) > STATUS_ORDER.indexOf(a.status) ? b.status : a.status,
    confidence: Math.max(a.confidence, b.confidence),
    properties: { ...b.properties, ...a.properties },
  };
  if (a.observed || b.observed) {
    const x = a.observed;
    const y = b.observed;
    out.observed =
      x && y
        ? {
            workloads: [...new Set([...x.workloads, ...y.workloads])].sort(),
            firstSeen: Math.min(x.firstSeen, y.firstSeen),
            lastSeen: Math.max(x.lastSeen, y.lastSeen),
            count: x.count + y.count,
            methods: [...new Set([...x.methods, ...y.methods])].sort(),
            evidence: [...x.evidence, ...y.evidence].sort((p, q) => p.ts - q.ts).slice(0, MAX_EVIDENCE),
          }
        : (x ?? y)!;
  }
  if (a.declared || b.declared) {
    const seen = new Map<string, NonNullable<AiBomComponent['declared']>[number]>();
    for (const d of [...(a.declared ?? []), ...(b.declared ?? [])])
      seen.set(`${d.input}\0${d.file}\0${d.path ?? ''}`, d);
    out.declared = [...seen.values()];
  }
  return out;
}

/**
 * Joins the AI-BOMs of many nodes and workloads into the fleet's AI-BOM:
 * components by id (observations added up, the most telling status kept),
 * workloads and the execution-flow graph united, the summary recounted.
 *
 * @example
 * ```ts
 * import { mergeAiBoms } from '@vigil/fleet';
 *
 * const fleet = mergeAiBoms([bomFromNodeA, bomFromNodeB]);
 * console.log(fleet.summary.components);
 * ```
 */
export function mergeAiBoms(boms: readonly AiBom[]): AiBom {
  const components = new Map<string, AiBomComponent>();
  const workloads = new Map<string, AiBom['workloads'][number]>();
  const nodes = new Map<string, FlowNode>();
  const edges = new Map<string, FlowEdge>();
  const captures = new Set<string>();
  const otel = new Set<string>();
  const manifests = new Map<string, AiBom['inputs']['manifests'][number]>();
  const drops: Record<string, number> = {};
  let events = 0;
  let truncated = false;
  let generatedAt = '';
  let catalogueVersion = '';
  let generator: AiBom['generator'] = { name: 'vigil', version: '0' };
  for (const bom of boms) {
    if (bom.generatedAt > generatedAt) {
      generatedAt = bom.generatedAt;
      generator = bom.generator;
      catalogueVersion = bom.catalogueVersion;
    }
    for (const c of bom.components) {
      const cur = components.get(c.id);
      components.set(c.id, cur ? mergeComponent(cur, c) : c);
    }
    for (const w of bom.workloads) {
      const cur = workloads.get(w.workload.id);
      workloads.set(
        w.workload.id,
        cur ? { ...cur, componentIds: [...new Set([...cur.componentIds, ...w.componentIds])].sort() } : w,
      );
    }
    for (const n of bom.flow.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
    for (const e of bom.flow.edges) {
      const k = `${e.from}\0${e.to}\0${e.relation}`;
      const cur = edges.get(k);
      edges.set(
        k,
        cur
          ? {
              ...cur,
              count: cur.count + e.count,
              firstSeen: Math.min(cur.firstSeen, e.firstSeen),
              lastSeen: Math.max(cur.lastSeen, e.lastSeen),
              evidence: [...new Set([...cur.evidence, ...e.evidence])].slice(0, MAX_EVIDENCE),
            }
          : e,
      );
    }
    truncated ||= bom.flow.truncated;
    for (const c of bom.inputs.captures) captures.add(c);
    for (const o of bom.inputs.otel) otel.add(o);
    for (const m of bom.inputs.manifests) manifests.set(`${m.input}\0${m.file}`, m);
    for (const [k, v] of Object.entries(bom.inputs.drops)) drops[k] = (drops[k] ?? 0) + v;
    events += bom.inputs.events;
  }
  const list = [...components.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byStatus: Record<string, number> = {};
  const byType: Record<string, number> = {};
  for (const c of list) {
    byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    byType[c.type] = (byType[c.type] ?? 0) + 1;
  }
  return {
    schemaVersion: AIBOM_SCHEMA_VERSION,
    generatedAt: generatedAt || new Date(0).toISOString(),
    generator,
    catalogueVersion,
    inputs: {
      captures: [...captures].sort(),
      otel: [...otel].sort(),
      manifests: [...manifests.values()],
      events,
      drops,
    },
    components: list,
    workloads: [...workloads.values()].sort((a, b) => (a.workload.id < b.workload.id ? -1 : 1)),
    flow: {
      schemaVersion: boms[0]?.flow.schemaVersion ?? 1,
      nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
      edges: [...edges.values()],
      truncated,
    },
    summary: { components: list.length, byStatus, byType },
  };
}
