import type { ExecutionFlowGraph, FlowNode, FlowNodeType } from '@vigil/core';
import { esc } from './escape.js';

// Columns left to right: Agent → Tool → API → Data → Identity.
const COLUMN: Record<FlowNodeType, number> = {
  agent: 0,
  tool: 1,
  'mcp-server': 1,
  api: 2,
  model: 2,
  data: 3,
  identity: 4,
};
const COLUMN_TITLES = ['Agent', 'Tool / MCP server', 'API / model', 'Data', 'Identity'];
const COLOUR: Record<FlowNodeType, string> = {
  agent: '#4f46e5',
  tool: '#0891b2',
  'mcp-server': '#0e7490',
  api: '#ca8a04',
  model: '#a16207',
  data: '#16a34a',
  identity: '#dc2626',
};

const COL_W = 230;
const NODE_W = 190;
const NODE_H = 34;
const GAP_Y = 14;
const TOP = 40;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Draws an execution-flow graph as inline SVG: five columns, Agent → Tool →
 * API → Data → Identity, with edges labelled by relation and count.
 * At most `maxPerColumn` nodes per column are drawn; the rest are counted.
 */
export function flowGraphSvg(
  graph: ExecutionFlowGraph,
  options: { readonly maxPerColumn?: number } = {},
): string {
  const maxPerColumn = options.maxPerColumn ?? 30;
  const columns: FlowNode[][] = [[], [], [], [], []];
  for (const n of graph.nodes) columns[COLUMN[n.type]]!.push(n);
  const hidden = columns.map((c) => Math.max(0, c.length - maxPerColumn));
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, ci) => {
    const shown = col
      .sort((a, b) => a.type.localeCompare(b.type) || a.label.localeCompare(b.label))
      .slice(0, maxPerColumn);
    for (const [i, n] of shown.entries())
      pos.set(n.id, { x: 20 + ci * COL_W, y: TOP + i * (NODE_H + GAP_Y) });
  });
  const rows = Math.max(
    1,
    ...columns.map((c) => Math.min(c.length, maxPerColumn) + (c.length > maxPerColumn ? 1 : 0)),
  );
  const width = 20 + COLUMN_TITLES.length * COL_W;
  const height = TOP + rows * (NODE_H + GAP_Y) + 10;
  const parts: string[] = [];
  parts.push(
    `<svg class="flow" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Execution flow graph">`,
  );
  parts.push(
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker></defs>',
  );
  COLUMN_TITLES.forEach((t, i) => {
    parts.push(`<text class="col-title" x="${20 + i * COL_W}" y="20">${esc(t)}</text>`);
  });
  for (const e of graph.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const sameCol = a.x === b.x;
    // Edges within a column (a tool served by an MCP server) arc out on the right.
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = sameCol ? b.x + NODE_W : b.x;
    const y2 = b.y + NODE_H / 2;
    const d = sameCol
      ? `M${x1},${y1} C${x1 + 30},${y1} ${x2 + 30},${y2} ${x2 + 2},${y2}`
      : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
    parts.push(
      `<path class="edge" data-relation="${esc(e.relation)}" d="${d}" marker-end="url(#arrow)"><title>${esc(`${e.relation} ×${e.count}`)}</title></path>`,
    );
  }
  for (const [id, p] of pos) {
    const n = graph.nodes.find((x) => x.id === id)!;
    parts.push(
      `<g class="node" data-type="${esc(n.type)}" data-id="${esc(n.id)}"><rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6" fill="${COLOUR[n.type]}"/><text x="${p.x + 8}" y="${p.y + 21}">${esc(clip(n.label, 28))}</text><title>${esc(`${n.type}: ${n.label}${n.workloadId ? ` (${n.workloadId})` : ''}${n.properties['calledBy'] ? `; called by ${n.properties['calledBy']}` : ''}${n.properties['sdks'] ? ` through ${n.properties['sdks']}` : ''}`)}</title></g>`,
    );
  }
  hidden.forEach((h, ci) => {
    if (h > 0) {
      parts.push(
        `<text class="more" x="${20 + ci * COL_W}" y="${TOP + maxPerColumn * (NODE_H + GAP_Y) + 20}">+${h} more</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}
