import { randomUUID } from 'node:crypto';
import type { AiBom, AiBomComponent, ComponentEvidence, DiscoveryMethod } from '@vigil/core';

/** A CycloneDX property: a name and a string value. */
export interface CycloneDxProperty {
  name: string;
  value: string;
}

/** The parts of a CycloneDX 1.6 component that Vigil writes. */
export interface CycloneDxComponent {
  type: 'application' | 'framework' | 'library' | 'machine-learning-model' | 'data';
  'bom-ref': string;
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  description?: string;
  publisher?: string;
  modelCard?: { properties?: CycloneDxProperty[]; modelParameters?: { task?: string } };
  data?: { type: 'dataset' | 'configuration' | 'other'; name: string; description?: string }[];
  evidence?: {
    identity?: {
      field: 'name' | 'purl' | 'version';
      confidence: number;
      concludedValue?: string;
      methods: { technique: string; confidence: number; value?: string }[];
    }[];
    occurrences?: { location: string; line?: number; additionalContext?: string }[];
  };
  properties?: CycloneDxProperty[];
}

/** The parts of a CycloneDX 1.6 service that Vigil writes. */
export interface CycloneDxService {
  'bom-ref': string;
  name: string;
  group?: string;
  provider?: { name: string };
  description?: string;
  endpoints?: string[];
  'x-trust-boundary'?: boolean;
  trustZone?: string;
  properties?: CycloneDxProperty[];
}

/** A CycloneDX 1.6 JSON document, as Vigil writes it. */
export interface CycloneDxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: number;
  metadata: {
    timestamp: string;
    tools: { components: { type: 'application'; name: string; version: string; group?: string }[] };
    properties: CycloneDxProperty[];
  };
  components: CycloneDxComponent[];
  services: CycloneDxService[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

/** Options for {@link aiBomToCycloneDx}. */
export interface CycloneDxOptions {
  /** `urn:uuid:…`; default a random one. Fix it for reproducible output. */
  readonly serialNumber?: string;
  /** Sample evidence entries written per component. Default 8. */
  readonly maxOccurrences?: number;
}

// How each discovery method maps onto CycloneDX's identity techniques.
const TECHNIQUE: Record<DiscoveryMethod, string> = {
  exec: 'dynamic-analysis',
  'file-open': 'filename',
  'net-connect': 'dynamic-analysis',
  'net-listen': 'dynamic-analysis',
  dns: 'dynamic-analysis',
  'otel-span': 'instrumentation',
  'tool-call': 'instrumentation',
  'tool-list': 'instrumentation',
  'model-call': 'instrumentation',
  retrieval: 'instrumentation',
  'k8s-api': 'dynamic-analysis',
  'cloud-api': 'dynamic-analysis',
  'workload-image': 'other',
};

function prop(name: string, value: string | number | undefined): CycloneDxProperty[] {
  return value === undefined || value === '' ? [] : [{ name, value: String(value) }];
}

function iso(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString();
}

function commonProperties(c: AiBomComponent): CycloneDxProperty[] {
  return [
    ...prop('vigil:component-type', c.type),
    ...prop('vigil:status', c.status),
    ...(c.status === 'undeclared-used' ? prop('vigil:shadow-ai', 'true') : []),
    ...prop('vigil:confidence', c.confidence),
    ...prop('vigil:signature', c.signatureId),
    ...prop('vigil:family', c.family),
    ...(c.observed
      ? [
          ...prop('vigil:first-seen', iso(c.observed.firstSeen)),
          ...prop('vigil:last-seen', iso(c.observed.lastSeen)),
          ...prop('vigil:observations', c.observed.count),
          ...prop('vigil:methods', c.observed.methods.join(',')),
          ...prop('vigil:workloads', c.observed.workloads.join(',')),
        ]
      : []),
    ...Object.entries(c.properties)
      .filter(([k]) => k !== 'ecosystem')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => ({ name: `vigil:${k}`, value: v })),
  ];
}

function occurrence(e: ComponentEvidence): { location: string; additionalContext: string } {
  const location =
    e.method === 'file-open'
      ? e.detail.replace(/^(read|write|readwrite|exec|path) /, '')
      : `${e.workloadId}#pid=${e.pid}`;
  return {
    location,
    additionalContext: `${e.method} ${e.kind} at ${iso(e.ts)} by ${e.comm} (pid ${e.pid}) in ${e.workloadId} from ${e.source}: ${e.detail}`,
  };
}

