import type { WorkloadRef } from '../../workload/workload-ref.js';
import type { AiBomResultOptions } from '../builder.js';
import { AIBOM_SCHEMA_VERSION, type AiBom, type AiBomComponent, type AiBomInputs } from '../document.js';
import type { FlowGraphRecorder } from '../flow-recorder.js';
import type { ComponentRegistry, WorkingComponent } from './components.js';
import type { DeclaredInventory } from './declared-inventory.js';
import { componentStatus, type DeclaredScope, toolsFollowTheirServer } from './shadow-ai.js';

/** What the document is assembled from. */
export interface AiBomParts {
  readonly components: ComponentRegistry;
  readonly declared: DeclaredInventory;
  readonly flow: FlowGraphRecorder;
  readonly workloads: ReadonlyMap<string, WorkloadRef>;
  readonly events: number;
  readonly catalogueVersion: string;
}

/** Combines independent confidences: 1 − Π(1 − cᵢ). */
function combine(values: Iterable<number>): number {
  let miss = 1;
  for (const v of values) miss *= 1 - v;
  return Math.round((1 - miss) * 1000) / 1000;
}

function finish(w: WorkingComponent, scope: DeclaredScope): AiBomComponent {
  const observed = w.count > 0;
  const declared = w.declared.length > 0;
  const confidence = observed
    ? combine(w.methodConfidence.values())
    : Math.round(w.declaredConfidence * 1000) / 1000;
  return {
    id: w.id,
    type: w.type,
    name: w.name,
    ...(w.version ? { version: w.version } : {}),
    ...(w.purl ? { purl: w.purl } : {}),
    ...(w.signatureId ? { signatureId: w.signatureId } : {}),
    ...(w.family ? { family: w.family } : {}),
    ...(w.vendor ? { vendor: w.vendor } : {}),
    status: componentStatus(w, declared, observed, scope),
    confidence,
    ...(observed
      ? {
          observed: {
            workloads: [...w.workloads].sort(),
            firstSeen: w.firstSeen,
            lastSeen: w.lastSeen,
            count: w.count,
            methods: [...w.methodConfidence.keys()].sort(),
            evidence: [...w.evidence].sort((a, b) => a.ts - b.ts),
          },
        }
      : {}),
    ...(declared ? { declared: [...w.declared] } : {}),
    properties: { ...w.properties },
  };
}

/** The AI-BOM document: components with their standing, the workloads that used them, the flow graph, a summary. */
export function assembleAiBom(parts: AiBomParts, options: AiBomResultOptions): AiBom {
  const components: AiBomComponent[] = [];
  for (const w of parts.components.values()) components.push(finish(w, parts.declared));
  toolsFollowTheirServer(components, parts.declared);
  // Announced against used, per server: the gap between what an agent can do and what it does.
  const byId = new Map(components.map((c) => [c.id, c]));
  for (const c of components) {
    if (c.type !== 'tool') continue;
    const server = byId.get(c.properties['serverComponent'] ?? '');
    if (!server) continue;
    const used = new Set((server.properties['usedTools'] ?? '').split(',').filter((x) => x));
    used.add(c.name);
    server.properties['usedTools'] = [...used].sort().join(',');
  }
  components.sort((a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
  const byStatus: Record<string, number> = {};
  const byType: Record<string, number> = {};
  for (const c of components) {
    byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    byType[c.type] = (byType[c.type] ?? 0) + 1;
  }
  const inputs: AiBomInputs = {
    captures: [...(options.captures ?? [])],
    otel: [...(options.otel ?? [])],
    manifests: parts.declared.manifests(),
    events: parts.events,
    drops: { ...(options.drops ?? {}) },
    ...(options.integrity
      ? {
          integrity: {
            complete: options.integrity.complete,
            incomplete: options.integrity.incomplete.map((c) => ({ ...c })),
            interrupted: [...options.integrity.interrupted],
          },
        }
      : {}),
  };
  return {
    schemaVersion: AIBOM_SCHEMA_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    generator: options.generator ? { ...options.generator } : { name: 'vigil', version: '0.1.0' },
    catalogueVersion: parts.catalogueVersion,
    inputs,
    components,
    workloads: [...parts.components.byWorkload()]
      .filter(([id]) => parts.workloads.has(id))
      .map(([id, set]) => ({ workload: parts.workloads.get(id)!, componentIds: [...set].sort() })),
    flow: parts.flow.graph(),
    summary: { components: components.length, byStatus, byType },
  };
}
