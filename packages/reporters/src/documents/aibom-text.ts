import {
  type AiBom,
  type AiBomComponent,
  aiBomPayloadHintFacts,
  countOf,
  describeCaptureDrops,
  describeCaptureIntegrity,
  describePayloadHint,
} from '@vigil/core';

type Node = AiBom['flow']['nodes'][number];

// Types in the order of the flow (agent → tools → APIs → data), with a heading each.
const TYPES: readonly (readonly [AiBomComponent['type'], string])[] = [
  ['agent', 'Agents'],
  ['framework', 'Agent frameworks and AI SDKs'],
  ['llm-api', 'Model endpoints (LLM APIs)'],
  ['inference-server', 'Inference servers'],
  ['model', 'Models'],
  ['mcp-server', 'MCP servers'],
  ['tool', 'Tools'],
  ['vector-store', 'Vector stores'],
  ['data-source', 'Data sources'],
];

const STATUS: Record<AiBomComponent['status'], string> = {
  'undeclared-used': 'SHADOW AI (used, never declared)',
  'declared-used': 'declared, used',
  observed: 'used',
  'declared-unused': 'declared, never used',
};

// Components listed per type, and flow items named per relation, before "… N more".
const PER_TYPE = 12;
const PER_RELATION = 4;
const FLOW_ACTORS = 10;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

// A path keeps its end (the package and file), other details their start.
const clipDetail = (d: string) =>
  d.length <= 80 ? d : d.startsWith('/') ? `…${d.slice(d.length - 79)}` : `${d.slice(0, 79)}…`;

function fmtTs(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString().replace('.000Z', 'Z');
}

// What a component is beyond its name: the facts a reader asks first (endpoint, provider, server).
function facts(c: AiBomComponent, byId: ReadonlyMap<string, AiBomComponent>, flow: AiBom['flow']): string {
  const p = c.properties;
  const out: string[] = [];
  if (c.type === 'model') {
    if (p['provider']) out.push(`provider ${p['provider']}`);
    const callers = flow.nodes.filter((n) => n.componentId === c.id && n.properties['calledBy']);
    if (callers.length > 0) out.push(`called by ${callers.map((n) => n.properties['calledBy']).join(', ')}`);
    const api = p['api'] ? byId.get(p['api']) : undefined;
    if (api) out.push(`served by ${api.name}`);
    else if (p['endpoint']) out.push(`at ${p['endpoint']}`);
    if (p['path']) out.push(p['path']);
  } else if (c.type === 'llm-api' || c.type === 'inference-server') {
    if (p['endpoint'] && !c.name.includes(p['endpoint'])) out.push(`at ${p['endpoint']}`);
  } else if (c.type === 'tool') {
    if (p['server']) out.push(`of ${p['server']}`);
    else if (p['agent']) out.push(`local tool of ${p['agent']}`);
  } else if (c.type === 'mcp-server') {
    if (p['transport']) out.push(p['transport']);
    if (p['command']) out.push(`command ${clip(p['command'], 60)}`);
  } else if (c.type === 'data-source' || c.type === 'vector-store') {
    if (p['store']) out.push(`in ${p['store']}`);
    if (p['endpoint']) out.push(`at ${p['endpoint']}`);
    if (p['operations']) out.push(p['operations']);
  }
  return out.length > 0 ? ` (${out.join('; ')})` : '';
}

function componentLines(c: AiBomComponent, byId: ReadonlyMap<string, AiBomComponent>, bom: AiBom): string[] {
  const v = c.version ? `@${c.version}` : '';
  const lines = [
    `  ${c.name}${v}${facts(c, byId, bom.flow)}  ${STATUS[c.status]}, confidence ${c.confidence.toFixed(2)}`,
  ];
  if (c.observed) {
    const o = c.observed;
    const ev = o.evidence[0];
    lines.push(
      `      seen ${countOf(o.count, 'time')} via ${o.methods.join(', ')}, ${o.firstSeen === o.lastSeen ? `at ${fmtTs(o.firstSeen)}` : `${fmtTs(o.firstSeen)} to ${fmtTs(o.lastSeen)}`}${ev ? `; e.g. ${ev.comm} (pid ${ev.pid}): ${clipDetail(ev.detail)}` : ''}`,
    );
  }
  const d = c.declared?.[0];
  if (d)
    lines.push(
      `      declared in ${d.file}${d.line ? `:${d.line}` : ''}${d.direct === false && d.via?.length ? ` (through ${d.via.join(' → ')})` : ''}${c.declared!.length > 1 ? ` and ${c.declared!.length - 1} more` : ''}`,
    );
  return lines;
}

// Who called a model node and what served it, from its properties.
function modelNote(n: Node): string {
  const p = n.properties;
  return `${p['sdks'] ? `; SDKs loaded by the caller: ${p['sdks']}` : ''}${p['api'] ? `; served by ${p['api']}` : ''}`;
}