function evidenceOf(c: AiBomComponent, max: number): CycloneDxComponent['evidence'] {
  const methods: { technique: string; confidence: number; value?: string }[] = [];
  const seen = new Set<string>();
  for (const e of c.observed?.evidence ?? []) {
    if (seen.has(e.method)) continue;
    seen.add(e.method);
    methods.push({
      technique: TECHNIQUE[e.method],
      confidence: c.confidence,
      value: `${e.method}: ${e.detail}`.slice(0, 1024),
    });
  }
  for (const d of c.declared ?? []) {
    methods.push({
      technique: 'manifest-analysis',
      confidence: 1,
      value: `${d.input} ${d.file}${d.line ? `:${d.line}` : ''}${d.path ? ` ${d.path}` : ''}`,
    });
    break;
  }
  const occurrences = [
    ...(c.observed?.evidence ?? []).slice(0, max).map(occurrence),
    ...(c.declared ?? []).slice(0, max).map((d) => ({
      location: d.file,
      ...(d.line ? { line: d.line } : {}),
      additionalContext: `declared in ${d.input}${d.path ? ` at ${d.path}` : ''}${d.specifier ? ` as ${d.specifier}` : ''}`,
    })),
  ];
  const field: 'purl' | 'name' = c.purl ? 'purl' : 'name';
  return {
    ...(methods.length > 0
      ? { identity: [{ field, confidence: c.confidence, concludedValue: c.purl ?? c.name, methods }] }
      : {}),
    ...(occurrences.length > 0 ? { occurrences } : {}),
  };
}

function splitScope(name: string): { group?: string; name: string } {
  if (name.startsWith('@') && name.includes('/')) {
    const i = name.indexOf('/');
    return { group: name.slice(0, i), name: name.slice(i + 1) };
  }
  return { name };
}

// Local processes and files are components; things reached over the network are services.
function isService(c: AiBomComponent): boolean {
  if (c.type === 'llm-api' || c.type === 'tool') return true;
  if (c.type === 'mcp-server')
    return c.id.startsWith('mcp-server:url/') || c.id.startsWith('mcp-server:name/');
  if (c.type === 'inference-server' || c.type === 'vector-store') {
    if (c.purl) return false;
    const methods = c.observed?.methods ?? [];
    return !(methods.includes('exec') || methods.includes('net-listen') || methods.includes('file-open'));
  }
  return false;
}

function endpointsOf(c: AiBomComponent): string[] {
  const out = new Set<string>();
  const ep = c.properties['endpoint'];
  if (ep) out.add(ep.includes('://') ? ep : `${ep.endsWith(':443') ? 'https' : 'tcp'}://${ep}`);
  if (c.id.startsWith('mcp-server:url/')) out.add(c.id.slice('mcp-server:url/'.length));
  const host = c.properties['host'];
  if (out.size === 0 && host) out.add(`https://${host}`);
  return [...out].filter((u) => {
    try {
      new URL(u);
      return true;
    } catch {
      return false;
    }
  });
}

function toService(c: AiBomComponent): CycloneDxService {
  const endpoints = endpointsOf(c);
  const remote = c.type === 'llm-api' || c.id.startsWith('mcp-server:url/');
  return {
    'bom-ref': c.id,
    name: c.name,
    ...(c.type === 'tool' && c.properties['server'] ? { group: c.properties['server'] } : {}),
    ...(c.vendor ? { provider: { name: c.vendor } } : {}),
    ...(c.family && c.family !== c.name ? { description: c.family } : {}),
    ...(endpoints.length > 0 ? { endpoints } : {}),
    ...(remote ? { 'x-trust-boundary': true } : {}),
    properties: commonProperties(c),
  };
}

function toComponent(c: AiBomComponent, maxOccurrences: number): CycloneDxComponent {
  const type: CycloneDxComponent['type'] =
    c.type === 'model'
      ? 'machine-learning-model'
      : c.type === 'data-source'
        ? 'data'
        : c.type === 'framework'
          ? c.purl
            ? 'library'
            : 'framework'
          : 'application';
  const { group, name } = c.purl?.startsWith('pkg:npm/')
    ? splitScope(c.name)
    : { group: undefined, name: c.name };
  const evidence = evidenceOf(c, maxOccurrences);
  const modelProps = [
    ...prop('vigil:provider', c.properties['provider']),
    ...prop('vigil:format', c.properties['format']),
    ...prop('vigil:path', c.properties['path']),
    ...prop('vigil:endpoint', c.properties['endpoint']),
  ];
  return {
    type,
    'bom-ref': c.id,
    name,
    ...(group ? { group } : {}),
    ...(c.version ? { version: c.version } : {}),
    ...(c.purl ? { purl: c.purl } : {}),
    ...(c.family && c.family !== c.name ? { description: c.family } : {}),
    ...(c.vendor ? { publisher: c.vendor } : {}),
    ...(type === 'machine-learning-model'
      ? {
          modelCard: {
            ...(c.properties['operation'] ? { modelParameters: { task: c.properties['operation'] } } : {}),
            properties: modelProps,
          },
        }
      : {}),
    ...(type === 'data'
      ? {
          data: [
            {
              type: 'dataset' as const,
              name: c.name,
              ...(c.properties['store'] ? { description: `retrieved from ${c.properties['store']}` } : {}),
            },
          ],
        }
      : {}),
    ...(evidence && Object.keys(evidence).length > 0 ? { evidence } : {}),
    properties: commonProperties(c),
  };
}