// The flow graph summarised: per acting node (agent, MCP server), what it did by relation, busiest first.
function flowLines(bom: AiBom): string[] {
  const { nodes, edges } = bom.flow;
  if (edges.length === 0) return [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const name = (n: Node | undefined, id: string) => {
    if (!n) return id;
    // A peer classified as a database, vector store or message bus shows that kind.
    const kind = n.type === 'data' && n.properties['service'] !== undefined ? n.properties['kind'] : n.type;
    return `${kind} ${n.label}`;
  };
  const workloads = new Set(nodes.map((n) => n.workloadId).filter((w) => w !== undefined));
  const out = [
    '',
    `Execution flow: ${countOf(nodes.length, 'node')}, ${countOf(edges.length, 'edge')}${workloads.size > 1 ? ` across ${countOf(workloads.size, 'workload')}` : ''} (--format flow or html for the graph)`,
  ];
  const from = new Map<string, (typeof edges)[number][]>();
  for (const e of edges) from.set(e.from, [...(from.get(e.from) ?? []), e]);
  // Agents first, then MCP servers, tools and the rest; busiest first within each (identity edges,
  // one per event, do not count).
  const rank = (id: string) => ['agent', 'mcp-server', 'tool'].indexOf(byId.get(id)?.type ?? '') >>> 0;
  const total = (es: readonly (typeof edges)[number][]) =>
    es.reduce((n, e) => n + (e.relation === 'runs-as' ? 0 : e.count), 0);
  const actors = [...from.entries()].sort(
    (a, b) => rank(a[0]) - rank(b[0]) || total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]),
  );
  for (const [id, es] of actors.slice(0, FLOW_ACTORS)) {
    out.push(`  ${name(byId.get(id), id)}:`);
    const byRelation = new Map<string, (typeof edges)[number][]>();
    for (const e of es) byRelation.set(e.relation, [...(byRelation.get(e.relation) ?? []), e]);
    for (const [relation, list] of byRelation) {
      const sorted = [...list].sort((a, b) => b.count - a.count);
      const items = sorted.slice(0, PER_RELATION).map((e) => {
        const n = byId.get(e.to);
        const evidence =
          n?.type === 'data' && n.properties['service']
            ? `; ${n.properties['evidence']}`
            : n?.type === 'model'
              ? modelNote(n)
              : '';
        return `${name(n, e.to)} (${countOf(e.count, 'time')}${evidence})`;
      });
      const more = sorted.length > PER_RELATION ? `, and ${sorted.length - PER_RELATION} more` : '';
      out.push(`    ${relation.padEnd(15)} ${items.join(', ')}${more}`);
    }
  }
  if (actors.length > FLOW_ACTORS) out.push(`  … and ${actors.length - FLOW_ACTORS} more acting nodes`);
  return out;
}

/**
 * Renders an AI-BOM as text for a terminal (the default of `vigil aibom`): the counts, shadow AI
 * first, then the components by type (agents, frameworks and SDKs, model endpoints, models, MCP
 * servers, tools, data) each with its status, the first evidence seen and where it was declared,
 * then the execution-flow graph summarised per acting node and relation, and a hint when payload
 * capture would have named what the capture left anonymous.
 *
 * @example
 * ```ts
 * import { buildAiBom } from '@vigil/core';
 * import { renderAiBomText } from '@vigil/reporters';
 *
 * process.stdout.write(renderAiBomText(await buildAiBom({ captures: ['run.vcap'] })));
 * ```
 */
export function renderAiBomText(bom: AiBom): string {
  const out: string[] = [];
  const s = bom.summary;
  out.push(
    `AI-BOM: ${countOf(s.components, 'component')} (${Object.entries(s.byStatus)
      .map(([k, v]) => `${v} ${k}`)
      .join(
        ', ',
      )}) from ${countOf(bom.inputs.events, 'event')}${bom.workloads.length > 0 ? ` of ${countOf(bom.workloads.length, 'workload')}` : ''}`,
  );
  if (bom.inputs.integrity && !bom.inputs.integrity.complete)
    for (const line of describeCaptureIntegrity(bom.inputs.integrity)) out.push(`  INCOMPLETE: ${line}`);
  for (const line of describeCaptureDrops(bom.inputs.drops)) out.push(`  capture: ${line}`);
  const byId = new Map(bom.components.map((c) => [c.id, c]));
  const shadow = bom.components.filter((c) => c.status === 'undeclared-used');
  if (shadow.length > 0)
    out.push(
      '',
      `Shadow AI: ${countOf(shadow.length, 'component')} used but never declared: ${shadow
        .slice(0, 8)
        .map((c) => `${c.name} (${c.type})`)
        .join(', ')}${shadow.length > 8 ? `, and ${shadow.length - 8} more` : ''}`,
    );
  const order = ['undeclared-used', 'declared-used', 'observed', 'declared-unused'];
  for (const [type, heading] of TYPES) {
    const list = bom.components
      .filter((c) => c.type === type)
      .sort(
        (a, b) =>
          order.indexOf(a.status) - order.indexOf(b.status) ||
          (b.observed?.count ?? 0) - (a.observed?.count ?? 0),
      );
    if (list.length === 0) continue;
    out.push('', `${heading} (${list.length}):`);
    for (const c of list.slice(0, PER_TYPE)) out.push(...componentLines(c, byId, bom));
    if (list.length > PER_TYPE)
      out.push(`  … and ${list.length - PER_TYPE} more (--format json lists every one)`);
  }
  out.push(...flowLines(bom));
  const hint = describePayloadHint(aiBomPayloadHintFacts(bom));
  if (hint) out.push('', hint);
  out.push('');
  return out.join('\n');
}