/**
 * Exports an AI-BOM as CycloneDX 1.6 JSON: models as
 * `machine-learning-model` components (with a `modelCard` carrying what is
 * known), RAG sources as `data` components, frameworks and SDKs as libraries
 * with package URLs, local MCP and inference servers as applications, and
 * hosted LLM APIs, remote MCP servers and tools as services. How each item was
 * found goes into `evidence.identity` (technique and confidence) and
 * `evidence.occurrences` (where: file, process, declaration line); whether it
 * was declared, used, or both into `vigil:status` (`vigil:shadow-ai` marks
 * used-but-undeclared). The execution-flow graph becomes `dependencies`.
 *
 * @example
 * ```ts
 * import { buildAiBom } from '@vigil/core';
 * import { aiBomToCycloneDx } from '@vigil/reporters';
 *
 * const cdx = aiBomToCycloneDx(await buildAiBom({ captures: ['run.vcap'] }));
 * console.log(cdx.components.length, cdx.services.length);
 * ```
 */
export function aiBomToCycloneDx(bom: AiBom, options: CycloneDxOptions = {}): CycloneDxBom {
  const max = options.maxOccurrences ?? 8;
  const components: CycloneDxComponent[] = [];
  const services: CycloneDxService[] = [];
  for (const c of bom.components) {
    if (isService(c)) services.push(toService(c));
    else components.push(toComponent(c, max));
  }
  const refs = new Set([...components.map((c) => c['bom-ref']), ...services.map((s) => s['bom-ref'])]);
  // Flow edges between nodes that stand for BOM items become dependencies.
  const nodeComponent = new Map(
    bom.flow.nodes.filter((n) => n.componentId).map((n) => [n.id, n.componentId!]),
  );
  const deps = new Map<string, Set<string>>();
  for (const e of bom.flow.edges) {
    const from = nodeComponent.get(e.from);
    const to = nodeComponent.get(e.to);
    if (!from || !to || from === to || !refs.has(from) || !refs.has(to)) continue;
    let set = deps.get(from);
    if (!set) {
      set = new Set();
      deps.set(from, set);
    }
    set.add(to);
  }
  // Span-named models point at the API that served them.
  for (const c of bom.components) {
    const api = c.properties['api'];
    if (c.type === 'model' && api && refs.has(api) && api !== c.id) {
      let set = deps.get(c.id);
      if (!set) {
        set = new Set();
        deps.set(c.id, set);
      }
      set.add(api);
    }
  }
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: bom.generatedAt,
      tools: {
        components: [{ type: 'application', name: bom.generator.name, version: bom.generator.version }],
      },
      properties: [
        ...prop('vigil:aibom-schema-version', bom.schemaVersion),
        ...prop('vigil:catalogue-version', bom.catalogueVersion),
        ...prop('vigil:events', bom.inputs.events),
        ...bom.inputs.captures.map((c) => ({ name: 'vigil:capture', value: c })),
        ...bom.inputs.otel.map((c) => ({ name: 'vigil:otel', value: c })),
        ...bom.inputs.manifests.map((m) => ({ name: 'vigil:manifest', value: `${m.input} ${m.file}` })),
        ...Object.entries(bom.inputs.drops).map(([k, v]) => ({ name: `vigil:drops:${k}`, value: String(v) })),
        ...integrityProperties(bom.inputs.integrity),
        ...Object.entries(bom.summary.byStatus).map(([k, v]) => ({
          name: `vigil:summary:${k}`,
          value: String(v),
        })),
      ],
    },
    components,
    services,
    dependencies: [...deps.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ref, set]) => ({ ref, dependsOn: [...set].sort() })),
  };
}

/**
 * The CycloneDX 1.6 JSON text of an AI-BOM, pretty-printed, ending in a newline.
 *
 * @example
 * ```ts
 * await writeFile('aibom.cdx.json', renderCycloneDx(bom));
 * ```
 */
export function renderCycloneDx(bom: AiBom, options: CycloneDxOptions = {}): string {
  return `${JSON.stringify(aiBomToCycloneDx(bom, options), null, 2)}\n`;
}

// Whether the captures were complete: `vigil:captures-complete`, and one property per capture cut short.
function integrityProperties(integrity: AiBom['inputs']['integrity']): CycloneDxProperty[] {
  if (integrity === undefined) return [];
  return [
    { name: 'vigil:captures-complete', value: String(integrity.complete) },
    ...integrity.incomplete.map((c) => ({ name: 'vigil:capture-incomplete', value: c.path })),
    ...integrity.interrupted.map((p) => ({ name: 'vigil:capture-interrupted', value: p })),
  ];
}
